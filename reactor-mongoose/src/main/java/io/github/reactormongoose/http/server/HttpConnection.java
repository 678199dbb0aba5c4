/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.WritableWaiters;
import reactor.core.Disposable;

/** One accepted HTTP connection: requests in sequence, then maybe a WebSocket session. */
final class HttpConnection implements ChannelHandler {

	final HttpServerBind server;
	final EventLoop el;
	final long id;
	final InetSocketAddress local;
	final InetSocketAddress remote;
	final WritableWaiters writable = new WritableWaiters();
	private HttpExchange current;
	private WebsocketSession websocket;
	private int requests;
	private boolean closed;
	private Disposable idleTimer;

	HttpConnection(HttpServerBind server, long id, InetSocketAddress local, InetSocketAddress remote) {
		this.server = server;
		this.el = server.el;
		this.id = id;
		this.local = local;
		this.remote = remote;
	}

	boolean isClosed() {
		return closed;
	}

	void startIdleTimer() {
		if (server.config.idleTimeout != null && !closed) {
			idleTimer = el.schedule(server.config.idleTimeout, () -> {
				if (current == null && websocket == null && !closed) {
					el.control(id, NativeConstants.OP_CLOSE);
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
	public void onHttpRequest(ByteBuffer buf, int offset, int length, long flags) {
		stopIdleTimer();
		HttpExchange ex = HttpExchange.decode(this, ++requests, buf, offset, length, flags);
		current = ex;
		ex.start(server.config.handler);
	}

	/** The exchange wrote its last byte. */
	void exchangeEnded(HttpExchange ex) {
		if (current == ex) {
			current = null;
			if (server.isDisposing() && !closed) {
				el.control(id, NativeConstants.OP_DRAIN);
			}
			else {
				startIdleTimer();
			}
		}
	}

	void upgraded(WebsocketSession session) {
		websocket = session;
		current = null;
	}

	/** Graceful server shutdown: close now if idle, else after the current response. */
	void closeWhenIdle() {
		if (current == null && websocket == null) {
			el.control(id, NativeConstants.OP_DRAIN);
		}
		else if (websocket != null) {
			websocket.goingAway();
		}
	}

	void forceClose() {
		el.control(id, NativeConstants.OP_CLOSE);
	}

	@Override
	public void onWritable() {
		writable.fire();
	}

	@Override
	public void onWsMessage(int opcode, ByteBuffer buf, int offset, int length) {
		if (websocket != null) {
			websocket.onMessage(opcode, buf, offset, length);
		}
	}

	@Override
	public void onWsControl(int opcode, ByteBuffer buf, int offset, int length) {
		if (websocket != null) {
			websocket.onControl(opcode, buf, offset, length);
		}
	}

	@Override
	public void onRejected(int status) {
		if (websocket != null && status == 1009) {
			websocket.onTooBig();
		}
		else {
			HttpServerBind.log.debug("connection {}: request rejected with {}", id, status);
		}
	}

	@Override
	public void onClosed() {
		closed = true;
		stopIdleTimer();
		writable.fire();
		if (current != null) {
			current.onConnectionClosed();
			current = null;
		}
		if (websocket != null) {
			websocket.onConnectionClosed();
		}
		server.removed(this);
	}
}
