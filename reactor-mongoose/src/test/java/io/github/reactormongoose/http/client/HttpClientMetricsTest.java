/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.GlobalMeters;
import io.github.reactormongoose.testing.LogCapture;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * {@code HttpClient.metrics(true[, uriTagValue])}: Reactor Netty's client meters under
 * {@code reactor.mongoose.http.client}, recorded in Micrometer's global registry.
 */
class HttpClientMetricsTest extends BaseHttpTest {

	private static final String P = "reactor.mongoose.http.client.";

	@RegisterExtension
	final GlobalMeters meters = new GlobalMeters();

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
	}

	@Test
	void exchangesConnectsAndErrorsAreRecorded() throws Exception {
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
			.get("/items/{id}", (req, res) -> res.sendString(Mono.just("item " + req.param("id"))))
			.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))
			.get("/slow", (req, res) -> res.sendString(Mono.just("late").delayElement(Duration.ofSeconds(5))))));
		String remote = "127.0.0.1:" + s.port();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://" + remote)
			.metrics(true, path -> path.startsWith("/items/") ? "/items/{id}" : path);
		for (int i = 1; i <= 3; i++) {
			assertThat(text(c.get().uri("/items/" + i + "?full=true"))).isEqualTo("200 item " + i);
		}
		assertThat(text(c.post().uri("/echo").send(Mono.just(ByteBuffer.wrap(new byte[5000]))))).startsWith("200 ");

		Timer items = meters.registry().get(P + "response.time")
			.tags("remote.address", remote, "uri", "/items/{id}", "method", "GET", "status", "200").timer();
		assertThat(items.count()).isEqualTo(3);
		assertThat(items.totalTime(TimeUnit.NANOSECONDS)).isPositive();
		assertThat(meters.registry().get(P + "data.received").tags("uri", "/items/{id}", "status", "200").summary().totalAmount())
			.isEqualTo("item 1".length() * 3);
		assertThat(meters.registry().get(P + "data.sent").tags("uri", "/echo", "method", "POST").summary().totalAmount())
			.isEqualTo(5000);
		assertThat(meters.registry().get(P + "data.received").tags("uri", "/echo", "method", "POST").summary().totalAmount())
			.isEqualTo(5000);
		// one keep-alive connection for all four
		assertThat(meters.registry().get(P + "connect.time").tags("remote.address", remote, "status", "SUCCESS").timer().count())
			.isEqualTo(1);

		// a timeout and a refused connection are errors; the refused one also a failed connect
		assertThatThrownBy(() -> text(c.responseTimeout(Duration.ofMillis(100)).get().uri("/slow")))
			.isInstanceOf(ResponseTimeoutException.class);
		assertThat(meters.registry().get(P + "errors").tags("remote.address", remote, "uri", "/slow", "method", "GET").counter()
			.count()).isEqualTo(1);
		int closed;
		try (ServerSocket ss = new ServerSocket(0)) {
			closed = ss.getLocalPort();
		}
		assertThatThrownBy(() -> text(c.get().uri("http://127.0.0.1:" + closed + "/x"))).isNotNull();
		assertThat(meters.registry().get(P + "connect.time").tags("remote.address", "127.0.0.1:" + closed, "status", "ERROR").timer()
			.count()).isEqualTo(1);
		assertThat(meters.registry().get(P + "errors").tags("remote.address", "127.0.0.1:" + closed, "uri", "/x").counter().count())
			.isEqualTo(1);
	}

	@Test
	void uriTagsAreBoundedAndOffRecordsNothing() {
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
			.get("/**", (req, res) -> res.sendString(Mono.just("ok")))));
		String remote = "127.0.0.1:" + s.port();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://" + remote).metrics(true);
		for (int i = 0; i < 130; i++) {
			assertThat(text(c.get().uri("/random/" + i))).isEqualTo("200 ok");
		}
		// (the global registry also holds the meters of other tests: only this server's count)
		assertThat(meters.registry().find(P + "response.time").tag("remote.address", remote).timers()).hasSize(101); // 100 and OTHER
		assertThat(meters.registry().get(P + "response.time").tags("remote.address", remote, "uri", "OTHER").timer().count())
			.isEqualTo(30);

		meters.registry().clear();
		HttpClient off = c.metrics(false);
		assertThat(text(off.get().uri("/random/1"))).isEqualTo("200 ok");
		assertThat(meters.registry().find(P + "response.time").tag("remote.address", remote).timers()).isEmpty();
	}

	/**
	 * A uri tag function that returns null or throws does not touch the exchange (its response
	 * never came): the response arrives and is recorded under its path, and a WARN says so.
	 */
	@Test
	void aFailingUriTagFunctionNeitherHangsTheExchangeNorStopsTheMeters() {
		try (LogCapture log = LogCapture.of("io.github.reactormongoose.internal.metrics.HttpClientMetrics")) {
			DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
				.get("/**", (req, res) -> res.sendString(Mono.just("ok")))));
			String remote = "127.0.0.1:" + s.port();
			HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://" + remote).metrics(true, path -> {
				if (path.startsWith("/throw")) {
					throw new IllegalArgumentException("mapper bug");
				}
				return path.startsWith("/null") ? null : path;
			});
			assertThat(text(c.get().uri("/null/1"))).isEqualTo("200 ok");
			assertThat(text(c.get().uri("/throw/1"))).isEqualTo("200 ok");
			assertThat(meters.registry().get(P + "response.time").tags("remote.address", remote, "uri", "/null/1", "status", "200")
				.timer().count()).isEqualTo(1);
			assertThat(meters.registry().get(P + "response.time").tags("remote.address", remote, "uri", "/throw/1", "status", "200")
				.timer().count()).isEqualTo(1);
			assertThat(log.levels()).containsExactly("warn", "warn");
			assertThat(log.lines()).allSatisfy(l -> assertThat(l).startsWith("Exception caught while recording metrics"));
		}
	}

	@Test
	void poolGaugesShowActiveIdleAndWaitingRequests() throws Exception {
		reactor.core.publisher.Sinks.Empty<Void> release = reactor.core.publisher.Sinks.empty();
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
			.get("/held", (req, res) -> res.sendString(release.asMono().then(Mono.just("ok"))))));
		String remote = "127.0.0.1:" + s.port();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://" + remote).maxConnections(2).metrics(true);
		java.util.List<java.util.concurrent.CompletableFuture<String>> calls = new java.util.ArrayList<>();
		for (int i = 0; i < 5; i++) {
			calls.add(c.get().uri("/held").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).toFuture());
		}
		String p = "reactor.mongoose.connection.provider.";
		meters.awaitGauge(p + "active.connections", "remote.address", remote, 2);
		meters.awaitGauge(p + "pending.connections", "remote.address", remote, 3);
		assertThat(meters.registry().get(p + "total.connections").tag("remote.address", remote).gauge().value()).isEqualTo(2);
		release.tryEmitEmpty();
		for (var call : calls) {
			assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
		}
		meters.awaitGauge(p + "active.connections", "remote.address", remote, 0);
		meters.awaitGauge(p + "pending.connections", "remote.address", remote, 0);
		meters.awaitGauge(p + "idle.connections", "remote.address", remote, 2);
	}
}
