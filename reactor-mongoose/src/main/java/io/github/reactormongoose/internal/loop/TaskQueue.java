/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.util.concurrent.Queues;

/**
 * The command path into a poll thread: a multi-producer queue of tasks plus a doorbell that
 * rings the sleeping poll at most once between two drains.
 * <p>
 * Producers {@link #offer} a task and ring only on the transition IDLE → RUNG. The poll thread
 * calls {@link #rearm()} (RUNG → IDLE) after each poll and then {@link #drain}s, so a task
 * offered before a failed transition is always seen by that drain: no wakeup is lost, and any
 * number of tasks queued between two polls costs one ring. {@link #close()} stops ringing for
 * good and waits out a ring in progress, after which the ring target may be freed.
 */
final class TaskQueue {

	/** What ringing does (for a loop, {@code mg_wakeup} with an empty payload). */
	@FunctionalInterface
	interface Bell {
		void ring();
	}

	private static final int IDLE = 0;
	private static final int RUNG = 1;
	private static final int CLOSED = 2;

	private final Queue<Runnable> tasks = Queues.<Runnable>unboundedMultiproducer().get();
	private final AtomicInteger state = new AtomicInteger(IDLE);
	/** Producers inside {@link Bell#ring()}; the bell is released only when none is. */
	private final AtomicInteger ringers = new AtomicInteger();
	private final Bell bell;

	TaskQueue(Bell bell) {
		this.bell = bell;
	}

	/** Queued tasks (walks the queue: for metrics, not for the hot path). */
	int size() {
		return tasks.size();
	}

	/**
	 * Queues {@code task} and rings if the doorbell is idle.
	 * @return {@code false} when the queue is closed: the caller must run what is queued itself
	 */
	boolean offer(Runnable task) {
		Objects.requireNonNull(task, "task");
		tasks.offer(task);
		if (state.compareAndSet(IDLE, RUNG)) {
			ringers.incrementAndGet();
			try {
				if (state.get() != CLOSED) {
					bell.ring();
				}
			}
			finally {
				ringers.decrementAndGet();
			}
		}
		return state.get() != CLOSED;
	}

	/**
	 * Queues {@code task} without ringing: for the poll thread itself, which sees the queue
	 * before it polls again (a non-empty queue makes that poll return at once), so a ring
	 * would only cost a wakeup datagram and one more poll.
	 * @return {@code false} when the queue is closed: the caller must run what is queued itself
	 */
	boolean offerFromPollThread(Runnable task) {
		Objects.requireNonNull(task, "task");
		tasks.offer(task);
		return state.get() != CLOSED;
	}

	/** Poll thread, after each poll: the next offer rings again. */
	void rearm() {
		state.compareAndSet(RUNG, IDLE);
	}

	boolean isEmpty() {
		return tasks.isEmpty();
	}

	/** Takes the next task, or {@code null}. */
	Runnable poll() {
		return tasks.poll();
	}

	/**
	 * Runs up to {@code max} queued tasks on the calling thread, each through {@code runner}.
	 * @return how many ran
	 */
	int drain(int max, java.util.function.Consumer<Runnable> runner) {
		Runnable r;
		int n = 0;
		while (n < max && (r = tasks.poll()) != null) {
			runner.accept(r);
			n++;
		}
		return n;
	}

	/** Stops ringing for good, then waits until no producer is inside {@link Bell#ring()}. */
	void close() {
		state.set(CLOSED);
		while (ringers.get() != 0) {
			Thread.onSpinWait();
		}
	}

	boolean isClosed() {
		return state.get() == CLOSED;
	}
}
