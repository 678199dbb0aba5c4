/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.ArrayDeque;

import io.github.reactormongoose.internal.jni.NativeConstants;

/**
 * Actions waiting for a connection's send buffer to fall to the low-water mark. Poll thread
 * only. Internal API.
 */
public final class WritableWaiters {

	private final ArrayDeque<Runnable> waiters = new ArrayDeque<>();

	/** Registers {@code action}; asks the native side for a writable event when needed. */
	public void await(EventLoop loop, long id, Runnable action) {
		waiters.add(action);
		if (waiters.size() == 1) {
			long r = loop.control(id, NativeConstants.OP_NOTIFY_WRITABLE);
			if (r < 0 || r <= loop.lowWater()) {
				fire();
			}
		}
	}

	/** Runs the waiting actions (on the writable event, or when the connection closed). */
	public void fire() {
		int n = waiters.size();
		for (int i = 0; i < n && !waiters.isEmpty(); i++) {
			waiters.poll().run();
		}
	}
}
