/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks.jmh;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

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
 * Inbound event path: 64 loopback clients each write 16 bytes, then the benchmark thread waits
 * until the listener's {@code Flux<ConnectionEvent>} has delivered all 64 READ events (one per
 * connection: each has one write in flight). One operation = one READ event, so the score is
 * events per second through poll, the C record arena, the Java decode and the Flux; it includes
 * the 64 client {@code write(2)} calls made by the benchmark thread itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EventPathBenchmark {

	static final int CLIENTS = 64;
	static final int MESSAGE = 16;

	LoopFixture fx;
	final ByteBuffer message = ByteBuffer.allocateDirect(MESSAGE);
	long expected;

	@Setup
	public void setup() throws Exception {
		fx = new LoopFixture(CLIENTS);
		expected = fx.bytesRead.get();
	}

	@TearDown
	public void tearDown() throws Exception {
		fx.close();
	}

	@Benchmark
	@OperationsPerInvocation(CLIENTS)
	public void readEvents64Connections() throws Exception {
		for (int i = 0; i < CLIENTS; i++) {
			message.clear();
			LoopFixture.writeFully(fx.clients[i], message);
		}
		expected += (long) CLIENTS * MESSAGE;
		LoopFixture.await(fx.bytesRead::get, expected);
	}
}
