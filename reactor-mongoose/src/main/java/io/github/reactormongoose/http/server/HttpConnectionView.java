/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.List;

import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The {@link Connection} that {@link HttpServer#doOnConnection} callbacks see: an accepted HTTP
 * connection's addresses, lifetime and close. Its bytes are the server's, so it neither sends
 * nor receives. Created only for a server with such a callback.
 */
final class HttpConnectionView implements Connection {

	private final HttpConnection connection;
	private final Sinks.Empty<Void> closed = Sinks.empty();
	private volatile boolean active = true;

	HttpConnectionView(HttpConnection connection) {
		this.connection = connection;
	}

	/** Poll thread: the connection closed. */
	void closed() {
		active = false;
		closed.tryEmitEmpty();
	}

	private static IllegalStateException notHere() {
		return new IllegalStateException("the bytes of an HTTP connection are its server's: "
				+ "send with the response, receive with the request");
	}

	@Override
	public long id() {
		return connection.id;
	}

	@Override
	public @Nullable InetSocketAddress localAddress() {
		return active ? connection.local : null;
	}

	@Override
	public InetSocketAddress remoteAddress() {
		return connection.remote;
	}

	@Override
	public Mono<Void> send(ByteBuffer data) {
		return Mono.error(notHere());
	}

	@Override
	public Mono<Void> send(byte[] data) {
		return Mono.error(notHere());
	}

	@Override
	public Mono<Void> send(Publisher<? extends ByteBuffer> data) {
		return Mono.error(notHere());
	}

	@Override
	public ByteBufferFlux receive() {
		return ByteBufferFlux.fromInbound(Flux.error(notHere()));
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
	public Mono<Void> onClose() {
		return closed.asMono();
	}

	@Override
	public boolean isActive() {
		return active;
	}

	@Override
	public List<X509Certificate> peerCertificates() {
		return connection.peerCertificates();
	}

	@Override
	public String toString() {
		return "HttpConnection[id=" + connection.id + ", remote=" + connection.remote + (active ? "" : ", closed") + "]";
	}
}
