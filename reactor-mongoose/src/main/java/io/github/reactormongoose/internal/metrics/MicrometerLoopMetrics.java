/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopObserver;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Meters of a poll loop ({@code reactor.mongoose.loop.*}, tag {@code loop}): events per poll,
 * time spent on one poll's events, tasks and timers, and commands waiting in the queue; and
 * the process-wide native gauges ({@code reactor.mongoose.native.*}).
 */
final class MicrometerLoopMetrics implements LoopObserver {

	private final DistributionSummary events;
	private final Timer busy;

	private MicrometerLoopMetrics(EventLoop el, MeterRegistry registry) {
		this.events = DistributionSummary.builder("reactor.mongoose.loop.poll.events")
				.description("Event records handled after one mg_mgr_poll").tag("loop", el.name()).register(registry);
		this.busy = Timer.builder("reactor.mongoose.loop.poll.time")
				.description("Time spent on one poll's events, queued commands and timers").tag("loop", el.name())
				.register(registry);
		Gauge pending = Gauge.builder("reactor.mongoose.loop.pending.tasks", el, EventLoop::pendingTasks)
				.description("Commands queued for the poll thread").tag("loop", el.name()).register(registry);
		// the loop's meters go with it (a loop started later under the same name gets its own)
		el.terminationFuture().subscribe(null, null, () -> {
			registry.remove(events);
			registry.remove(busy);
			registry.remove(pending);
		});
	}

	/** Observes {@code el} once (several metered servers may share a loop). */
	static void bind(EventLoop el, MeterRegistry registry) {
		el.observeOnce(() -> new MicrometerLoopMetrics(el, registry));
	}

	/**
	 * The process-wide native gauges, registered once per registry: a second metered server
	 * finds them there (registering again made Micrometer warn that the gauge was already
	 * registered, as a second server, the management one of Spring Boot say, started).
	 */
	static void bindNative(MeterRegistry registry) {
		nativeGauge(registry, "reactor.mongoose.native.allocations", NativeConstants::liveAllocations, null,
				"Native allocations of the glue not yet freed, over all loops");
		nativeGauge(registry, "reactor.mongoose.native.bytes", NativeConstants::liveBytes, "bytes",
				"Bytes of native memory held by the glue and Mongoose (connection buffers, output not yet sent, TLS"
						+ " state), over all loops");
		nativeGauge(registry, "reactor.mongoose.native.loops", NativeConstants::liveLoops, null, "Mongoose managers alive");
	}

	private static void nativeGauge(MeterRegistry registry, String name, Supplier<Number> value, @Nullable String unit,
			String description) {
		if (registry.find(name).gauge() == null) {
			Gauge.builder(name, value).baseUnit(unit).description(description).register(registry);
		}
	}

	@Override
	public void iteration(int eventRecords, long busyNanos) {
		events.record(eventRecords);
		busy.record(busyNanos, TimeUnit.NANOSECONDS);
	}
}
