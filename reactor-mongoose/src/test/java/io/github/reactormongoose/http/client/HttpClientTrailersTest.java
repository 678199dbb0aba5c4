/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.function.Tuple2;

/**
 * {@link HttpClientResponse#trailerHeaders()}: the fields after a chunked body's last chunk,
 * from our server, from Reactor Netty's, and from a scripted peer (none, malformed, too many),
 * and an error when the body does not end. {@link HttpClientRequest#trailerHeaders}: the
 * request's own, read by our server and by Reactor Netty's.
 */
class HttpClientTrailersTest extends BaseHttpTest {

	private static Mono<Tuple2<String, HttpHeaders>> bodyAndTrailers(HttpClient client, String url) {
		return client.get().uri(url)
				.response((res, body) -> body.map(b -> StandardCharsets.UTF_8.decode(b).toString()).reduce("", String::concat)
						.zipWith(res.trailerHeaders()))
				.single();
	}

	@Test
	void ourServersTrailersAndTheConnectionGoesOn() {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/stream", (req, res) -> res.header("Trailer", "Checksum, X-Status")
						.trailerHeaders(t -> t.set("Checksum", "c0ffee").set("X-Status", "complete"))
						.sendString(Flux.just("one,", "two,", "three")))
				.get("/whole", (req, res) -> res.sendString(Mono.just("whole")))));
		HttpClient client = HttpClient.create().maxConnections(1);
		String base = "http://127.0.0.1:" + s.port();
		Tuple2<String, HttpHeaders> r = bodyAndTrailers(client, base + "/stream").block(TIMEOUT);
		assertThat(r.getT1()).isEqualTo("one,two,three");
		assertThat(r.getT2().get("Checksum")).isEqualTo("c0ffee");
		assertThat(r.getT2().get("X-Status")).isEqualTo("complete");
		assertThat(r.getT2().size()).isEqualTo(2);
		// a Content-Length body has none; the same pooled connection serves it after the trailers
		Tuple2<String, HttpHeaders> w = bodyAndTrailers(client, base + "/whole").block(TIMEOUT);
		assertThat(w.getT1()).isEqualTo("whole");
		assertThat(w.getT2().size()).isZero();
		assertThat(bodyAndTrailers(client, base + "/stream").block(TIMEOUT).getT2().get("Checksum")).isEqualTo("c0ffee");
	}

	@Test
	void reactorNettysServerTrailers() {
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.header("Trailer", "Grpc-Status")
						.trailerHeaders(h -> h.set("Grpc-Status", "0"))
						.sendString(Flux.just("a", "b")))
				.bindNow(TIMEOUT);
		try {
			Tuple2<String, HttpHeaders> r = bodyAndTrailers(HttpClient.create(), "http://127.0.0.1:" + netty.port() + "/")
					.block(TIMEOUT);
			assertThat(r.getT1()).isEqualTo("ab");
			assertThat(r.getT2().get("Grpc-Status")).isEqualTo("0");
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	@Test
	void malformedOrTooManyTrailersFailTheBodyAndTheTrailers() throws Exception {
		for (String trailers : List.of("Bad Name: x\r\n", "X-1: a\r\nX-2: b\r\nX-3: c\r\n")) {
			try (ScriptedServer s = new ScriptedServer(c -> {
				c.readHead();
				c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n" + trailers + "\r\n");
				c.awaitClientClose(5000);
			})) {
				StepVerifier.create(bodyAndTrailers(HttpClient.create().maxHeaders(2), s.url("/")))
						.expectError(trailers.startsWith("Bad") ? MalformedResponseException.class : HeadersTooLargeException.class)
						.verify(TIMEOUT);
			}
		}
	}

	@Test
	void aBodyCancelledBeforeItsEndHasNoTrailers() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
			c.awaitClientClose(5000); // the last chunk never comes
		})) {
			StepVerifier.create(HttpClient.create().get().uri(s.url("/"))
							.response((res, body) -> body.take(1).then(res.trailerHeaders()))
							.single())
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
							.hasMessageContaining("cancelled before its end"))
					.verify(TIMEOUT);
		}
		// the server closes in the middle of the body: the trailers fail as the body does
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
		})) {
			StepVerifier.create(HttpClient.create().get().uri(s.url("/"))
							.response((res, body) -> body.onErrorResume(e -> Mono.empty()).then(res.trailerHeaders()))
							.single())
					.expectError(PrematureCloseException.class)
					.verify(Duration.ofSeconds(10));
		}
	}

	/** A client whose streamed request bodies end with a SHA-256 of what they sent, as a declared trailer. */
	private static HttpClient digesting(java.security.MessageDigest md) {
		return HttpClient.create().doOnRequest(req -> req.requestHeaders().set("Trailer", "Digest-SHA256, X-Undeclared-Is-Not"))
			.doOnRequest(req -> req.trailerHeaders(t -> t.set("Digest-SHA256", java.util.HexFormat.of().formatHex(md.digest()))
					.set("X-Undeclared", "dropped").set("Content-Length", "999")));
	}

	private static Flux<java.nio.ByteBuffer> pieces(java.security.MessageDigest md, String... pieces) {
		return Flux.fromArray(pieces).map(p -> p.getBytes(StandardCharsets.UTF_8)).doOnNext(md::update).map(java.nio.ByteBuffer::wrap);
	}

	@Test
	void requestTrailersReachOurServer() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r.post("/sum", (req, res) -> res.sendString(
				req.receiveString().zipWith(req.trailerHeaders(), (body, t) -> body + " " + t)))));
		java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
		String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
				.digest("one,two,three".getBytes(StandardCharsets.UTF_8)));
		String answer = digesting(md).post().uri("http://127.0.0.1:" + s.port() + "/sum").send(pieces(md, "one,", "two,", "three"))
			.responseSingle((res, b) -> b.map(x -> new String(x, StandardCharsets.UTF_8))).block(TIMEOUT);
		// only the declared field: not the undeclared one, not Content-Length
		assertThat(answer).isEqualTo("one,two,three [Digest-SHA256: " + expected + "]");
		// a Mono body goes with a Content-Length: no trailer section, the callback does not run
		java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
		String whole = HttpClient.create().doOnRequest(req -> req.trailerHeaders(t -> ran.incrementAndGet()))
			.post().uri("http://127.0.0.1:" + s.port() + "/sum").send(Mono.just(java.nio.ByteBuffer.wrap("whole".getBytes(StandardCharsets.UTF_8))))
			.responseSingle((res, b) -> b.map(x -> new String(x, StandardCharsets.UTF_8))).block(TIMEOUT);
		assertThat(whole).isEqualTo("whole []");
		assertThat(ran).hasValue(0);
	}

	@Test
	void requestTrailersReachReactorNettysServer() throws Exception {
		// Netty's HTTP decoder hands the trailers on in the LastHttpContent, which a handler of the
		// connection sees before Reactor Netty unwraps the body
		java.util.concurrent.BlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.doOnConnection(conn -> conn.addHandlerFirst("trailers", new io.netty.channel.ChannelInboundHandlerAdapter() {
					@Override
					public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
						if (msg instanceof io.netty.handler.codec.http.LastHttpContent last) {
							seen.add(last.trailingHeaders().get("Digest-SHA256") + " " + last.trailingHeaders().size());
						}
						ctx.fireChannelRead(msg);
					}
				}))
				.handle((req, res) -> res.sendString(req.receive().aggregate().asString().defaultIfEmpty("")))
				.bindNow(TIMEOUT);
		try {
			java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
			String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
					.digest("abcdef".getBytes(StandardCharsets.UTF_8)));
			String answer = digesting(md).post().uri("http://127.0.0.1:" + netty.port() + "/").send(pieces(md, "abc", "def"))
				.responseSingle((res, b) -> b.map(x -> new String(x, StandardCharsets.UTF_8))).block(TIMEOUT);
			assertThat(answer).isEqualTo("abcdef");
			assertThat(seen.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(expected + " 1");
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	@Test
	void aTrailerCallbackThatThrowsFailsTheRequestAndOneAddedLateIsRefused() {
		DisposableServer s = bind(HttpServer.create().route(r -> r.post("/sum", (req, res) -> res.sendString(req.receiveString()))));
		StepVerifier.create(HttpClient.create().doOnRequest(req -> req.trailerHeaders(t -> {
			throw new IllegalStateException("no digest today");
		})).post().uri("http://127.0.0.1:" + s.port() + "/sum").send(Flux.just(java.nio.ByteBuffer.wrap(new byte[10]))).response())
			.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("no digest today"))
			.verify(TIMEOUT);
		StepVerifier.create(HttpClient.create().doAfterRequest(req -> req.trailerHeaders(t -> {
		})).post().uri("http://127.0.0.1:" + s.port() + "/sum").send(Flux.just(java.nio.ByteBuffer.wrap(new byte[10]))).response())
			.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("only be added in doOnRequest"))
			.verify(TIMEOUT);
	}
}
