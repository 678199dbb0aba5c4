/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link HttpServerResponse#trailerHeaders}: fields after the last chunk of a streamed body,
 * only those declared in {@code Trailer} and never framing ones; none for a body framed by
 * {@code Content-Length}. Read by raw sockets, Reactor Netty's client (its
 * {@code trailerHeaders()}) and curl.
 */
class HttpTrailersTest extends BaseHttpTest {

	private static final String[] PIECES = {"first piece, ", "second piece, ", "the end"};

	private static String sha256(String s) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
	}

	/** Streams the pieces and sends their checksum, computed as they went, as a trailer. */
	private DisposableServer server() {
		return bind(HttpServer.create().route(r -> r
				.get("/stream", (req, res) -> {
					MessageDigest md;
					try {
						md = MessageDigest.getInstance("SHA-256");
					}
					catch (Exception e) {
						return Mono.error(e);
					}
					return res.header("Trailer", "Checksum, Content-Length, X-Status")
							.trailerHeaders(t -> t.set("Checksum", HexFormat.of().formatHex(md.digest()))
									.set("X-Undeclared", "dropped")
									.set("Content-Length", "999")) // declared, but framing: dropped
							.trailerHeaders(t -> t.set("X-Status", "complete"))
							.sendStream(Flux.fromArray(PIECES).map(p -> {
								md.update(p.getBytes(StandardCharsets.UTF_8));
								return ByteBuffer.wrap(p.getBytes(StandardCharsets.UTF_8));
							}));
				})
				.get("/whole", (req, res) -> res.header("Trailer", "Checksum")
						.trailerHeaders(t -> t.set("Checksum", "never"))
						.sendString(Mono.just("whole body")))
				.get("/failing", (req, res) -> res.header("Trailer", "Checksum")
						.trailerHeaders(t -> {
							throw new IllegalStateException("no checksum today");
						})
						.sendStream(Flux.just(ByteBuffer.wrap("body".getBytes(StandardCharsets.UTF_8)))))));
	}

	@Test
	void declaredTrailersFollowTheLastChunk() throws Exception {
		DisposableServer s = server();
		String checksum = sha256(String.join("", PIECES));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			c.write("GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
			String raw = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
			assertThat(raw).contains("Transfer-Encoding: chunked").contains("Trailer: Checksum, Content-Length, X-Status");
			assertThat(raw).endsWith("\r\n0\r\nChecksum: " + checksum + "\r\nX-Status: complete\r\n\r\n");
		}
		// keep-alive goes on after the trailer section, and a whole body has none
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			c.write("GET /whole HTTP/1.1\r\nHost: a\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.header("Content-Length")).isEqualTo("10");
			assertThat(r.bodyString()).isEqualTo("whole body");
			c.write("GET /failing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
			String raw = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
			assertThat(raw).as("a failing callback: the body ends, without trailers").endsWith("4\r\nbody\r\n0\r\n\r\n");
		}
	}

	@Test
	void reactorNettysClientReadsTheTrailers() throws Exception {
		DisposableServer s = server();
		io.netty.handler.codec.http.HttpHeaders trailers = reactor.netty.http.client.HttpClient.create()
				.get().uri("http://127.0.0.1:" + s.port() + "/stream")
				.response((res, body) -> body.aggregate().asString().then(res.trailerHeaders()))
				.blockLast(TIMEOUT);
		assertThat(trailers).isNotNull();
		assertThat(trailers.get("Checksum")).isEqualTo(sha256(String.join("", PIECES)));
		assertThat(trailers.get("X-Status")).isEqualTo("complete");
		assertThat(trailers.contains("X-Undeclared")).isFalse();
	}

	/** A gzip-compressed streamed body: the trailers follow the end of the compressed stream. */
	@Test
	void afterACompressedBodyToo() throws Exception {
		Curl.assumeInstalled();
		String text = "compressible line of text, ".repeat(400);
		DisposableServer s = bind(HttpServer.create().compress(true).route(r -> r.get("/gz", (req, res) -> res
				.header("Trailer", "X-Length")
				.trailerHeaders(t -> t.set("X-Length", String.valueOf(text.length())))
				.sendStream(Flux.just(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)))))));
		Curl.Result raw = Curl.run("--raw", "-H", "Accept-Encoding: gzip", "-D", "-", "http://127.0.0.1:" + s.port() + "/gz");
		assertThat(raw.exitCode()).as(raw.stderr()).isZero();
		assertThat(raw.stdout()).contains("Content-Encoding: gzip").endsWith("0\r\nX-Length: " + text.length() + "\r\n\r\n");
		Curl.Result decoded = Curl.run("--compressed", "http://127.0.0.1:" + s.port() + "/gz");
		assertThat(decoded.exitCode()).as(decoded.stderr()).isZero();
		assertThat(decoded.stdout()).isEqualTo(text);
	}

	@Test
	void curlShowsThemWithRaw() throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = server();
		Curl.Result r = Curl.run("--raw", "http://127.0.0.1:" + s.port() + "/stream");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).endsWith("0\r\nChecksum: " + sha256(String.join("", PIECES)) + "\r\nX-Status: complete\r\n\r\n");
	}
}
