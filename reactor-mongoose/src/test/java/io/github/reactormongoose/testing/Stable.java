/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Waiting for a count that flow control should stop (bytes pulled, written, received). */
public final class Stable {

	private Stable() {
	}

	/**
	 * Waits until {@code value} stops changing (the same for 5 samples 100 ms apart) and
	 * returns it; fails if it still changes after 10 s.
	 */
	public static long await(LongSupplier value) throws InterruptedException {
		long last = -1;
		int stable = 0;
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (stable < 5 && System.nanoTime() < deadline) {
			Thread.sleep(100);
			long now = value.getAsLong();
			stable = now == last ? stable + 1 : 0;
			last = now;
		}
		assertThat(stable).as("value stopped changing").isGreaterThanOrEqualTo(5);
		return last;
	}
}
