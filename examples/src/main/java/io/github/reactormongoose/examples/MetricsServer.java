/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * An HTTP server with metrics and an access log that leaves out the scrapes: its meters go to a Prometheus registry
 * (added to Micrometer's global registry, where {@code HttpServer.metrics(true)} records), which
 * {@code GET /metrics} scrapes in the Prometheus text format. Item paths are tagged as
 * {@code /items/{id}} so that each id does not become a time series of its own. Every
 * exchange goes through one {@code mapHandle}, which counts those whose client left before the
 * answer ({@code app.exchanges.abandoned}: the handler's work was cancelled), a figure the
 * server's own meters do not give.
 * <p>
 * {@code java -cp ... io.github.reactormongoose.examples.MetricsServer [port]} then
 * {@code curl http://127.0.0.1:8080/items/7} and {@code curl http://127.0.0.1:8080/metrics}.
 */
public final class MetricsServer implements Disposable {

	/** How long {@code GET /report} takes to answer. */
	public static final Duration REPORT_TIME = Duration.ofSeconds(3);

	private final PrometheusMeterRegistry registry;
	private final DisposableServer server;

	private MetricsServer(PrometheusMeterRegistry registry, DisposableServer server) {
		this.registry = registry;
		this.server = server;
	}

	/** Whether {@code id} is an item id (a number); otherwise the client gets a 400, not an error. */
	static boolean isId(@Nullable String id) {
		return id != null && id.matches("[0-9]{1,9}");
	}

	/** An item's JSON; ids past the store's last shard fail: a server error, in the error log. */
	static Mono<String> item(String id) {
		if (Integer.parseInt(id) > 1000) {
			return Mono.error(new IllegalStateException("no item store shard for id " + id));
		}
		return Mono.just("{\"id\":\"" + id + "\"}");
	}

	/** Starts on {@code 127.0.0.1:port} (0: a free port). */
	public static MetricsServer start(int port) {
		PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
		Metrics.addRegistry(registry);
		Counter abandoned = Counter.builder("app.exchanges.abandoned")
				.description("exchanges whose client left before the answer").register(registry);
		DisposableServer server = HttpServer.create()
				.port(port)
				.metrics(true, path -> path.startsWith("/items/") ? "/items/{id}" : path)
				.mapHandle((handling, connection) -> handling.doOnCancel(abandoned::increment))
				// every exchange but the scrapes (a Prometheus server scrapes every few seconds)
				.accessLog(true, a -> a.uri().startsWith("/metrics") ? null : a.commonLogFormat())
				// handler errors (the server's faults: 500s, cut responses) on a logger of their own
				.errorLog(true)
				.route(r -> r
						.get("/hello", (req, res) -> res.sendString(Mono.just("Hello, World!")))
						.get("/report", (req, res) -> res.sendString(Mono.delay(REPORT_TIME).thenReturn("report ready")))
						.get("/items/{id}", (req, res) -> isId(req.param("id"))
								? item(req.param("id")).flatMap(json -> res.header("Content-Type", "application/json")
										.sendString(Mono.just(json)).then())
								: res.status(400).sendString(Mono.just("item id must be a number\n")))
						.get("/metrics", (req, res) -> res.header("Content-Type", "text/plain; version=0.0.4")
								.sendString(Mono.fromSupplier(registry::scrape))))
				.bindNow(Duration.ofSeconds(10));
		return new MetricsServer(registry, server);
	}

	public int port() {
		return server.port();
	}

	@Override
	public void dispose() {
		server.disposeNow(Duration.ofSeconds(1));
		Metrics.removeRegistry(registry);
		registry.close();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	public static void main(String[] args) {
		MetricsServer s = start(args.length > 0 ? Integer.parseInt(args[0]) : 8080);
		System.out.println("metrics server on http://127.0.0.1:" + s.port() + "/metrics");
		s.server.onDispose().block();
	}
}
