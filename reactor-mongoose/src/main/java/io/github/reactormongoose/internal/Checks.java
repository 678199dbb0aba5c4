/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Argument checks the public builders share, with one wording. */
public final class Checks {

	private Checks() {
	}

	/**
	 * The longest time kept (about 73 years): a longer one means the same, "never", and is cut
	 * to it, so that the nanoseconds of a deadline cannot overflow. Reactor Netty's users write
	 * {@code Duration.ofMillis(Long.MAX_VALUE)} for "no limit"; its nanoseconds overflow a long.
	 */
	public static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE / 4);

	/**
	 * Refuses a port of {@code uri} (a server to connect to) outside 1..65535: port 0 names no
	 * server, and the URI parser takes any number, which the native side would cut to 16 bits
	 * (:108941 is port 43405). A URI without a port (-1) passes.
	 * @throws IllegalArgumentException {@code "port <n> of <uri> is not in 1..65535"}
	 */
	public static void serverPort(URI uri) {
		int port = uri.getPort();
		if (port == 0 || port > 65535) {
			throw new IllegalArgumentException("port " + port + " of " + uri + " is not in 1..65535");
		}
	}

	/**
	 * {@code d}, if it is longer than zero, cut to {@link #FOREVER}.
	 * @throws NullPointerException naming {@code what} for {@code null}
	 * @throws IllegalArgumentException {@code "<what> must be positive: <d>"} for zero or less
	 */
	public static Duration positive(Duration d, String what) {
		Objects.requireNonNull(d, what);
		if (d.isNegative() || d.isZero()) {
			throw new IllegalArgumentException(what + " must be positive: " + d);
		}
		return atMostForever(d);
	}

	/**
	 * {@code d}, if it is zero or longer (zero: the limit is off), cut to {@link #FOREVER}.
	 * @throws NullPointerException naming {@code what} for {@code null}
	 * @throws IllegalArgumentException {@code "<what> must not be negative"} for less than zero
	 */
	public static Duration notNegative(Duration d, String what) {
		Objects.requireNonNull(d, what);
		if (d.isNegative()) {
			throw new IllegalArgumentException(what + " must not be negative");
		}
		return atMostForever(d);
	}

	/** {@code d}, or {@link #FOREVER} if it is longer. */
	public static Duration atMostForever(Duration d) {
		return d.compareTo(FOREVER) > 0 ? FOREVER : d;
	}

	/**
	 * A {@code disposeNow(timeout)}'s wait: blocks for {@code stopped} up to {@code timeout} (cut
	 * to {@link #FOREVER}) plus {@code grace}.
	 * @throws IllegalStateException {@code "Socket couldn't be stopped within <timeout>ms"} (Reactor
	 *     Netty's words) if it did not complete in time
	 */
	public static void awaitStopped(Mono<Void> stopped, Duration timeout, Duration grace) {
		Duration t = atMostForever(timeout);
		try {
			stopped.block(t.plus(grace));
		}
		catch (IllegalStateException e) {
			throw new IllegalStateException("Socket couldn't be stopped within " + t.toMillis() + "ms", e);
		}
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
