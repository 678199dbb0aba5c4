/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks.jmh;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reactormongoose.Connection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Outbound path: {@link Connection#send(byte[])} called from the benchmark thread on an accepted
 * connection (a command per send, the copy into Mongoose's send buffer, the socket write); a
 * daemon thread drains the loopback client. One operation = one send that completed (its Mono
 * signalled); 32 sends are in flight per invocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SendBenchmark {

	static final int IN_FLIGHT = 32;

	@Param({"13", "65536"})
	public int size;

	LoopFixture fx;
	Connection server;
	byte[] payload;
	final AtomicLong completed = new AtomicLong();
	long expected;
	Thread drainer;
	volatile boolean stop;

	@Setup
	public void setup() throws Exception {
		fx = new LoopFixture(1);
		server = fx.accepted.get(0);
		payload = new byte[size];
		Arrays.fill(payload, (byte) 'x');
		SocketChannel client = fx.clients[0];
		drainer = new Thread(() -> {
			ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
			try {
				while (!stop) {
					sink.clear();
					if (client.read(sink) < 0) {
						return;
					}
				}
			}
			catch (Exception e) {
				// closed in tearDown
			}
		}, "jmh-drain");
		drainer.setDaemon(true);
		drainer.start();
	}

	@TearDown
	public void tearDown() throws Exception {
		stop = true;
		fx.close();
	}

	@Benchmark
	@OperationsPerInvocation(IN_FLIGHT)
	public void send() {
		for (int i = 0; i < IN_FLIGHT; i++) {
			server.send(payload).subscribe(null, Throwable::printStackTrace, completed::incrementAndGet);
		}
		expected += IN_FLIGHT;
		LoopFixture.await(completed::get, expected);
	}
}
