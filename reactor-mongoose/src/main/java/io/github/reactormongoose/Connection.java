/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.internal.Checks;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * One Mongoose connection (listener, accepted or outbound), addressed by its id. Methods may
 * be called from any thread: work is handed to the loop's poll thread. A {@link Disposable}
 * with Reactor Netty's connection methods too ({@code dispose}, {@code isDisposed},
 * {@code onDispose}, {@code disposeNow}), so that code written against its
 * {@code connectNow().disposeNow()} reads the same.
 */
public interface Connection extends Disposable {

	/**
	 * Mongoose's connection id: unique in the process (each loop counts from its own start,
	 * 2^40 apart), never reused.
	 */
	long id();

	/** The local address, or {@code null} once closed. */
	@Nullable
	InetSocketAddress localAddress();

	/** The peer's address ({@code null} for a listener). */
	@Nullable
	InetSocketAddress remoteAddress();

	/**
	 * Appends bytes to the send buffer. Completes when Mongoose took them (and the send
	 * buffer is at or below the high-water mark), errors with {@link ConnectionClosedException}
	 * if the connection is closed.
	 */
	Mono<Void> send(ByteBuffer data);

	/** Like {@link #send(ByteBuffer)} for an array (copied once, into the send buffer). */
	Mono<Void> send(byte[] data);

	/**
	 * Writes every buffer of {@code data}, pulling the next one only while the send buffer is
	 * at or below the high-water mark. Completes after the last buffer was taken.
	 */
	Mono<Void> send(Publisher<? extends ByteBuffer> data);

	/**
	 * The bytes received, as one single-subscriber stream (outbound connections and those
	 * accepted by a {@code TcpServer}; for connections accepted by
	 * {@link MongooseLoop#listen(String)} data arrives as {@link ConnectionEvent.Type#READ}
	 * events instead). Reading pauses while the subscriber has no demand; completes when the
	 * connection closes. A {@link ByteBufferFlux}, as {@code TcpInbound.receive()}: its
	 * conversions ({@code asString()}, {@code aggregate()}...) are at hand.
	 */
	ByteBufferFlux receive();

	/**
	 * Shuts down only the sending side (a FIN, as {@code Socket.shutdownOutput()}), after every
	 * byte written before the call: the connection goes on reading until the peer closes or
	 * shuts down its own side. For a service that answers at the end of its input. Completes
	 * once the FIN is handed to the kernel, behind those bytes (at once if already done); sends
	 * after the call fail with {@link ConnectionClosedException}. Errors with
	 * {@link ConnectionClosedException} if the connection closes first or is closed, and with
	 * {@link UnsupportedOperationException} on a TLS connection (no {@code close_notify} is sent
	 * alone), a listener, and connections of other protocols (HTTP, MQTT).
	 */
	default Mono<Void> shutdownOutput() {
		return Mono.error(new UnsupportedOperationException("shutdownOutput() on " + this + ": raw TCP connections only"));
	}

	/** Closes at once (Mongoose {@code is_closing}); pending output is dropped. Idempotent. */
	void close();

	/** Flushes pending output, then closes (Mongoose {@code is_draining}); completes when closed. */
	Mono<Void> drain();

	/** Completes when the connection is closed. */
	Mono<Void> onClose();

	/** Whether the connection is still open. */
	boolean isActive();

	/** {@link #close()}, as Reactor Netty's {@code dispose()}: at once, pending output dropped. */
	@Override
	default void dispose() {
		close();
	}

	/** Whether the connection is closed (or closing): {@code !isActive()}. */
	@Override
	default boolean isDisposed() {
		return !isActive();
	}

	/** {@link #onClose()}, under Reactor Netty's name. */
	default Mono<Void> onDispose() {
		return onClose();
	}

	/** {@link #disposeNow(Duration)} with Reactor Netty's 3 s. */
	default void disposeNow() {
		disposeNow(Duration.ofSeconds(3));
	}

	/**
	 * Closes and waits up to {@code timeout} for the close, as Reactor Netty's.
	 * @throws IllegalStateException on a poll thread (use {@link #dispose()} there), or if the
	 *     connection was not closed in time
	 */
	default void disposeNow(Duration timeout) {
		Checks.mayBlock("disposeNow()");
		dispose();
		Checks.awaitStopped(onClose(), timeout, Duration.ZERO);
	}

	/**
	 * The peer's TLS certificate chain as it sent it, its own certificate first: on a TLS
	 * client's connection the server's (verified before the connection was emitted), on a
	 * connection accepted by a TLS server the client's, when the server asked for one
	 * ({@code ClientAuth.REQUIRE}, or {@code OPTIONAL} and the client sent one; checked by the
	 * built-in stack against the trusted CA before the handler started). Empty without TLS,
	 * without a client certificate, and for listeners.
	 */
	default List<X509Certificate> peerCertificates() {
		return List.of();
	}
}
