/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * The body shape is chosen by the send method, not by the publisher's type: {@code sendWhole}
 * is one response with {@code Content-Length}, {@code sendStream} is chunked (or unframed with
 * an explicit {@code Content-Length}, or ended by the close for HTTP/1.0), and {@code send},
 * {@code sendString} and {@code sendByteArray} treat a {@code Mono} as whole and anything
 * else, a one-item {@code Flux.just} included, as a stream. Checked on the wire.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpBodyShapeTest extends BaseHttpTest {

	private final Sinks.One<Throwable> laterSendError = Sinks.one();
	private final Sinks.One<String> sliceAfterSend = Sinks.one();

	private DisposableServer server;

	private static ByteBuffer buf(String s) {
		return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
	}

	@BeforeEach
	void startServer() {
		server = bind(HttpServer.create().route(r -> r
				.get("/whole", (req, res) -> res.sendWhole(Flux.just(buf("ab"), buf("cd"), buf("ef"))))
				.get("/whole-async", (req, res) -> res.sendWhole(Flux.interval(Duration.ofMillis(5)).take(3)
						.map(i -> buf("x" + i))))
				.get("/whole-sliced", (req, res) -> {
					ByteBuffer big = buf("--abc--");
					return res.sendWhole(Flux.just(big.duplicate().position(2).limit(5).slice(),
							ByteBuffer.allocateDirect(3).put(buf("def")).flip()));
				})
				.get("/whole-empty", (req, res) -> res.sendWhole(Flux.empty()))
				// bodies that are there already (Mono.just, Mono.empty, Mono.error) are not subscribed
				.get("/scalar-empty-string", (req, res) -> res.sendString(Mono.empty()))
				.get("/scalar-empty-bytes", (req, res) -> res.sendByteArray(Mono.empty()))
				.get("/scalar-empty-whole", (req, res) -> res.sendWhole(Mono.empty()))
				.get("/scalar-error-string", (req, res) -> res.sendString(Mono.error(new IllegalStateException("no string"))))
				.get("/scalar-error-bytes", (req, res) -> res.sendByteArray(Mono.error(new IllegalStateException("no bytes"))))
				.get("/scalar-error-whole", (req, res) -> res.sendWhole(Mono.error(new IllegalStateException("no buffer"))))
				.get("/scalar-slice", (req, res) -> {
					ByteBuffer b = buf("--abc--").position(2).limit(5);
					return res.sendWhole(Mono.just(b)).doOnSuccess(v -> sliceAfterSend.tryEmitValue(b.position() + ":" + b.limit()));
				})
				.get("/scalar-twice", (req, res) -> {
					Mono<Void> send = res.sendString(Mono.just("once"));
					return send.then(send); // the second subscription fails (the response has ended); the connection goes on
				})
				.get("/stream-one", (req, res) -> res.sendStream(Mono.just(buf("only"))))
				.get("/stream", (req, res) -> res.sendStream(Flux.just(buf("ab"), buf("cd"), buf("ef"))))
				.get("/stream-sized", (req, res) -> res.header("Content-Length", "6")
						.sendStream(Flux.just(buf("ab"), buf("cd"), buf("ef"))))
				.get("/send-mono", (req, res) -> res.send(Mono.just(buf("mono"))))
				.get("/send-flux-just", (req, res) -> res.send(Flux.just(buf("just"))))
				.get("/send-flux-empty", (req, res) -> res.send(Flux.empty()))
				.get("/string-mono", (req, res) -> res.sendString(Mono.just("mono")))
				.get("/string-flux-just", (req, res) -> res.sendString(Flux.just("just")))
				.get("/bytes-mono", (req, res) -> res.sendByteArray(Mono.just(new byte[] {1, 0, 2})))
				.get("/bytes-flux-just", (req, res) -> res.sendByteArray(Flux.just(new byte[] {1, 0, 2})))
				.get("/whole-then-send", (req, res) -> res.sendWhole(Mono.just(buf("first")))
						.then(res.sendStream(Flux.just(buf("second"))))
						.doOnError(laterSendError::tryEmitValue)
						.onErrorResume(e -> Mono.empty()))
				.get("/stream-then-whole", (req, res) -> res.sendStream(Flux.just(buf("a")))
						.then(res.sendWhole(Flux.just(buf("b"), buf("c")))))
				.get("/whole-short-length", (req, res) -> res.header("Content-Length", "2").sendString(Mono.just("hello")))
				.get("/whole-long-length", (req, res) -> res.header("Content-Length", "50").sendString(Mono.just("hello")))
				.get("/whole-te", (req, res) -> res.header("Transfer-Encoding", "chunked").sendString(Mono.just("hello")))
				.get("/whole-bad-length", (req, res) -> res.addHeader("Content-Length", "5").addHeader("Content-Length", "6")
						.sendString(Mono.just("hello")))
				.get("/stream-te", (req, res) -> res.header("Transfer-Encoding", "chunked").header("Content-Length", "5")
						.sendString(Flux.just("hel", "lo")))
				.get("/stream-too-long", (req, res) -> res.header("Content-Length", "4").sendString(Flux.just("hel", "lo")))
				.get("/stream-too-short", (req, res) -> res.header("Content-Length", "50").sendString(Flux.just("hel", "lo")))
				.get("/length-204", (req, res) -> res.status(204).header("Content-Length", "5").send())
				.get("/stream-204", (req, res) -> res.status(204).sendString(Flux.just("dropped")))
				.get("/empty-stream-204", (req, res) -> res.status(204).send(Flux.empty()))
				.get("/whole-205", (req, res) -> res.status(205).sendString(Mono.just("dropped")))
				.get("/stream-205", (req, res) -> res.status(205).sendString(Flux.just("drop", "ped")))
				.get("/stream-304", (req, res) -> res.status(304).header("ETag", "\"v1\"")
						.sendString(Flux.just("dropped").concatWith(Mono.just("too"))))));
	}

	/**
	 * The framing is the server's: a Content-Length or Transfer-Encoding the application set
	 * that would contradict the body is not sent as is (copied from an upstream response, say),
	 * so no response can make the client read the next one into it.
	 */
	@Test
	void framingHeadersTheApplicationSetCannotContradictTheBody() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String path : new String[] { "/whole-short-length", "/whole-long-length", "/whole-te", "/whole-bad-length" }) {
				RawHttp.Response r = get(c, path);
				assertWhole(r, "hello");
				assertThat(r.header("Transfer-Encoding")).as(path).isNull();
				assertThat(r.headers("Content-Length")).as(path).containsExactly("5");
			}
			RawHttp.Response te = get(c, "/stream-te");
			assertChunked(te, "hello");
			assertThat(te.headers("Transfer-Encoding")).containsExactly("chunked");
			c.write(RawHttp.get("/length-204") + RawHttp.get("/whole"));
			RawHttp.Response noContent = c.read();
			assertThat(noContent.status()).isEqualTo(204);
			assertThat(noContent.header("Content-Length")).isNull();
			assertWhole(c.read(), "abcdef"); // the connection is still in step
		}
		// a streamed body that breaks its own Content-Length: the connection is cut, never out of step
		for (String path : new String[] { "/stream-too-long", "/stream-too-short" }) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(RawHttp.get(path) + RawHttp.get("/whole"));
				String all = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
				assertThat(all).as(path).doesNotContain("abcdef");
				assertThat(all).as(path).startsWith("HTTP/1.1 200 OK\r\n");
			}
		}
	}

	/**
	 * A 205 has no content (RFC 9110 15.3.6: a server MUST NOT generate any), whatever the handler
	 * sends: it said "dropped" with a Content-Length or chunked. Its head says Content-Length: 0,
	 * as Reactor Netty's, and the next response follows on the same connection.
	 */
	@Test
	void a205CarriesNoContent() throws Exception {
		for (String path : new String[] { "/whole-205", "/stream-205" }) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(RawHttp.get(path) + "GET /whole HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
				String all = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
				assertThat(all).as(path).matches("(?s)HTTP/1\\.1 205 [^\r]*\r\nDate: [^\r]*\r\nContent-Length: 0\r\n\r\n"
						+ "HTTP/1\\.1 200 OK\r\n.*\r\n\r\nabcdef");
				assertThat(all).doesNotContain("Transfer-Encoding").doesNotContain("drop");
			}
		}
	}

	/**
	 * A streamed body on a status that has none (204, 304) is dropped, and the head carries no
	 * Transfer-Encoding: a chunked 204 would leave its last chunk to be read as the next response.
	 */
	@Test
	void aStreamedBodyOnA204Or304IsDroppedAndTheNextResponseFollowsCleanly() throws Exception {
		for (String path : new String[] { "/stream-204", "/empty-stream-204", "/stream-304" }) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(RawHttp.get(path) + "GET /whole HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
				String all = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
				assertThat(all).as(path).matches("(?s)HTTP/1\\.1 [23]04 [^\r]*\r\nDate: [^\r]*\r\n(ETag: \"v1\"\r\n)?\r\n"
						+ "HTTP/1\\.1 200 OK\r\n.*\r\n\r\nabcdef");
				assertThat(all).doesNotContain("Transfer-Encoding").doesNotContain("dropped");
			}
		}
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
		for (int i = 0; i < 3; i++) { // one keep-alive connection, reused after each 204
			java.net.http.HttpResponse<String> r = jdk.send(java.net.http.HttpRequest.newBuilder(
					java.net.URI.create("http://127.0.0.1:" + server.port() + (i % 2 == 0 ? "/stream-204" : "/whole")))
					.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(i % 2 == 0 ? 204 : 200);
			assertThat(r.body()).isEqualTo(i % 2 == 0 ? "" : "abcdef");
		}
	}

	private RawHttp.Response get(RawHttp c, String path) throws Exception {
		c.write(RawHttp.get(path));
		return c.read();
	}

	private static void assertWhole(RawHttp.Response r, String body) {
		assertThat(r.status()).isEqualTo(200);
		assertThat(r.isChunked()).as("chunked: %s", r).isFalse();
		assertThat(r.header("Content-Length")).as("Content-Length: %s", r).isEqualTo(Integer.toString(r.body().length));
		assertThat(r.bodyString()).isEqualTo(body);
	}

	private static void assertChunked(RawHttp.Response r, String body) {
		assertThat(r.status()).isEqualTo(200);
		assertThat(r.isChunked()).as("chunked: %s", r).isTrue();
		assertThat(r.header("Content-Length")).isNull();
		assertThat(r.bodyString()).isEqualTo(body);
	}

	@Test
	void sendWholeJoinsEveryBufferIntoOneResponseWithContentLength() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertWhole(get(c, "/whole"), "abcdef");
			assertWhole(get(c, "/whole-async"), "x0x1x2");
			assertWhole(get(c, "/whole-sliced"), "abcdef");
			assertWhole(get(c, "/whole-empty"), "");
			assertThat(get(c, "/whole-empty").header("Content-Length")).isEqualTo("0");
		}
	}

	@Test
	void sendStreamIsChunkedEvenForASingleItem() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/stream-one"));
			RawHttp.Response head = c.readHead();
			assertThat(head.isChunked()).isTrue();
			assertThat(c.readChunk()).asString(StandardCharsets.US_ASCII).isEqualTo("only");
			assertThat(c.readChunk()).isNull();

			c.write(RawHttp.get("/stream"));
			assertThat(c.readHead().isChunked()).isTrue();
			List<String> chunks = new ArrayList<>();
			byte[] chunk;
			while ((chunk = c.readChunk()) != null) {
				chunks.add(new String(chunk, StandardCharsets.US_ASCII));
			}
			assertThat(chunks).as("one chunk per item").containsExactly("ab", "cd", "ef");
			// the connection stays usable after a streamed response
			assertWhole(get(c, "/whole"), "abcdef");
		}
	}

	@Test
	void sendStreamWithContentLengthSetIsWrittenUnframed() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			RawHttp.Response r = get(c, "/stream-sized");
			assertWhole(r, "abcdef");
			assertThat(r.header("Connection")).isNull();
			assertWhole(get(c, "/whole"), "abcdef");
		}
	}

	@Test
	void sendStreamToAnHttp10RequestEndsWithTheConnection() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /stream HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.isChunked()).isFalse();
			assertThat(r.header("Content-Length")).isNull();
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(r.bodyString()).isEqualTo("abcdef");
		}
	}

	@Test
	void sendTreatsAMonoAsWholeAndAnyOtherPublisherAsAStream() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertWhole(get(c, "/send-mono"), "mono");
			assertChunked(get(c, "/send-flux-just"), "just");
			assertChunked(get(c, "/send-flux-empty"), "");
		}
	}

	@Test
	void sendStringAndSendByteArrayFollowTheSameRule() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertWhole(get(c, "/string-mono"), "mono");
			assertChunked(get(c, "/string-flux-just"), "just");
			RawHttp.Response bytesMono = get(c, "/bytes-mono");
			assertThat(bytesMono.header("Content-Length")).isEqualTo("3");
			assertThat(bytesMono.body()).containsExactly(1, 0, 2);
			RawHttp.Response bytesFlux = get(c, "/bytes-flux-just");
			assertThat(bytesFlux.isChunked()).isTrue();
			assertThat(bytesFlux.body()).containsExactly(1, 0, 2);
		}
	}

	@Test
	void headReportsTheShapeGetWouldHaveWithoutABody() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("HEAD /whole HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response whole = c.read(true);
			assertThat(whole.header("Content-Length")).isEqualTo("6");
			assertThat(whole.isChunked()).isFalse();

			c.write("HEAD /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response stream = c.read(true);
			assertThat(stream.isChunked()).isTrue();
			assertThat(stream.header("Content-Length")).isNull();

			// no body bytes were written: the next response starts right away
			assertWhole(get(c, "/send-mono"), "mono");
		}
	}

	@Test
	void aWholeBodyEndsTheResponseAndALaterSendFails() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertWhole(get(c, "/whole-then-send"), "first");
			StepVerifier.create(laterSendError.asMono())
					.assertNext(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
							.hasMessageContaining("already sent"))
					.expectComplete()
					.verify(TIMEOUT);
			assertWhole(get(c, "/send-mono"), "mono");
		}
	}

	@Test
	void aWholeBodyAfterAStreamedStartContinuesTheStream() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertChunked(get(c, "/stream-then-whole"), "abc");
			assertWhole(get(c, "/send-mono"), "mono");
		}
	}

	@Test
	void bodiesThatAreThereAlreadyHaveTheSameShapesAsAnyOther() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String path : new String[] {"/scalar-empty-string", "/scalar-empty-bytes", "/scalar-empty-whole"}) {
				RawHttp.Response r = get(c, path);
				assertThat(r.status()).as(path).isEqualTo(200);
				assertThat(r.header("Content-Length")).as(path).isEqualTo("0");
				assertThat(r.body()).as(path).isEmpty();
			}
			for (String path : new String[] {"/scalar-error-string", "/scalar-error-bytes", "/scalar-error-whole"}) {
				RawHttp.Response r = get(c, path);
				assertThat(r.status()).as(path).isEqualTo(500);
			}
			// the connection survived the 500s, and a buffer's position and limit are respected
			// (and left as they were)
			assertWhole(get(c, "/scalar-slice"), "abc");
			StepVerifier.create(sliceAfterSend.asMono()).expectNext("2:5").expectComplete().verify(TIMEOUT);
			assertWhole(get(c, "/scalar-twice"), "once");
			c.write("HEAD /string-mono HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response head = c.read(true);
			assertThat(head.header("Content-Length")).isEqualTo("4");
			assertWhole(get(c, "/send-mono"), "mono");
		}
	}
}
