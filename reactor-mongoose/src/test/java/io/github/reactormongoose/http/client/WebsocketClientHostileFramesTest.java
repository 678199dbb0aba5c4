/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import io.github.reactormongoose.testing.Mutations;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.Test;

/**
 * What a hostile WebSocket server can make of the client: after a correct 101, valid frame
 * sequences (text, binary, fragments, pings, compressed messages, a close) mutated at random
 * (bytes flipped, inserted, deleted, repeated), then the server's end of the stream. Each session
 * must end, within seconds, with its messages or with a {@link WebSocketProtocolException} or
 * {@link ConnectionClosedException}: never hang, never fail with anything else, and the client
 * must go on serving new sessions.
 */
class WebsocketClientHostileFramesTest extends BaseHttpTest {

	/** An unmasked server frame: {@code b0} is FIN, RSV and opcode as they go on the wire. */
	private static byte[] frame(int b0, byte[] payload) {
		return RawWebSocket.frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0f, payload, false);
	}

	/**
	 * Reads the client's upgrade request and answers 101 (with permessage-deflate when
	 * {@code deflate}); false when the client sent nothing.
	 */
	private static boolean upgrade(ScriptedServer.Conn c, boolean deflate) throws java.io.IOException {
		String head = c.readHead();
		if (head == null) {
			return false;
		}
		String accept = ScriptedServer.websocketAccept(head);
		c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
				+ "Sec-WebSocket-Accept: " + accept + "\r\n"
				+ (deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n");
		return true;
	}

	/** A valid server stream: messages, fragments, control frames, maybe compressed ones. */
	private static byte[] valid(Random r, boolean compressed) {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		for (int k = 1 + r.nextInt(5); k > 0; k--) {
			switch (r.nextInt(compressed ? 6 : 5)) {
				case 0 -> o.writeBytes(frame(0x81, ("text " + k).getBytes(StandardCharsets.UTF_8)));
				case 1 -> o.writeBytes(frame(0x82, new byte[r.nextInt(300)]));
				case 2 -> {
					o.writeBytes(frame(0x01, "frag".getBytes(StandardCharsets.UTF_8)));
					o.writeBytes(frame(0x89, "p".getBytes(StandardCharsets.UTF_8))); // a ping in between
					o.writeBytes(frame(0x80, "ment".getBytes(StandardCharsets.UTF_8)));
				}
				case 3 -> o.writeBytes(frame(0x8a, new byte[0])); // an unsolicited pong
				case 4 -> o.writeBytes(frame(0x81, "é☃".repeat(r.nextInt(50)).getBytes(StandardCharsets.UTF_8)));
				default -> o.writeBytes(frame(0xc1, RawWebSocket.deflate(
						"compressed ".repeat(1 + r.nextInt(20)).getBytes(StandardCharsets.UTF_8))));
			}
		}
		if (r.nextBoolean()) {
			o.writeBytes(frame(0x88, new byte[] {0x03, (byte) 0xe8, 'b', 'y', 'e'}));
		}
		return o.toByteArray();
	}

	@Test
	void mutatedFramesEndTheSessionWithMessagesOrAProtocolErrorNeverAHang() throws Exception {
		Random r = new Random(6455);
		int rounds = 300;
		List<byte[]> streams = new ArrayList<>();
		List<Boolean> compress = new ArrayList<>();
		for (int i = 0; i < rounds; i++) {
			boolean c = r.nextBoolean();
			byte[] v = valid(r, c);
			compress.add(c);
			streams.add(i % 10 == 0 ? v : Mutations.mutate(r, v, 3, List.of()));
		}
		try (ScriptedServer s = new ScriptedServer(c -> {
			if (!upgrade(c, compress.get(c.index))) {
				return;
			}
			c.out.write(streams.get(c.index));
			c.out.flush();
		})) {
			AtomicInteger messages = new AtomicInteger();
			int ended = 0;
			int failed = 0;
			for (int i = 0; i < rounds; i++) {
				HttpClient.WebsocketSender ws = HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
						.compress(compress.get(i));
				try {
					List<WebSocketFrame> got = ws.handle((in, out) -> in.receive()).collectList().block(Duration.ofSeconds(10));
					messages.addAndGet(got.size());
					ended++;
				}
				catch (IllegalStateException e) {
					if (e.getMessage() != null && e.getMessage().startsWith("Timeout")) {
						fail("round " + i + " hung on " + hex(streams.get(i)), e);
					}
					throw e;
				}
				catch (RuntimeException e) {
					Throwable t = e;
					if (!(t instanceof WebSocketProtocolException) && !(t instanceof ConnectionClosedException)) {
						fail("round " + i + ": " + t + " on " + hex(streams.get(i)), t);
					}
					failed++;
				}
			}
			assertThat(ended + failed).isEqualTo(rounds);
			assertThat(ended).as("the valid and harmless streams").isGreaterThan(30);
			assertThat(failed).as("the broken ones").isGreaterThan(30);
			assertThat(messages.get()).as("messages received").isGreaterThan(rounds / 2);
			assertThat(s.failures).isEmpty();
		}
	}

	@Test
	void aPingFloodFromAServerThatReadsNothingKeepsTheClientsMemoryBounded() throws Exception {
		// each PING wants a PONG (RFC 6455 5.5.2), but a server that reads none of them would make
		// them pile up in the client's output without bound: above the backlog the client answers
		// only the most recent PING (5.5.3 allows it) instead of queueing one PONG per PING
		java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
		byte[] ping = frame(0x89, new byte[125]);
		byte[] burst = new byte[ping.length * 512];
		for (int i = 0; i < 512; i++) {
			System.arraycopy(ping, 0, burst, i * ping.length, ping.length);
		}
		AtomicInteger pings = new AtomicInteger();
		try (ScriptedServer s = new ScriptedServer(c -> {
			upgrade(c, false);
			try {
				while (!stop.get()) {
					c.out.write(burst);
					pings.addAndGet(512);
				}
			}
			catch (java.io.IOException e) {
				// the client closed
			}
		})) {
			long before = io.github.reactormongoose.internal.jni.NativeConstants.liveBytes();
			reactor.core.Disposable session = HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive().then()).subscribe();
			try {
				long deadline = System.nanoTime() + 3_000_000_000L;
				long peak = 0;
				while (System.nanoTime() < deadline) {
					Thread.sleep(100);
					peak = Math.max(peak, io.github.reactormongoose.internal.jni.NativeConstants.liveBytes() - before);
				}
				assertThat(pings.get()).as("pings sent").isGreaterThan(100_000);
				assertThat(peak).as("native bytes held by the client under the flood").isLessThan(16L << 20);
			}
			finally {
				stop.set(true);
				session.dispose();
			}
		}
	}

	/**
	 * A server pushing 1 MiB messages to a handler that takes them slowly: the client stops reading
	 * once about 1 MiB of them waits, not after 64 messages (64 MiB per session, as the server's
	 * sessions did too; WebsocketTest.largeMessagesNobodyRequestsQueueUpToAByteBound).
	 */
	@Test
	void largeMessagesTheHandlerHasNotRequestedQueueUpToAByteBound() throws Exception {
		java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
		java.util.concurrent.atomic.AtomicLong lastWrite = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
		byte[] message = frame(0x82, new byte[1 << 20]);
		reactor.core.publisher.Sinks.Empty<Void> gate = reactor.core.publisher.Sinks.empty();
		java.util.concurrent.Semaphore received = new java.util.concurrent.Semaphore(0);
		try (ScriptedServer s = new ScriptedServer(c -> {
			upgrade(c, false);
			try {
				for (;;) {
					c.out.write(message);
					written.incrementAndGet();
					lastWrite.set(System.nanoTime());
				}
			}
			catch (java.io.IOException e) {
				// the client closed
			}
		})) {
			reactor.core.Disposable session = HttpClient.create().websocket().maxFramePayloadLength(1 << 20)
					.uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive().concatMap(f -> gate.asMono().doFinally(x -> received.release()), 1))
					.subscribe();
			try {
				long deadline = System.nanoTime() + 30_000_000_000L;
				while ((written.get() == 0 || System.nanoTime() - lastWrite.get() < 300_000_000L)
						&& System.nanoTime() < deadline) {
					Thread.sleep(50); // until the server's writes stall
				}
				long stalledAt = written.get();
				// what the kernel's buffers hold on both ends, the message being read and one queued
				assertThat(stalledAt).as("messages the client took in before it stopped reading").isBetween(1L, 31L);
				gate.tryEmitEmpty();
				assertThat(received.tryAcquire((int) stalledAt + 8, 20, java.util.concurrent.TimeUnit.SECONDS))
						.as("the handler takes the queued messages and reading resumes").isTrue();
			}
			finally {
				session.dispose();
			}
		}
	}

	@Test
	void theMostRecentPingIsAnsweredOnceTheOutputDrains() throws Exception {
		// 200,000 numbered PINGs (20 MB) while the server reads nothing, then it reads: the PONGs stop
		// piling up above the backlog, but the last PING still gets its PONG
		int n = 200_000;
		java.util.concurrent.CompletableFuture<Integer> lastPong = new java.util.concurrent.CompletableFuture<>();
		AtomicInteger pongs = new AtomicInteger();
		try (ScriptedServer s = new ScriptedServer(c -> {
			upgrade(c, false);
			ByteArrayOutputStream all = new ByteArrayOutputStream();
			for (int i = 1; i <= n; i++) {
				byte[] payload = new byte[100];
				payload[0] = (byte) (i >>> 24);
				payload[1] = (byte) (i >>> 16);
				payload[2] = (byte) (i >>> 8);
				payload[3] = (byte) i;
				all.writeBytes(frame(0x89, payload));
			}
			c.out.write(all.toByteArray());
			c.out.flush();
			// now read the client's PONGs (masked frames of 100 bytes) until the last one
			java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(c.in));
			while (true) {
				int b0 = in.readUnsignedByte();
				int len = in.readUnsignedByte() & 127;
				byte[] mask = in.readNBytes(4);
				byte[] p = in.readNBytes(len);
				for (int i = 0; i < len; i++) {
					p[i] ^= mask[i & 3];
				}
				if ((b0 & 0x0f) == 0x0a) {
					pongs.incrementAndGet();
					int k = ((p[0] & 0xff) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
					if (k == n) {
						lastPong.complete(k);
						return;
					}
				}
			}
		})) {
			reactor.core.Disposable session = HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive().then()).subscribe();
			try {
				assertThat(lastPong.get(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(n);
				assertThat(pongs.get()).as("PONGs sent: not one per PING once the backlog was reached").isLessThan(n);
			}
			finally {
				session.dispose();
			}
		}
	}

	private static String hex(byte[] b) {
		StringBuilder sb = new StringBuilder();
		for (byte x : b) {
			sb.append(String.format("%02x", x & 0xff));
		}
		return sb.toString();
	}
}
