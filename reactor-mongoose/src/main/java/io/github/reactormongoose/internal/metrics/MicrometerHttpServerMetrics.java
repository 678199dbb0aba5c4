/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.reactormongoose.internal.loop.EventLoop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

/**
 * The Micrometer recorder of an HTTP server: Reactor Netty's meter names under
 * {@code reactor.mongoose.http.server} (connections, data received and sent, response time,
 * errors) with the tags {@code uri}, {@code method}, {@code status}, plus the loops' meters
 * ({@link MicrometerLoopMetrics}) and the native allocation gauge.
 */
final class MicrometerHttpServerMetrics implements HttpServerMetrics {

	static final String PREFIX = "reactor.mongoose.http.server.";
	/** Distinct {@code uri} tag values kept; later ones are recorded as {@code OTHER}. */
	static final int MAX_URI_TAGS = 100;

	private final MeterRegistry registry = Metrics.globalRegistry;
	private final Function<String, String> uriTagValue;
	private final Set<String> uris = ConcurrentHashMap.newKeySet();
	private final AtomicInteger open = new AtomicInteger();
	private final AtomicInteger active = new AtomicInteger();
	private String address = "unbound";

	MicrometerHttpServerMetrics(Function<String, String> uriTagValue) {
		this.uriTagValue = uriTagValue;
	}

	@Override
	public void bound(String address, Iterable<EventLoop> loops) {
		this.address = address;
		Gauge.builder(PREFIX + "connections.total", open, AtomicInteger::get)
				.description("Open connections").tag("local.address", address).register(registry);
		Gauge.builder(PREFIX + "connections.active", active, AtomicInteger::get)
				.description("Connections with a request in progress").tag("local.address", address)
				.register(registry);
		for (EventLoop el : loops) {
			MicrometerLoopMetrics.bind(el, registry);
		}
		MicrometerLoopMetrics.bindNative(registry);
	}

	@Override
	public void connectionOpened() {
		open.incrementAndGet();
	}

	@Override
	public void connectionClosed() {
		open.decrementAndGet();
	}

	@Override
	public void exchangeStarted() {
		active.incrementAndGet();
	}

	@Override
	public void exchangeEnded(String method, String path, int status, long bytesReceived, long bytesSent, long nanos) {
		active.decrementAndGet();
		String uri = uri(path);
		String st = Integer.toString(status);
		DistributionSummary.builder(PREFIX + "data.received").baseUnit("bytes").tags("uri", uri, "method", method)
				.register(registry).record(bytesReceived);
		DistributionSummary.builder(PREFIX + "data.sent").baseUnit("bytes")
				.tags("uri", uri, "method", method, "status", st).register(registry).record(bytesSent);
		Timer.builder(PREFIX + "response.time").tags("uri", uri, "method", method, "status", st)
				.register(registry).record(nanos, TimeUnit.NANOSECONDS);
	}

	@Override
	public void error(String method, String path) {
		Counter.builder(PREFIX + "errors").tags("uri", uri(path), "method", method).register(registry).increment();
	}

	private String uri(String path) {
		String u = uriTagValue.apply(path);
		if (uris.contains(u)) {
			return u;
		}
		if (uris.size() >= MAX_URI_TAGS) {
			return "OTHER";
		}
		uris.add(u);
		return u;
	}

	@Override
	public String toString() {
		return "MicrometerHttpServerMetrics[" + address + "]";
	}
}
