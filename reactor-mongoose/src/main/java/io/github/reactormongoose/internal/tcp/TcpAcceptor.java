/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.Consumer;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import io.github.reactormongoose.internal.loop.ServerConnections;
import io.github.reactormongoose.internal.loop.TlsContext;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A bound {@code TcpServer}: the listener's handler and the server's lifecycle. Every
 * accepted connection is a {@link TcpConnection} whose bytes go to its {@code receive()};
 * the server's callback starts its pipeline. Graceful disposal closes the listener, lets
 * the connections end on their own within the timeout, then closes the rest. Poll-thread
 * state unless noted.
 */
public final class TcpAcceptor implements DisposableServer, ListenerHandler {

	static final Logger log = Loggers.getLogger(TcpAcceptor.class);

	private final EventLoop el;
	private final boolean ownLoop;
	private final Consumer<TcpConnection> onConnection;
	/** Disposal lets connections end on their own (their handler completes), until the timeout. */
	private final ServerConnections<TcpConnection> connections;
	private @Nullable Channel listener;
	private volatile @Nullable InetSocketAddress address;
	private boolean cancelled;

	private TcpAcceptor(EventLoop el, boolean ownLoop, Consumer<TcpConnection> onConnection) {
		this.el = el;
		this.ownLoop = ownLoop;
		this.onConnection = onConnection;
		this.connections = new ServerConnections<>(el, c -> {
		}, c -> c.channel().close());
	}

	/**
	 * Any thread: binds {@code url} (an IP literal) on {@code el} and completes {@code sink}
	 * with the server, or with the bind error ({@code AddressInUseException} when the address
	 * is taken). With {@code ownLoop} the loop is disposed with the server, and on a bind
	 * error before the error is signalled. Cancelling the sink disposes a server bound
	 * meanwhile.
	 * @param onConnection runs on the poll thread for every accepted connection
	 */
	public static void bind(EventLoop el, boolean ownLoop, String url, @Nullable TlsContext tls,
			Consumer<TcpConnection> onConnection, MonoSink<DisposableServer> sink) {
		TcpAcceptor a = new TcpAcceptor(el, ownLoop, onConnection);
		sink.onCancel(() -> el.executeOrRun(a::cancelBind));
		el.executeOrRun(() -> {
			try {
				a.bind(url, tls, sink);
			}
			finally {
				if (tls != null) {
					tls.release(); // the listener holds its own reference
				}
			}
		});
	}

	private void bind(String url, @Nullable TlsContext tls, MonoSink<DisposableServer> sink) {
		if (cancelled) {
			stopLoop();
			return;
		}
		Channel c;
		try {
			c = el.listen(url, Kind.TCP, ListenLimits.NONE, this);
			if (tls != null) {
				int rc = c.secure(tls, true);
				if (rc < 0) {
					c.close();
					throw Errors.toException(rc, "TLS on " + url);
				}
			}
		}
		catch (RuntimeException e) {
			connections.bindFailed();
			if (ownLoop) {
				el.shutdown(Duration.ZERO);
				el.terminationFuture().subscribe(null, null, () -> sink.error(e));
			}
			else {
				sink.error(e);
			}
			return;
		}
		listener = c;
		address = c.address(true);
		connections.listening(c);
		sink.success(this);
	}

	private void cancelBind() {
		cancelled = true;
		if (listener != null) {
			dispose();
		}
	}

	private void stopLoop() {
		if (ownLoop) {
			el.shutdown(Duration.ZERO);
		}
	}

	// ---- listener events ----

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		TcpConnection c = new TcpConnection(child, local, remote);
		if (!connections.add(c)) {
			return null;
		}
		c.onClose().subscribe(null, null, () -> connections.removed(c));
		try {
			onConnection.accept(c);
		}
		catch (Throwable e) {
			log.error("connection callback failed for " + c + "; closing it", e);
			child.close();
		}
		return c;
	}

	@Override
	public void onClosed() {
		connections.listenerClosed();
	}

	/** Any thread. */
	@Override
	public InetSocketAddress address() {
		InetSocketAddress a = address;
		if (a == null) {
			throw new IllegalStateException("not bound");
		}
		return a;
	}

	/** Any thread. */
	@Override
	public Mono<Void> disposeLater(Duration timeout) {
		return Mono.defer(() -> {
			Mono<Void> done = connections.disposeLater(timeout);
			return ownLoop ? done.then(Mono.defer(() -> {
				el.shutdown(Duration.ZERO);
				return el.terminationFuture();
			})) : done;
		});
	}

	@Override
	public boolean isDisposed() {
		return connections.isDisposing();
	}

	@Override
	public Mono<Void> onDispose() {
		return ownLoop ? connections.onStopped().then(el.terminationFuture()) : connections.onStopped();
	}

	@Override
	public String toString() {
		return "DisposableServer[tcp, " + address + "]";
	}
}
