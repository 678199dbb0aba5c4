/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link SimpleMeterRegistry} in Micrometer's global registry (where metered servers
 * and clients record) for each test, removed after it:
 * {@code @RegisterExtension final GlobalMeters meters = new GlobalMeters();}. The global
 * registry keeps the meters of earlier tests and adds them to each new registry, so assertions
 * should select by a tag of their own (the server's address).
 */
public final class GlobalMeters implements BeforeEachCallback, AfterEachCallback {

	private SimpleMeterRegistry registry;

	@Override
	public void beforeEach(ExtensionContext context) {
		registry = new SimpleMeterRegistry();
		Metrics.addRegistry(registry);
	}

	@Override
	public void afterEach(ExtensionContext context) {
		Metrics.removeRegistry(registry);
		registry.close();
	}

	/** The registry of the running test. */
	public SimpleMeterRegistry registry() {
		return registry;
	}

	/**
	 * Waits (up to 10 s) until the gauge {@code name} tagged {@code tag=tagValue} exists and reads
	 * {@code value}, then asserts it: gauges may be registered, and change, on a poll thread.
	 */
	public void awaitGauge(String name, String tag, String tagValue, double value) throws InterruptedException {
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
		io.micrometer.core.instrument.Gauge g;
		while (((g = registry.find(name).tag(tag, tagValue).gauge()) == null || g.value() != value)
				&& System.nanoTime() < deadline) {
			Thread.sleep(10); // polling a gauge, not synchronising
		}
		org.assertj.core.api.Assertions.assertThat(registry.get(name).tag(tag, tagValue).gauge().value()).as(name)
			.isEqualTo(value);
	}
	/**
	 * Waits (up to 10 s) until the HTTP server's exchanges of {@code uri} ended {@code n} times
	 * (the count of its {@code response.time} timers, every tag set summed), then asserts it.
	 */
	public void awaitExchanges(String uri, long n) throws InterruptedException {
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
		while (exchanges(uri) < n && System.nanoTime() < deadline) {
			Thread.sleep(10); // polling a timer recorded on a poll thread
		}
		org.assertj.core.api.Assertions.assertThat(exchanges(uri)).as(uri + " exchanges ended").isEqualTo(n);
	}

	private long exchanges(String uri) {
		return registry.find("reactor.mongoose.http.server.response.time").tag("uri", uri).timers().stream()
				.mapToLong(io.micrometer.core.instrument.Timer::count).sum();
	}
}
