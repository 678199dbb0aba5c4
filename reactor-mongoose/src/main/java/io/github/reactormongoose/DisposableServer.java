/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.time.Duration;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;

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
	 * @throws IllegalStateException if the server could not be stopped within the timeout
	 */
	void disposeNow(Duration timeout);

	/** Completes when the server is disposed. */
	Mono<Void> onDispose();
}
