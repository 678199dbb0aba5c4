/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.MongooseLoop;

/**
 * Holds a loop's thread in a timer until {@link #close() closed}, to force the order of a race
 * between the peer and another thread: a task queued meanwhile (a cancel from the test thread)
 * waits for the next turn, whose poll first handles what arrived during the hold (the answer the
 * cancel raced). A timer runs after the tasks of its turn, so the hold starts once the tasks
 * queued before it have run.
 */
public final class LoopHold implements AutoCloseable {

	private static final long WAIT_SECONDS = 10;

	private final CountDownLatch held = new CountDownLatch(1);
	private final CountDownLatch release = new CountDownLatch(1);

	private LoopHold() {
	}

	/** Holds {@code loop}'s thread; returns once it is held. */
	public static LoopHold hold(MongooseLoop loop) throws InterruptedException {
		return hold(loop, () -> { });
	}

	/**
	 * Runs {@code first} on {@code loop}'s thread, then holds it; returns once it is held. What
	 * {@code first} starts there (a connect) is under way during the hold, and its event is
	 * handled after it.
	 */
	public static LoopHold hold(MongooseLoop loop, Runnable first) throws InterruptedException {
		LoopHold h = new LoopHold();
		loop.execute(() -> {
			first.run();
			loop.schedule(Duration.ZERO, () -> {
				h.held.countDown();
				try {
					h.release.await(WAIT_SECONDS, TimeUnit.SECONDS);
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
			});
		});
		if (!h.held.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
			throw new IllegalStateException("the loop was not held within " + WAIT_SECONDS + " s");
		}
		return h;
	}

	/** Lets the loop go on. */
	@Override
	public void close() {
		release.countDown();
	}
}
