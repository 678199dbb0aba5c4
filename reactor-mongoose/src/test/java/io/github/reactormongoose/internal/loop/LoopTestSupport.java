/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Starts, drives and stops real {@link EventLoop}s for the tests of this package. */
final class LoopTestSupport {

	/** Bound of every wait on a loop. */
	static final Duration TIMEOUT = Duration.ofSeconds(10);

	private LoopTestSupport() {
	}

	/** A daemon loop with the default water marks and a 1 s poll ceiling. */
	static EventLoop start(String name) {
		return EventLoop.start(name, true, EventLoop.DEFAULT_HIGH_WATER, EventLoop.DEFAULT_LOW_WATER, 1000);
	}

	/** Disposes {@code loop} at once and waits until its manager is freed. */
	static void stop(EventLoop loop) {
		if (loop != null) {
			loop.shutdown(Duration.ZERO);
			loop.terminationFuture().block(TIMEOUT);
		}
	}

	/**
	 * Runs {@code task} on the poll thread and waits for it. Tasks run in queue order, so
	 * when this returns every task queued before it has run too.
	 */
	static <T> T call(EventLoop loop, Callable<T> task) throws Exception {
		CompletableFuture<T> f = new CompletableFuture<>();
		loop.execute(() -> {
			try {
				f.complete(task.call());
			}
			catch (Throwable t) {
				f.completeExceptionally(t);
			}
		});
		try {
			return f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (java.util.concurrent.ExecutionException e) {
			if (e.getCause() instanceof Exception ex) {
				throw ex;
			}
			if (e.getCause() instanceof Error err) {
				throw err;
			}
			throw e;
		}
	}

	/** {@link #call} for a task without result. */
	static void run(EventLoop loop, ThrowingRunnable task) throws Exception {
		call(loop, () -> {
			task.run();
			return null;
		});
	}

	/** Waits until the loop ran every task queued so far. */
	static void barrier(EventLoop loop) throws Exception {
		run(loop, () -> {
		});
	}

	/**
	 * Holds the poll thread inside a task until the returned handle is closed, so that
	 * everything queued meanwhile runs afterwards, in order, with no interleaving.
	 */
	static AutoCloseable hold(EventLoop loop) throws InterruptedException {
		java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
		loop.execute(() -> {
			entered.countDown();
			try {
				release.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
		});
		if (!entered.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new IllegalStateException("the poll thread did not pick the hold task up");
		}
		return release::countDown;
	}

	/** {@link #barrier} for lambdas that may not throw checked exceptions (StepVerifier's then). */
	static Runnable barrierStep(EventLoop loop) {
		return () -> unchecked(() -> barrier(loop));
	}

	/** Runs {@code task} on the poll thread from a lambda that may not throw checked exceptions. */
	static Runnable onLoop(EventLoop loop, ThrowingRunnable task) {
		return () -> unchecked(() -> run(loop, task));
	}

	static void unchecked(ThrowingRunnable r) {
		try {
			r.run();
		}
		catch (RuntimeException | Error e) {
			throw e;
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	@FunctionalInterface
	interface ThrowingRunnable {
		void run() throws Exception;
	}
}
