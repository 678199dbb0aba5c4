/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static io.github.reactormongoose.testing.RawWebSocket.BINARY;
import static io.github.reactormongoose.testing.RawWebSocket.CLOSE;
import static io.github.reactormongoose.testing.RawWebSocket.CONT;
import static io.github.reactormongoose.testing.RawWebSocket.TEXT;
import static io.github.reactormongoose.testing.RawWebSocket.deflate;
import static io.github.reactormongoose.testing.RawWebSocket.frame;
import static io.github.reactormongoose.testing.RawWebSocket.inflate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.testing.PythonPeers;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * permessage-deflate (RFC 7692) on the server: what the upgrade answers to each kind of offer,
 * compressed messages both ways (RSV1 on the wire, checked on raw frames and inflated here by
 * the JDK's zlib), fragments, and the failures only the inflated message shows (a message that
 * inflates past the limit, a broken DEFLATE stream, invalid UTF-8 inside a compressed text).
 * Then 200 sessions by wsproto, a strict implementation nobody here wrote, with its own
 * permessage-deflate, and 40 whose offer limits the server's window to 10 bits (only messages
 * of up to 1,024 bytes compressed: wsproto's zlib, given that window, reads them).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebsocketCompressionTest extends BaseHttpTest {

	private static final String EXTENSIONS = "Sec-WebSocket-Extensions";
	private static final String ACCEPTED = "permessage-deflate";

	private DisposableServer echo(boolean compress, int maxFrame) {
		WebsocketServerSpec spec = WebsocketServerSpec.builder().compress(compress).build();
		return bind(HttpServer.create().maxWebsocketFrameSize(maxFrame)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()), spec)));
	}

	private static RawWebSocket offer(int port, String offer) throws Exception {
		return RawWebSocket.connect(port, "/echo", offer == null ? "" : EXTENSIONS + ": " + offer + "\r\n");
	}

	static byte[] concat(byte[] a, byte[] b) {
		byte[] c = Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, c, a.length, b.length);
		return c;
	}

	private static byte[] repetitive(int size) {
		byte[] b = new byte[size];
		byte[] word = "compressible text, ".getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i < size; i++) {
			b[i] = word[i % word.length];
		}
		return b;
	}

	@Test
	void theUpgradeAcceptsTheFirstOfferItCanHonour() throws Exception {
		int port = echo(true, 65536).port();
		// what browsers send
		try (RawWebSocket ws = offer(port, "permessage-deflate; client_max_window_bits")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED);
		}
		// parameters are named only when offered (Netty's client fails an answer otherwise)
		try (RawWebSocket ws = offer(port, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")) {
			assertThat(ws.responseHeader(EXTENSIONS))
					.isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
		}
		// wsproto's and Python websockets' offer: a 15-bit server window is ours anyway, and said so
		try (RawWebSocket ws = offer(port, "permessage-deflate; client_max_window_bits=15; server_max_window_bits=15")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED + "; server_max_window_bits=15");
		}
		// a smaller server window is honoured by what is compressed (next test), and said so
		try (RawWebSocket ws = offer(port, "permessage-deflate; server_max_window_bits=10, permessage-deflate")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED + "; server_max_window_bits=10");
		}
		// an invalid one is not: the next offer of the list is taken, or none
		try (RawWebSocket ws = offer(port, "permessage-deflate; server_max_window_bits=7, permessage-deflate")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED);
		}
		for (String refused : new String[] {"permessage-deflate; server_max_window_bits=16", "x-webkit-deflate-frame",
				"permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
				"permessage-deflate; unknown_parameter", "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
				"permessage-deflate; client_max_window_bits=16", "permessage-deflate; server_no_context_takeover=1"}) {
			try (RawWebSocket ws = offer(port, refused)) {
				assertThat(ws.responseHeader(EXTENSIONS)).as(refused).isNull();
				// declined: the session works, uncompressed
				ws.sendText("still here, uncompressed, and long enough to be compressed if it were negotiated");
				RawWebSocket.Frame f = ws.read();
				assertThat(f.rsv()).isZero();
				assertThat(f.text()).startsWith("still here");
			}
		}
		// an offer of two header lines: the first acceptable one counts
		try (RawWebSocket ws = RawWebSocket.connect(port, "/echo",
				EXTENSIONS + ": foo\r\n" + EXTENSIONS + ": permessage-deflate\r\n")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED);
		}
		// an endpoint without compress(true) ignores every offer
		try (RawWebSocket ws = offer(echo(false, 65536).port(), "permessage-deflate; client_max_window_bits")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isNull();
		}
	}

	/**
	 * An offer of separators only ({@code ;}) from a client: the negotiation threw an
	 * {@code ArrayIndexOutOfBoundsException} ({@code ";".split(";")} has no element; found by
	 * {@code ServerParsersFuzzTest}), so the upgrade was never answered with 101. Now such an
	 * offer is declined like any other it cannot honour, and the next one of the list is taken.
	 */
	@Test
	void anOfferOfSeparatorsOnlyIsDeclined() throws Exception {
		int port = echo(true, 65536).port();
		try (RawWebSocket ws = offer(port, ";")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isNull();
			ws.sendText("still here");
			assertThat(ws.read().text()).isEqualTo("still here");
		}
		try (RawWebSocket ws = offer(port, ";;, permessage-deflate")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED);
		}
	}

	/**
	 * A client that limits the server's window to 2^n bytes: the JDK's Deflater always has a
	 * 32 KiB window, but a message compressed on its own refers back only within itself, so a
	 * message of up to 2^n bytes is compressed and a longer one goes plain.
	 */
	@Test
	void aLimitOnTheServersWindowCompressesOnlyMessagesThatFitInIt() throws Exception {
		int port = echo(true, 65536).port();
		for (int bits : new int[] {8, 10, 12, 15}) {
			try (RawWebSocket ws = offer(port, "permessage-deflate; server_max_window_bits=" + bits)) {
				assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED + "; server_max_window_bits=" + bits);
				int window = 1 << bits;
				for (int size : new int[] {window, window + 1}) {
					ws.write(frame(true, 0, BINARY, repetitive(size)));
					RawWebSocket.Frame f = ws.read();
					boolean fits = size <= window || bits == 15;
					assertThat(f.rsv()).as("%d bytes under a %d-bit window", size, bits).isEqualTo(fits ? 4 : 0);
					assertThat(fits ? inflate(f.payload()) : f.payload()).isEqualTo(repetitive(size));
				}
			}
		}
	}

	@Test
	void compressedMessagesBothWays() throws Exception {
		int port = echo(true, 1 << 20).port();
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			// a compressed text message: echoed compressed (RSV1), and much shorter on the wire
			byte[] text = repetitive(50_000);
			ws.write(frame(true, 4, TEXT, deflate(text)));
			RawWebSocket.Frame f = ws.read();
			assertThat(f.opcode()).isEqualTo(TEXT);
			assertThat(f.rsv()).isEqualTo(4);
			assertThat(f.payload().length).isLessThan(2_000);
			assertThat(inflate(f.payload())).isEqualTo(text);
			// uncompressed messages are still fine; short ones come back as they are
			ws.sendText("short");
			f = ws.read();
			assertThat(f.rsv()).isZero();
			assertThat(f.text()).isEqualTo("short");
			// random bytes do not shrink: sent uncompressed
			byte[] noise = new byte[10_000];
			new Random(3).nextBytes(noise);
			ws.write(frame(true, 4, BINARY, deflate(noise)));
			f = ws.read();
			assertThat(f.opcode()).isEqualTo(BINARY);
			assertThat(f.rsv()).isZero();
			assertThat(f.payload()).isEqualTo(noise);
			// a compressed message in three fragments: RSV1 on the first only
			byte[] z = deflate(repetitive(200_000));
			int third = z.length / 3;
			ws.write(concat(concat(frame(false, 4, BINARY, Arrays.copyOfRange(z, 0, third)),
					frame(false, 0, CONT, Arrays.copyOfRange(z, third, 2 * third))),
					frame(true, 0, CONT, Arrays.copyOfRange(z, 2 * third, z.length))));
			f = ws.read();
			assertThat(f.rsv()).isEqualTo(4);
			assertThat(inflate(f.payload())).isEqualTo(repetitive(200_000));
			// compressed UTF-8 beyond ASCII, each message on its own (no context kept)
			for (int i = 0; i < 3; i++) {
				byte[] utf8 = "Grüße, €, 😀 — ".repeat(20).getBytes(StandardCharsets.UTF_8);
				ws.write(frame(true, 4, TEXT, deflate(utf8)));
				f = ws.read();
				assertThat(new String(inflate(f.payload()), StandardCharsets.UTF_8)).isEqualTo("Grüße, €, 😀 — ".repeat(20));
			}
		}
	}

	/**
	 * A client that did not offer client_no_context_takeover may compress each message with the
	 * earlier ones as context (one DEFLATE stream for the session): its session inflates with an
	 * inflater of its own. One that offered it compresses each message alone.
	 */
	@Test
	void aClientThatKeepsItsContextAndOneThatDoesNot() throws Exception {
		int port = echo(true, 1 << 20).port();
		byte[] text = repetitive(5_000);
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true); // one stream: context kept
			for (int i = 0; i < 4; i++) {
				byte[] z = deflate(d, text);
				if (i > 0) {
					assertThat(z.length).as("refers back to the previous message").isLessThan(40);
				}
				ws.write(frame(true, 4, TEXT, z));
				assertThat(inflate(ws.read().payload())).isEqualTo(text);
			}
			d.end();
		}
		try (RawWebSocket ws = offer(port, "permessage-deflate; client_no_context_takeover")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo("permessage-deflate; client_no_context_takeover");
			for (int i = 0; i < 4; i++) {
				ws.write(frame(true, 4, TEXT, deflate(text)));
				assertThat(inflate(ws.read().payload())).isEqualTo(text);
			}
		}
	}

	/**
	 * compressionPreferredClientNoContext(true): client_no_context_takeover is in every answer,
	 * offered or not (RFC 7692 section 7.1.1.2). Reactor Netty's client, which keeps its context
	 * otherwise, follows it when built with compressionAllowClientNoContext(true), and fails the
	 * handshake without it (as Netty's own server with the same preference makes it do).
	 */
	@Test
	void aServerThatPrefersClientsWithoutContext() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.ws("/echo", (in, out) -> out.send(in.receive()),
				WebsocketServerSpec.builder().compress(true).compressionPreferredClientNoContext(true).build())));
		try (RawWebSocket ws = offer(s.port(), "permessage-deflate; client_max_window_bits")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED + "; client_no_context_takeover");
		}
		try (RawWebSocket ws = offer(s.port(), "permessage-deflate; client_no_context_takeover")) {
			assertThat(ws.responseHeader(EXTENSIONS)).isEqualTo(ACCEPTED + "; client_no_context_takeover");
		}
		List<String> messages = new java.util.ArrayList<>();
		for (int i = 0; i < 30; i++) { // small similar ones, which a client keeping its context compresses by reference
			messages.add(("{\"id\": " + i + ", \"event\": \"tick\", \"symbol\": \"ACME\"}").repeat(3));
		}
		String url = "ws://127.0.0.1:" + s.port() + "/echo";
		List<String> echoed = reactor.netty.http.client.HttpClient.create()
				.websocket(reactor.netty.http.client.WebsocketClientSpec.builder().compress(true)
						.compressionAllowClientNoContext(true).build())
				.uri(url)
				.handle((in, out) -> out.sendString(Flux.fromIterable(messages)).then()
						.thenMany(in.receive().asString().take(messages.size())))
				.collectList()
				.block(TIMEOUT);
		assertThat(echoed).isEqualTo(messages);
		assertThatThrownBy(() -> reactor.netty.http.client.HttpClient.create()
				.websocket(reactor.netty.http.client.WebsocketClientSpec.builder().compress(true).build())
				.uri(url)
				.handle((in, out) -> in.receive().asString())
				.blockFirst(TIMEOUT)).hasMessageContaining("permessage-deflate");
	}

	@Test
	void aMessageThatInflatesPastTheLimitClosesWith1009() throws Exception {
		int port = echo(true, 65536).port();
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			byte[] bomb = deflate(new byte[10 << 20]); // 10 MiB of zeros: about 10 KB compressed
			assertThat(bomb.length).isLessThan(65536);
			ws.write(frame(true, 4, BINARY, bomb));
			RawWebSocket.Frame close = ws.awaitCloseAndEof();
			assertThat(close.closeCode()).isEqualTo(1009);
		}
		// exactly the limit inflated is fine
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			ws.write(frame(true, 4, BINARY, deflate(repetitive(65536))));
			assertThat(inflate(ws.read().payload())).isEqualTo(repetitive(65536));
		}
	}

	/**
	 * An endpoint's own limit ({@code maxFramePayloadLength}) bounds what its compressed messages
	 * inflate to, above the server's {@code maxWebsocketFrameSize} as well as below it.
	 */
	@Test
	void theEndpointsOwnLimitBoundsWhatIsInflated() throws Exception {
		int port = bind(HttpServer.create() // the server's limit: the default 64 KiB
				.route(r -> r
						.ws("/large", (in, out) -> out.send(in.receive()),
								WebsocketServerSpec.builder().compress(true).maxFramePayloadLength(256 * 1024).build())
						.ws("/small", (in, out) -> out.send(in.receive()),
								WebsocketServerSpec.builder().compress(true).maxFramePayloadLength(4096).build()))).port();
		for (int limit : new int[] {256 * 1024, 4096}) {
			String path = limit == 4096 ? "/small" : "/large";
			try (RawWebSocket ws = RawWebSocket.connect(port, path, EXTENSIONS + ": permessage-deflate\r\n").soTimeout(10_000)) {
				ws.write(frame(true, 4, BINARY, deflate(repetitive(limit))));
				RawWebSocket.Frame echo = ws.read();
				assertThat(echo.rsv()).as("%s: the echo is compressed", path).isEqualTo(4);
				assertThat(inflate(echo.payload())).as(path).isEqualTo(repetitive(limit));
				ws.write(frame(true, 4, BINARY, deflate(repetitive(limit + 1))));
				assertThat(ws.awaitCloseAndEof().closeCode()).as("%s: %d bytes inflated", path, limit + 1).isEqualTo(1009);
			}
		}
	}

	@Test
	void brokenCompressedDataAndInvalidUtf8Close1007AndRsv1WhereItMayNotBeCloses1002() throws Exception {
		int port = echo(true, 65536).port();
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			ws.write(frame(true, 4, BINARY, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1007);
		}
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			byte[] bad = concat("valid at first, ".repeat(10).getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xc3, 0x28});
			ws.write(frame(true, 4, TEXT, deflate(bad)));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1007);
		}
		// RSV1 on a continuation frame, or on a control frame
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			ws.write(concat(frame(false, 4, TEXT, deflate(repetitive(100))), frame(true, 4, CONT, new byte[] {0})));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1002);
		}
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			ws.write(frame(true, 4, RawWebSocket.PING, new byte[0]));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1002);
		}
		// RSV1 without the extension negotiated
		try (RawWebSocket ws = offer(port, null)) {
			ws.write(frame(true, 4, TEXT, deflate(repetitive(100))));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1002);
		}
		try (RawWebSocket ws = offer(port, "permessage-deflate")) {
			ws.write(frame(true, 0, CLOSE, RawWebSocket.closePayload(1000, "")));
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(1000);
		}
	}

	@Test
	void aStrictPeerWithItsOwnDeflateDrivesSessions() throws Exception {
		String python = PythonPeers.pythonWith("wsproto", "python3-wsproto");
		WebsocketServerSpec compress = WebsocketServerSpec.builder().compress(true).build();
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20).route(r -> r
				.ws("/echo", (in, out) -> out.send(in.receive()), compress)
				.ws("/proto", (in, out) -> out.send(in.receive()),
						WebsocketServerSpec.builder().protocols("chat, superchat").compress(true).build())));
		String out = PythonPeers.run(python, "src/test/python/websocket_sessions.py", s.port(), 200, 7, "deflate");
		assertThat(counter(out, "sessions")).isEqualTo(200);
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "deflate")).as(out).isEqualTo(200);
		assertThat(counter(out, "closed_ok")).as(out).isEqualTo(200);
		assertThat(counter(out, "messages_ok")).as(out).isGreaterThan(400);
		// an offer that limits the server's window to 1 KiB: accepted; wsproto's zlib inflates with
		// that window, so a back-reference further than 1 KiB would fail the session
		out = PythonPeers.run(python, "src/test/python/websocket_sessions.py", s.port(), 40, 8, "deflate-window-10");
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "deflate")).as(out).isEqualTo(40);
		assertThat(counter(out, "closed_ok")).as(out).isEqualTo(40);
	}
}
