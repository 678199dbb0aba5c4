/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.PriorityQueue;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * One-shot and periodic timers of a poll thread, ordered by deadline and then by scheduling
 * order. Every method except {@link Timer#dispose()} runs on the poll thread; times are
 * {@link System#nanoTime()} values passed in, so tests can drive the clock.
 */
final class Timers {

	/** Below this many queued timers, cancelled ones simply wait for their deadline. */
	private static final int PURGE_FLOOR = 1024;

	private final PriorityQueue<Timer> queue = new PriorityQueue<>();
	private long sequence;
	/** The queue size at which cancelled timers are taken out ({@link #add}). */
	private int purgeAt = PURGE_FLOOR;

	/** A timer not yet added; {@link #add} it on the poll thread. */
	static Timer timer(Runnable task, long delayNanos, long periodNanos) {
		return new Timer(task, Math.max(0, delayNanos), Math.max(0, periodNanos));
	}

	/**
	 * Adds {@code t} with its deadline counted from {@code now}, unless it was cancelled. A
	 * cancelled timer stays queued until its deadline (a heap has no cheap removal), without
	 * its task; once the queue has doubled since the last time, the cancelled ones are taken
	 * out, so timers cancelled by the thousand (a timeout per request or per message) do not
	 * pile up for as long as their delay.
	 */
	void add(Timer t, long now) {
		if (!t.cancelled) {
			t.deadline = now + t.delayNanos;
			t.seq = sequence++;
			queue.add(t);
			if (queue.size() >= purgeAt) {
				queue.removeIf(Timer::isDisposed);
				purgeAt = Math.max(PURGE_FLOOR, queue.size() * 2);
			}
		}
	}

	/** How many timers are queued, cancelled ones not yet taken out included. */
	int size() {
		return queue.size();
	}

	boolean isEmpty() {
		return queue.isEmpty();
	}

	/** Nanoseconds from {@code now} to the earliest deadline (may be negative), or {@code Long.MAX_VALUE}. */
	long nanosToNext(long now) {
		Timer next = queue.peek();
		return next == null ? Long.MAX_VALUE : next.deadline - now;
	}

	/** Runs, through {@code runner}, every timer due at {@code now}; periodic ones are re-added. */
	void runDue(long now, Consumer<Runnable> runner) {
		Timer t;
		while ((t = queue.peek()) != null && t.deadline - now <= 0) {
			queue.poll();
			Runnable task = t.task;
			if (t.cancelled || task == null) {
				continue;
			}
			runner.accept(task);
			if (t.periodNanos > 0 && !t.cancelled) {
				t.deadline += t.periodNanos;
				if (t.deadline - now <= 0) {
					t.deadline = now + t.periodNanos; // fell behind: skip, do not burst
				}
				t.seq = sequence++;
				queue.add(t);
			}
		}
	}

	void clear() {
		queue.clear();
	}

	/**
	 * A scheduled task; disposing it from any thread cancels it and lets the task go at once
	 * (not at its deadline: a task holds what it will act on, a whole MQTT session for one).
	 */
	static final class Timer implements Disposable, Comparable<Timer> {
		volatile @Nullable Runnable task;
		final long delayNanos;
		final long periodNanos;
		long deadline;
		long seq;
		volatile boolean cancelled;

		private Timer(Runnable task, long delayNanos, long periodNanos) {
			this.task = task;
			this.delayNanos = delayNanos;
			this.periodNanos = periodNanos;
		}

		@Override
		public void dispose() {
			cancelled = true;
			task = null;
		}

		@Override
		public boolean isDisposed() {
			return cancelled;
		}

		@Override
		public int compareTo(Timer o) {
			int c = Long.compare(deadline - o.deadline, 0);
			return c != 0 ? c : Long.compare(seq, o.seq);
		}
	}
}
