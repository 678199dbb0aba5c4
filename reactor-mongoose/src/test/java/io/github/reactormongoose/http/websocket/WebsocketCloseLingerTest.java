/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * A close frame of ours reaches a peer that is still sending flat out. Closing the socket
 * right after the frame, with the peer's unread data in the kernel's receive buffer, makes
 * the kernel answer with a reset, and a peer that has not read the close frame yet loses it
 * (its next read fails with "connection reset"). RFC 6455 section 7.1.1 has the endpoint wait
 * for the peer's close; the server shuts down its side and reads (discarding) until the
 * peer's close or EOF, for at most two seconds.
 */
class WebsocketCloseLingerTest extends BaseHttpTest {

	private static final byte[] CHUNK = new byte[16 * 1024];

	/** Sends frames flat out on another thread until told to stop or the socket fails. */
	private static Thread flood(RawWebSocket ws, AtomicBoolean stop, byte[] frame) {
		Thread t = new Thread(() -> {
			try {
				while (!stop.get()) {
					ws.write(frame);
				}
			}
			catch (IOException e) {
				// the server shut its side or closed: expected once the close is out
			}
		}, "flood");
		t.setDaemon(true);
		t.start();
		return t;
	}

	/** Reads frames until the close; a reset before it fails the test. */
	private static RawWebSocket.Frame closeFrame(RawWebSocket ws) throws IOException {
		RawWebSocket.Frame f;
		while ((f = ws.read()).opcode() != RawWebSocket.CLOSE) {
			// data before the close: not what is tested here
		}
		return f;
	}

	/**
	 * The peer floods {@code frames} (then {@code tail} over and over) and reads nothing for
	 * half a second, so that the server's echoes fill both kernels' buffers, {@code trigger}
	 * runs, then the peer reads: it must find the server's close frame after the echoes. The
	 * peer then closes the connection, so the server's wait for its close ends there (a trigger
	 * that waits for the server, as disposeNow does, returns then, not two seconds later).
	 */
	private static int closeCodeSeenBy(int port, String path, byte[] first, byte[] tail, Runnable trigger)
			throws Exception {
		AtomicBoolean stop = new AtomicBoolean();
		Thread trig = new Thread(trigger);
		int code;
		try (RawWebSocket ws = RawWebSocket.connect(port, path)) {
			ws.write(first);
			Thread t = flood(ws, stop, tail);
			Thread.sleep(500);
			trig.start();
			Thread.sleep(200);
			code = closeFrame(ws).closeCode();
			stop.set(true);
			t.join(5_000);
		}
		trig.join(10_000);
		return code;
	}

	private static byte[] binary(byte[] payload) {
		return RawWebSocket.frame(true, 0, RawWebSocket.BINARY, payload);
	}

	@RepeatedTest(3)
	void theHandlersCloseAfterEchoesReachesAPeerThatKeepsSending() throws Exception {
		// the handler echoes 200 messages, then ends: close 1000 behind the echoes
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/echo200", (in, out) -> out.send(in.receive().take(200)))));
		assertThat(closeCodeSeenBy(s.port(), "/echo200", binary(CHUNK), binary(CHUNK), () -> { })).isEqualTo(1000);
	}

	@RepeatedTest(3)
	void aTooLargeMessagesCloseReachesAPeerThatKeepsSending() throws Exception {
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(64 * 1024)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
		// echoed messages, then one frame announcing 64 MiB whose payload follows flat out
		java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
		for (int i = 0; i < 200; i++) {
			first.write(binary(CHUNK));
		}
		first.write(new byte[] {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4});
		assertThat(closeCodeSeenBy(s.port(), "/echo", first.toByteArray(), CHUNK, () -> { })).isEqualTo(1009);
	}

	@RepeatedTest(3)
	void theShutdownsGoingAwayReachesAPeerThatKeepsSending() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
		assertThat(closeCodeSeenBy(s.port(), "/echo", binary(CHUNK), binary(CHUNK),
				() -> s.disposeNow(Duration.ofSeconds(5)))).isEqualTo(1001);
	}

	/**
	 * The two seconds the server waits for the peer's close run from when its output is all
	 * out, not from when the close frame is queued. A peer with a small window that reads
	 * nothing for longer than that, then reads, gets the whole 8 MiB message and the close
	 * 1000 behind it; it got part of the message, then a FIN without a close frame (1006 on
	 * its side, while the server reported 1000), as Reactor Netty delivers all of it.
	 */
	@Test
	void aLargeMessageAndTheCloseBehindItReachAPeerThatReadsLate() throws Exception {
		int size = 8 << 20;
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/big", (in, out) -> out.sendString(Mono.just("x".repeat(size))))));
		try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/big", "", 64 * 1024)) {
			Thread.sleep(2_500); // a late reader (longer than the linger), not a gone one
			RawWebSocket.Frame f = ws.read();
			assertThat(f.opcode()).isEqualTo(RawWebSocket.TEXT);
			assertThat(f.payload()).hasSize(size);
			assertThat(f.payload()[size - 1]).isEqualTo((byte) 'x');
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1000);
		}
	}
}
