/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.tls.TlsSpec;
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

	/**
	 * Replaces the TLS material of this running secure server (one bound with
	 * {@code secure(spec)}), as a renewed certificate needs: connections accepted from now on,
	 * on every loop of the server, handshake with {@code spec} (its certificate chain, private
	 * key, client CA, client authentication and handshake timeout); connections already open
	 * keep the material they started with. The spec is read and checked now, on the calling
	 * thread (its files are read again); what the built-in stack cannot use (an unreadable key,
	 * a key that does not belong to the first certificate...) is refused with the reason, and
	 * the server keeps serving what it had. The swap itself runs on the poll threads, whether or
	 * not the result is subscribed.
	 * @return completes once every loop of the server uses the new material; fails with an
	 *     {@link IllegalStateException} if the server was disposed meanwhile
	 * @throws IllegalArgumentException if {@code spec} is a client spec or its material cannot be used
	 * @throws IllegalStateException if the server is not secure
	 * @throws UnsupportedOperationException by servers that cannot (the default)
	 */
	default Mono<Void> updateTls(TlsSpec spec) {
		throw new UnsupportedOperationException(getClass().getName() + " cannot update its TLS material");
	}
}
