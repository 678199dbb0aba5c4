/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.StreamHandler;
import io.github.reactormongoose.internal.loop.TlsHandshakeHandler;
import io.github.reactormongoose.internal.tls.PeerVerifier;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * One pooled outbound TCP connection: the channel's handler, which feeds the bytes of the
 * current {@link Exchange} to its {@link ResponseParser}. Poll thread only. It is reusable
 * while it is open and every response on it ended exactly where the next one could start.
 * Over TLS it is established (handed to the pool) only once the handshake is done and the
 * JDK accepted the server's chain and host name; a failed handshake or check fails the
 * connect with {@link PeerVerifier#handshakeFailed} and the connection is never pooled.
 */
final class ClientConnection implements StreamHandler, TlsHandshakeHandler {

	final ConnectionPool pool;
	final ResponseParser parser = new ResponseParser();
	final EventLoop loop;
	private @Nullable Channel channel;
	private @Nullable String url;
	private @Nullable PeerVerifier verifier;
	/** TLS: the TCP connection is up and the handshake runs ({@link #connected} once verified). */
	private boolean handshaking;
	private @Nullable Disposable connectTimer;
	private @Nullable Exchange exchange;
	private @Nullable String error;
	private boolean connected;
	private boolean closed;
	private boolean counted = true;
	private boolean poisoned;
	/** Exchanges started on this connection. */
	int uses;
	long idleSince;

	ClientConnection(ConnectionPool pool) {
		this.pool = pool;
		this.loop = pool.loop;
	}

	/**
	 * The channel is connecting to {@code url}; with a {@code verifier}, TLS starts once it is
	 * connected. {@code timeout} bounds the TCP connect (the handshake has the spec's own).
	 */
	void open(Channel channel, String url, Duration timeout, @Nullable PeerVerifier verifier) {
		this.channel = channel;
		this.url = url;
		this.verifier = verifier;
		this.connectTimer = loop.schedule(timeout, () -> {
			if (!connected && !closed) {
				fail(new ConnectTimeoutException("connection to " + url + " timed out after " + timeout.toMillis()
						+ " ms"));
				channel.close();
			}
		});
	}

	Channel channel() {
		if (channel == null) {
			throw new IllegalStateException("not connected");
		}
		return channel;
	}

	boolean isReusable() {
		return connected && !closed && !poisoned;
	}

	/** Never reuse this connection (malformed or unfinished response, early close). */
	void poison() {
		poisoned = true;
	}

	void onAcquired() {
		uses++;
	}

	void attach(Exchange e) {
		exchange = e;
	}

	/** The exchange is over: back to the pool if it may be reused, else closed. */
	void detach(Exchange e) {
		if (exchange != e) {
			return;
		}
		exchange = null;
		pool.release(this);
	}

	/** Leaves the pool for good (WebSocket upgrade): the pool no longer counts it. */
	void leavePool() {
		exchange = null;
		poisoned = true;
		if (counted) {
			counted = false;
			pool.forget(this);
		}
	}

	void close() {
		poisoned = true;
		if (channel != null && !closed) {
			channel.close();
		}
	}

	/** Opening failed on the poll thread (connect or TLS refused at once): counts as a failed connect. */
	void abandon(Throwable e) {
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		fail(e);
	}

	/** Connect failed or timed out: counts as a failed connect in the pool. */
	private void fail(Throwable e) {
		if (counted) {
			counted = false;
			closed = true;
			pool.connectFailed(e);
		}
	}

	@Override
	public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
		if (closed) {
			return;
		}
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		if (verifier != null) {
			handshaking = true; // established once the handshake is done and verified
			return;
		}
		connected = true;
		pool.connected(this);
	}

	@Override
	public void onTlsPeerCertificates(ByteBuffer buf, int offset, int length) {
		if (verifier != null) {
			verifier.certificates(buf, offset, length);
		}
	}

	@Override
	public void onTlsHandshakeDone() {
		if (!handshaking || closed || verifier == null) {
			return;
		}
		handshaking = false;
		String failure = verifier.verify();
		if (failure != null) {
			fail(PeerVerifier.handshakeFailed(target(), failure));
			channel().close(); // not close(): fail() marked it closed already
			return;
		}
		connected = true;
		pool.connected(this);
	}

	/** {@code host:port (tcp://ip:port)}, for messages. */
	private String target() {
		return pool.host + ":" + pool.port + " (" + url + ")";
	}

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		if (!connected) {
			return; // TLS: nothing is read before the server's chain and name are verified
		}
		Exchange e = exchange;
		if (e == null) {
			// bytes on an idle connection: not a response to anything of ours
			close();
			return;
		}
		e.onRead(buf, offset, length);
	}

	@Override
	public void onError(String message) {
		error = message;
		if (handshaking && verifier != null) {
			fail(PeerVerifier.handshakeFailed(target(), verifier.explain(message)));
		}
		else if (!connected) {
			ConnectException ce = new ConnectException("cannot connect to " + url + ": " + message);
			fail(ce);
		}
	}

	@Override
	public void onClosed() {
		boolean wasConnected = connected;
		closed = true;
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		if (handshaking) {
			fail(PeerVerifier.handshakeFailed(target(), "the server closed the connection during the handshake"
					+ (error != null ? " (" + error + ")" : "")));
			return;
		}
		if (!wasConnected) {
			fail(new ConnectException("cannot connect to " + url + ": connection closed"
					+ (error != null ? " (" + error + ")" : "")));
			return;
		}
		if (counted) {
			counted = false;
			pool.forget(this);
		}
		Exchange e = exchange;
		exchange = null;
		if (e != null) {
			e.onConnectionClosed(error);
		}
	}

	@Override
	public String toString() {
		return "ClientConnection[" + (channel != null ? channel : "connecting") + " to " + (verifier != null ? "tls " : "")
				+ pool.host + ":" + pool.port
				+ ", uses=" + uses + "]";
	}
}
