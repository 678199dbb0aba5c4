/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.testing.Flood;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.RawWebSocket;
import io.github.reactormongoose.testing.WebSocketRecorder;
import io.github.reactormongoose.testing.WebSocketRecorder.Close;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebsocketTest extends BaseHttpTest {

	private static WebSocket connect(DisposableServer server, String path, WebSocketRecorder recorder, String... protocols)
			throws Exception {
		WebSocket.Builder b = jdkClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
		if (protocols.length > 0) {
			String[] rest = new String[protocols.length - 1];
			System.arraycopy(protocols, 1, rest, 0, rest.length);
			b = b.subprotocols(protocols[0], rest);
		}
		return b.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + path), recorder).get(10, TimeUnit.SECONDS);
	}

	private DisposableServer echoServer() {
		return bind(HttpServer.create().route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
	}

	/**
	 * A close frame carries at most 125 bytes (RFC 6455 5.5): a longer reason is cut to 123
	 * bytes at a character boundary, so the JDK client (strict about control frames) reads it.
	 */
	@Test
	void aLongCloseReasonIsCutToFitTheFrame() throws Exception {
		String reason = "é".repeat(100); // 200 bytes of UTF-8
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/bye",
				(in, out) -> out.sendClose(4000, reason))));
		WebSocketRecorder c = new WebSocketRecorder();
		jdkClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/bye"), c)
				.get(10, TimeUnit.SECONDS);
		Close close = c.awaitClose();
		assertThat(close.code()).isEqualTo(4000);
		assertThat(close.reason()).isEqualTo("é".repeat(61)); // 122 bytes: the 62nd would cut a character
	}

	/**
	 * A CLOSE frame given to send() is held to sendClose's rules: a code that may not be sent
	 * (1005, 1006, 1015, reserved ones), one byte or a reason that is not UTF-8 fails the send
	 * with IllegalArgumentException and is not written (it went on the wire, and the peer failed
	 * the session with 1002). The handler here goes on and ends, so the peer reads close 1000.
	 */
	@Test
	void aCloseFrameThatMayNotBeSentFailsTheSend() throws Exception {
		java.util.List<byte[]> bad = RawWebSocket.unsendableClosePayloads();
		java.util.concurrent.LinkedBlockingQueue<Throwable> errors = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer server = bind(HttpServer.create().route(r -> {
			for (int i = 0; i < bad.size(); i++) {
				byte[] p = bad.get(i);
				r.ws("/close" + i, (in, out) -> out.send(Mono.just(new WebSocketFrame(WebSocketFrame.Type.CLOSE, p)))
						.onErrorResume(e -> Mono.fromRunnable(() -> errors.add(e))));
			}
		}));
		for (int i = 0; i < bad.size(); i++) {
			try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/close" + i)) {
				RawWebSocket.Frame close = ws.read();
				assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
				assertThat(close.closeCode()).as("close frame for payload %d", i).isEqualTo(1000);
				assertThat(errors.poll(10, TimeUnit.SECONDS)).as("send error for payload %d", i)
						.isInstanceOf(IllegalArgumentException.class);
			}
		}
	}

	/**
	 * After a CLOSE frame sent with send(), receiveCloseStatus() is the status sent, as after
	 * sendClose() (it was 1006, the peer's echo being discarded as coming after our close); an
	 * empty CLOSE frame carries no code: 1005.
	 */
	@Test
	void aCloseFrameSentWithSendIsTheCloseStatus() throws Exception {
		java.util.concurrent.LinkedBlockingQueue<WebSocketCloseStatus> status = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.ws("/code", (in, out) -> out.send(Mono.just(new WebSocketFrame(WebSocketFrame.Type.CLOSE,
						RawWebSocket.closePayload(4000, "done"))))
						.then(in.receiveCloseStatus().doOnNext(status::add).then()))
				.ws("/empty", (in, out) -> out.send(Mono.just(new WebSocketFrame(WebSocketFrame.Type.CLOSE, new byte[0])))
						.then(in.receiveCloseStatus().doOnNext(status::add).then()))));
		try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/code")) {
			RawWebSocket.Frame close = ws.read();
			assertThat(close.closeCode()).isEqualTo(4000);
			ws.write(RawWebSocket.frame(true, 0, RawWebSocket.CLOSE, RawWebSocket.closePayload(4000, "")));
			assertThat(ws.isClosedByPeer()).isTrue();
		}
		assertThat(status.poll(10, TimeUnit.SECONDS)).isEqualTo(new WebSocketCloseStatus(4000, "done"));
		try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/empty")) {
			RawWebSocket.Frame close = ws.read();
			assertThat(close.payload()).isEmpty();
			ws.write(RawWebSocket.frame(true, 0, RawWebSocket.CLOSE, new byte[0]));
			assertThat(ws.isClosedByPeer()).isTrue();
		}
		assertThat(status.poll(10, TimeUnit.SECONDS)).isEqualTo(WebSocketCloseStatus.EMPTY);
	}

	@Test
	void textMessagesAreEchoedInOrder() throws Exception {
		DisposableServer server = echoServer();
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/echo", c);
		ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("hello");
		for (int i = 0; i < 3; i++) {
			ws.sendText("message " + i + " \u00e9\u4e16", true).get(10, TimeUnit.SECONDS);
		}
		for (int i = 0; i < 3; i++) {
			assertThat(c.next()).isEqualTo("message " + i + " \u00e9\u4e16");
		}
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
		assertThat(c.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
	}

	@Test
	void binaryMessagesAreEchoedByteExact() throws Exception {
		DisposableServer server = echoServer();
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/echo", c);
		byte[] data = new byte[60_000];
		new Random(3).nextBytes(data);
		for (int i = 0; i < 256; i++) {
			data[i] = (byte) i;
		}
		ws.sendBinary(ByteBuffer.wrap(data), true).get(10, TimeUnit.SECONDS);
		assertThat((byte[]) c.next()).isEqualTo(data);
		ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 0, 0}), true).get(10, TimeUnit.SECONDS);
		assertThat((byte[]) c.next()).isEqualTo(new byte[] {0, 0, 0});
	}

	@Test
	void fragmentedClientMessageArrivesReassembled() throws Exception {
		DisposableServer server = echoServer();
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/echo", c);
		ws.sendText("frag", false).get(10, TimeUnit.SECONDS);
		ws.sendText("men", false).get(10, TimeUnit.SECONDS);
		ws.sendText("ted", true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("fragmented");
	}

	@Test
	void serverInitiatedCloseCarriesCodeAndReason() throws Exception {
		CompletableFuture<WebSocketCloseStatus> serverSide = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/close", (in, out) -> {
			in.receiveCloseStatus().subscribe(serverSide::complete);
			return out.sendString(Mono.just("bye soon")).then(out.sendClose(4001, "going away now"));
		})));
		WebSocketRecorder c = new WebSocketRecorder();
		connect(server, "/close", c);
		assertThat(c.next()).isEqualTo("bye soon");
		assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(new Close(4001, "going away now"));
		assertThat(serverSide.get(10, TimeUnit.SECONDS)).isEqualTo(new WebSocketCloseStatus(4001, "going away now"));
	}

	@Test
	void clientCloseIsSeenByTheServer() throws Exception {
		CompletableFuture<WebSocketCloseStatus> serverSide = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/ws",
				(in, out) -> out.send(in.receive()).and(in.receiveCloseStatus().doOnNext(serverSide::complete)))));
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/ws", c);
		ws.sendText("before close", true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("before close");
		ws.sendClose(4002, "client bye").get(10, TimeUnit.SECONDS);
		assertThat(serverSide.get(10, TimeUnit.SECONDS)).isEqualTo(new WebSocketCloseStatus(4002, "client bye"));
		assertThat(c.closed.get(10, TimeUnit.SECONDS)).as("server answers the close").isNotNull();
	}

	@Test
	void messageOverTheLimitClosesWith1009() throws Exception {
		CompletableFuture<WebSocketCloseStatus> serverSide = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().maxWebsocketFrameSize(1024).route(r -> r.ws("/echo",
				(in, out) -> {
					in.receiveCloseStatus().subscribe(serverSide::complete);
					return out.send(in.receive());
				})));
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/echo", c);
		ws.sendText("x".repeat(1000), true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("x".repeat(1000));
		ws.sendText("y".repeat(4096), true).get(10, TimeUnit.SECONDS);
		Close close;
		try {
			close = c.closed.get(5, TimeUnit.SECONDS);
		}
		catch (java.util.concurrent.TimeoutException e) {
			Object echoed = c.messages.peek();
			throw new AssertionError("no close within 5 s after a 4096-byte message (limit 1024); "
					+ (echoed == null ? "nothing echoed" : "instead it was delivered and echoed ("
							+ (echoed instanceof String str ? str.length() + " chars" : "binary") + ")"), e);
		}
		assertThat(close.code()).isEqualTo(1009);
		assertThat(c.messages).as("the oversized message is not echoed").isEmpty();
		assertThat(serverSide.get(10, TimeUnit.SECONDS).code()).isEqualTo(1009);
	}

	/** A masked text frame of {@code len} bytes of {@code 'y'} (mask key 0). */
	private static byte[] maskedTextFrame(int len) {
		// the length in its shortest form (RFC 6455 5.2; another is refused with 1002): len >= 126
		int n = len < 65536 ? 2 : 8;
		byte[] f = new byte[2 + n + 4 + len];
		f[0] = (byte) 0x81;
		f[1] = (byte) (0x80 | (n == 2 ? 126 : 127));
		for (int i = 0; i < n; i++) {
			f[2 + i] = (byte) ((long) len >>> (8 * (n - 1 - i)));
		}
		java.util.Arrays.fill(f, 2 + n + 4, f.length, (byte) 'y');
		return f;
	}

	/**
	 * A peer that floods PINGs and reads nothing: Mongoose answers each with a PONG, and those
	 * answers must not pile up in the server without bound. Once about 1 MiB waits to be sent,
	 * the server stops reading that connection, so the peer's writes stall (before: the server
	 * read on at full speed, its send buffer growing by every PONG); reading the answers lets it
	 * go on.
	 */
	@Test
	void aPingFloodThatReadsNothingIsSlowedDownInsteadOfBuffered() throws Exception {
		DisposableServer server = bind(HttpServer.create()
				.route(r -> r.ws("/ws", (in, out) -> in.receive().then())));
		try (Flood flood = Flood.connect(server.port()); RawHttp c = RawHttp.wrap(flood.socket()).soTimeout(10_000)) {
			c.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			assertThat(c.read(true).status()).isEqualTo(101);
			byte[] ping = new byte[6 + 125]; // masked PING, 125 bytes (the largest control frame), mask 0
			ping[0] = (byte) 0x89;
			ping[1] = (byte) (0x80 | 125);
			byte[] batch = new byte[ping.length * 1000];
			for (int i = 0; i < 1000; i++) {
				System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
			}
			flood.start(batch);
			boolean stalled = flood.awaitStall(2_000, 30_000);
			long stalledAt = flood.batches() * batch.length;
			assertThat(stalled).as("the flood's writes stall (%d bytes sent)", stalledAt).isTrue();
			assertThat(stalledAt).as("bytes the server took in before it stopped reading").isLessThan(64L * 1024 * 1024);
			// reading the PONGs lets the flood go on
			java.io.InputStream in = flood.socket().getInputStream();
			byte[] buf = new byte[64 * 1024];
			assertThat(in.read() & 0xff).as("a PONG").isEqualTo(0x8A);
			long goal = stalledAt + 4L * 1024 * 1024;
			long readDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
			while (flood.batches() * batch.length < goal && System.nanoTime() < readDeadline && in.read(buf) >= 0) {
				// read on
			}
			assertThat(flood.batches() * batch.length).as("writes go on while the answers are read").isGreaterThanOrEqualTo(goal);
		}
	}

	/**
	 * Messages nobody requests queue up to a bound in bytes as well as in number: with 1 MiB
	 * messages, the server stops reading once about 1 MiB waits (before: only after 64
	 * messages, 64 MiB per session, so four slow Spring sessions took a 256 MiB heap to
	 * OutOfMemoryError where Reactor Netty held about one message each). Reading resumes when
	 * the handler takes them.
	 */
	@Test
	void largeMessagesNobodyRequestsQueueUpToAByteBound() throws Exception {
		reactor.core.publisher.Sinks.Empty<Void> gate = reactor.core.publisher.Sinks.empty();
		java.util.concurrent.Semaphore received = new java.util.concurrent.Semaphore(0);
		DisposableServer server = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20)
				.route(r -> r.ws("/ws", (in, out) -> in.receive()
						.concatMap(f -> gate.asMono().doFinally(x -> received.release()), 1).then())));
		try (Flood flood = Flood.connectWithDefaultBuffers(server.port());
				RawHttp c = RawHttp.wrap(flood.socket()).soTimeout(10_000)) {
			c.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			assertThat(c.read(true).status()).isEqualTo(101);
			byte[] frame = new byte[14 + (1 << 20)]; // masked BINARY of 1 MiB, 64-bit length, mask 0
			frame[0] = (byte) 0x82;
			frame[1] = (byte) (0x80 | 127);
			frame[7] = 0x10; // 1 << 20
			flood.start(frame);
			assertThat(flood.awaitStall(300, 30_000)).as("the writes stall").isTrue();
			long stalledAt = flood.batches();
			// what the kernel's buffers hold on both ends, the message being read and one queued
			assertThat(stalledAt).as("messages the server took in before it stopped reading").isLessThan(32);
			gate.tryEmitEmpty();
			assertThat(received.tryAcquire((int) stalledAt + 8, 20, TimeUnit.SECONDS))
					.as("the handler takes the queued messages and reading resumes").isTrue();
		}
	}

	/**
	 * A handshake for another protocol version is refused with 426 and the version this server
	 * speaks (RFC 6455, section 4.2.2), and the connection serves the client's next request.
	 */
	@Test
	void otherWebsocketVersionsGet426NamingVersion13() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.ws("/echo", (in, out) -> out.send(in.receive()))
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		for (String version : new String[] {"8", "14", "13, 8"}) {
			try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
				c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
						+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.status()).as("version %s", version).isEqualTo(426);
				assertThat(r.header("Sec-WebSocket-Version")).isEqualTo("13");
				assertThat(r.header("Upgrade")).isEqualTo("websocket");
				assertThat(r.header("Connection")).isEqualTo("Upgrade");
				c.write(RawHttp.get("/hello"));
				assertThat(c.read().bodyString()).isEqualTo("hello");
			}
		}
	}

	/** The default limit is exact, also when a whole frame arrives in a single write. */
	@Test
	void defaultLimitIsExactForAFrameSentInOneWrite() throws Exception {
		DisposableServer server = bind(HttpServer.create()
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
		int limit = HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME;
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			assertThat(c.read(true).status()).isEqualTo(101);
			java.io.DataInputStream in = new java.io.DataInputStream(c.socket().getInputStream());

			c.write(maskedTextFrame(limit)); // exactly at the limit: echoed
			assertThat(in.readUnsignedByte()).as("TEXT frame").isEqualTo(0x81);
			assertThat(in.readUnsignedByte()).isEqualTo(127);
			assertThat(in.readLong()).isEqualTo(limit);
			byte[] echoed = new byte[limit];
			in.readFully(echoed);
			assertThat(new String(echoed, StandardCharsets.US_ASCII)).isEqualTo("y".repeat(limit));

			c.write(maskedTextFrame(limit + 1)); // one byte over: close 1009, not echoed
			assertThat(in.readUnsignedByte()).as("CLOSE frame").isEqualTo(0x88);
			int len = in.readUnsignedByte();
			assertThat(in.readUnsignedShort()).as("close code").isEqualTo(1009);
			in.readFully(new byte[len - 2]);
			assertThat(in.read()).as("EOF after the close frame").isEqualTo(-1);
		}
	}

	/**
	 * {@code WebsocketServerSpec.maxFramePayloadLength} gives one endpoint its own message limit,
	 * above or below the server's {@code maxWebsocketFrameSize}, exact to the byte; endpoints
	 * without one keep the server's.
	 */
	@Test
	void anEndpointsMaxFramePayloadLengthReplacesTheServersLimit() throws Exception {
		CompletableFuture<Throwable> smallFailure = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().maxWebsocketFrameSize(1024).route(r -> r
				.ws("/large", (in, out) -> out.send(in.receive()),
						WebsocketServerSpec.builder().maxFramePayloadLength(300_000).build())
				.ws("/small", (in, out) -> out.send(in.receive().doOnError(smallFailure::complete)),
						WebsocketServerSpec.builder().maxFramePayloadLength(200).build())
				.ws("/server", (in, out) -> out.send(in.receive()))));
		assertLimitIsExact(server.port(), "/large", 300_000);
		assertLimitIsExact(server.port(), "/small", 200);
		assertLimitIsExact(server.port(), "/server", 1024);
		assertThat(smallFailure.get(10, TimeUnit.SECONDS)).isInstanceOf(WebSocketProtocolException.class)
				.hasMessageContaining("1009").hasMessageContaining("limit of 200 bytes");

		// the JDK's client: a 300,000-character message comes back whole; one over the limit of
		// /small gets close 1009
		WebSocketRecorder large = new WebSocketRecorder();
		WebSocket ws = connect(server, "/large", large);
		String text = "z".repeat(300_000);
		ws.sendText(text, true).get(10, TimeUnit.SECONDS);
		assertThat(large.next()).isEqualTo(text);
		WebSocketRecorder small = new WebSocketRecorder();
		connect(server, "/small", small).sendText("s".repeat(201), true).get(10, TimeUnit.SECONDS);
		assertThat(small.awaitClose().code()).isEqualTo(1009);
	}

	@Test
	void anEndpointLimitOutsideTheServersRangeIsRefusedWhenItIsSet() {
		assertThatThrownBy(() -> WebsocketServerSpec.builder().maxFramePayloadLength(124))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxFramePayloadLength must be 125..");
		assertThatThrownBy(() -> WebsocketServerSpec.builder().maxFramePayloadLength(64 << 20))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": " + (64 << 20));
		assertThat(WebsocketServerSpec.builder().build().maxFramePayloadLength()).as("unset: the server's").isZero();
		assertThat(WebsocketServerSpec.builder().maxFramePayloadLength(125).build().maxFramePayloadLength()).isEqualTo(125);
	}

	/**
	 * A message of exactly {@code limit} bytes, sent in one write, is echoed; the header of one
	 * byte more closes the session with 1009.
	 */
	private static void assertLimitIsExact(int port, String path, int limit) throws Exception {
		try (RawWebSocket ws = RawWebSocket.connect(port, path).soTimeout(10_000)) {
			byte[] at = "y".repeat(limit).getBytes(StandardCharsets.US_ASCII);
			ws.write(RawWebSocket.frame(true, 0, RawWebSocket.TEXT, at));
			RawWebSocket.Frame echo = ws.read();
			assertThat(echo.opcode()).as("%s: echo of %d bytes", path, limit).isEqualTo(RawWebSocket.TEXT);
			assertThat(echo.payload()).isEqualTo(at);
			// one byte more: refused as soon as the frame's header arrives (the rest is never sent)
			byte[] over = RawWebSocket.frame(true, 0, RawWebSocket.TEXT, ("y".repeat(limit) + "!").getBytes(StandardCharsets.US_ASCII));
			ws.write(java.util.Arrays.copyOf(over, 256));
			assertThat(ws.awaitCloseAndEof().closeCode()).as("%s: %d bytes", path, limit + 1).isEqualTo(1009);
		}
	}

	@Test
	void oversizedFrameGetsOneCloseFrameAndItsRemainingBytesAreNotParsedAsFrames() throws Exception {
		DisposableServer server = bind(HttpServer.create().maxWebsocketFrameSize(1024)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			assertThat(c.read(true).status()).isEqualTo(101);
			c.write(maskedTextFrame(20_000));
			// read until EOF, keeping what arrived before a possible reset
			java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
			java.io.InputStream in = c.socket().getInputStream();
			byte[] buf = new byte[8192];
			String end;
			try {
				int n;
				while ((n = in.read(buf)) >= 0) {
					got.write(buf, 0, n);
				}
				end = "EOF";
			}
			catch (java.net.SocketTimeoutException e) {
				throw new AssertionError("connection not closed after an oversized frame", e);
			}
			catch (java.io.IOException e) {
				end = e.toString();
			}
			byte[] answer = got.toByteArray();
			assertThat(answer.length).as("bytes before %s", end).isGreaterThanOrEqualTo(4);
			assertThat(answer.length).as("answer bytes").isGreaterThanOrEqualTo(4);
			assertThat(answer[0] & 0xff).as("first frame is CLOSE").isEqualTo(0x88);
			int len = answer[1] & 0x7f;
			assertThat(((answer[2] & 0xff) << 8) | (answer[3] & 0xff)).as("close code").isEqualTo(1009);
			assertThat(answer.length).as("nothing after the close frame (got: %s)",
					java.util.HexFormat.of().formatHex(answer, 0, Math.min(answer.length, 48))).isEqualTo(2 + len);
		}
	}

	@Test
	void receiveFramesShowsTheClientsPingAfterTheAutomaticPong() throws Exception {
		CompletableFuture<WebSocketFrame> ping = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/frames", (in, out) -> in.receiveFrames()
				.doOnNext(f -> {
					if (f.type() == WebSocketFrame.Type.PING) {
						ping.complete(f);
					}
				})
				.then())));
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/frames", c);
		ws.sendPing(ByteBuffer.wrap(new byte[] {7, 8, 9})).get(10, TimeUnit.SECONDS);
		WebSocketFrame f = ping.get(10, TimeUnit.SECONDS);
		assertThat(f.payload()).containsExactly(7, 8, 9);
		assertThat(c.pongs.poll(10, TimeUnit.SECONDS)).as("automatic pong").isNotNull();
	}

	/**
	 * handlePing(true): the server sends no PONG of its own; the handler answers the PING when
	 * it chooses (here on the client's "answer"). Frames come in order, so once the echo of
	 * "hello", sent after the PING, is in, an automatic PONG would have come before it.
	 */
	@Test
	void withHandlePingTheHandlerAnswersPingsItself() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/own", (in, out) -> {
			java.util.concurrent.atomic.AtomicReference<byte[]> ping = new java.util.concurrent.atomic.AtomicReference<>();
			return out.send(in.receiveFrames().<WebSocketFrame>handle((f, sink) -> {
				if (f.type() == WebSocketFrame.Type.PING) {
					ping.set(f.payload());
				}
				else if (f.type() == WebSocketFrame.Type.TEXT) {
					sink.next("answer".equals(f.text()) ? WebSocketFrame.pong(ping.get()) : f);
				}
			}));
		}, WebsocketServerSpec.builder().handlePing(true).build())));
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/own", c);
		ws.sendPing(ByteBuffer.wrap("p1".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
		ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("hello");
		assertThat(c.pongs).as("no PONG but the handler's").isEmpty();
		ws.sendText("answer", true).get(10, TimeUnit.SECONDS);
		byte[] pong = c.pongs.poll(10, TimeUnit.SECONDS);
		assertThat(pong).isNotNull();
		assertThat(new String(pong, StandardCharsets.UTF_8)).isEqualTo("p1");
		assertThat(WebsocketServerSpec.builder().handlePing(true).build().handlePing()).isTrue();
		assertThat(WebsocketServerSpec.defaults().handlePing()).isFalse();
	}

	@Test
	void subprotocolIsNegotiated() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/proto",
				(in, out) -> out.sendString(Mono.just("selected " + in.selectedSubprotocol() + " version "
						+ in.headers().get("sec-websocket-version"))), "a")));
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/proto", c, "b", "a");
		assertThat(ws.getSubprotocol()).isEqualTo("a");
		assertThat(c.next()).isEqualTo("selected a version 13");

		WebSocketRecorder none = new WebSocketRecorder();
		WebSocket ws2 = connect(server, "/proto", none, "c");
		assertThat(ws2.getSubprotocol()).isEmpty();
		assertThat(none.next()).isEqualTo("selected null version 13");
	}

	@Test
	void pingFromTheClientGetsAPong() throws Exception {
		DisposableServer server = echoServer();
		WebSocketRecorder c = new WebSocketRecorder();
		WebSocket ws = connect(server, "/echo", c);
		ws.sendPing(ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
		byte[] pong = c.pongs.poll(10, TimeUnit.SECONDS);
		assertThat(pong).isNotNull();
		assertThat(new String(pong, StandardCharsets.UTF_8)).isEqualTo("are you there");
		ws.sendText("still open", true).get(10, TimeUnit.SECONDS);
		assertThat(c.next()).isEqualTo("still open");
	}

	@Test
	void plainGetToAWebsocketRouteGets400() throws Exception {
		DisposableServer server = echoServer();
		HttpResponse<String> r = get(server, "/echo");
		assertThat(r.statusCode()).isEqualTo(400);
	}

	@Test
	void handshakeAnswerIsExact() throws Exception {
		DisposableServer server = echoServer();
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
			RawHttp.Response r = c.read(true);
			assertThat(r.status()).isEqualTo(101);
			assertThat(r.header("Upgrade")).isEqualToIgnoringCase("websocket");
			assertThat(r.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
		}
	}

	@Test
	void serverPushesAStreamThenClosesNormally() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/ticks",
				(in, out) -> out.sendString(Flux.interval(Duration.ofMillis(20)).take(5).map(i -> "tick " + i)))));
		WebSocketRecorder c = new WebSocketRecorder();
		connect(server, "/ticks", c);
		for (int i = 0; i < 5; i++) {
			assertThat(c.next()).isEqualTo("tick " + i);
		}
		assertThat(c.closed.get(10, TimeUnit.SECONDS).code()).isEqualTo(1000);
	}

	/**
	 * Messages that arrive in the same read as the client's close are echoed after Mongoose has
	 * already answered the close: those sends fail with AbortedException, which ends an echo
	 * handler. That is the peer's normal close, not a handler failure: no ERROR with a stack
	 * trace (there was one for most such sessions).
	 */
	@Test
	void aCloseRightBehindMessagesIsNoHandlerFailure() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/ws", (in, out) -> out.send(in.receive()))));
		try (LogCapture log = LogCapture.of("io.github.reactormongoose.internal.websocket.WebsocketSession")) {
			for (int i = 0; i < 20; i++) {
				try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/ws")) {
					java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
					for (int m = 0; m < 5; m++) {
						burst.write(RawWebSocket.frame(true, 0, RawWebSocket.TEXT, ("message " + m).getBytes(StandardCharsets.UTF_8)));
					}
					burst.write(RawWebSocket.frame(true, 0, RawWebSocket.CLOSE, RawWebSocket.closePayload(1000, "")));
					ws.write(burst.toByteArray());
					assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1000);
				}
			}
			Thread.sleep(200); // the last session's handler ends on the poll thread after the close
			assertThat(log.lines()).noneMatch(l -> l.contains("handler failed"));
		}
	}

	/**
	 * A 16 MiB message in one frame, then one in 256 fragments of 64 KiB, on a server that
	 * allows 32 MiB: both are echoed whole. The receive buffer is sized for a frame from its
	 * header (and at least doubled for a fragment): it grew by 16 KiB per read, copying what it
	 * held each time, quadratic in the message's size (28 s for the frame and 8 s for the
	 * fragments on a loaded machine; 0.5 s and 0.7 s with it sized). No timing is asserted.
	 */
	@Test
	void largeMessagesInOneFrameOrInFragmentsAreEchoedWhole() throws Exception {
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(32 << 20)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
		byte[] payload = new byte[16 << 20];
		new Random(16).nextBytes(payload);
		try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/echo")) {
			for (int i = 0; i < 2; i++) {
				if (i == 0) {
					ws.send(true, RawWebSocket.BINARY, payload);
				}
				else {
					for (int k = 0; k < payload.length; k += 65536) {
						ws.send(k + 65536 >= payload.length, k == 0 ? RawWebSocket.BINARY : RawWebSocket.CONT,
								java.util.Arrays.copyOfRange(payload, k, k + 65536));
					}
				}
				RawWebSocket.Frame f = ws.read();
				assertThat(f.opcode()).isEqualTo(RawWebSocket.BINARY);
				assertThat(f.payload()).as("message " + i).isEqualTo(payload);
			}
		}
	}

	/**
	 * A message and the peer's close in one write: the echo of the message fails, as Mongoose
	 * answered the close before its record reached Java, and the handler ends with that error.
	 * The close status is still the peer's 1000 "bye": it was 1011 "internal error" in every
	 * such session, a close the server never sent (the failed send passed for one).
	 */
	@Test
	void theCloseStatusIsThePeersWhenAMessageComesInTheSameWriteAsItsClose() throws Exception {
		java.util.concurrent.BlockingQueue<WebSocketCloseStatus> status = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/ws", (in, out) -> {
			in.receiveCloseStatus().subscribe(status::add);
			return out.send(in.receive());
		})));
		for (int i = 0; i < 20; i++) {
			try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/ws")) {
				java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream();
				burst.write(RawWebSocket.frame(true, 0, RawWebSocket.TEXT, "hello".getBytes(StandardCharsets.UTF_8)));
				burst.write(RawWebSocket.frame(true, 0, RawWebSocket.CLOSE, RawWebSocket.closePayload(1000, "bye")));
				ws.write(burst.toByteArray());
				assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1000);
			}
			assertThat(status.poll(10, TimeUnit.SECONDS)).as("session " + i).isEqualTo(new WebSocketCloseStatus(1000, "bye"));
		}
	}

	/**
	 * A peer that drops the TCP connection without a close frame while the server sends to it:
	 * the close status is 1006, as documented. The send failing on the closing connection ended
	 * the handler with an error, which reported 1011 "internal error" (never sent: the
	 * connection was gone) in every such session.
	 */
	@Test
	void aPeerGoneWithoutACloseDuringASendIsAbnormal() throws Exception {
		java.util.concurrent.BlockingQueue<WebSocketCloseStatus> status = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/flood", (in, out) -> {
			in.receiveCloseStatus().subscribe(status::add);
			return out.sendBytes(Flux.<byte[]>generate(sink -> sink.next(new byte[65536])));
		})));
		for (int i = 0; i < 10; i++) {
			try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/flood")) {
				assertThat(ws.read().payload()).hasSize(65536);
				assertThat(ws.read().payload()).hasSize(65536);
			}
			assertThat(status.poll(10, TimeUnit.SECONDS)).as("session " + i).isEqualTo(WebSocketCloseStatus.ABNORMAL);
		}
	}

	/**
	 * Cancelling an outbound send stops pulling its frames, as in Reactor Netty: "tick until the
	 * client speaks, then say bye" sends nothing after the bye (the ticks went on until the
	 * session closed).
	 */
	@Test
	void aCancelledSendStopsPullingItsFrames() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/ticks", (in, out) -> out
				.sendString(Flux.interval(Duration.ofMillis(20)).map(i -> "tick" + i))
				.then().takeUntilOther(in.receive().next())
				.then(out.sendString(Mono.just("bye")).then())
				.then(Mono.never()))));
		WebSocketRecorder rec = new WebSocketRecorder();
		WebSocket ws = connect(s, "/ticks", rec);
		assertThat((String) rec.next()).startsWith("tick");
		ws.sendText("stop", true).get(10, TimeUnit.SECONDS);
		Object m;
		while (!"bye".equals(m = rec.next())) {
			assertThat((String) m).startsWith("tick");
		}
		assertThat(rec.messages.poll(600, TimeUnit.MILLISECONDS)).as("nothing after the bye").isNull();
		ws.abort();
	}

	/**
	 * Close codes that may not be sent (RFC 6455 7.4: 1005, 1006, 1015 and the reserved ones) are
	 * refused by sendClose (as Reactor Netty's are) instead of reaching the peer, which would
	 * fail the session with 1002; a control frame over 125 bytes cannot be made.
	 */
	@Test
	void closeCodesThatMayNotBeSentAndLongControlFramesAreRefused() throws Exception {
		for (int code : new int[] {1004, 1005, 1006, 1015, 1016, 2999}) {
			assertThatThrownBy(() -> WebSocketCloseStatus.toSend(code, "")).as("code " + code)
					.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("may not be sent");
		}
		for (int code : new int[] {1000, 1003, 1007, 1014, 3000, 4999}) {
			assertThat(WebSocketCloseStatus.toSend(code, "").code()).isEqualTo(code);
		}
		assertThatThrownBy(() -> WebSocketFrame.ping(new byte[126])).isInstanceOf(IllegalArgumentException.class);
		assertThat(WebSocketFrame.ping(new byte[125]).payload()).hasSize(125);
		// on the wire: the handler's sendClose(1005) fails it, and the client gets 1011, not 1005
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/bad-close",
				(in, out) -> Mono.defer(() -> out.sendClose(1005, "")))));
		WebSocketRecorder rec = new WebSocketRecorder();
		connect(s, "/bad-close", rec);
		assertThat(rec.awaitClose().code()).isEqualTo(1011);
	}

	/** Sec-WebSocket-Protocol on several lines is one list (RFC 6455 11.3.4): only the first line was read. */
	@Test
	void subprotocolsOfferedOnSeveralLinesAreOneList() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/proto", (in, out) -> out.send(in.receive()),
				WebsocketServerSpec.builder().protocols("chat, superchat").build())));
		try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/proto", "Sec-WebSocket-Protocol: foo\r\nSec-WebSocket-Protocol: chat\r\n")) {
			assertThat(ws.responseHeader("Sec-WebSocket-Protocol")).isEqualTo("chat");
		}
	}
}
