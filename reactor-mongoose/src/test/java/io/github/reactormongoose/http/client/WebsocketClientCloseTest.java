/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static io.github.reactormongoose.testing.RawWebSocket.serverFrame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * How the WebSocket client's session ends against raw-socket servers: the native close wait
 * after our CLOSE (closed 5 s after our output is out, reading on; reset when a server takes
 * none of it).
 */
class WebsocketClientCloseTest extends BaseHttpTest {

	/** Reads the upgrade request and answers 101 followed, in the same write, by {@code frames}. */
	private static void upgrade(ScriptedServer.Conn c, byte[] frames) throws IOException {
		String head = c.readHead();
		String key = head.lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18))
				.map(l -> l.substring(18).trim()).findFirst().orElseThrow();
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		o.writeBytes(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				+ "Sec-WebSocket-Accept: " + WebsocketClient.accept(key) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
		o.writeBytes(frames);
		c.out.write(o.toByteArray());
		c.out.flush();
	}

	/** One client frame of any length: its opcode, then its unmasked payload; fails if it was not masked. */
	private static byte[] readFrame(DataInputStream in) throws IOException {
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

	private static int closeCode(byte[] frame) {
		return ((frame[1] & 0xff) << 8) | (frame[2] & 0xff);
	}

	/**
	 * A server that reads our messages and our CLOSE but never answers nor closes: the native
	 * close wait closes the connection 5 s after our output, the CLOSE included, has left the
	 * process (the rule of the server's own wait after its CLOSE), and the close status is ours
	 * as soon as the CLOSE is out. Until this release a Java timer closed it, armed once Java,
	 * polling the send buffer every 1 to 50 ms, saw the output out.
	 */
	@Test
	void aServerThatNeverAnswersOurCloseIsClosedAfterTheCloseWait() throws Exception {
		CompletableFuture<List<byte[]>> read = new CompletableFuture<>();
		CompletableFuture<Boolean> closedByClient = new CompletableFuture<>();
		try (ScriptedServer s = new ScriptedServer(c -> {
			upgrade(c, new byte[0]);
			DataInputStream in = new DataInputStream(c.in);
			List<byte[]> frames = new ArrayList<>();
			frames.add(readFrame(in));
			frames.add(readFrame(in));
			read.complete(frames);
			closedByClient.complete(c.awaitClientClose(15_000)); // silent, the connection left open
		})) {
			List<Object> atEnd = new CopyOnWriteArrayList<>();
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> out.sendString(Mono.just("bye")).then()
							.doOnSuccess(v -> in.receiveCloseStatus().subscribe(atEnd::add))))
					.expectComplete()
					.verify(TIMEOUT);
			List<byte[]> frames = read.get(10, TimeUnit.SECONDS);
			assertThat(new String(frames.get(0), 1, frames.get(0).length - 1, StandardCharsets.UTF_8)).isEqualTo("bye");
			assertThat(frames.get(1)[0]).as("then our CLOSE").isEqualTo((byte) 8);
			assertThat(closeCode(frames.get(1))).isEqualTo(1000);
			assertThat(atEnd).as("the close status, ours once the CLOSE was out").containsExactly(WebSocketCloseStatus.NORMAL);
			assertThat(closedByClient.get(20, TimeUnit.SECONDS)).as("the client closed the connection after its close wait").isTrue();
			assertThat(s.failures).isEmpty();
		}
	}

	/**
	 * The close wait reads on, unlike the server's linger after its own CLOSE (which discards
	 * what the client still sends): a message the server sends after our CLOSE, before its own,
	 * reaches receive(), and the server's CLOSE ends it; the close status stays ours.
	 */
	@Test
	void whatTheServerSendsDuringTheCloseWaitIsStillReceived() throws Exception {
		CompletableFuture<Integer> ourClose = new CompletableFuture<>();
		try (ScriptedServer s = new ScriptedServer(c -> {
			upgrade(c, new byte[0]);
			byte[] f = readFrame(new DataInputStream(c.in));
			ourClose.complete(f[0] == 8 ? closeCode(f) : -f[0]);
			c.out.write(serverFrame(0x81, "late".getBytes(StandardCharsets.UTF_8)));
			c.out.write(serverFrame(0x88, (byte) 0x0f, (byte) 0xa1));
			c.out.flush();
			c.awaitClientClose(5_000);
		})) {
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> out.sendClose(4001, "bye")
							.thenMany(in.receive().map(WebSocketFrame::text))
							.concatWith(in.receiveCloseStatus().map(st -> st.code() + " " + st.reason()))))
					.expectNext("late", "4001 bye")
					.expectComplete()
					.verify(TIMEOUT);
			assertThat(ourClose.get(10, TimeUnit.SECONDS)).as("our CLOSE reached the server").isEqualTo(4001);
			assertThat(s.failures).isEmpty();
		}
	}

	/**
	 * (a) A server that reads none of our output: the CLOSE queued behind a 16 MiB message cannot
	 * go out, and the close wait's write timeout (60 s, the server's default writeTimeout for the
	 * same peer; lowered to 1 s here) resets the connection, as the server resets such a client.
	 * handle() completes without an error, receive() completes, the close status is 1006 (our
	 * CLOSE never left), and the server, reading at last, gets a reset and no CLOSE.
	 */
	@Test
	void aServerThatReadsNoneOfOurOutputIsResetByTheCloseWaitsWriteTimeout() throws Exception {
		byte[] big = new byte[16 << 20];
		CountDownLatch clientDone = new CountDownLatch(1);
		CompletableFuture<List<Object>> serverSaw = new CompletableFuture<>();
		List<Throwable> dropped = new CopyOnWriteArrayList<>();
		Duration stall = ClientWebsocketSession.closeStall;
		ClientWebsocketSession.closeStall = Duration.ofSeconds(1);
		Hooks.onErrorDropped(dropped::add);
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.socket.setReceiveBufferSize(64 << 10);
			upgrade(c, new byte[0]);
			clientDone.await(30, TimeUnit.SECONDS); // reads nothing until the client has given up
			List<Object> saw = new ArrayList<>();
			DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(c.in));
			try {
				while (true) {
					saw.add((int) readFrame(in)[0]);
				}
			}
			catch (IOException e) {
				saw.add(e);
			}
			serverSaw.complete(saw);
		})) {
			CompletableFuture<Object> receiveEnd = new CompletableFuture<>();
			CompletableFuture<WebSocketCloseStatus> status = new CompletableFuture<>();
			StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> {
						in.receive().subscribe(f -> receiveEnd.complete(f.type()), receiveEnd::complete,
								() -> receiveEnd.complete("completed"));
						in.receiveCloseStatus().subscribe(status::complete);
						return out.sendBytes(Mono.just(big)).then();
					}))
					.expectComplete()
					.verify(Duration.ofSeconds(30)); // the 60 s default would not fit
			clientDone.countDown();
			assertThat(status.get(10, TimeUnit.SECONDS)).as("the close status").isEqualTo(WebSocketCloseStatus.ABNORMAL);
			assertThat(receiveEnd.get(10, TimeUnit.SECONDS)).as("receive() completes, without an error").isEqualTo("completed");
			List<Object> saw = serverSaw.get(20, TimeUnit.SECONDS);
			assertThat(saw).as("no CLOSE reached the server").doesNotContain(8);
			assertThat(saw.get(saw.size() - 1)).as("the connection was reset, not ended behind the unsent bytes")
					.isInstanceOf(SocketException.class);
			assertThat(dropped).isEmpty();
		}
		finally {
			ClientWebsocketSession.closeStall = stall;
			Hooks.resetOnErrorDropped();
		}
	}
}
