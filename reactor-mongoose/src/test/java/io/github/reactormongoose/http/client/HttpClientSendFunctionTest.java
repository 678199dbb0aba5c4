/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * Reactor Netty's {@code send((req, out) -> ...)}: the function sets the request's headers and
 * records its body, runs for each request that sends the body (each subscription, each 307 or
 * 308 followed), off the poll thread, before a connection is taken; against our server and the
 * JDK's.
 */
class HttpClientSendFunctionTest extends BaseHttpTest {

	/** Requests the server got. */
	private final AtomicInteger served = new AtomicInteger();

	private DisposableServer server() {
		return bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
				.route(req -> req.path().equals("/echo"), (req, res) -> {
					served.incrementAndGet();
					return res.header("X-Method", req.method())
							.header("X-Sig", String.valueOf(req.requestHeaders().get("X-Sig")))
							.header("X-Length", String.valueOf(req.requestHeaders().get("Content-Length")))
							.header("X-Chunked", String.valueOf(req.requestHeaders().containsToken("Transfer-Encoding", "chunked")))
							.header("X-Cookies", String.valueOf(req.requestHeaders().get("Cookie")))
							.sendByteArray(req.receiveBytes());
				})
				.route(req -> req.path().startsWith("/s/"), (req, res) -> {
					served.incrementAndGet();
					return req.receive().then(res.status(Integer.parseInt(req.path().substring(3))).header("Location", "/echo").send());
				})
				.post("/flaky", (req, res) -> served.incrementAndGet() == 1 ? req.receive().then(res.status(503).send())
						: res.sendByteArray(req.receiveBytes()))
				.post("/trailer", (req, res) -> res.sendString(
						req.receiveString().zipWith(req.trailerHeaders(), (body, t) -> body + " " + t.get("X-Count"))))
				.post("/never", (req, res) -> req.receive().then(Mono.never()))));
	}

	private static HttpClient client(DisposableServer s) {
		return HttpClient.create().baseUrl("http://127.0.0.1:" + s.port());
	}

	/** Method, signature, Content-Length, chunked and body as the server saw them. */
	private static Mono<String> echoed(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.asString().map(body -> res.responseHeaders().get("X-Method") + " "
				+ res.responseHeaders().get("X-Sig") + " " + res.responseHeaders().get("X-Length") + " "
				+ res.responseHeaders().get("X-Chunked") + " " + body));
	}

	@Test
	void theFunctionsHeaderAndMonoBodyGoWithContentLengthAFluxChunked() {
		HttpClient c = client(server());
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> {
			req.header("X-Sig", "s1");
			return out.sendString(Mono.just("{\"a\":1}"));
		})).block(TIMEOUT)).isEqualTo("POST s1 7 false {\"a\":1}");
		assertThat(echoed(c.put().uri("/echo").send((req, out) -> out.sendString(Flux.just("a", "b", "c"))))
				.block(TIMEOUT)).isEqualTo("PUT null null true abc");
		// chained sends follow each other: Monos only keep the Content-Length, anything else is chunked
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> out.sendString(Mono.just("é"), UTF_8)
				.sendByteArray(Mono.just(new byte[] {'!'})))).block(TIMEOUT)).isEqualTo("POST null 3 false é!");
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> out.sendString(Mono.just("x"))
				.send(Flux.just("y", "z").map(s -> java.nio.ByteBuffer.wrap(s.getBytes(UTF_8)))))).block(TIMEOUT))
				.isEqualTo("POST null null true xyz");
		// a cookie set by the function goes with the client's (one Cookie header)
		assertThat(c.cookie(Cookie.of("client", "1")).post().uri("/echo")
				.send((req, out) -> {
					req.addCookie(Cookie.of("fn", "2"));
					return out;
				})
				.response().map(res -> res.responseHeaders().get("X-Cookies")).block(TIMEOUT)).isEqualTo("fn=2; client=1");
	}

	/**
	 * {@code return out;} sends no body, as Reactor Netty: a POST says {@code Content-Length: 0},
	 * as {@code send(Mono.empty())} does here; a send the function did not return is not sent.
	 * Another publisher returned: the last body recorded is sent once it completed.
	 */
	@Test
	void theReturnedOutboundIsTheBodyAnotherPublisherSendsTheLastOne() {
		HttpClient c = client(server());
		String none = echoed(c.post().uri("/echo").send(Mono.empty())).block(TIMEOUT);
		assertThat(none).isEqualTo("POST null 0 false ");
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> out)).block(TIMEOUT)).isEqualTo(none);
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> {
			out.sendString(Mono.just("dropped"));
			return out;
		})).block(TIMEOUT)).isEqualTo(none);
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> out.sendString(Mono.just("then")).then()))
				.block(TIMEOUT)).isEqualTo("POST null 4 false then");
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> {
			out.sendString(Flux.just("la", "st"));
			return Mono.empty();
		})).block(TIMEOUT)).isEqualTo("POST null null true last");
	}

	/** A function that throws, or returns a failing publisher, fails the response with that error; nothing is sent. */
	@Test
	void aFailingFunctionFailsTheResponseWithItsError() {
		HttpClient c = client(server());
		IllegalArgumentException thrown = new IllegalArgumentException("no key to sign with");
		StepVerifier.create(c.post().uri("/echo").send((req, out) -> {
			throw thrown;
		}).response())
				.expectErrorSatisfies(e -> assertThat(e).isSameAs(thrown))
				.verify(TIMEOUT);
		StepVerifier.create(c.post().uri("/echo").send((req, out) -> out.sendString(Mono.just("x"))
				.then().then(Mono.<Void>error(new IllegalStateException("signer down")))).response())
				.expectErrorMessage("signer down")
				.verify(TIMEOUT);
		StepVerifier.create(c.post().uri("/echo").send((req, out) -> null).response())
				.expectError(NullPointerException.class)
				.verify(TIMEOUT);
		assertThat(served).hasValue(0);
		// the client still works
		assertThat(echoed(c.post().uri("/echo").send((req, out) -> out.sendString(Mono.just("ok")))).block(TIMEOUT))
				.endsWith(" ok");
	}

	/**
	 * A followed 307 or 308 runs the function again (req.redirects() 1) and sends its new body;
	 * that run is off the poll thread, where the 307 arrived. A 303 makes a GET without body:
	 * the function does not run again.
	 */
	@Test
	void a307RunsTheFunctionAgainOffThePollThreadA303DoesNot() {
		HttpClient c = client(server()).followRedirect(true);
		List<String> runs = new CopyOnWriteArrayList<>();
		for (String code : List.of("307", "308", "303")) {
			runs.clear();
			String answer = echoed(c.post().uri("/s/" + code).send((req, out) -> {
				runs.add(req.redirects() + " " + req.uri().substring(req.uri().lastIndexOf('/')) + " "
						+ Schedulers.isInNonBlockingThread());
				req.header("X-Sig", "hop" + req.redirects());
				return out.sendString(Mono.just("body" + req.redirects()));
			})).block(TIMEOUT);
			if (code.equals("303")) {
				assertThat(answer).isEqualTo("GET null null false ");
				assertThat(runs).containsExactly("0 /303 false");
			}
			else {
				assertThat(answer).isEqualTo("POST hop1 5 false body1");
				assertThat(runs).containsExactly("0 /" + code + " false", "1 /echo false");
			}
		}
	}

	/** Each subscription runs the function: retry() sends a fresh body. */
	@Test
	void retryRunsTheFunctionAgain() {
		HttpClient c = client(server());
		AtomicInteger runs = new AtomicInteger();
		String answer = c.post().uri("/flaky").send((req, out) -> out.sendString(Mono.just("attempt " + runs.incrementAndGet())))
				.responseSingle((res, b) -> res.status() == 503 ? Mono.<String>error(new IllegalStateException("503"))
						: b.asString())
				.retry(1)
				.block(TIMEOUT);
		assertThat(answer).isEqualTo("attempt 2");
		assertThat(runs).hasValue(2);
	}

	/** The request's response timeout and trailers, as doOnRequest sets them, set by the function instead. */
	@Test
	void theFunctionSetsTheResponseTimeoutAndTrailers() {
		HttpClient c = client(server());
		StepVerifier.create(c.post().uri("/never").send((req, out) -> {
			req.responseTimeout(Duration.ofMillis(300));
			return out.sendString(Mono.just("x"));
		}).response())
				.expectError(ResponseTimeoutException.class)
				.verify(TIMEOUT);
		assertThat(c.post().uri("/trailer").send((req, out) -> {
			req.header("Trailer", "X-Count").trailerHeaders(t -> t.set("X-Count", "3"));
			return out.sendString(Flux.just("a", "b", "c"));
		}).responseSingle((res, b) -> b.asString()).block(TIMEOUT)).isEqualTo("abc 3");
	}

	/** The request and outbound are the function's while it runs: later they refuse changes. */
	@Test
	void afterTheFunctionReturnedItsRequestAndOutboundRefuseChanges() {
		HttpClient c = client(server());
		AtomicReference<HttpClientRequest> request = new AtomicReference<>();
		AtomicReference<HttpClientOutbound> outbound = new AtomicReference<>();
		c.post().uri("/echo").send((req, out) -> {
			request.set(req);
			outbound.set(out);
			return out.sendString(Mono.just("x"));
		}).response().block(TIMEOUT);
		assertThatThrownBy(() -> outbound.get().sendString(Mono.just("late"))).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("send function");
		assertThatThrownBy(() -> request.get().responseTimeout(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> request.get().header("X-Late", "1")).isInstanceOf(UnsupportedOperationException.class);
	}

	/** The same requests to the JDK's HttpServer, which we did not write. */
	@Test
	void jdkHttpServer() throws Exception {
		com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		AtomicInteger requests = new AtomicInteger();
		s.createContext("/echo", ex -> {
			requests.incrementAndGet();
			byte[] body = ex.getRequestBody().readAllBytes();
			ex.getResponseHeaders().add("X-Method", ex.getRequestMethod());
			ex.getResponseHeaders().add("X-Sig", String.valueOf(ex.getRequestHeaders().getFirst("X-Sig")));
			ex.getResponseHeaders().add("X-Length", String.valueOf(ex.getRequestHeaders().getFirst("Content-Length")));
			ex.getResponseHeaders().add("X-Chunked", String.valueOf("chunked".equalsIgnoreCase(
					ex.getRequestHeaders().getFirst("Transfer-Encoding"))));
			ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
			ex.getResponseBody().write(body);
			ex.close();
		});
		s.createContext("/moved", ex -> {
			requests.incrementAndGet();
			ex.getRequestBody().readAllBytes();
			ex.getResponseHeaders().add("Location", "/echo");
			ex.sendResponseHeaders(307, -1);
			ex.close();
		});
		s.start();
		try {
			HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.getAddress().getPort());
			assertThat(echoed(c.post().uri("/echo").send((req, out) -> {
				req.header("X-Sig", "jdk");
				return out.sendString(Mono.just("fixed"));
			})).block(TIMEOUT)).isEqualTo("POST jdk 5 false fixed");
			assertThat(echoed(c.post().uri("/echo").send((req, out) -> out.sendString(Flux.just("st", "re", "am")))).block(TIMEOUT))
					.isEqualTo("POST null null true stream");
			assertThat(echoed(c.post().uri("/echo").send((req, out) -> out)).block(TIMEOUT)).isEqualTo("POST null 0 false ");
			AtomicInteger runs = new AtomicInteger();
			assertThat(echoed(c.followRedirect(true).put().uri("/moved").send((req, out) -> {
				runs.incrementAndGet();
				return out.sendString(Mono.just("again"));
			})).block(TIMEOUT)).isEqualTo("PUT null 5 false again");
			assertThat(runs).hasValue(2);
			assertThat(requests).hasValue(5);
		}
		finally {
			s.stop(0);
		}
	}
}
