/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.HttpChannelHandler;
import io.github.reactormongoose.internal.websocket.WebsocketSession;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/** One accepted HTTP connection: requests in sequence, then maybe a WebSocket session. */
final class HttpConnection implements HttpChannelHandler {

	final HttpListener server;
	final Channel channel;
	final EventLoop el;
	final long id;
	final InetSocketAddress local;
	final InetSocketAddress remote;
	private @Nullable HttpExchange current;
	private @Nullable WebsocketSession websocket;
	private int requests;
	private boolean closed;
	private @Nullable Disposable idleTimer;

	HttpConnection(HttpListener server, Channel channel, InetSocketAddress local, InetSocketAddress remote) {
		this.server = server;
		this.channel = channel;
		this.el = channel.loop();
		this.id = channel.id();
		this.local = local;
		this.remote = remote;
	}

	boolean isClosed() {
		return closed;
	}

	void startIdleTimer() {
		Duration timeout = server.config.idleTimeout();
		if (timeout != null && !closed) {
			idleTimer = el.schedule(timeout, () -> {
				if (current == null && websocket == null && !closed) {
					channel.close();
				}
			});
		}
	}

	private void stopIdleTimer() {
		if (idleTimer != null) {
			idleTimer.dispose();
			idleTimer = null;
		}
	}

	@Override
	public void onRequest(ByteBuffer buf, int offset, int length, long flags) {
		stopIdleTimer();
		HttpExchange ex = new HttpExchange(this, RequestDecoder.decode(this, ++requests, buf, offset, length, flags));
		current = ex;
		server.metrics.exchangeStarted();
		ex.start(server.config.handler());
	}

	/** The exchange wrote its last byte. */
	void exchangeEnded(HttpExchange ex) {
		if (current == ex) {
			current = null;
			ex.report();
			// while the server is disposing, the response itself ended the connection
			// (ResponseWriter.closeAfterResponse is the one keep-alive decision)
			if (!server.isDisposing()) {
				startIdleTimer();
			}
		}
	}

	/** The exchange switched the connection to WebSocket; the session is the channel's handler now. */
	void upgraded(WebsocketSession session) {
		websocket = session;
		if (current != null) {
			current.report();
		}
		current = null;
	}

	/** Graceful server shutdown: close now if idle, else after the current response. */
	void closeWhenIdle() {
		if (current == null && websocket == null) {
			channel.drain();
		}
		else if (websocket != null) {
			websocket.goingAway();
		}
	}

	void forceClose() {
		channel.close();
	}

	@Override
	public void onRejected(int status) {
		BoundHttpServer.log.debug("connection {}: request rejected with {}", id, status);
	}

	/** The connection closed: as HTTP, or (through the session's hook) after an upgrade. */
	@Override
	public void onClosed() {
		closed = true;
		stopIdleTimer();
		HttpExchange ex = current;
		if (ex != null) {
			current = null; // before: ending the exchange may call back exchangeEnded
			ex.onConnectionClosed();
			ex.report();
		}
		server.metrics.connectionClosed();
		server.removed(this);
	}
}
