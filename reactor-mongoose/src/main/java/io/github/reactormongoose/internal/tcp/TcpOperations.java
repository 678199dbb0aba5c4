/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.tcp.TcpInbound;
import io.github.reactormongoose.tcp.TcpOutbound;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The per-connection pipeline of {@code TcpServer} and {@code TcpClient}: runs the
 * connection callback, then the I/O handler, and closes the connection when the handler's
 * publisher terminates: after flushing on completion, at once on error (Reactor Netty's
 * {@code ChannelOperations} rule). When the connection closes first, the handler's
 * subscription is cancelled. Implements both sides the handler sees.
 */
public final class TcpOperations implements TcpInbound, TcpOutbound {

	static final Logger log = Loggers.getLogger(TcpOperations.class);

	private final TcpConnection connection;

	private TcpOperations(TcpConnection connection) {
		this.connection = connection;
	}

	/**
	 * Poll thread: starts the pipeline of a new connection (an accepted one, or an outbound
	 * one that just connected). Without a handler the connection stays open and its bytes
	 * wait in {@link Connection#receive()}. With a handler and {@code halfClose}, a peer's FIN
	 * completes the inbound and the connection stays open until the handler ends.
	 */
	public static void start(Connection c, @Nullable Consumer<? super Connection> onConnection,
			@Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler,
			boolean halfClose) {
		TcpConnection connection = (TcpConnection) c;
		try {
			if (onConnection != null) {
				onConnection.accept(connection);
			}
		}
		catch (Throwable e) {
			log.error("connection callback failed for " + connection + "; closing it", e);
			connection.channel().close();
			return;
		}
		if (handler == null) {
			return;
		}
		// the handler's end closes the connection: a peer's FIN only completes the inbound, and
		// the answer the handler still writes goes out whole (Netty's ALLOW_HALF_CLOSURE)
		if (halfClose) {
			connection.channel().halfClose();
		}
		TcpOperations ops = new TcpOperations(connection);
		Publisher<Void> p;
		try {
			p = Objects.requireNonNull(handler.apply(ops, ops), "the handler returned null");
		}
		catch (Throwable e) {
			log.error("handler failed for " + connection + "; closing it", e);
			connection.channel().close();
			return;
		}
		HandlerSubscriber s = new HandlerSubscriber(connection);
		Flux.from(p).subscribe(s);
		connection.onClose().subscribe(null, null, s::dispose);
	}

	@Override
	public ByteBufferFlux receive() {
		return connection.receive();
	}

	@Override
	public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
		return connection.send(Objects.requireNonNull(data, "data"));
	}

	@Override
	public Mono<Void> sendByteArray(Publisher<? extends byte[]> data) {
		return connection.send(Flux.from(Objects.requireNonNull(data, "data")).map(ByteBuffer::wrap));
	}

	@Override
	public Mono<Void> sendString(Publisher<? extends String> data, Charset charset) {
		Objects.requireNonNull(charset, "charset");
		return connection.send(Flux.from(Objects.requireNonNull(data, "data")).map(s -> ByteBuffer.wrap(s.getBytes(charset))));
	}

	@Override
	public Connection connection() {
		return connection;
	}

	@Override
	public String toString() {
		return "TcpOperations[" + connection + "]";
	}

	/** Closes the connection when the handler's publisher terminates. */
	private static final class HandlerSubscriber extends BaseSubscriber<Void> {

		private final TcpConnection connection;

		HandlerSubscriber(TcpConnection connection) {
			this.connection = connection;
		}

		@Override
		protected void hookOnComplete() {
			connection.channel().loop().executeOrRun(connection.channel()::drain);
		}

		@Override
		protected void hookOnError(Throwable e) {
			if (e instanceof ConnectionClosedException) {
				log.debug("handler of {} ended: {}", connection, e.toString());
			}
			else {
				log.warn("handler of " + connection + " failed; closing the connection", e);
			}
			connection.channel().loop().executeOrRun(connection.channel()::close);
		}
	}
}
