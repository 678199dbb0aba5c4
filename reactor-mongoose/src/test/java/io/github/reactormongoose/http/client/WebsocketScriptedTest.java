/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static io.github.reactormongoose.testing.RawWebSocket.serverFrame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The WebSocket client against a scripted raw-socket server: frames that arrive with the 101,
 * fragments, the PONG the client must send (masked), and every framing violation.
 */
class WebsocketScriptedTest extends BaseHttpTest {

	/** Answers the upgrade with a correct 101 followed, in the same write, by {@code frames}. */
	private static ScriptedServer server(byte[] frames, CompletableFuture<byte[]> clientFrame) throws IOException {
		return server(frames, clientFrame, 0);
	}

	/**
	 * As {@link #server(byte[], CompletableFuture)}, the frames {@code delayMillis} after the 101
	 * when that is not 0: the handler has subscribed by then, so that the session's inbound is
	 * failed straight into it.
	 */
	private static ScriptedServer server(byte[] frames, CompletableFuture<byte[]> clientFrame, long delayMillis)
			throws IOException {
		return new ScriptedServer(c -> {
			String head = c.readHead();
			String accept = ScriptedServer.websocketAccept(head);
			ByteArrayOutputStream o = new ByteArrayOutputStream();
			o.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes());
			if (delayMillis > 0) {
				c.out.write(o.toByteArray());
				c.out.flush();
				o.reset();
				Thread.sleep(delayMillis);
			}
			o.write(frames);
			c.out.write(o.toByteArray());
			c.out.flush();
			if (clientFrame != null) {
				clientFrame.complete(readFrame(c.in));
			}
			c.awaitClientClose(5000);
		});
	}

	/** One client frame (up to 64 KiB): byte 0, then the unmasked payload; fails if it was not masked. */
	static byte[] readFrame(InputStream raw) throws IOException {
		java.io.DataInputStream in = new java.io.DataInputStream(raw);
		int b0 = in.readUnsignedByte();
		int b1 = in.readUnsignedByte();
		assertThat(b1 & 0x80).as("client frames are masked").isEqualTo(0x80);
		int len = b1 & 0x7f;
		if (len == 126) {
			len = in.readUnsignedShort();
		}
		byte[] mask = in.readNBytes(4);
		byte[] p = in.readNBytes(len);
		byte[] out = new byte[len + 1];
		out[0] = (byte) b0;
		for (int i = 0; i < len; i++) {
			out[i + 1] = (byte) (p[i] ^ mask[i & 3]);
		}
		return out;
	}

	private static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		for (byte[] p : parts) {
			o.writeBytes(p);
		}
		return o.toByteArray();
	}

	@Test
	void framesThatCameWithThe101AndFragmentsAreDelivered() throws Exception {
		byte[] frames = concat(serverFrame(0x81, "first".getBytes()), serverFrame(0x01, "hel".getBytes()), serverFrame(0x89, "pi".getBytes()),
				serverFrame(0x80, "lo".getBytes()));
		CompletableFuture<byte[]> pong = new CompletableFuture<>();
		try (ScriptedServer s = server(frames, pong)) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receiveFrames().take(3).map(f -> f.type() + ":" + f.text())))
					.expectNext("TEXT:first", "PING:pi", "TEXT:hello")
					.expectComplete()
					.verify(TIMEOUT);
			byte[] p = pong.get(10, TimeUnit.SECONDS);
			assertThat(p[0] & 0xff).as("FIN + PONG").isEqualTo(0x8a);
			assertThat(new String(p, 1, p.length - 1)).isEqualTo("pi");
		}
	}

	/**
	 * The violation in {@code frames} fails the handler with {@code code} and sends a CLOSE with
	 * it, whether the frames came with the 101 or once the handler was reading (where the
	 * handler's own end, an error, must not send 1011 first).
	 */
	private void violation(byte[] frames, int code) throws Exception {
		violation(frames, code, 0);
		violation(frames, code, 200);
	}

	private void violation(byte[] frames, int code, long delayMillis) throws Exception {
		CompletableFuture<byte[]> close = new CompletableFuture<>();
		try (ScriptedServer s = server(frames, close, delayMillis)) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketProtocolException.class)
							.extracting(x -> ((WebSocketProtocolException) x).closeStatus().code()).isEqualTo(code))
					.verify(TIMEOUT);
			byte[] f = close.get(10, TimeUnit.SECONDS);
			assertThat(f[0] & 0xff).as("FIN + CLOSE").isEqualTo(0x88);
			assertThat(((f[1] & 0xff) << 8) | (f[2] & 0xff)).isEqualTo(code);
		}
	}

	@Test
	void maskedFrameFromTheServer() throws Exception {
		violation(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 'a' ^ 1, 'b' ^ 2}, 1002);
	}

	@Test
	void reservedBitsAndOpcodes() throws Exception {
		violation(serverFrame(0xC1, "x".getBytes()), 1002);
		violation(serverFrame(0x83, "x".getBytes()), 1002);
	}

	/**
	 * Reserved control opcodes 0xB to 0xF fail the session with 1002, as 3 to 7 do (RFC 6455
	 * 5.2); they were ignored.
	 */
	@Test
	void reservedControlOpcodes() throws Exception {
		for (int op = 0xB; op <= 0xF; op++) {
			violation(serverFrame(0x80 | op, "x".getBytes()), 1002);
		}
	}

	/**
	 * A payload length not in its shortest form (the 16-bit form for under 126 bytes, the 64-bit
	 * form for under 65536, on a data frame or a PING), or a 64-bit length with its top bit set,
	 * fails the session with 1002 (RFC 6455 5.2), as the server does; they were accepted (the
	 * top bit read as 1009).
	 */
	@Test
	void payloadLengthsNotInTheirShortestFormOrWithTheTopBitSet() throws Exception {
		byte[] hello = "hello".getBytes();
		violation(concat(new byte[] {(byte) 0x82, 126, 0, 5}, hello), 1002);
		violation(concat(new byte[] {(byte) 0x82, 126, 0, 125}, new byte[125]), 1002);
		violation(concat(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 0, 0, 0, (byte) 200}, new byte[200]), 1002);
		violation(concat(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}, new byte[65535]), 1002);
		violation(concat(new byte[] {(byte) 0x89, 126, 0, 5}, hello), 1002);
		violation(concat(new byte[] {(byte) 0x82, 127, (byte) 0x80, 0, 0, 0, 0, 0, 0, 5}, hello), 1002);
	}

	@Test
	void fragmentedOrLongControlFrame() throws Exception {
		violation(serverFrame(0x09, "p".getBytes()), 1002);
		violation(new byte[] {(byte) 0x89, 126, 0, (byte) 200}, 1002);
	}

	@Test
	void continuationWithoutAMessageAndNewMessageInsideOne() throws Exception {
		violation(serverFrame(0x80, "x".getBytes()), 1002);
		violation(concat(serverFrame(0x01, "a".getBytes()), serverFrame(0x81, "b".getBytes())), 1002);
	}

	/**
	 * A 16 MiB message in one frame arrives whole. The receive buffer moved its partial frame to
	 * its start on every read, also when nothing had been consumed, which made such a frame cost
	 * time quadratic in its size (32 MiB: 5 s, the JDK's client 0.6 s); no time is asserted here.
	 */
	@Test
	void aLargeMessageInOneFrameArrivesWhole() throws Exception {
		byte[] big = new byte[16 << 20];
		for (int i = 0; i < big.length; i++) {
			big[i] = (byte) (i * 31 + (i >>> 16));
		}
		byte[] frame = concat(new byte[] {(byte) 0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0}, big,
				serverFrame(0x88, (byte) 0x03, (byte) 0xe8));
		try (ScriptedServer s = server(frame, null)) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.maxFramePayloadLength(32 << 20)
					.handle((in, out) -> in.receive()))
					.assertNext(f -> assertThat(f.payload()).as("the 16 MiB payload").isEqualTo(big))
					.expectComplete()
					.verify(Duration.ofSeconds(60));
		}
	}

	@Test
	void messageOverTheLimit() throws Exception {
		violation(serverFrame(0x82, new byte[70_000]), 1009);
	}

	@Test
	void invalidUtf8InText() throws Exception {
		violation(serverFrame(0x81, (byte) 0xc3, (byte) 0x28), 1007);
	}

	/**
	 * A close frame from the server with a code that may not be sent (1005, 1006, 1015, 1004,
	 * 2999, 999), one byte long, or a reason that is not UTF-8, fails the session with
	 * 1002/1007 (RFC 6455 5.5.1, 7.4.1, 8.1), as the server checks its clients; it was taken for a
	 * close and echoed.
	 */
	@Test
	void invalidCloseFrames() throws Exception {
		for (int code : new int[] {1005, 1006, 1015, 1004, 2999, 999}) {
			violation(serverFrame(0x88, (byte) (code >> 8), (byte) code), 1002);
		}
		violation(serverFrame(0x88, (byte) 3), 1002);
		violation(serverFrame(0x88, (byte) 0x03, (byte) 0xe8, (byte) 0xc3, (byte) 0x28), 1007);
	}

	@Test
	void wrongAcceptIsAHandshakeError() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: d3Jvbmc=\r\n\r\n");
			c.awaitClientClose(5000);
		})) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketHandshakeException.class)
							.hasMessageContaining("Sec-WebSocket-Accept"))
					.verify(TIMEOUT);
		}
	}

	/**
	 * The upgrade does not follow redirects, also with followRedirect(true) (as the JDK's
	 * client; Reactor Netty follows): a 301 fails handle() with WebSocketHandshakeException, and
	 * no second request is sent. Documented in http-client.md (Redirects, WebSocket client).
	 */
	@Test
	void theUpgradeDoesNotFollowARedirect() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			if (c.readHead() != null) {
				c.write("HTTP/1.1 301 Moved Permanently\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n");
			}
			c.awaitClientClose(5000);
		})) {
			StepVerifier.create(HttpClient.create().followRedirect(true).websocket().uri("ws://127.0.0.1:" + s.port() + "/old")
					.handle((in, out) -> in.receive()))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebSocketHandshakeException.class)
							.hasMessageContaining("301"))
					.verify(TIMEOUT);
			assertThat(s.requests).hasSize(1);
			assertThat(s.requests.get(0)).startsWith("GET /old ");
		}
	}

	@Test
	void serverCloseIsEchoed() throws Exception {
		CompletableFuture<byte[]> echo = new CompletableFuture<>();
		try (ScriptedServer s = server(serverFrame(0x88, (byte) 0x0f, (byte) 0xa0, (byte) 'o', (byte) 'k'), echo)) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive().then(in.receiveCloseStatus())))
					.expectNext(new WebSocketCloseStatus(4000, "ok"))
					.expectComplete()
					.verify(TIMEOUT);
			byte[] f = echo.get(10, TimeUnit.SECONDS);
			assertThat(f[0] & 0xff).isEqualTo(0x88);
			assertThat(((f[1] & 0xff) << 8) | (f[2] & 0xff)).isEqualTo(4000);
		}
	}
	/** One client frame of any length: its opcode, then its unmasked payload; fails if it was not masked. */
	static byte[] readLongFrame(java.io.DataInputStream in) throws IOException {
		int b0 = in.readUnsignedByte();
		int b1 = in.readUnsignedByte();
		assertThat(b1 & 0x80).as("client frames are masked").isEqualTo(0x80);
		long len = b1 & 0x7f;
		if (len == 126) {
			len = in.readUnsignedShort();
		}
		else if (len == 127) {
			len = in.readLong();
		}
		byte[] mask = in.readNBytes(4);
		byte[] out = new byte[(int) len + 1];
		in.readFully(out, 1, (int) len);
		out[0] = (byte) (b0 & 0x0f);
		for (int i = 0; i < len; i++) {
			out[i + 1] ^= mask[i & 3];
		}
		return out;
	}

	/**
	 * A 16 MiB message and the CLOSE behind it reach a server that reads late: the client's wait
	 * for the server's CLOSE starts once its output, the CLOSE included, has left the process,
	 * and handle() completes only then. The wait started when the CLOSE was queued, so the
	 * connection was closed 5 s later with megabytes unsent: the server got part of the message
	 * and no CLOSE, while the client had completed at once and reported 1000. The client's wait is
	 * lowered from 5 s to 1 s ({@link WebsocketClient#closeWait}), and the server reads nothing
	 * for longer than that.
	 */
	@Test
	void aLargeMessageAndTheCloseBehindItReachAServerThatReadsLate() throws Exception {
		byte[] big = new byte[16 << 20];
		for (int i = 0; i < big.length; i++) {
			big[i] = (byte) (i * 7 + (i >>> 12));
		}
		CountDownLatch reading = new CountDownLatch(1);
		CompletableFuture<byte[]> message = new CompletableFuture<>();
		CompletableFuture<byte[]> close = new CompletableFuture<>();
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.socket.setReceiveBufferSize(64 << 10);
			String head = c.readHead();
			String accept = ScriptedServer.websocketAccept(head);
			c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + accept + "\r\n\r\n");
			Thread.sleep(1500); // reads nothing for longer than the client's 1 s wait for a CLOSE
			reading.countDown();
			java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(c.in));
			try {
				message.complete(readLongFrame(in));
				close.complete(readLongFrame(in));
			}
			catch (IOException e) {
				message.completeExceptionally(e);
				close.completeExceptionally(e);
				return;
			}
			c.out.write(serverFrame(0x88, (byte) 0x03, (byte) 0xe8));
			c.out.flush();
			c.awaitClientClose(5000);
		})) {
			List<Object> atEnd = new CopyOnWriteArrayList<>();
			StepVerifier.create(((WebsocketClient) HttpClient.create().websocket()).closeWait(Duration.ofSeconds(1))
					.uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> out.sendBytes(Mono.just(big)).then()
							.doOnSuccess(v -> in.receiveCloseStatus().subscribe(atEnd::add)))
					.doOnComplete(() -> atEnd.add("completed, server reading: " + (reading.getCount() == 0))))
					.expectComplete()
					.verify(Duration.ofSeconds(60));
			byte[] m = message.get(30, TimeUnit.SECONDS);
			assertThat(m[0]).as("binary").isEqualTo((byte) 2);
			assertThat(java.util.Arrays.copyOfRange(m, 1, m.length)).as("the whole message").isEqualTo(big);
			byte[] f = close.get(10, TimeUnit.SECONDS);
			assertThat(f[0]).as("then the CLOSE").isEqualTo((byte) 8);
			assertThat(((f[1] & 0xff) << 8) | (f[2] & 0xff)).isEqualTo(1000);
			assertThat(atEnd).as("the close status, once the CLOSE was out; then the end of handle()")
					.containsExactly(WebSocketCloseStatus.NORMAL, "completed, server reading: true");
		}
	}

	/**
	 * A send cut short by the server's clean close (1000 while out.sendString of a running
	 * interval was under way) ends the handler without an error, as docs/websocket.md says and
	 * Reactor Netty does: the AbortedException it failed with was swallowed only once the TCP
	 * connection had closed, not while the session was closing.
	 */
	@Test
	void aSendCutShortByTheServersCloseEndsTheHandlerWithoutAnError() throws Exception {
		for (int round = 0; round < 5; round++) {
			CompletableFuture<byte[]> answer = new CompletableFuture<>();
			try (ScriptedServer s = new ScriptedServer(c -> {
				String head = c.readHead();
				String accept = ScriptedServer.websocketAccept(head);
				c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
						+ "Sec-WebSocket-Accept: " + accept + "\r\n\r\n");
				for (int i = 0; i < 20; i++) {
					readFrame(c.in); // messages of the running send
				}
				c.out.write(serverFrame(0x88, (byte) 0x03, (byte) 0xe8));
				c.out.flush();
				java.io.DataInputStream in = new java.io.DataInputStream(c.in);
				byte[] f;
				do {
					f = readLongFrame(in);
				}
				while (f[0] != 8);
				answer.complete(f);
				c.awaitClientClose(5000);
			})) {
				StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
						.handle((in, out) -> Flux.merge(
								out.sendString(Flux.interval(Duration.ofMillis(1)).onBackpressureDrop().map(i -> "tick" + i)).then(),
								in.receive().then())))
						.expectComplete()
						.verify(TIMEOUT);
				byte[] f = answer.get(10, TimeUnit.SECONDS);
				assertThat(((f[1] & 0xff) << 8) | (f[2] & 0xff)).as("the close echoed").isEqualTo(1000);
			}
		}
	}

	/**
	 * A handler cancelled from another thread (a timeout) while its send runs: the send's source
	 * and its Mono are cancelled before the session sends its CLOSE, so no later write fails on
	 * the closing connection into an operator that has already ended (Reactor logged "Operator
	 * called default onErrorDropped - AbortedException: Connection has been closed before send"
	 * for about 1 session in 400 under load). The handler's clean-up on cancel takes 300 ms here
	 * and the server does not answer the CLOSE, which made the drop certain: the CLOSE went
	 * first, and the next item's write failed.
	 */
	@Test
	void aHandlerCancelledFromAnotherThreadDropsNoError() throws Exception {
		List<Throwable> dropped = new CopyOnWriteArrayList<>();
		Hooks.onErrorDropped(dropped::add);
		try (ScriptedServer s = server(serverFrame(0x81, "hi".getBytes()), null)) {
			CountDownLatch received = new CountDownLatch(1);
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> out.sendString(Flux.interval(Duration.ofMillis(1)).onBackpressureDrop().map(i -> "m" + i)).then()
							.and(in.receive().doOnNext(f -> received.countDown()).then())
							.doOnCancel(() -> {
								try {
									Thread.sleep(300);
								}
								catch (InterruptedException e) {
									Thread.currentThread().interrupt();
								}
							}))
					.then()
					.timeout(Mono.delay(Duration.ofMillis(1)) // a parallel thread
							.then(Mono.fromCallable(() -> received.await(10, TimeUnit.SECONDS)))))
					.expectError(TimeoutException.class)
					.verify(TIMEOUT);
			assertThat(dropped).isEmpty();
		}
		finally {
			Hooks.resetOnErrorDropped();
		}
	}
}
