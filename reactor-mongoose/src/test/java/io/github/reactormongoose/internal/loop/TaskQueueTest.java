/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command queue and its doorbell, without a native loop: the {@link TaskQueue.Bell} is a
 * counter or a {@link Semaphore} standing in for {@code mg_wakeup}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TaskQueueTest {

	private static final long WAIT_SECONDS = 10;

	/** A bell that counts its rings. */
	private static final class CountingBell implements TaskQueue.Bell {
		final AtomicInteger rings = new AtomicInteger();

		@Override
		public void ring() {
			rings.incrementAndGet();
		}
	}

	// ---- doorbell: one ring per burst ----

	@Test
	void aBurstOfOffersRingsOnce() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);

		for (int i = 0; i < 100; i++) {
			assertThat(q.offer(() -> {
			})).isTrue();
		}

		assertThat(bell.rings).as("100 offers before any rearm").hasValue(1);
		assertThat(q.isEmpty()).isFalse();
	}

	@Test
	void offersFromThePollThreadNeverRingAndStillQueueInOrder() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);
		List<Integer> ran = new ArrayList<>();

		q.rearm();
		for (int i = 0; i < 10; i++) {
			int n = i;
			assertThat(q.offerFromPollThread(() -> ran.add(n))).isTrue();
		}
		assertThat(bell.rings).as("the poll thread looks at the queue before it polls").hasValue(0);
		assertThat(q.isEmpty()).isFalse();
		q.drain(Integer.MAX_VALUE, Runnable::run);
		assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
		// another thread's offer still rings
		q.offer(() -> ran.add(10));
		assertThat(bell.rings).hasValue(1);
		q.close();
		assertThat(q.offerFromPollThread(() -> { })).as("closed").isFalse();
	}

	@Test
	void eachRearmAndDrainCycleAllowsExactlyOneMoreRing() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);
		List<Integer> ran = new ArrayList<>();

		for (int cycle = 1; cycle <= 5; cycle++) {
			int base = cycle * 10;
			q.offer(() -> ran.add(base));
			q.offer(() -> ran.add(base + 1));
			q.offer(() -> ran.add(base + 2));
			assertThat(bell.rings).as("rings after burst %d", cycle).hasValue(cycle);

			q.rearm();
			assertThat(q.drain(Integer.MAX_VALUE, Runnable::run)).isEqualTo(3);
			assertThat(q.isEmpty()).isTrue();
		}

		assertThat(ran).containsExactly(10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52);
	}

	@Test
	void drainWithoutRearmDoesNotRingAgain() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);

		q.offer(() -> {
		});
		q.drain(Integer.MAX_VALUE, Runnable::run);
		q.offer(() -> {
		});

		// The doorbell is still RUNG: the poll thread has not rearmed, so it has not slept yet.
		assertThat(bell.rings).hasValue(1);
		q.rearm();
		q.offer(() -> {
		});
		assertThat(bell.rings).hasValue(2);
	}

	@Test
	void rearmWhileIdleIsHarmless() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);

		q.rearm();
		q.rearm();
		q.offer(() -> {
		});
		q.offer(() -> {
		});

		assertThat(bell.rings).hasValue(1);
	}

	// ---- queue ----

	@Test
	void drainRunsInOfferOrderThroughTheRunnerAndHonoursMax() {
		TaskQueue q = new TaskQueue(() -> {
		});
		List<Integer> ran = new ArrayList<>();
		List<Runnable> offered = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			int n = i;
			Runnable r = () -> ran.add(n);
			offered.add(r);
			q.offer(r);
		}
		List<Runnable> seenByRunner = new ArrayList<>();

		int first = q.drain(4, r -> {
			seenByRunner.add(r);
			r.run();
		});

		assertThat(first).isEqualTo(4);
		assertThat(ran).containsExactly(0, 1, 2, 3);
		assertThat(seenByRunner).containsExactlyElementsOf(offered.subList(0, 4));
		assertThat(q.isEmpty()).isFalse();

		assertThat(q.poll()).isSameAs(offered.get(4));
		assertThat(q.drain(100, Runnable::run)).isEqualTo(5);
		assertThat(ran).containsExactly(0, 1, 2, 3, 5, 6, 7, 8, 9);
		assertThat(q.isEmpty()).isTrue();
		assertThat(q.poll()).isNull();
		assertThat(q.drain(100, Runnable::run)).isZero();
	}

	@Test
	void drainRunsTasksOfferedByTasksWhenWithinMax() {
		TaskQueue q = new TaskQueue(() -> {
		});
		List<String> ran = new ArrayList<>();
		q.offer(() -> {
			ran.add("a");
			q.offer(() -> ran.add("c"));
		});
		q.offer(() -> ran.add("b"));

		assertThat(q.drain(2, Runnable::run)).isEqualTo(2);
		assertThat(ran).containsExactly("a", "b");
		assertThat(q.drain(2, Runnable::run)).isEqualTo(1);
		assertThat(ran).containsExactly("a", "b", "c");
	}

	@Test
	void offerRejectsNull() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);

		assertThatNullPointerException().isThrownBy(() -> q.offer(null));
		assertThat(q.isEmpty()).isTrue();
		assertThat(bell.rings).hasValue(0);
	}

	// ---- the lost-wakeup race ----

	/**
	 * Several producers offer bursts while a consumer models the poll thread: it sleeps until
	 * rung (a {@link Semaphore} released by the bell; like {@code mg_mgr_poll} reading the wakeup
	 * socket, one wake consumes every ring so far), then {@code rearm(); drain(...)}. If a task
	 * offered before a failed IDLE→RUNG transition could be missed, the consumer would sleep
	 * with tasks queued and no ring pending: the bounded wait below would expire.
	 */
	@Test
	void rearmThenDrainNeverLosesAWakeup() throws Exception {
		int producers = 3;
		// Many short bursts: the end of each burst, with the consumer about to sleep, is
		// where a lost wake-up would strand a task.
		int rounds = 10_000;
		int perProducerPerRound = 3;
		int perRound = producers * perProducerPerRound;
		long stallNanos = TimeUnit.SECONDS.toNanos(5);

		Semaphore bellSem = new Semaphore(0);
		AtomicInteger rings = new AtomicInteger();
		TaskQueue q = new TaskQueue(() -> {
			rings.incrementAndGet();
			bellSem.release();
		});
		int[] runs = new int[rounds * perRound];
		AtomicInteger executed = new AtomicInteger();
		AtomicReference<String> stall = new AtomicReference<>();
		CyclicBarrier roundStart = new CyclicBarrier(producers + 1);
		AtomicBoolean abort = new AtomicBoolean();

		Thread consumer = new Thread(() -> {
			ThreadLocalRandom rnd = ThreadLocalRandom.current();
			int total = rounds * perRound;
			int wakes = 0;
			try {
				while (executed.get() < total) {
					if (!bellSem.tryAcquire(stallNanos, TimeUnit.NANOSECONDS)) {
						stall.set("consumer asleep with " + (total - executed.get()) + " task(s) not run, queue "
								+ (q.isEmpty() ? "empty" : "NOT empty") + ", after " + wakes + " wake(s)");
						abort.set(true);
						return;
					}
					wakes++;
					bellSem.drainPermits(); // one poll wake-up reads every pending ring
					q.rearm();
					jitter(rnd); // widen the window a producer can offer into
					q.drain(Integer.MAX_VALUE, Runnable::run);
				}
			}
			catch (InterruptedException e) {
				stall.set("consumer interrupted");
			}
		}, "task-queue-consumer");
		consumer.setDaemon(true);

		List<Thread> producerThreads = new ArrayList<>();
		List<Throwable> producerErrors = new ArrayList<>();
		for (int p = 0; p < producers; p++) {
			int producer = p;
			Thread t = new Thread(() -> {
				ThreadLocalRandom rnd = ThreadLocalRandom.current();
				try {
					for (int round = 0; round < rounds && !abort.get(); round++) {
						roundStart.await(WAIT_SECONDS, TimeUnit.SECONDS);
						int base = round * perRound + producer * perProducerPerRound;
						for (int i = 0; i < perProducerPerRound; i++) {
							int index = base + i;
							if (!q.offer(() -> {
								runs[index]++;
								executed.incrementAndGet();
							})) {
								throw new AssertionError("offer returned false on an open queue");
							}
							jitter(rnd); // let the consumer reach rearm/drain mid-burst
						}
					}
				}
				catch (Throwable e) {
					synchronized (producerErrors) {
						producerErrors.add(e);
					}
					abort.set(true);
				}
			}, "task-queue-producer-" + p);
			t.setDaemon(true);
			producerThreads.add(t);
		}

		long start = System.nanoTime();
		consumer.start();
		producerThreads.forEach(Thread::start);
		for (int round = 0; round < rounds && !abort.get(); round++) {
			try {
				roundStart.await(WAIT_SECONDS, TimeUnit.SECONDS);
			}
			catch (Exception e) {
				break; // a stall or a producer error is reported below
			}
			// Wait for the round to be consumed so the consumer goes back to sleep between
			// rounds: every round then starts with the IDLE -> RUNG transition under contention.
			long roundEnd = (long) (round + 1) * perRound;
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
			while (executed.get() < roundEnd && !abort.get() && System.nanoTime() < deadline) {
				Thread.onSpinWait();
				Thread.yield();
			}
			if (executed.get() < roundEnd) {
				break;
			}
		}
		consumer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS + 5));
		roundStart.reset();
		for (Thread t : producerThreads) {
			t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
		}
		long elapsed = System.nanoTime() - start;

		assertThat(stall.get()).as("lost wake-up").isNull();
		assertThat(producerErrors).isEmpty();
		assertThat(consumer.isAlive()).isFalse();
		assertThat(executed).hasValue(rounds * perRound);
		for (int i = 0; i < runs.length; i++) {
			if (runs[i] != 1) {
				throw new AssertionError("task " + i + " ran " + runs[i] + " times");
			}
		}
		assertThat(q.isEmpty()).isTrue();
		// Coalescing: never more rings than tasks (a round may even need none: a ring left
		// over from the previous round's last IDLE -> RUNG transition wakes the consumer).
		assertThat(rings.get()).isBetween(1, rounds * perRound);
		assertThat(elapsed).as("total time").isLessThan(TimeUnit.SECONDS.toNanos(45));
	}

	/** A random short pause: nothing, a few spins, or a yield. */
	private static void jitter(ThreadLocalRandom rnd) {
		int r = rnd.nextInt(8);
		if (r == 0) {
			Thread.yield();
		}
		else if (r < 4) {
			for (int i = rnd.nextInt(64); i > 0; i--) {
				Thread.onSpinWait();
			}
		}
	}

	// ---- close ----

	@Test
	void offerAfterCloseReturnsFalseDoesNotRingAndKeepsTheTask() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);
		assertThat(q.isClosed()).isFalse();

		q.close();

		assertThat(q.isClosed()).isTrue();
		AtomicInteger ran = new AtomicInteger();
		assertThat(q.offer(ran::incrementAndGet)).isFalse();
		q.rearm(); // a late rearm must not reopen the doorbell
		assertThat(q.offer(ran::incrementAndGet)).isFalse();
		assertThat(q.isClosed()).isTrue();
		assertThat(bell.rings).hasValue(0);
		// The caller runs what is queued itself.
		assertThat(q.isEmpty()).isFalse();
		assertThat(q.drain(Integer.MAX_VALUE, Runnable::run)).isEqualTo(2);
		assertThat(ran).hasValue(2);
	}

	@Test
	void closeAfterARingStopsFurtherRings() {
		CountingBell bell = new CountingBell();
		TaskQueue q = new TaskQueue(bell);
		q.offer(() -> {
		});
		q.rearm();
		q.drain(Integer.MAX_VALUE, Runnable::run);

		q.close();
		q.offer(() -> {
		});

		assertThat(bell.rings).hasValue(1);
	}

	@Test
	void closeWaitsOutARingInProgress() throws Exception {
		CountDownLatch inRing = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		TaskQueue q = new TaskQueue(() -> {
			inRing.countDown();
			try {
				release.await(WAIT_SECONDS, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});

		CompletableFuture<Boolean> offered = new CompletableFuture<>();
		Thread producer = daemon("ringing-producer", () -> offered.complete(q.offer(() -> {
		})));
		assertThat(inRing.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("producer entered the bell").isTrue();

		CompletableFuture<Void> closed = new CompletableFuture<>();
		Thread closer = daemon("closer", () -> {
			q.close();
			closed.complete(null);
		});
		awaitTrue(q::isClosed, "close() marks the queue closed");
		// The producer is still inside ring(), held by the latch: close() cannot have returned.
		assertThat(closed).isNotDone();
		assertThat(offered).isNotDone();

		release.countDown();

		closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
		// The queue closed while the offer was in flight: the caller learns it must run the task.
		assertThat(offered.get(WAIT_SECONDS, TimeUnit.SECONDS)).isFalse();
		producer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
		closer.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
	}

	/**
	 * The guarantee {@link EventLoop} relies on to free the manager: once {@code close()}
	 * returned, no producer is or will be inside the bell, however many race with it.
	 */
	@Test
	void noRingOnceCloseReturnedEvenUnderContention() throws Exception {
		for (int iteration = 0; iteration < 200; iteration++) {
			AtomicBoolean closeReturned = new AtomicBoolean();
			AtomicInteger ringsAfterClose = new AtomicInteger();
			AtomicInteger rejected = new AtomicInteger();
			AtomicInteger offeredCount = new AtomicInteger();
			TaskQueue q = new TaskQueue(() -> {
				if (closeReturned.get()) {
					ringsAfterClose.incrementAndGet();
				}
			});
			AtomicBoolean stop = new AtomicBoolean();
			List<Thread> threads = new ArrayList<>();
			for (int p = 0; p < 2; p++) {
				threads.add(daemon("closing-race-producer-" + p, () -> {
					while (!stop.get()) {
						offeredCount.incrementAndGet();
						if (!q.offer(() -> {
						})) {
							rejected.incrementAndGet();
						}
						q.rearm(); // keep re-opening the doorbell so offers keep ringing
					}
				}));
			}
			try {
				awaitTrue(() -> offeredCount.get() >= 50, "producers started");

				q.close();
				closeReturned.set(true);
				int rejectedAtClose = rejected.get();
				awaitTrue(() -> rejected.get() >= rejectedAtClose + 10, "offers after close() are refused");
			}
			finally {
				stop.set(true);
				for (Thread t : threads) {
					t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
				}
			}

			assertThat(ringsAfterClose).as("rings after close() returned, iteration %d", iteration).hasValue(0);
			assertThat(q.isClosed()).isTrue();
		}
	}

	/** Starts a daemon thread, so that a failing test cannot keep the JVM alive. */
	private static Thread daemon(String name, Runnable body) {
		Thread t = new Thread(body, name);
		t.setDaemon(true);
		t.start();
		return t;
	}

	/** Spins until {@code condition} holds, failing after {@link #WAIT_SECONDS}. */
	private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() - deadline > 0) {
				throw new AssertionError("timed out waiting: " + what);
			}
			Thread.onSpinWait();
		}
	}
}
