/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A loop's disposal, on its poll thread: hooks run first (servers stop accepting and close
 * idle connections), then the loop polls on until no connection is left; at the deadline the
 * rest are closed and one more poll delivers their CLOSE events.
 */
final class Shutdown {

	private final List<Runnable> hooks = new ArrayList<>();
	private boolean started;
	private boolean forced;
	private long deadline;

	void addHook(Runnable hook) {
		hooks.add(hook);
	}

	void removeHook(Runnable hook) {
		hooks.remove(hook);
	}

	boolean started() {
		return started;
	}

	/**
	 * Starts disposal once; hooks run through {@code runner}. Called again, only an earlier
	 * deadline is kept (a later, shorter disposal wins).
	 */
	void begin(long deadlineNanos, Consumer<Runnable> runner) {
		if (started) {
			if (deadlineNanos - deadline < 0) {
				deadline = deadlineNanos;
			}
			return;
		}
		started = true;
		deadline = deadlineNanos;
		for (Runnable hook : hooks) {
			runner.accept(hook);
		}
		hooks.clear();
	}

	/** Whether the poll loop may stop now; at the deadline, closes what is left first. */
	boolean finished(ChannelRegistry channels, long now) {
		if (!started) {
			return false;
		}
		if (channels.isEmpty()) {
			return true;
		}
		if (!forced && now - deadline >= 0) {
			for (Channel c : channels.snapshot()) {
				c.close();
			}
			forced = true;
			return false;
		}
		return forced;
	}
}
