/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.github.reactormongoose.internal.Checks;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.util.Loggers;

/**
 * A bound server. {@link #dispose()} stops it without waiting; {@link #disposeNow()} waits.
 */
public interface DisposableServer extends Disposable {

	/** The bound address (the real port when 0 was asked for). */
	InetSocketAddress address();

	default String host() {
		return address().getHostString();
	}

	default int port() {
		return address().getPort();
	}

	/**
	 * Stops accepting, lets in-flight exchanges finish within {@code timeout}, closes idle and
	 * remaining connections. Completes when all of the server's connections are closed (and,
	 * for a server owning its loop, the loop is freed).
	 */
	Mono<Void> disposeLater(Duration timeout);

	/** {@link #disposeLater(Duration)} and wait; default 3 s. */
	default void disposeNow() {
		disposeNow(Duration.ofSeconds(3));
	}

	/**
	 * {@link #disposeLater(Duration)} and wait up to {@code timeout} plus 5 s.
	 * @throws IllegalStateException if called on a poll thread (or any other non-blocking
	 *     thread: use {@link #disposeLater(Duration)} there), or if the server could not be
	 *     stopped in time
	 */
	default void disposeNow(Duration timeout) {
		Checks.mayBlock("disposeNow()");
		Checks.awaitStopped(disposeLater(timeout), timeout, Duration.ofSeconds(5));
	}

	/** Starts {@link #disposeLater(Duration)} with no grace period, without waiting. */
	@Override
	default void dispose() {
		disposeLater(Duration.ZERO).subscribe(null,
				e -> Loggers.getLogger(DisposableServer.class).warn("dispose failed", e));
	}

	/** Completes when the server is disposed. */
	Mono<Void> onDispose();
}
