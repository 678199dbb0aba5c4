/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import io.github.reactormongoose.internal.loop.PortSharing;
import io.github.reactormongoose.internal.loop.ServerConnections;
import io.github.reactormongoose.internal.metrics.HttpServerMetrics;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A server's listener on one loop and the connections it accepted. A server on a group of
 * loops has one per loop. Graceful disposal closes idle keep-alive connections at once and
 * the others after their exchange. Poll-thread state.
 */
final class HttpListener implements ListenerHandler {

	final HttpServerConfig config;
	final HttpServerMetrics metrics;
	final EventLoop el;
	private final ServerConnections<HttpConnection> connections;

	HttpListener(HttpServerConfig config, HttpServerMetrics metrics, EventLoop el) {
		this.config = config;
		this.metrics = metrics;
		this.el = el;
		this.connections = new ServerConnections<>(el, HttpConnection::closeWhenIdle, HttpConnection::forceClose);
	}

	/**
	 * Listens on the loop (called from any thread); the sink gets the bound address, maybe
	 * before this returns.
	 * @param sharing alone, or first or other of a group of loops on one address
	 */
	void open(InetAddress host, int port, PortSharing sharing, MonoSink<InetSocketAddress> bound) {
		el.executeOrRun(() -> {
			try {
				Channel c = el.listen(Addresses.url("http", host, port), Kind.HTTP, new ListenLimits(
						config.maxRequestBodySize(), config.maxHeaderSize(), config.maxWebsocketFrameSize(),
						HttpServer.DEFAULT_PIPELINE_LIMIT), this, sharing);
				c.requestHeadTimeout(config.requestHeaderTimeout().toMillis());
				connections.listening(c);
				bound.success(c.address(true));
			}
			catch (RuntimeException e) {
				connections.bindFailed();
				bound.error(e);
			}
		});
	}

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		HttpConnection c = new HttpConnection(this, child, local, remote);
		if (!connections.add(c)) {
			return null;
		}
		metrics.connectionOpened();
		c.startIdleTimer();
		return c;
	}

	@Override
	public void onClosed() {
		connections.listenerClosed();
	}

	void removed(HttpConnection c) {
		connections.removed(c);
	}

	boolean isDisposing() {
		return connections.isDisposing();
	}

	/** Stops accepting, closes idle connections, and the rest once their exchange ends or at the timeout. */
	Mono<Void> disposeLater(Duration timeout) {
		return connections.disposeLater(timeout);
	}

	Mono<Void> onStopped() {
		return connections.onStopped();
	}
}
