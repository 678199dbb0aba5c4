/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.TIMEOUT;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.call;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;

/** The loop's command path, timers and disposal, as its classes are wired together. */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLoopTest {

	private EventLoop loop;

	@BeforeEach
	void startLoop() {
		loop = LoopTestSupport.start("event-loop-test");
	}

	@AfterEach
	void stopLoop() {
		LoopTestSupport.stop(loop);
	}

	@Test
	void executeRunsTasksInOrderOnThePollThread() throws Exception {
		List<Integer> order = new CopyOnWriteArrayList<>();
		AtomicBoolean offLoop = new AtomicBoolean();
		for (int i = 0; i < 1000; i++) {
			int n = i;
			loop.execute(() -> {
				if (!loop.inEventLoop()) {
					offLoop.set(true);
				}
				order.add(n);
			});
		}
		LoopTestSupport.barrier(loop);

		assertThat(order).hasSize(1000).isSorted();
		assertThat(offLoop).isFalse();
		assertThat(loop.inEventLoop()).isFalse();
	}

	@Test
	void tasksTheLoopQueuesForItselfRunWithoutWaitingForAPollTimeout() throws Exception {
		// each task queues the next from the poll thread, which does not ring the doorbell: the
		// queue is seen before the next poll, which then does not wait (its timeout here is 1 s)
		int n = 2_000;
		CountDownLatch done = new CountDownLatch(1);
		AtomicInteger ran = new AtomicInteger();
		Runnable[] step = new Runnable[1];
		step[0] = () -> {
			if (ran.incrementAndGet() == n) {
				done.countDown();
			}
			else {
				loop.execute(step[0]);
			}
		};
		long t0 = System.nanoTime();
		loop.execute(step[0]);
		assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("2,000 hops, none waiting out the 1 s poll")
				.isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void executeOrRunRunsInlineOnThePollThread() throws Exception {
		List<String> order = new CopyOnWriteArrayList<>();
		run(loop, () -> {
			loop.executeOrRun(() -> order.add("inline"));
			order.add("after");
		});

		assertThat(order).containsExactly("inline", "after");
	}

	@Test
	void tasksFromManyThreadsAllRun() throws Exception {
		int threads = 4;
		int each = 5_000;
		AtomicInteger ran = new AtomicInteger();
		CountDownLatch all = new CountDownLatch(threads * each);
		List<Thread> producers = new CopyOnWriteArrayList<>();
		for (int t = 0; t < threads; t++) {
			Thread th = new Thread(() -> {
				for (int i = 0; i < each; i++) {
					loop.execute(() -> {
						ran.incrementAndGet();
						all.countDown();
					});
				}
			});
			th.setDaemon(true);
			producers.add(th);
			th.start();
		}

		assertThat(all.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		assertThat(ran).hasValue(threads * each);
	}

	@Test
	void scheduledTasksRunOnThePollThreadByDeadline() throws Exception {
		List<String> order = new CopyOnWriteArrayList<>();
		CountDownLatch last = new CountDownLatch(1);
		AtomicBoolean offLoop = new AtomicBoolean();
		Runnable check = () -> {
			if (!loop.inEventLoop()) {
				offLoop.set(true);
			}
		};

		loop.schedule(Duration.ofMillis(60), () -> {
			check.run();
			order.add("60");
			last.countDown();
		});
		Disposable cancelled = loop.schedule(Duration.ofMillis(20), () -> order.add("cancelled"));
		loop.schedule(Duration.ofMillis(30), () -> {
			check.run();
			order.add("30");
		});
		loop.schedule(Duration.ZERO, () -> {
			check.run();
			order.add("0");
		});
		cancelled.dispose();
		assertThat(cancelled.isDisposed()).isTrue();

		assertThat(last.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		assertThat(order).containsExactly("0", "30", "60");
		assertThat(offLoop).isFalse();
	}

	@Test
	void aPeriodicTaskRepeatsUntilDisposed() throws Exception {
		AtomicInteger runs = new AtomicInteger();
		CountDownLatch three = new CountDownLatch(3);
		CompletableFuture<Disposable> self = new CompletableFuture<>();
		Disposable d = loop.schedule(Duration.ofMillis(1), Duration.ofMillis(2), () -> {
			runs.incrementAndGet();
			three.countDown();
			if (three.getCount() == 0) {
				self.join().dispose(); // stop from inside, on the poll thread
			}
		});
		self.complete(d);

		assertThat(three.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		// a marker due well after the next period proves no further run happened
		CountDownLatch marker = new CountDownLatch(1);
		loop.schedule(Duration.ofMillis(20), marker::countDown);
		assertThat(marker.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		assertThat(runs).hasValue(3);
		assertThat(d.isDisposed()).isTrue();
	}

	@Test
	void aFailingTaskDoesNotStopTheLoop() throws Exception {
		loop.execute(() -> {
			throw new IllegalStateException("expected by the test");
		});
		loop.schedule(Duration.ZERO, () -> {
			throw new IllegalStateException("expected by the test (timer)");
		});

		assertThat(call(loop, () -> "still running")).isEqualTo("still running");
	}

	@Test
	void nativeOperationsAreRefusedOffThePollThread() {
		assertThatThrownBy(loop::connectionCount).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("poll thread");
		assertThatThrownBy(loop::channelCount).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void shutdownRunsHooksOnThePollThreadFreesTheManagerAndThenRunsTasksOnTheCaller() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		loop.onShutdown(() -> events.add("hook on poll thread: " + loop.inEventLoop()));

		loop.shutdown(Duration.ofSeconds(5));
		loop.shutdown(Duration.ZERO); // a second call is ignored
		assertThat(loop.isShutdown()).isTrue();
		loop.terminationFuture().block(TIMEOUT);

		assertThat(loop.isTerminated()).isTrue();
		assertThat(events).containsExactly("hook on poll thread: true");
		// after the end, tasks run serialised on the caller, and natives report closed
		Thread caller = Thread.currentThread();
		AtomicBoolean onCaller = new AtomicBoolean();
		loop.execute(() -> onCaller.set(Thread.currentThread() == caller));
		assertThat(onCaller).isTrue();
		assertThat(loop.connectionCount()).isZero();
		assertThatThrownBy(() -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, (c, l, r) -> null))
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("disposed");
	}

	@Test
	void listenAfterShutdownWasRequestedIsRefused() throws Exception {
		CountDownLatch hold = new CountDownLatch(1);
		CompletableFuture<Throwable> refused = new CompletableFuture<>();
		// keep the poll thread busy so the shutdown request is seen before disposal finishes
		loop.execute(() -> {
			try {
				hold.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			try {
				loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, (c, l, r) -> null);
				refused.complete(null);
			}
			catch (Throwable t) {
				refused.complete(t);
			}
		});
		loop.shutdown(Duration.ZERO);
		hold.countDown();

		assertThat(refused.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("disposed");
	}
}
