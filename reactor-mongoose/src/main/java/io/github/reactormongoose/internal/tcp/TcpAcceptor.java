/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.ProxyProtocolSupportType;
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
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A {@code TcpServer}'s listener on one loop (a server on a group of loops has one per loop,
 * gathered by a {@link BoundServer}). Every accepted connection is a {@link TcpConnection}
 * whose bytes go to its {@code receive()}; the server's callback starts its pipeline.
 * Graceful disposal closes the listener, lets the connections end on their own within the
 * timeout, then closes the rest. Poll-thread state unless noted.
 */
public final class TcpAcceptor implements ListenerHandler, BoundServer.Listener {

	static final Logger log = Loggers.getLogger(TcpAcceptor.class);

	private final Consumer<TcpConnection> onConnection;
	/** Disposal lets connections end on their own (their handler completes), until the timeout. */
	private final ServerConnections<TcpConnection> connections;
	/** Set by {@link #open} before the listener exists; read on the poll thread. */
	private volatile boolean tls;
	/** The JDK's check of client chains (clientAuth), set by {@link #open} and {@link #updateTls}; read on the poll thread. */
	private volatile @Nullable X509TrustManager clientTrust;
	private final ProxyProtocolSupportType proxyProtocol;
	private final @Nullable Wiretap wiretap;
	/** The write timeout of the connections; zero: none. */
	private final Duration writeTimeout;

	/**
	 * A listener for loop {@code el}, not open yet.
	 * @param onConnection runs on the poll thread for every accepted connection
	 */
	public TcpAcceptor(EventLoop el, ProxyProtocolSupportType proxyProtocol, @Nullable Wiretap wiretap,
			Duration writeTimeout, Consumer<TcpConnection> onConnection) {
		this.onConnection = onConnection;
		this.proxyProtocol = proxyProtocol;
		this.wiretap = wiretap;
		this.writeTimeout = writeTimeout;
		this.connections = new ServerConnections<>(el, c -> {
		}, c -> c.channel().close());
	}

	/** Any thread. */
	@Override
	public void open(InetAddress host, int port, PortSharing sharing, @Nullable TlsContext tls,
			MonoSink<InetSocketAddress> bound) {
		this.tls = tls != null;
		this.clientTrust = tls != null ? tls.clientTrust() : null;
		connections.open("tcp", host, port, Kind.TCP, ListenLimits.NONE, this, sharing, tls,
				c -> {
					c.proxyProtocol(proxyProtocol, 0);
					if (!writeTimeout.isZero()) {
						c.listenerRules(0, 0, writeTimeout.toMillis(), 0);
					}
					if (wiretap != null) {
						c.wiretap(wiretap);
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

	// ---- listener events ----

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		TcpConnection c = new TcpConnection(child, local, remote);
		if (!connections.add(c)) {
			return null;
		}
		c.onClose().subscribe(null, null, () -> connections.removed(c));
		if (tls) {
			// as Reactor Netty's: the callbacks and the handler see a connection whose handshake
			// is done (and whose client certificate, if asked for, was checked)
			c.afterHandshake(() -> start(c), clientTrust);
		}
		else {
			start(c);
		}
		return c;
	}

	private void start(TcpConnection c) {
		try {
			onConnection.accept(c);
		}
		catch (Throwable e) {
			log.error("connection callback failed for " + c + "; closing it", e);
			c.channel().close();
		}
	}

	@Override
	public void onClosed() {
		connections.listenerClosed();
	}
}
