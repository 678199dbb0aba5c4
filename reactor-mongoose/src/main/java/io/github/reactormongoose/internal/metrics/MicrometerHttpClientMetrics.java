/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

/**
 * The Micrometer recorder of an HTTP client: Reactor Netty's client meter names under
 * {@code reactor.mongoose.http.client} (connect time, data sent and received, response time,
 * errors) with the tags {@code remote.address}, {@code uri}, {@code method}, {@code status}.
 */
final class MicrometerHttpClientMetrics implements HttpClientMetrics {

	static final String PREFIX = "reactor.mongoose.http.client.";

	private final MeterRegistry registry = Metrics.globalRegistry;
	private final UriTags uris;
	private final ConcurrentHashMap<Key, ExchangeMeters> exchangeMeters = new ConcurrentHashMap<>();
	/** Remote addresses whose pool gauges are registered. */
	private final java.util.Set<String> pooled = ConcurrentHashMap.newKeySet();

	private record Key(String remote, String uri, String method, int status) {
	}

	private record ExchangeMeters(DistributionSummary sent, DistributionSummary received, Timer time) {
	}

	MicrometerHttpClientMetrics(Function<String, String> uriTagValue) {
		this.uris = new UriTags(uriTagValue, HttpClientMetrics.class);
	}

	@Override
	public void connected(String remote, long nanos, boolean success) {
		try {
			Timer.builder(PREFIX + "connect.time").tags("remote.address", remote, "status", success ? "SUCCESS" : "ERROR")
				.register(registry)
				.record(nanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException e) { // a registry's filter...: the exchange goes on all the same
			failed(e);
		}
	}

	@Override
	public void exchangeEnded(String remote, String method, String path, int status, long bytesSent, long bytesReceived,
			long nanos) {
		try {
			ExchangeMeters m = exchangeMeters.computeIfAbsent(new Key(remote, uris.of(path), method, status), this::register);
			m.sent.record(bytesSent);
			m.received.record(bytesReceived);
			m.time.record(nanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException e) {
			failed(e);
		}
	}

	private static void failed(RuntimeException e) {
		UriTags.recordingFailed(HttpClientMetrics.class.getName(), e);
	}

	/** The meters of one remote address, uri, method and status, registered on first use. */
	private ExchangeMeters register(Key k) {
		String st = Integer.toString(k.status);
		return new ExchangeMeters(
				DistributionSummary.builder(PREFIX + "data.sent").baseUnit("bytes")
					.tags("remote.address", k.remote, "uri", k.uri, "method", k.method).register(registry),
				DistributionSummary.builder(PREFIX + "data.received").baseUnit("bytes")
					.tags("remote.address", k.remote, "uri", k.uri, "method", k.method, "status", st).register(registry),
				Timer.builder(PREFIX + "response.time")
					.tags("remote.address", k.remote, "uri", k.uri, "method", k.method, "status", st)
					.register(registry));
	}

	@Override
	public void error(String remote, String method, String path) {
		try {
			Counter.builder(PREFIX + "errors").tags("remote.address", remote, "uri", uris.of(path), "method", method)
				.register(registry)
				.increment();
		}
		catch (RuntimeException e) {
			failed(e);
		}
	}

	@Override
	public void poolUsed(String remote, PoolStats stats) {
		if (!pooled.add(remote)) {
			return;
		}
		try {
			registerPoolGauges(remote, stats);
		}
		catch (RuntimeException e) {
			failed(e);
		}
	}

	private void registerPoolGauges(String remote, PoolStats stats) {
		String p = "reactor.mongoose.connection.provider.";
		Gauge.builder(p + "total.connections", stats, PoolStats::total).tag("remote.address", remote)
			.description("Connections in use, idle and being made").strongReference(true).register(registry);
		Gauge.builder(p + "active.connections", stats, PoolStats::active).tag("remote.address", remote)
			.description("Connections in use by a request").strongReference(true).register(registry);
		Gauge.builder(p + "idle.connections", stats, PoolStats::idle).tag("remote.address", remote)
			.description("Connections kept for the next request").strongReference(true).register(registry);
		Gauge.builder(p + "pending.connections", stats, PoolStats::pending).tag("remote.address", remote)
			.description("Requests waiting for a connection").strongReference(true).register(registry);
	}

	@Override
	public String toString() {
		return "MicrometerHttpClientMetrics";
	}
}
