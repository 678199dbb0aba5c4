/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reactormongoose.MongooseLoop;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Command path: {@link MongooseLoop#execute(Runnable)} from the benchmark thread (MPSC queue +
 * coalesced {@code mg_wakeup} doorbell).
 * <ul>
 * <li>{@code roundTrip}: one task, then wait until the poll thread ran it: every operation finds
 * the loop asleep in {@code epoll_wait}, so each one pays a doorbell datagram and a thread wake-up.</li>
 * <li>{@code batch256}: 256 tasks back to back, then wait for the last: the doorbell is rung once
 * per batch at most, so this is the amortised enqueue cost (score = tasks per second).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ExecuteBenchmark {

	static final int BATCH = 256;

	MongooseLoop loop;
	final AtomicLong ran = new AtomicLong();
	Runnable task;
	long expected;

	@Setup
	public void setup() {
		loop = MongooseLoop.builder().name("jmh-loop").daemon(true).build();
		task = () -> ran.lazySet(ran.get() + 1); // single writer: the poll thread
		expected = 0;
	}

	@TearDown
	public void tearDown() {
		loop.disposeNow();
	}

	@Benchmark
	public void roundTrip() {
		loop.execute(task);
		LoopFixture.await(ran::get, ++expected);
	}

	@Benchmark
	@OperationsPerInvocation(BATCH)
	public void batch256() {
		for (int i = 0; i < BATCH; i++) {
			loop.execute(task);
		}
		expected += BATCH;
		LoopFixture.await(ran::get, expected);
	}
}
