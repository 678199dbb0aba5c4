/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.InetSocketAddress;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.internal.ConnectionView;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The {@link Connection} that the client's {@link HttpClient#doOnConnected},
 * {@link HttpClient#doOnDisconnected} and {@code doOnRequest((req, connection) -> ...)} hooks
 * see: a pooled connection's id, addresses, lifetime and close. Its bytes are the client's, so
 * it neither sends nor receives. Made on the poll thread, the first time a hook asks for it.
 */
final class ClientConnectionView extends ConnectionView {

	private final ClientConnection connection;
	private final long id;
	private final @Nullable InetSocketAddress local;
	private final @Nullable InetSocketAddress remote;

	/** Poll thread: the view of an established {@code connection}. */
	ClientConnectionView(ClientConnection connection) {
		super("the bytes of an HTTP client connection are its requests': send with send(...), receive with the response");
		this.connection = connection;
		this.id = connection.channel().id();
		this.local = connection.channel().address(true);
		this.remote = connection.channel().address(false);
	}

	@Override
	public long id() {
		return id;
	}

	@Override
	public @Nullable InetSocketAddress localAddress() {
		return isActive() ? local : null;
	}

	/** The peer: the server, or the proxy when the request goes through one. */
	@Override
	public @Nullable InetSocketAddress remoteAddress() {
		return remote;
	}

	/**
	 * Closes the connection, after the task that called it (a hook's request is written first):
	 * a response in progress on it fails with {@link PrematureCloseException}.
	 */
	@Override
	public void close() {
		connection.loop.execute(connection::close);
	}

	/** Closes it once no request uses it: it is not taken again, and closes when its current exchange ends. */
	@Override
	public Mono<Void> drain() {
		return Mono.defer(() -> {
			connection.loop.execute(connection::retireWhenFree);
			return onClose();
		});
	}

	@Override
	public String toString() {
		return "HttpClientConnection[id=" + id + ", remote=" + remote + (isActive() ? "" : ", closed") + "]";
	}
}
