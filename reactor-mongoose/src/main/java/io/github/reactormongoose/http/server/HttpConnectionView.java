/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.internal.ConnectionView;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The {@link Connection} that {@link HttpServer#doOnConnection} callbacks see: an accepted HTTP
 * connection's addresses, lifetime and close. Its bytes are the server's, so it neither sends
 * nor receives. Created only for a server with such a callback.
 */
final class HttpConnectionView extends ConnectionView {

	private final HttpConnection connection;

	HttpConnectionView(HttpConnection connection) {
		super("the bytes of an HTTP connection are its server's: send with the response, receive with the request");
		this.connection = connection;
	}

	@Override
	public long id() {
		return connection.id;
	}

	@Override
	public @Nullable InetSocketAddress localAddress() {
		return isActive() ? connection.local : null;
	}

	@Override
	public InetSocketAddress remoteAddress() {
		return connection.remote;
	}

	@Override
	public void close() {
		connection.el.executeOrRun(() -> {
			if (!connection.isClosed()) {
				connection.forceClose();
			}
		});
	}

	/** When subscribed: closes once the current exchange is answered (at once when there is none). */
	@Override
	public Mono<Void> drain() {
		return Mono.defer(() -> {
			connection.el.executeOrRun(() -> {
				if (!connection.isClosed()) {
					connection.drain();
				}
			});
			return onClose();
		});
	}

	@Override
	public List<X509Certificate> peerCertificates() {
		return connection.peerCertificates();
	}

	@Override
	public String toString() {
		return "HttpConnection[id=" + connection.id + ", remote=" + connection.remote + (isActive() ? "" : ", closed") + "]";
	}
}
