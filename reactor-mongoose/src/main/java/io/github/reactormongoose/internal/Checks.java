/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.time.Duration;
import java.util.Objects;

import reactor.core.scheduler.Schedulers;

/** Argument checks the public builders share, with one wording. */
public final class Checks {

	private Checks() {
	}

	/**
	 * {@code d}, if it is longer than zero.
	 * @throws NullPointerException naming {@code what} for {@code null}
	 * @throws IllegalArgumentException {@code "<what> must be positive: <d>"} for zero or less
	 */
	public static Duration positive(Duration d, String what) {
		Objects.requireNonNull(d, what);
		if (d.isNegative() || d.isZero()) {
			throw new IllegalArgumentException(what + " must be positive: " + d);
		}
		return d;
	}

	/**
	 * {@code d}, if it is zero or longer (zero: the limit is off).
	 * @throws NullPointerException naming {@code what} for {@code null}
	 * @throws IllegalArgumentException {@code "<what> must not be negative"} for less than zero
	 */
	public static Duration notNegative(Duration d, String what) {
		Objects.requireNonNull(d, what);
		if (d.isNegative()) {
			throw new IllegalArgumentException(what + " must not be negative");
		}
		return d;
	}

	/**
	 * Refuses a blocking {@code operation} (a {@code disposeNow()}) on a poll thread or any other
	 * non-blocking thread, before it has done anything.
	 * @throws IllegalStateException {@code "<operation> would block the poll thread <name>; use
	 *     disposeLater()"}
	 */
	public static void mayBlock(String operation) {
		if (Schedulers.isInNonBlockingThread()) {
			throw new IllegalStateException(operation + " would block the poll thread " + Thread.currentThread().getName()
					+ "; use disposeLater()");
		}
	}
}
