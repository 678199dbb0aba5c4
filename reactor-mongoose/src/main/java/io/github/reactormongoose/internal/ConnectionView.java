/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.nio.ByteBuffer;

import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A {@link Connection} that hooks see of a connection whose bytes belong to a protocol (the
 * HTTP server's and client's): its lifetime ({@link #onClose()}, {@link #isActive()}) is
 * here; sending and receiving fail with an {@link IllegalStateException} that says where the
 * bytes go instead. Subclasses give the id, addresses, close and drain.
 */
public abstract class ConnectionView implements Connection {

	private final String notHere;
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private volatile boolean active = true;

	/** {@code notHere}: the message of the exception that send and receive fail with. */
	protected ConnectionView(String notHere) {
		this.notHere = notHere;
	}

	/** Poll thread: the connection closed. */
	public final void closed() {
		active = false;
		closed.tryEmitEmpty();
	}

	private IllegalStateException notHere() {
		return new IllegalStateException(notHere);
	}

	@Override
	public final Mono<Void> send(ByteBuffer data) {
		return Mono.error(notHere());
	}

	@Override
	public final Mono<Void> send(byte[] data) {
		return Mono.error(notHere());
	}

	@Override
	public final Mono<Void> send(Publisher<? extends ByteBuffer> data) {
		return Mono.error(notHere());
	}

	@Override
	public final ByteBufferFlux receive() {
		return ByteBufferFlux.fromInbound(Flux.error(notHere()));
	}

	@Override
	public final Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public final boolean isActive() {
		return active;
	}
}
