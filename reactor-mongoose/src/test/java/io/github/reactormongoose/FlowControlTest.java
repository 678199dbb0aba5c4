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

import io.github.reactormongoose.testing.Stable;
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

	/**
	 * {@code listen()}: a connection accepted while the listener's events are paused (the
	 * subscriber has no demand and 256 events wait) is paused too, as the docs promise for every
	 * connection of the listener. It was not: it read on at full speed into the event queue, so
	 * a peer that came after the pause filled the heap with everything it wrote (all 64 MiB
	 * here, without end for a peer that keeps writing). Once the subscriber asks, both peers'
	 * bytes arrive whole.
	 */
	@Test
	void aConnectionAcceptedWhileTheListenerIsPausedIsPausedToo() throws Exception {
		loop = MongooseLoop.create("flow-listen");
		long total = 64L * 1024 * 1024;
		CompletableFuture<Integer> port = new CompletableFuture<>();
		AtomicLong received = new AtomicLong();
		CountDownLatch all = new CountDownLatch(1);
		BaseSubscriber<ConnectionEvent> slow = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(1); // BOUND, then no demand
			}

			@Override
			protected void hookOnNext(ConnectionEvent e) {
				if (e.type() == ConnectionEvent.Type.BOUND) {
					port.complete(e.connection().localAddress().getPort());
				}
				if (received.addAndGet(e.data().remaining()) == 2 * total) {
					all.countDown();
				}
			}
		};
		loop.listen("tcp://127.0.0.1:0").subscribe(slow);
		int p = port.get(5, TimeUnit.SECONDS);
		try (Socket first = new Socket(); Socket later = new Socket()) {
			first.setSendBufferSize(64 * 1024);
			first.connect(new InetSocketAddress("127.0.0.1", p), 5_000);
			AtomicLong firstWritten = new AtomicLong();
			CompletableFuture<Void> firstWriter = write(first, total, firstWritten);
			Stable.await(firstWritten::get);
			assertThat(firstWriter).as("the first peer's writes block: reading paused").isNotDone();

			later.setSendBufferSize(64 * 1024);
			later.connect(new InetSocketAddress("127.0.0.1", p), 5_000);
			AtomicLong laterWritten = new AtomicLong();
			CompletableFuture<Void> laterWriter = write(later, total, laterWritten);
			long stalled = Stable.await(laterWritten::get);
			assertThat(laterWriter).as("the later peer's writes block too (%d bytes written)", stalled).isNotDone();
			assertThat(stalled).isLessThan(total / 2);

			slow.request(Long.MAX_VALUE);
			firstWriter.get(10, TimeUnit.SECONDS);
			laterWriter.get(10, TimeUnit.SECONDS);
			assertThat(all.await(10, TimeUnit.SECONDS)).as("every byte of both peers arrived").isTrue();
		}
		slow.dispose();
	}

	/** Writes {@code total} bytes to {@code s} on another thread, counting them. */
	private static CompletableFuture<Void> write(Socket s, long total, AtomicLong written) {
		return CompletableFuture.runAsync(() -> {
			byte[] chunk = new byte[64 * 1024];
			try {
				OutputStream out = s.getOutputStream();
				for (long off = 0; off < total; off += chunk.length) {
					out.write(chunk);
					written.addAndGet(chunk.length);
				}
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
		});
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
