/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.testing.PythonPeers;
import io.github.reactormongoose.testing.RawHttp;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link HttpServerRequest#trailerHeaders()}: the trailer fields of a chunked request body,
 * sent by Reactor Netty's client, by h11 (Python) and by hand: whole or split at every byte,
 * none, after a body the handler never read; a malformed or oversized section is answered
 * with 400 and fails the trailers; a connection closed in the middle of them fails them too;
 * keep-alive and pipelining go on after them.
 */
class HttpRequestTrailersTest extends BaseHttpTest {

	/** What handlers saw of trailers: "fields" or "error: <exception class>". */
	private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();

	static String describe(HttpHeaders h) {
		if (h.isEmpty()) {
			return "none";
		}
		List<String> fields = new ArrayList<>();
		h.forEach(e -> fields.add(e.getKey() + "=" + e.getValue()));
		return String.join(", ", fields);
	}

	/**
	 * {@code POST /sum} answers "{bytes} bytes; {trailers}" once it has the body and its
	 * trailers; {@code POST /early} answers at once, without reading the body, and notes the
	 * trailers (or their error) when they come.
	 */
	private DisposableServer server(int maxHeaderSize) {
		return bind(HttpServer.create().maxHeaderSize(maxHeaderSize).route(r -> r
				.post("/sum", (req, res) -> req.receive().reduce(0L, (n, b) -> n + b.remaining())
						.zipWith(req.trailerHeaders())
						.doOnError(e -> seen.add("error: " + e.getClass().getSimpleName()))
						.flatMap(t -> res.sendString(Mono.just(t.getT1() + " bytes; " + describe(t.getT2()))).then()))
				.get("/sum", (req, res) -> res.sendString(req.trailerHeaders().map(h -> "GET; " + describe(h))))
				.post("/early", (req, res) -> {
					req.trailerHeaders().subscribe(h -> seen.add(describe(h)), e -> seen.add("error: " + e.getClass().getSimpleName()));
					return res.sendString(Mono.just("early"));
				})));
	}

	private static String chunked(String path, String chunks) {
		return "POST " + path + " HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
	}

	@Test
	void trailersSentWholeOrByteByByteReachTheHandlerAndKeepAliveGoesOn() throws Exception {
		DisposableServer s = server(8192);
		String request = chunked("/sum", "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 11\r\nX-Sig:\tab c \r\nX-Empty:\r\nX-Sum: again\r\n\r\n");
		String expected = "11 bytes; X-Sum=11, X-Sig=ab c, X-Empty=, X-Sum=again";
		try (RawHttp c = RawHttp.connect(s.port())) {
			// whole, with the next request pipelined right behind the trailer section
			c.write(request + chunked("/sum", "3\r\nabc\r\n0\r\n\r\n"));
			assertThat(c.read().bodyString()).isEqualTo(expected);
			assertThat(c.read().bodyString()).isEqualTo("3 bytes; none");
			// a byte at a time: the section arrives in 60-odd reads
			for (byte b : request.getBytes(StandardCharsets.ISO_8859_1)) {
				c.write(new byte[] { b });
				Thread.sleep(1);
			}
			assertThat(c.read().bodyString()).isEqualTo(expected);
			// bodies without trailers, or without chunks: none
			c.write("POST /sum HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd");
			assertThat(c.read().bodyString()).isEqualTo("4 bytes; none");
			c.write("POST /sum HTTP/1.1\r\nHost: a\r\nContent-Length: 300000\r\n\r\n" + "x".repeat(300_000));
			assertThat(c.read().bodyString()).isEqualTo("300000 bytes; none");
			c.write("GET /sum HTTP/1.1\r\nHost: a\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("GET; none");
		}
		assertThat(seen).isEmpty();
	}

	@Test
	void reactorNettysClientSendsThemAfterItsLastChunk() {
		DisposableServer s = server(8192);
		LastHttpContent last = new DefaultLastHttpContent(Unpooled.copiedBuffer("tail", StandardCharsets.UTF_8));
		last.trailingHeaders().set("Checksum", "c0ffee").add("X-Count", "3");
		String answer = reactor.netty.http.client.HttpClient.create()
				.headers(h -> h.set("Transfer-Encoding", "chunked").set("Trailer", "Checksum, X-Count"))
				.post().uri("http://127.0.0.1:" + s.port() + "/sum")
				.send((req, out) -> out.sendObject(Flux.just(new DefaultHttpContent(Unpooled.copiedBuffer("head-", StandardCharsets.UTF_8)),
						new DefaultHttpContent(Unpooled.copiedBuffer("body-", StandardCharsets.UTF_8)), last)))
				.responseSingle((res, body) -> body.asString())
				.block(TIMEOUT);
		assertThat(answer).isEqualTo("14 bytes; Checksum=c0ffee, X-Count=3");
	}

	@Test
	void h11SendsThemAndTheConnectionIsReused() throws Exception {
		String python = PythonPeers.pythonWith("h11", "python3-h11");
		DisposableServer s = server(8192);
		String out = PythonPeers.run(python, "src/test/python/trailer_client.py", s.port(), "/sum", "sixteen bytes!!!",
				"Digest-SHA256=abc123", "X-Parts=2");
		assertThat(PythonPeers.string(out, "first")).isEqualTo("200 16 bytes; Digest-SHA256=abc123, X-Parts=2");
		assertThat(PythonPeers.string(out, "second")).isEqualTo("200 5 bytes; none");
	}

	@Test
	void aBodyNobodyReadStillYieldsItsTrailersOnceDiscarded() throws Exception {
		DisposableServer s = server(8192);
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/early", "4000\r\n" + "z".repeat(0x4000) + "\r\n0\r\nX-Late: yes\r\n\r\n"));
			assertThat(c.read().bodyString()).isEqualTo("early");
			assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("X-Late=yes");
			c.write("GET /sum HTTP/1.1\r\nHost: a\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("GET; none");
		}
	}

	@Test
	void malformedTrailersAreAnswered400AndFailTheTrailers() throws Exception {
		DisposableServer s = server(8192);
		String[] bad = {
				"X-A: 1\r\n  folded\r\n\r\n", // obs-fold
				"X A: 1\r\n\r\n", // space in the name
				"X-A : 1\r\n\r\n", // space before the colon
				": 1\r\n\r\n", // no name
				"X-A 1\r\n\r\n", // no colon
				"X-A: a\0b\r\n\r\n", // NUL
				"X-A: a\rb\r\n\r\n", // bare CR
				"X-A: 1\n\r\n", // bare LF
				"X-(A): 1\r\n\r\n", // a separator in the name
				"X-A: 1\r\n\r\r", // no LF after the last CR
		};
		for (String trailer : bad) {
			seen.clear();
			try (RawHttp c = RawHttp.connect(s.port())) {
				c.write(chunked("/sum", "5\r\nhello\r\n0\r\n" + trailer));
				RawHttp.Response r = c.read();
				assertThat(r.status()).as(RawHttp.printable(trailer)).isEqualTo(400);
				assertThat(c.isClosedByPeer()).as(RawHttp.printable(trailer)).isTrue();
			}
			assertThat(seen.poll(10, TimeUnit.SECONDS)).as(RawHttp.printable(trailer)).startsWith("error: ");
		}
	}

	@Test
	void theSectionIsLimitedByMaxHeaderSize() throws Exception {
		DisposableServer s = server(256);
		String fits = "X-Pad: " + "p".repeat(240) + "\r\n"; // 249 bytes, with the empty line 251
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/sum", "1\r\nx\r\n0\r\n" + fits + "\r\n"));
			assertThat(c.read().bodyString()).isEqualTo("1 bytes; X-Pad=" + "p".repeat(240));
		}
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/sum", "1\r\nx\r\n0\r\n" + fits + "X-More: " + "m".repeat(40) + "\r\n\r\n"));
			assertThat(c.read().status()).isEqualTo(400);
			assertThat(c.isClosedByPeer()).isTrue();
		}
		// one that never ends is refused as soon as it is too long
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/sum", "1\r\nx\r\n0\r\nX-Endless: " + "e".repeat(400)));
			assertThat(c.read().status()).isEqualTo(400);
		}
	}

	@Test
	void aConnectionClosedInTheTrailersFailsThem() throws Exception {
		DisposableServer s = server(8192);
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/sum", "5\r\nhello\r\n0\r\nX-Half: 1\r\nX-Ha"));
			Thread.sleep(100);
		}
		assertThat(seen.poll(10, TimeUnit.SECONDS)).isEqualTo("error: " + AbortedException.class.getSimpleName());
		// the server goes on
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(chunked("/sum", "2\r\nok\r\n0\r\nX-Whole: 1\r\n\r\n"));
			assertThat(c.read().bodyString()).isEqualTo("2 bytes; X-Whole=1");
		}
	}
}
