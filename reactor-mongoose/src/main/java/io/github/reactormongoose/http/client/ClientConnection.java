/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.StreamHandler;
import io.github.reactormongoose.internal.loop.TlsHandshakeHandler;
import io.github.reactormongoose.internal.metrics.HttpClientMetrics;
import io.github.reactormongoose.internal.tls.PeerVerifier;
import io.github.reactormongoose.internal.tls.TlsConfig;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * One pooled outbound TCP connection: the channel's handler, which feeds the bytes of the
 * current {@link Exchange} to its {@link ResponseParser}. Poll thread only. It is reusable
 * while it is open and every response on it ended exactly where the next one could start.
 * Over TLS it is established (handed to the pool) only once the handshake is done and the
 * JDK accepted the server's chain and host name; a failed handshake or check fails the
 * connect with {@link PeerVerifier#handshakeFailed} and the connection is never pooled.
 * Through a proxy, the TCP connection goes to the proxy, and a {@link ProxyHandshake} opens
 * the tunnel first (TLS starts inside it); a refused tunnel fails the connect with
 * {@link ProxyConnectException}.
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
	/** Set by the pool: connects to the host's next address should this connection not be made. */
	@Nullable Runnable nextAddress;
	/** Through a proxy: opens the tunnel once connected, {@code null} once it is open. */
	private @Nullable ProxyHandshake tunnel;
	/** Absolute-form requests through an HTTP proxy: the host of the request target (a name or IP literal). */
	@Nullable
	String absoluteHost;
	private @Nullable Exchange exchange;
	private @Nullable String error;
	private boolean connected;
	/** The TCP connection is up (to the host, or to the proxy). */
	private boolean tcpUp;
	private boolean closed;
	private boolean counted = true;
	private boolean poisoned;
	/** Exchanges started on this connection. */
	int uses;
	long idleSince;

	/** Where the connect time goes, and when connecting started. */
	private final HttpClientMetrics metrics;
	private final long started;

	ClientConnection(ConnectionPool pool, HttpClientMetrics metrics, long started) {
		this.pool = pool;
		this.loop = pool.loop;
		this.metrics = metrics;
		this.started = started;
	}

	/** When connecting started (nanoTime): the connection's age counts from there. */
	long createdAt() {
		return started;
	}

	/** Established: counted, handed to the pool. */
	private void ready() {
		connected = true;
		metrics.connected(pool.remote(), System.nanoTime() - started, true);
		pool.connected(this);
	}

	/**
	 * The channel is connecting to {@code url}; with a {@code verifier}, TLS starts once it is
	 * connected; with a {@code tunnel}, that opens first (and TLS, if the pool has it, starts
	 * inside it). {@code timeout} bounds the TCP connect (the handshake and the tunnel have
	 * their own).
	 */
	void open(Channel channel, String url, Duration timeout, @Nullable PeerVerifier verifier,
			@Nullable ProxyHandshake tunnel) {
		this.channel = channel;
		this.url = url;
		this.verifier = verifier;
		this.tunnel = tunnel;
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

	/** The hooks' view of this connection, made on first use; {@code null} until then. */
	private @Nullable ClientConnectionView view;
	/** The client's doOnConnected hooks ran for it (the first exchange that took it). */
	boolean announced;

	/** Poll thread: the hooks' view of this (established) connection. */
	ClientConnectionView view() {
		ClientConnectionView v = view;
		if (v == null) {
			v = new ClientConnectionView(this);
			view = v;
			if (closed) {
				v.closed();
			}
		}
		return v;
	}

	/** Poll thread: never reused; closed now when no exchange uses it, else once its exchange ends. */
	void retireWhenFree() {
		poisoned = true;
		if (exchange == null) {
			retire();
		}
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

	/** The exchange {@code e} leaves this connection for another (its request is sent again): closed, never reused. */
	void abandon(Exchange e) {
		if (exchange == e) {
			exchange = null;
		}
		close();
	}

	/**
	 * Poll thread: the connection, upgraded to a WebSocket and taken over by its session, has
	 * closed: the hooks' view hears of it ({@code onClose()}, {@code doOnDisconnected}) as it
	 * would have from {@link #onClosed()}, which the session replaced.
	 */
	void upgradedClosed() {
		closed = true;
		if (view != null) {
			view.closed();
		}
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

	/**
	 * Closes a connection between exchanges (idle too long, too old, the pool shut down) the
	 * way a clean end does: a TLS connection sends its close_notify before the FIN.
	 */
	void retire() {
		poisoned = true;
		if (channel != null && !closed) {
			channel.drain();
		}
	}

	/** Opening failed on the poll thread (connect or TLS refused at once): counts as a failed connect. */
	void abandon(Throwable e) {
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		fail(e);
	}

	/**
	 * The connect failed on an open channel: counts as failed, then the channel closes (not
	 * {@link #close()}: {@code fail} marked it closed already).
	 */
	private void failAndClose(Throwable e) {
		fail(e);
		channel().close();
	}

	/**
	 * Connect failed or timed out: the pool tries the host's next address if there is one and
	 * no TCP connection was made (refused, unreachable, timed out; not a failed TLS handshake
	 * or proxy), else this counts as a failed connect in the pool.
	 */
	private void fail(Throwable e) {
		if (counted) {
			counted = false;
			closed = true;
			Runnable next = nextAddress;
			if (next != null && !tcpUp && !pool.isShutdown() && (e instanceof ConnectTimeoutException
					|| e instanceof ConnectException && !(e instanceof ProxyConnectException))) {
				next.run();
				return;
			}
			metrics.connected(pool.remote(), System.nanoTime() - started, false);
			pool.connectFailed(e);
		}
	}

	@Override
	public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
		if (closed) {
			return;
		}
		tcpUp = true;
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		ProxyHandshake t = tunnel;
		if (t != null) {
			Duration d = t.timeout();
			connectTimer = loop.schedule(d, () -> {
				if (tunnel != null && !closed) {
					failAndClose(t.failure("no tunnel within " + d.toMillis() + " ms"));
				}
			});
			byte[] first;
			try {
				first = t.start();
			}
			catch (ProxyConnectException | RuntimeException e) { // a target SOCKS4 cannot carry; the
				// application's password function or proxy headers
				failAndClose(e);
				return;
			}
			send(first);
			return;
		}
		established();
	}

	/** TCP (or the tunnel) is up: TLS starts, else the connection is ready. */
	private void established() {
		TlsConfig tls = pool.tls;
		if (tls != null && verifier == null) {
			// through a tunnel: TLS starts now, inside it, with the target's name
			try {
				TlsConfig.ClientHandshake hs = tls.clientHandshake(pool.host);
				verifier = hs.verifier();
				hs.attach(channel());
			}
			catch (RuntimeException e) {
				failAndClose(e);
				return;
			}
		}
		if (verifier != null) {
			handshaking = true; // established once the handshake is done and verified
			return;
		}
		ready();
	}

	private void send(byte[] bytes) {
		if (channel().write(bytes, 0, bytes.length) < 0) {
			channel().close(); // onClosed fails the connect
		}
	}

	/** Bytes from the proxy while the tunnel opens. */
	private void tunnelRead(ProxyHandshake t, ByteBuffer buf, int offset, int length) {
		byte[] reply;
		try {
			reply = t.onRead(buf, offset, length);
		}
		catch (ProxyConnectException | RuntimeException e) { // RuntimeException: the password function
			failAndClose(e);
			return;
		}
		if (reply != null) {
			send(reply);
		}
		if (t.isDone()) {
			tunnel = null;
			if (connectTimer != null) {
				connectTimer.dispose();
			}
			established();
		}
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
			channel().closeWithAlert(verifier.alert()); // the server learns why
			return;
		}
		ready();
	}

	/** {@code host:port (tcp://ip:port)}, for messages. */
	private String target() {
		return pool.host + ":" + pool.port + " (" + url + ")";
	}

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		ProxyHandshake t = tunnel;
		if (t != null) {
			if (!closed) {
				tunnelRead(t, buf, offset, length);
			}
			return;
		}
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

	/** The socket error the connection reported, if any ("Connection reset by peer"). */
	@Nullable
	String error() {
		return error;
	}

	@Override
	public void onError(ConnectionError e) {
		String message = e.describe(); // "Connection refused", "TLS handshake failed: ..."
		error = message;
		if (tunnel != null && tcpUp) {
			fail(tunnel.failure("connection error during the handshake: " + message));
		}
		else if (handshaking && verifier != null) {
			fail(PeerVerifier.handshakeFailed(target(), verifier.explain(message)));
		}
		else if (!connected) {
			ConnectException ce = new ConnectException("cannot connect to " + url + ": " + message);
			fail(ce);
		}
	}

	@Override
	public void onHandlerFailure(Throwable t) {
		Exchange e = exchange;
		if (e != null) {
			e.fail(t);
		}
	}

	@Override
	public void onClosed() {
		boolean wasConnected = connected;
		closed = true;
		if (view != null) {
			view.closed();
		}
		if (connectTimer != null) {
			connectTimer.dispose();
		}
		if (tunnel != null && tcpUp) {
			fail(tunnel.failure("the proxy closed the connection" + (error != null ? " (" + error + ")" : "")));
			return;
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
