/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The code of docs/testing.md, run as it is printed there. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TestingGuideTest {

	// --- the code under test: a route and a client call with a fallback ---

	static DisposableServer greetingServer() {
		return HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/greet/{name}", (req, res) -> res.header("Content-Type", "text/plain")
						.sendString("slow".equals(req.param("name")) ? Mono.never()      // never answers
								: Mono.just("Hello, " + req.param("name")))))
				.bindNow();
	}

	static Mono<String> greeting(HttpClient client, String name) {
		return client.get().uri("/greet/" + name)
				.responseSingle((res, body) -> body.map(b -> new String(b, UTF_8)))
				.timeout(Duration.ofSeconds(5), Mono.just("(no greeting)"));
	}

	// --- the tests ---

	DisposableServer server;
	HttpClient client;

	@BeforeEach
	void start() {
		server = greetingServer();                                     // port 0: a free port
		client = HttpClient.create().baseUrl("http://127.0.0.1:" + server.port());
	}

	@AfterEach
	void stop() {
		server.disposeNow();
	}

	@Test
	void serverHandlerAnswers() {
		StepVerifier.create(client.get().uri("/greet/ada")
						.responseSingle((res, body) -> body.map(b -> res.status() + " "
								+ res.responseHeaders().get("Content-Type") + " " + new String(b, UTF_8))))
				.expectNext("200 text/plain Hello, ada")
				.expectComplete()
				.verify(Duration.ofSeconds(10));                        // never wait forever
	}

	@Test
	void aClientAimedByTheServersAddressOrPort() {
		for (HttpClient c : new HttpClient[] { HttpClient.create().remoteAddress(server::address), HttpClient.create().port(server.port()) }) {
			StepVerifier.create(greeting(c, "eve"))
					.expectNext("Hello, eve")
					.verifyComplete();
		}
	}

	@Test
	void clientCallWithItsFallback() {
		StepVerifier.create(greeting(client, "bob"))
				.expectNext("Hello, bob")
				.verifyComplete();
	}

	@Test
	void timeoutInVirtualTime() {
		StepVerifier.withVirtualTime(() -> greeting(client, "slow")) // build the Mono inside the supplier
				.expectSubscription()
				.thenAwait(Duration.ofSeconds(5))                     // no real 5 s wait
				.expectNext("(no greeting)")
				.expectComplete()
				.verify(Duration.ofSeconds(10));
	}

	@Test
	void responseTimeoutIsAnError() {
		StepVerifier.create(client.responseTimeout(Duration.ofMillis(200)).get().uri("/greet/slow").response())
				.expectError(ResponseTimeoutException.class)
				.verify(Duration.ofSeconds(10));
	}
}
