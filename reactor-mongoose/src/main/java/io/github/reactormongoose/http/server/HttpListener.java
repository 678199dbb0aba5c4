/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.internal.loop.BoundServer;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import io.github.reactormongoose.internal.loop.PortSharing;
import io.github.reactormongoose.internal.loop.ServerConnections;
import io.github.reactormongoose.internal.loop.TlsContext;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.metrics.HttpServerMetrics;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A server's listener on one loop and the connections it accepted. A server on a group of
 * loops has one per loop. Graceful disposal closes idle keep-alive connections at once and
 * the others after their exchange. Poll-thread state.
 */
final class HttpListener implements ListenerHandler, BoundServer.Listener {

	final HttpServerConfig config;
	final HttpServerMetrics metrics;
	/** Whether exchanges are timed: only metrics and the access log read the clock per request. */
	final boolean timed;
	final EventLoop el;
	private final ServerConnections<HttpConnection> connections;
	/** The server's open connections over all its loops, when {@code maxConnections} bounds them. */
	private final @Nullable AtomicInteger open;
	/** Whether connections start with a TLS handshake (doOnConnection waits for its end); set before the listener exists. */
	private volatile boolean tls;
	/**
	 * The JDK's check of client chains (clientAuth), set by {@link #open} and {@link #updateTls};
	 * read on the poll thread as a connection is accepted.
	 */
	volatile @Nullable X509TrustManager clientTrust;

	HttpListener(HttpServerConfig config, HttpServerMetrics metrics, EventLoop el, @Nullable AtomicInteger open) {
		this.config = config;
		this.open = open;
		this.timed = metrics != HttpServerMetrics.NONE || config.accessLogEnabled();
		this.metrics = metrics;
		this.el = el;
		this.connections = new ServerConnections<>(el, HttpConnection::drain, HttpConnection::forceClose);
	}

	@Override
	public void open(InetAddress host, int port, PortSharing sharing, @Nullable TlsContext tls,
			MonoSink<InetSocketAddress> bound) {
		this.tls = tls != null;
		this.clientTrust = tls != null ? tls.clientTrust() : null;
		connections.open("http", host, port, Kind.HTTP, new ListenLimits(config.maxRequestBodySize(),
				config.maxHeaderSize(), config.maxWebsocketFrameSize(), HttpServer.DEFAULT_PIPELINE_LIMIT), this, sharing,
				tls, c -> {
					c.listenerRules(config.requestHeaderTimeout().toMillis(), config.maxInitialLineLength(),
							config.writeTimeout().toMillis(), config.maxHeaderCount());
					// those awaiting their header are not counted yet: bounded apart, by the same number
					c.proxyProtocol(config.proxyProtocol(), Math.max(config.maxConnections(), 0));
					Wiretap w = config.wiretap();
					if (w != null) {
						c.wiretap(w);
					}
				}, bound);
	}

	@Override
	public ServerConnections<?> connections() {
		return connections;
	}

	@Override
	public Mono<Void> updateTls(TlsContext tls) {
		return connections.updateTls(tls, () -> clientTrust = tls.clientTrust());
	}

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		AtomicInteger n = open;
		if (n != null && n.incrementAndGet() > config.maxConnections()) {
			n.decrementAndGet();
			return null; // over maxConnections: closed at once, nothing read
		}
		HttpConnection c = new HttpConnection(this, child, local, remote);
		if (!connections.add(c)) {
			if (n != null) {
				n.decrementAndGet();
			}
			return null;
		}
		metrics.connectionOpened();
		c.startIdleTimer();
		if (!tls) {
			connected(c);
		}
		return c;
	}

	/** Poll thread: {@code c} was accepted (and its TLS handshake is done): the doOnConnection callbacks run. */
	void connected(HttpConnection c) {
		Consumer<? super Connection> callback = config.doOnConnection();
		if (callback == null || c.isClosed()) {
			return;
		}
		HttpConnectionView v = c.view();
		try {
			callback.accept(v);
		}
		catch (Throwable e) {
			BoundHttpServer.log.error("connection callback failed for " + v + "; closing it", e);
			c.forceClose();
		}
	}

	@Override
	public void onClosed() {
		connections.listenerClosed();
	}

	void removed(HttpConnection c) {
		AtomicInteger n = open;
		if (n != null) {
			n.decrementAndGet();
		}
		connections.removed(c);
	}

	boolean isDisposing() {
		return connections.isDisposing();
	}
}
