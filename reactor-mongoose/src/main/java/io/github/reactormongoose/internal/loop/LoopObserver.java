/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

/** Sees every iteration of a poll loop (metrics); runs on the poll thread. */
public interface LoopObserver {

	/**
	 * One iteration: {@code eventRecords} records of the poll were dispatched, and with the queued
	 * commands and due timers that took {@code busyNanos} (the wait inside the poll excluded).
	 */
	void iteration(int eventRecords, long busyNanos);
}
