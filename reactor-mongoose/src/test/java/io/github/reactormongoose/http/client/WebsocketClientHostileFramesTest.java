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
			String head = c.readHead();
			if (head == null) {
				return;
			}
			String key = head.lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18))
					.map(l -> l.substring(18).trim()).findFirst().orElseThrow();
			boolean deflate = compress.get(c.index);
			c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + WebsocketClient.accept(key) + "\r\n"
					+ (deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n");
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

	private static String hex(byte[] b) {
		StringBuilder sb = new StringBuilder();
		for (byte x : b) {
			sb.append(String.format("%02x", x & 0xff));
		}
		return sb.toString();
	}
}
