/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads pause when the subscriber has no demand: the peer is pushed back by TCP and the
 * paused connection costs the poll thread no CPU (the build uses Mongoose's poll() backend;
 * its epoll backend busy-spins while is_full is set).
 */
@Timeout(60)
class FlowControlTest {

	private MongooseLoop loop;

	/** Native leaks are checked after the class by NativeLeakCheck (junit-platform.properties). */
	@AfterEach
	void dispose() {
		if (loop != null) {
			loop.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void pausedReceivePushesBackOnThePeerAndCostsNoCpu() throws Exception {
		loop = MongooseLoop.create("flow-loop");
		try (ServerSocket peer = new ServerSocket()) {
			peer.bind(new InetSocketAddress("127.0.0.1", 0));
			CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
				try {
					return peer.accept();
				}
				catch (Exception e) {
					throw new IllegalStateException(e);
				}
			});
			Connection c = loop.connect("tcp://127.0.0.1:" + peer.getLocalPort()).block(Duration.ofSeconds(5));
			assertThat(c).isNotNull();
			Socket s = accepted.get(5, TimeUnit.SECONDS);

			AtomicLong received = new AtomicLong();
			CountDownLatch firstItem = new CountDownLatch(1);
			BaseSubscriber<ByteBuffer> slow = new BaseSubscriber<>() {
				@Override
				protected void hookOnSubscribe(Subscription subscription) {
					request(1); // one item, then no demand
				}

				@Override
				protected void hookOnNext(ByteBuffer value) {
					received.addAndGet(value.remaining());
					firstItem.countDown();
				}
			};
			c.receive().subscribe(slow);

			// The peer writes as much as it can; once the loop pauses reading, the
			// kernel buffers fill up and write() blocks.
			AtomicLong written = new AtomicLong();
			Thread writer = new Thread(() -> {
				byte[] chunk = new byte[64 * 1024];
				try (OutputStream out = s.getOutputStream()) {
					while (written.get() < 512L * 1024 * 1024) {
						out.write(chunk);
						written.addAndGet(chunk.length);
					}
				}
				catch (Exception e) {
					// closed by the test
				}
			}, "flow-writer");
			writer.setDaemon(true);
			writer.start();
			assertThat(firstItem.await(5, TimeUnit.SECONDS)).isTrue();

			Thread.sleep(1000); // let buffers fill
			long plateau = written.get();
			ThreadMXBean mx = ManagementFactory.getThreadMXBean();
			long loopThread = findThread("flow-loop");
			long cpuBefore = mx.getThreadCpuTime(loopThread);
			Thread.sleep(1500);
			long cpuUsed = mx.getThreadCpuTime(loopThread) - cpuBefore;

			// bounded: the 64 queued reads plus kernel socket buffers, far below 512 MiB
			assertThat(written.get()).isLessThan(64L * 1024 * 1024);
			assertThat(written.get() - plateau).as("peer is blocked while paused").isLessThan(4L * 1024 * 1024);
			assertThat(cpuUsed).as("poll thread CPU while paused (ns)").isLessThan(TimeUnit.MILLISECONDS.toNanos(200));

			// demand resumes reading: everything written arrives
			slow.request(Long.MAX_VALUE);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (received.get() < 8L * 1024 * 1024 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(received.get()).isGreaterThanOrEqualTo(8L * 1024 * 1024);
			s.close();
		}
	}

	private static long findThread(String name) {
		for (Thread t : Thread.getAllStackTraces().keySet()) {
			if (t.getName().equals(name)) {
				return t.getId();
			}
		}
		throw new IllegalStateException("no thread " + name);
	}
}
