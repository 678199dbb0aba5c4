/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static io.github.reactormongoose.testing.RawWebSocket.BINARY;
import static io.github.reactormongoose.testing.RawWebSocket.CLOSE;
import static io.github.reactormongoose.testing.RawWebSocket.CONT;
import static io.github.reactormongoose.testing.RawWebSocket.PING;
import static io.github.reactormongoose.testing.RawWebSocket.PONG;
import static io.github.reactormongoose.testing.RawWebSocket.TEXT;
import static io.github.reactormongoose.testing.RawWebSocket.closePayload;
import static io.github.reactormongoose.testing.RawWebSocket.frame;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 6455 conformance of the server, case by case after the Autobahn TestSuite's sections 1
 * (framing), 2 (ping/pong), 3 (reserved bits), 4 (opcodes), 5 (fragmentation), 6 (UTF-8), 7
 * (close handling) and 9 (large messages): each case writes exact bytes to an echo endpoint
 * over a raw socket and checks the frames that come back, then either that the server failed
 * the session with the right close code and closed the TCP connection, or that the session is
 * still open (a normal close handshake then completes).
 */
class WebSocketConformanceTest extends BaseHttpTest {

	/** Section 9 sends messages up to this size. */
	private static final int LIMIT = 8 << 20;

	DisposableServer server;

	@BeforeEach
	void start() {
		server = bind(HttpServer.create().maxWebsocketFrameSize(LIMIT)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()))));
	}

	/** What one case sends and expects. {@code failCode} 0: the session must stay open. */
	record Case(byte[] send, boolean byteByByte, List<Expected> expect, int failCode) {
	}

	/** An expected frame from the server. */
	record Expected(int opcode, byte[] payload) {
		@Override
		public String toString() {
			return "op " + opcode + " (" + payload.length + " bytes)";
		}
	}

	private static byte[] cat(byte[]... parts) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		for (byte[] p : parts) {
			b.writeBytes(p);
		}
		return b.toByteArray();
	}

	private static byte[] utf8(String s) {
		return s.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] hex(String h) {
		return HexFormat.of().parseHex(h);
	}

	private static byte[] bytes(int n, int seed) {
		byte[] b = new byte[n];
		new Random(seed).nextBytes(b);
		return b;
	}

	private static byte[] text(int n) {
		byte[] b = new byte[n];
		Arrays.fill(b, (byte) '*');
		return b;
	}

	private static Expected ex(int op, byte[] payload) {
		return new Expected(op, payload);
	}

	private static Arguments ok(String name, byte[] send, Expected... expect) {
		return Arguments.of(name, new Case(send, false, List.of(expect), 0));
	}

	private static Arguments okChopped(String name, byte[] send, Expected... expect) {
		return Arguments.of(name, new Case(send, true, List.of(expect), 0));
	}

	private static Arguments fail(String name, int code, byte[] send, Expected... before) {
		return Arguments.of(name, new Case(send, false, List.of(before), code));
	}

	/**
	 * A final masked frame whose length takes the 16-bit form ({@code sixtyFour} false) or the
	 * 64-bit one, whatever the payload's size: not minimal for a payload the shorter form holds.
	 */
	private static byte[] longerLength(int op, byte[] payload, boolean sixtyFour) {
		byte[] f = frame(true, 0, op, payload);
		int skip = payload.length < 126 ? 2 : payload.length < 65536 ? 4 : 10; // header without the mask key
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.write(f[0]);
		b.write(0x80 | (sixtyFour ? 127 : 126));
		for (int i = sixtyFour ? 7 : 1; i >= 0; i--) {
			b.write((int) ((long) payload.length >> (8 * i)));
		}
		b.write(f, skip, f.length - skip);
		return b.toByteArray();
	}

	/** A fragmented message: the payload cut into pieces of {@code size}. */
	private static byte[] fragmented(int op, byte[] payload, int size) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		for (int i = 0; i < payload.length || i == 0; i += size) {
			int end = Math.min(payload.length, i + size);
			b.writeBytes(frame(end == payload.length, 0, i == 0 ? op : CONT, Arrays.copyOfRange(payload, i, end)));
		}
		return b.toByteArray();
	}

	static Stream<Arguments> cases() {
		List<Arguments> a = new ArrayList<>();
		// 1 Framing: text and binary messages around the length encodings
		for (int n : new int[] {0, 125, 126, 127, 128, 65535, 65536}) {
			a.add(ok("1.1 text " + n, frame(true, 0, TEXT, text(n)), ex(TEXT, text(n))));
			a.add(ok("1.2 binary " + n, frame(true, 0, BINARY, bytes(n, n)), ex(BINARY, bytes(n, n))));
		}
		a.add(okChopped("1.1.8 text 65535 sent byte by byte", frame(true, 0, TEXT, text(65535)), ex(TEXT, text(65535))));
		// 2 Pings and pongs
		a.add(ok("2.1 ping without payload", frame(true, 0, PING, new byte[0]), ex(PONG, new byte[0])));
		a.add(ok("2.2 ping with text payload", frame(true, 0, PING, utf8("Hello, world!")), ex(PONG, utf8("Hello, world!"))));
		a.add(ok("2.3 ping with binary payload", frame(true, 0, PING, hex("00ff fe fd fc fb 00 ff".replace(" ", ""))),
				ex(PONG, hex("00fffefdfcfb00ff"))));
		a.add(ok("2.4 ping with 125 bytes", frame(true, 0, PING, bytes(125, 1)), ex(PONG, bytes(125, 1))));
		a.add(fail("2.5 ping with 126 bytes", 1002, frame(true, 0, PING, bytes(126, 2))));
		a.add(okChopped("2.6 ping of 125 bytes sent byte by byte", frame(true, 0, PING, bytes(125, 3)),
				ex(PONG, bytes(125, 3))));
		a.add(ok("2.7 unsolicited pong", frame(true, 0, PONG, new byte[0])));
		a.add(ok("2.8 unsolicited pong with payload", frame(true, 0, PONG, utf8("unsolicited"))));
		a.add(ok("2.9 pong then ping", cat(frame(true, 0, PONG, utf8("unsolicited")), frame(true, 0, PING, utf8("ping"))),
				ex(PONG, utf8("ping"))));
		byte[] tenPings = new byte[0];
		Expected[] tenPongs = new Expected[10];
		for (int i = 0; i < 10; i++) {
			tenPings = cat(tenPings, frame(true, 0, PING, utf8("payload-" + i)));
			tenPongs[i] = ex(PONG, utf8("payload-" + i));
		}
		a.add(ok("2.10 ten pings", tenPings, tenPongs));
		// 3 Reserved bits: no extension is negotiated, so every RSV bit fails the session
		for (int rsv = 1; rsv <= 7; rsv++) {
			a.add(fail("3." + rsv + " text with RSV=" + rsv + " after a valid one", 1002,
					cat(frame(true, 0, TEXT, utf8("Hello")), frame(true, rsv, TEXT, utf8("Hello")),
							frame(true, 0, PING, utf8("never answered"))),
					ex(TEXT, utf8("Hello"))));
		}
		a.add(fail("3.6 ping with RSV=6", 1002, frame(true, 6, PING, utf8("x"))));
		a.add(fail("3.7 close with RSV=7", 1002, frame(true, 7, CLOSE, closePayload(1000, ""))));
		// 4 Opcodes: reserved data (3-7) and control (11-15) opcodes fail the session
		for (int op : new int[] {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
			a.add(fail("4 reserved opcode " + op + " after a valid message", 1002,
					cat(frame(true, 0, TEXT, utf8("Hello")), frame(true, 0, op, utf8("reserved")),
							frame(true, 0, PING, utf8("never answered"))),
					ex(TEXT, utf8("Hello"))));
		}
		// 5 Fragmentation
		a.add(fail("5.1 ping in two fragments", 1002, cat(frame(false, 0, PING, utf8("frag")), frame(true, 0, CONT, utf8("ment")))));
		a.add(fail("5.2 pong in two fragments", 1002, cat(frame(false, 0, PONG, utf8("frag")), frame(true, 0, CONT, utf8("ment")))));
		a.add(ok("5.3 text in two fragments", fragmented(TEXT, utf8("fragment1fragment2"), 9), ex(TEXT, utf8("fragment1fragment2"))));
		a.add(okChopped("5.4 text in two fragments sent byte by byte", fragmented(TEXT, utf8("fragment1fragment2"), 9),
				ex(TEXT, utf8("fragment1fragment2"))));
		a.add(ok("5.6 text in two fragments with a ping between",
				cat(frame(false, 0, TEXT, utf8("fragment1")), frame(true, 0, PING, utf8("between")),
						frame(true, 0, CONT, utf8("fragment2"))),
				ex(PONG, utf8("between")), ex(TEXT, utf8("fragment1fragment2"))));
		a.add(okChopped("5.8 the same, byte by byte",
				cat(frame(false, 0, TEXT, utf8("fragment1")), frame(true, 0, PING, utf8("between")),
						frame(true, 0, CONT, utf8("fragment2"))),
				ex(PONG, utf8("between")), ex(TEXT, utf8("fragment1fragment2"))));
		a.add(fail("5.9 continuation (FIN) without a message", 1002,
				cat(frame(true, 0, CONT, utf8("non-continuation payload")), frame(true, 0, TEXT, utf8("Hello")))));
		a.add(fail("5.10 continuation (not FIN) without a message", 1002,
				cat(frame(false, 0, CONT, utf8("non-continuation payload")), frame(true, 0, TEXT, utf8("Hello")))));
		a.add(fail("5.15 a new text message inside a fragmented one", 1002,
				cat(frame(false, 0, TEXT, utf8("fragment1")), frame(true, 0, CONT, utf8("fragment2")),
						frame(false, 0, CONT, utf8("fragment3")), frame(true, 0, TEXT, utf8("fragment4"))),
				ex(TEXT, utf8("fragment1fragment2"))));
		a.add(fail("5.18 two text frames without FIN/continuation", 1002,
				cat(frame(false, 0, TEXT, utf8("fragment1")), frame(true, 0, TEXT, utf8("fragment2")))));
		a.add(ok("5.19 fragments with pings between",
				cat(frame(false, 0, TEXT, utf8("f1")), frame(false, 0, CONT, utf8("f2")), frame(true, 0, PING, utf8("p1")),
						frame(false, 0, CONT, utf8("f3")), frame(true, 0, PING, utf8("p2")), frame(true, 0, CONT, utf8("f4"))),
				ex(PONG, utf8("p1")), ex(PONG, utf8("p2")), ex(TEXT, utf8("f1f2f3f4"))));
		a.add(ok("5 binary in 1-byte fragments", fragmented(BINARY, bytes(300, 5), 1), ex(BINARY, bytes(300, 5))));
		a.add(fail("5 unmasked frame from a client", 1002, frame(true, 0, TEXT, utf8("Hello"), false)));
		a.add(fail("5.2 64-bit length with the top bit set", 1002,
				hex("81ff8000000000000005" + "37fa213d")));
		a.add(fail("5.2 16-bit length form for 5 bytes (not minimal)", 1002, longerLength(TEXT, utf8("Hello"), false)));
		a.add(fail("5.2 16-bit length form for 125 bytes (not minimal)", 1002, longerLength(BINARY, bytes(125, 7), false)));
		a.add(fail("5.2 64-bit length form for 5 bytes (not minimal)", 1002, longerLength(TEXT, utf8("Hello"), true)));
		a.add(fail("5.2 64-bit length form for 65535 bytes (not minimal)", 1002, longerLength(BINARY, bytes(65535, 7), true)));
		// 6 UTF-8
		byte[] kosme = hex("cebae1bdb9cf83cebcceb5"); // κόσμε
		a.add(ok("6.2 valid UTF-8", frame(true, 0, TEXT, kosme), ex(TEXT, kosme)));
		a.add(ok("6.2.3 valid UTF-8 fragmented at every byte", fragmented(TEXT, kosme, 1), ex(TEXT, kosme)));
		a.add(ok("6.x boundaries U+007F U+0080 U+07FF U+0800 U+FFFF U+10000 U+10FFFF",
				frame(true, 0, TEXT, hex("7fc280dfbfe0a080efbfbff0908080f48fbfbf")),
				ex(TEXT, hex("7fc280dfbfe0a080efbfbff0908080f48fbfbf"))));
		a.add(ok("6.x empty text fragments", cat(frame(false, 0, TEXT, new byte[0]), frame(false, 0, CONT, new byte[0]),
				frame(true, 0, CONT, new byte[0])), ex(TEXT, new byte[0])));
		String[] invalid = {"cebae1bdb9cf83cebcceb5eda080656469746564", // surrogate U+D800 after κόσμε
				"c0af", "e080af", "f08080af", // overlong '/'
				"f4908080", // above U+10FFFF
				"ff", "fe", "80", "bf", // bytes that never start a character
				"f888808080", // five-byte form
				"cebae1bdb9cf83cebcce", // truncated at the end
				"eda080", "edbfbf", // surrogates
				"c1bf"};
		for (String h : invalid) {
			a.add(fail("6 invalid UTF-8 " + h, 1007, frame(true, 0, TEXT, hex(h))));
		}
		a.add(fail("6.4 invalid UTF-8 in the second fragment", 1007,
				cat(frame(false, 0, TEXT, kosme), frame(true, 0, CONT, hex("eda080")))));
		a.add(fail("6.4 character cut by the end of the message", 1007,
				cat(frame(false, 0, TEXT, hex("ce")), frame(true, 0, CONT, new byte[0]))));
		a.add(ok("6.x character split across fragments", cat(frame(false, 0, TEXT, hex("e1bd")), frame(true, 0, CONT, hex("b9"))),
				ex(TEXT, hex("e1bdb9"))));
		a.add(ok("6.x binary may hold any bytes", frame(true, 0, BINARY, hex("ffc0af")), ex(BINARY, hex("ffc0af"))));
		// 7 Close handling
		a.add(fail("7.1.2 close twice: one answer", 1000,
				cat(frame(true, 0, CLOSE, closePayload(1000, "")), frame(true, 0, CLOSE, closePayload(1000, "")))));
		a.add(fail("7.1.3 ping after close: no pong", 1000,
				cat(frame(true, 0, CLOSE, closePayload(1000, "")), frame(true, 0, PING, utf8("late")))));
		a.add(fail("7.1.4 text after close: no echo", 1000,
				cat(frame(true, 0, CLOSE, closePayload(1000, "")), frame(true, 0, TEXT, utf8("late")))));
		a.add(fail("7.1.6 text then close", 1000,
				cat(frame(true, 0, TEXT, text(1000)), frame(true, 0, CLOSE, closePayload(1000, ""))), ex(TEXT, text(1000))));
		a.add(fail("7.3.1 close without payload", 1005, frame(true, 0, CLOSE, new byte[0])));
		a.add(fail("7.3.2 close with one byte", 1002, frame(true, 0, CLOSE, new byte[] {0x03})));
		a.add(fail("7.3.4 close 1000 with a reason", 1000, frame(true, 0, CLOSE, closePayload(1000, "Hello World!"))));
		a.add(fail("7.3.5 close 1000 with a 123-byte reason", 1000, frame(true, 0, CLOSE, closePayload(1000, "*".repeat(123)))));
		a.add(fail("7.3.6 close with a 124-byte reason (payload 126)", 1002,
				frame(true, 0, CLOSE, closePayload(1000, "*".repeat(124)))));
		a.add(fail("7.5.1 close reason with invalid UTF-8", 1007,
				frame(true, 0, CLOSE, cat(closePayload(1000, ""), hex("cebae1bdb9cf83cebcceb5eda080656469746564")))));
		for (int code : new int[] {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
			a.add(fail("7.7 valid close code " + code, code, frame(true, 0, CLOSE, closePayload(code, ""))));
		}
		for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
			a.add(fail("7.9 invalid close code " + code, 1002, frame(true, 0, CLOSE, closePayload(code, ""))));
		}
		// 9 Large messages (limit raised to 8 MiB)
		a.add(ok("9.1 text 1 MiB", frame(true, 0, TEXT, text(1 << 20)), ex(TEXT, text(1 << 20))));
		a.add(ok("9.2 binary 4 MiB", frame(true, 0, BINARY, bytes(4 << 20, 9)), ex(BINARY, bytes(4 << 20, 9))));
		a.add(ok("9.3 text 1 MiB in 4 KiB fragments", fragmented(TEXT, text(1 << 20), 4096), ex(TEXT, text(1 << 20))));
		a.add(ok("9.4 binary 1 MiB in 64 KiB fragments", fragmented(BINARY, bytes(1 << 20, 7), 65536), ex(BINARY, bytes(1 << 20, 7))));
		a.add(fail("9 message over the limit (refused at its header)", 1009,
				Arrays.copyOf(frame(true, 0, BINARY, bytes(LIMIT + 1, 3)), 1000)));
		return a.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void conformance(String name, Case c) throws Exception {
		try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/echo")) {
			if (c.byteByByte()) {
				for (byte b : c.send()) {
					ws.write(new byte[] {b});
				}
			}
			else {
				ws.write(c.send());
			}
			if (c.failCode() == 0) {
				for (Expected e : c.expect()) {
					assertFrame(ws.read(), e);
				}
				ws.write(frame(true, 0, CLOSE, closePayload(1000, "done")));
				assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1000);
				return;
			}
			// The session fails: pongs come (Mongoose answers while parsing), echoes of data
			// messages before the bad frame may not (the close can overtake the handler's reply,
			// which Autobahn accepts as non-strict); nothing else comes before the close.
			List<RawWebSocket.Frame> got = new ArrayList<>();
			RawWebSocket.Frame f;
			while ((f = ws.read()).opcode() != CLOSE) {
				got.add(f);
			}
			int i = 0;
			for (Expected e : c.expect()) {
				if (i < got.size() && got.get(i).opcode() == e.opcode() && Arrays.equals(got.get(i).payload(), e.payload())) {
					assertFrame(got.get(i++), e);
				}
				else {
					assertThat(e.opcode()).as("%s missing before the close (got %s)", e, got).isNotEqualTo(PONG);
				}
			}
			assertThat(got.subList(i, got.size())).as("unexpected frames before the close").isEmpty();
			assertThat(f.closeCode()).as("close code of %s", f).isEqualTo(c.failCode());
			assertThat(ws.isClosedByPeer()).as("TCP closed after the close frame").isTrue();
		}
	}

	private static void assertFrame(RawWebSocket.Frame f, Expected e) {
		assertThat(f.fin()).as("FIN of %s", f).isTrue();
		assertThat(f.rsv()).as("RSV of %s", f).isZero();
		assertThat(f.opcode()).as("opcode of %s, expected %s", f, e).isEqualTo(e.opcode());
		assertThat(f.payload()).as("payload of %s", f).isEqualTo(e.payload());
	}
}
