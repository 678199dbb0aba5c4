/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import io.github.reactormongoose.internal.loop.PortSharing;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;

/**
 * A server's listener on one loop, the connections it accepted, and their graceful shutdown.
 * A server on a group of loops has one per loop. Poll-thread state.
 */
final class HttpListener implements ListenerHandler {

	final HttpServerConfig config;
	final EventLoop el;
	private final Set<HttpConnection> connections = new LinkedHashSet<>();
	private final Sinks.Empty<Void> stopped = Sinks.empty();
	private @Nullable Channel listener;
	private volatile boolean disposing;
	private boolean listenerClosed;
	private @Nullable Disposable forceTimer;
	private @Nullable Disposable shutdownHook;
	private long forceDeadline;

	HttpListener(HttpServerConfig config, EventLoop el) {
		this.config = config;
		this.el = el;
	}

	/**
	 * Listens on the loop (called from any thread); the sink gets the bound address, maybe
	 * before this returns.
	 * @param sharing alone, or first or other of a group of loops on one address
	 */
	void open(InetAddress host, int port, PortSharing sharing, MonoSink<InetSocketAddress> bound) {
		HttpListener l = this;
		el.executeOrRun(() -> {
			try {
				Channel c = el.listen(Addresses.url("http", host, port), Kind.HTTP, new ListenLimits(
						config.maxRequestBodySize(), config.maxHeaderSize(), config.maxWebsocketFrameSize(),
						HttpServer.DEFAULT_PIPELINE_LIMIT), l, sharing);
				l.listener = c;
				l.shutdownHook = el.onShutdown(() -> l.beginDispose(Duration.ofDays(1)));
				bound.success(c.address(true));
			}
			catch (RuntimeException e) {
				l.listenerClosed = true;
				l.disposing = true;
				l.stopped.tryEmitEmpty();
				bound.error(e);
			}
		});
	}

	@Override
	public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		if (disposing) {
			return null;
		}
		HttpConnection c = new HttpConnection(this, child, local, remote);
		connections.add(c);
		c.startIdleTimer();
		return c;
	}

	@Override
	public void onClosed() {
		listenerClosed = true;
		checkStopped();
	}

	void removed(HttpConnection c) {
		connections.remove(c);
		checkStopped();
	}

	boolean isDisposing() {
		return disposing;
	}

	/** Stops accepting, closes idle connections, and the rest once their exchange ends or at the timeout. */
	Mono<Void> disposeLater(Duration timeout) {
		if (!el.isTerminated()) {
			el.executeOrRun(() -> beginDispose(timeout));
		}
		else {
			stopped.tryEmitEmpty();
		}
		return stopped.asMono();
	}

	Mono<Void> onStopped() {
		return stopped.asMono();
	}

	private void beginDispose(Duration timeout) {
		if (disposing) {
			// a later, shorter timeout wins
			long deadline = System.nanoTime() + timeout.toNanos();
			if (forceTimer != null && deadline - forceDeadline < 0) {
				forceTimer.dispose();
				scheduleForce(timeout);
			}
			return;
		}
		disposing = true;
		if (listener != null) {
			listener.close();
		}
		for (HttpConnection c : new ArrayList<>(connections)) {
			c.closeWhenIdle();
		}
		if (!connections.isEmpty()) {
			scheduleForce(timeout);
		}
		checkStopped();
	}

	private void scheduleForce(Duration timeout) {
		forceDeadline = System.nanoTime() + timeout.toNanos();
		forceTimer = el.schedule(timeout, () -> {
			for (HttpConnection c : new ArrayList<>(connections)) {
				c.forceClose();
			}
		});
	}

	private void checkStopped() {
		if (disposing && listenerClosed && connections.isEmpty()) {
			if (forceTimer != null) {
				forceTimer.dispose();
			}
			if (shutdownHook != null) {
				shutdownHook.dispose(); // the loop may outlive this server
			}
			stopped.tryEmitEmpty();
		}
	}
}
