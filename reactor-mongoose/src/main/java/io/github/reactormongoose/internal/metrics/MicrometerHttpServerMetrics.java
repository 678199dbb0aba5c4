/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.github.reactormongoose.internal.loop.EventLoop;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

/**
 * The Micrometer recorder of an HTTP server: Reactor Netty's meter names under
 * {@code reactor.mongoose.http.server} (connections, data received and sent, the time to
 * receive the request body and to send the response, response time, errors) with the tags {@code uri}, {@code method}, {@code status}, plus the loops' meters
 * ({@link MicrometerLoopMetrics}) and the native allocation gauge.
 */
final class MicrometerHttpServerMetrics implements HttpServerMetrics {

	static final String PREFIX = "reactor.mongoose.http.server.";
	private final MeterRegistry registry = Metrics.globalRegistry;
	private final UriTags uris;
	private final ConcurrentHashMap<Key, ExchangeMeters> exchangeMeters = new ConcurrentHashMap<>();
	private final AtomicInteger open = new AtomicInteger();
	private final AtomicInteger active = new AtomicInteger();
	private String address = "unbound";
	private final List<Meter> gauges = new CopyOnWriteArrayList<>();

	private record Key(String uri, String method, int status) {
	}

	private record ExchangeMeters(DistributionSummary received, DistributionSummary sent, Timer time,
			Timer receivedTime, Timer sentTime) {
	}

	MicrometerHttpServerMetrics(Function<String, String> uriTagValue) {
		this.uris = new UriTags(uriTagValue, HttpServerMetrics.class);
	}

	@Override
	public void bound(String address, Iterable<EventLoop> loops) {
		this.address = address;
		gauges.add(Gauge.builder(PREFIX + "connections.total", open, AtomicInteger::get).strongReference(true)
				.description("Open connections").tag("local.address", address).register(registry));
		gauges.add(Gauge.builder(PREFIX + "connections.active", active, AtomicInteger::get).strongReference(true)
				.description("Connections with a request in progress").tag("local.address", address)
				.register(registry));
		for (EventLoop el : loops) {
			MicrometerLoopMetrics.bind(el, registry);
		}
		MicrometerLoopMetrics.bindNative(registry);
	}

	@Override
	public void unbound() {
		for (Meter g : gauges) {
			registry.remove(g);
		}
		gauges.clear();
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
	public void exchangeEnded(String method, String path, int status, long bytesReceived, long bytesSent, long nanos,
			long receiveNanos, long sendNanos) {
		active.decrementAndGet();
		try {
			ExchangeMeters m = exchangeMeters.computeIfAbsent(new Key(uri(path), methodTag(method), status), this::register);
			m.received.record(bytesReceived);
			m.sent.record(bytesSent);
			m.time.record(nanos, TimeUnit.NANOSECONDS);
			m.receivedTime.record(receiveNanos, TimeUnit.NANOSECONDS);
			m.sentTime.record(sendNanos, TimeUnit.NANOSECONDS);
		}
		catch (RuntimeException e) { // a registry's filter...: the exchange must end all the same
			failed(e);
		}
	}

	private static void failed(RuntimeException e) {
		UriTags.recordingFailed(HttpServerMetrics.class.getName(), e);
	}

	/** The meters of one uri, method and status, registered on first use (not on every exchange). */
	private ExchangeMeters register(Key k) {
		String st = Integer.toString(k.status);
		return new ExchangeMeters(
				DistributionSummary.builder(PREFIX + "data.received").baseUnit("bytes")
						.tags("uri", k.uri, "method", k.method).register(registry),
				DistributionSummary.builder(PREFIX + "data.sent").baseUnit("bytes")
						.tags("uri", k.uri, "method", k.method, "status", st).register(registry),
				Timer.builder(PREFIX + "response.time").tags("uri", k.uri, "method", k.method, "status", st)
						.register(registry),
				Timer.builder(PREFIX + "data.received.time").tags("uri", k.uri, "method", k.method).register(registry),
				Timer.builder(PREFIX + "data.sent.time").tags("uri", k.uri, "method", k.method, "status", st)
						.register(registry));
	}

	@Override
	public void error(String method, String path) {
		try {
			Counter.builder(PREFIX + "errors").tags("uri", uri(path), "method", methodTag(method)).register(registry)
					.increment();
		}
		catch (RuntimeException e) {
			failed(e);
		}
	}

	/** The standard methods of RFC 9110 (and PATCH); any other is tagged "UNKNOWN", as by Reactor Netty. */
	private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
			"TRACE", "CONNECT");

	/**
	 * The {@code method} tag: a client may send any token as the method, so a scanner sending
	 * random ones would otherwise create a time series each (the {@code uri} tag's cap does not
	 * help: the method is in every meter's key).
	 */
	static String methodTag(String method) {
		return STANDARD_METHODS.contains(method) ? method : "UNKNOWN";
	}

	private String uri(String path) {
		return uris.of(path);
	}

	@Override
	public String toString() {
		return "MicrometerHttpServerMetrics[" + address + "]";
	}
}
