/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.HttpClientResponse;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * {@link ServiceCaller} against instances on 127.0.0.1, found through its discovery server:
 * every retry asks discovery again ({@code uri(Mono)}), the lifecycle hooks log each
 * connection once, orders are signed by {@code send((req, out) -> ...)} for each attempt, and
 * bodies read as Reactor Netty users read them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceCallerTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<DisposableServer> servers = new ArrayList<>();
	private final AtomicInteger lookups = new AtomicInteger();
	private String gone;
	private String live;

	@BeforeEach
	void start() {
		DisposableServer g = ServiceCaller.startInstance("gone", 0);
		g.disposeNow();
		gone = "http://127.0.0.1:" + g.port();
		live = "http://127.0.0.1:" + started(ServiceCaller.startInstance("live", 0)).port();
	}

	@AfterEach
	void stop() {
		servers.forEach(s -> s.disposeNow(Duration.ofSeconds(5)));
	}

	private DisposableServer started(DisposableServer s) {
		servers.add(s);
		return s;
	}

	/** A caller whose discovery answers {@code instances} in turn. */
	private ServiceCaller callerOf(String... instances) {
		DisposableServer discovery = started(ServiceCaller.startDiscovery(List.of(instances), lookups));
		return new ServiceCaller("http://127.0.0.1:" + discovery.port(), "greeter");
	}

	@Test
	void eachRetryLooksTheServiceUpAgainAndTheHooksLogOneConnection() {
		ServiceCaller caller = callerOf(gone, live);
		// the first lookup names the gone instance: refused, looked up again, the live one answers
		assertThat(caller.text("/hello").block(WAIT)).isEqualTo("hello from live, attempt 2");
		assertThat(lookups.get()).isEqualTo(2);
		// and again: the same lookups, but the kept-alive connection is reused (no new "connected")
		assertThat(caller.text("/hello").block(WAIT)).isEqualTo("hello from live, attempt 2");
		assertThat(lookups.get()).isEqualTo(4);

		List<String> seen = caller.events().take(7).collectList().block(WAIT);
		String id = seen.get(2).split(" ")[1];
		assertThat(seen).containsExactly(
				"resolved " + gone,
				"resolved " + live,
				"connected " + id + " to 127.0.0.1:" + live.substring(live.lastIndexOf(':') + 1),
				"GET " + live + "/hello on " + id,
				"resolved " + gone,
				"resolved " + live,
				"GET " + live + "/hello on " + id);

		// the instance goes away: its connection closes, and doOnDisconnected says so
		servers.get(0).disposeNow();
		assertThat(caller.events().skip(7).blockFirst(WAIT)).isEqualTo("disconnected " + id);
	}

	@Test
	void anInstanceThatAnswers503IsLeftForAnotherOne() {
		DisposableServer busy = started(HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/hello", (req, res) -> res.status(503).sendString(Mono.just("draining"))))
				.bindNow(WAIT));
		ServiceCaller caller = callerOf("http://127.0.0.1:" + busy.port(), live);
		assertThat(caller.text("/hello").block(WAIT)).isEqualTo("hello from live, attempt 2");
		assertThat(lookups.get()).isEqualTo(2);
	}

	@Test
	void whenNoAttemptReachesAnInstanceTheCallFailsWithTheLastRefusal() {
		ServiceCaller caller = callerOf(gone);
		assertThatThrownBy(() -> caller.text("/hello").block(WAIT)).hasCauseInstanceOf(ConnectException.class);
		assertThat(lookups.get()).isEqualTo(ServiceCaller.ATTEMPTS);
		// a POST that could not connect is retried too (it reached nobody)
		lookups.set(0);
		assertThatThrownBy(() -> caller.post("/orders", "{}").block(WAIT)).hasCauseInstanceOf(ConnectException.class);
		assertThat(lookups.get()).isEqualTo(ServiceCaller.ATTEMPTS);
	}

	@Test
	void bodiesReadWithReactorNettysIdioms() {
		ServiceCaller caller = callerOf(gone, live);
		// server: req.receive().aggregate().asString(); client: responseContent().aggregate().asString()
		assertThat(caller.post("/orders", "{\"sku\":\"caf\u00e9\",\"n\":2}").block(WAIT))
				.isEqualTo("{\"accepted\":{\"sku\":\"caf\u00e9\",\"n\":2},\"by\":\"live\"}");
		// responseSingle((res, body) -> body.asInputStream()...): a properties file
		Properties config = caller.config("/config").block(WAIT);
		assertThat(config).containsEntry("instance", "live").containsEntry("timeout.ms", "1500").hasSize(2);
		// a 404 is an answer, not an error: after the gone instance, the live one's 404 is not retried
		int before = lookups.get();
		assertThat(caller.text("/missing").block(WAIT)).isNotNull();
		assertThat(lookups.get() - before).isEqualTo(2);
	}

	/**
	 * {@code post} signs the order with {@code send((req, out) -> ...)}: the function runs for each
	 * attempt (the refused one and the one that arrives), and the instance takes only a signed
	 * order.
	 */
	@Test
	void anOrderIsSignedBySendForEachAttempt() {
		ServiceCaller caller = callerOf(gone, live);
		String order = "{\"sku\":\"tea\",\"n\":1}";
		assertThat(caller.post("/orders", order).block(WAIT)).isEqualTo("{\"accepted\":" + order + ",\"by\":\"live\"}");
		assertThat(caller.events().filter(e -> e.startsWith("signed ")).take(2).collectList().block(WAIT))
				.containsExactly("signed POST " + gone + "/orders", "signed POST " + live + "/orders");
		// the instance checks the signature: another one, or none, is refused
		for (String signature : new String[] {ServiceCaller.sign(order + " "), null}) {
			assertThat(HttpClient.create().headers(h -> {
				if (signature != null) {
					h.set(ServiceCaller.SIGNATURE, signature);
				}
			}).post().uri(live + "/orders").sendString(Mono.just(order)).response().map(HttpClientResponse::status)
					.block(WAIT)).isEqualTo(401);
		}
	}

	@Test
	void aWebsocketSessionLooksTheServiceUpForEachAttempt() {
		ServiceCaller caller = callerOf(gone, live);
		assertThat(caller.watch("/ticks").collectList().block(WAIT)).containsExactly("live 1", "live 2", "live 3");
		assertThat(lookups.get()).isEqualTo(2);
		// the upgrade's connection is seen by the connection hooks, its request by doOnRequest,
		// and the session's end closes the connection
		String port = live.substring(live.lastIndexOf(':') + 1);
		List<String> seen = caller.events().take(5).collectList().block(WAIT);
		String id = seen.get(2).split(" ")[1];
		assertThat(seen).containsExactly(
				"resolved " + gone,
				"resolved " + live,
				"connected " + id + " to 127.0.0.1:" + port,
				"GET ws://127.0.0.1:" + port + "/ticks on " + id,
				"disconnected " + id);
	}

	@Test
	void mainCallsTheLiveInstanceAfterTheGoneOne() {
		PrintStream out = System.out;
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
		try {
			ServiceCaller.main(new String[0]);
		}
		finally {
			System.setOut(out);
		}
		assertThat(printed.toString(StandardCharsets.UTF_8)).contains("hello from live, attempt 2");
	}
}
