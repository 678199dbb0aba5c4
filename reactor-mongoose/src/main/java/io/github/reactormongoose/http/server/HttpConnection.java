/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.HttpChannelHandler;
import io.github.reactormongoose.internal.loop.TlsHandshakeHandler;
import io.github.reactormongoose.internal.websocket.WebsocketSession;
import io.github.reactormongoose.internal.tls.PeerVerifier;
import io.github.reactormongoose.internal.tls.TlsFailures;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;

/** One accepted HTTP connection: requests in sequence, then maybe a WebSocket session. */
final class HttpConnection implements HttpChannelHandler, TlsHandshakeHandler {

	final HttpListener server;
	final Channel channel;
	final EventLoop el;
	final long id;
	final InetSocketAddress local;
	final InetSocketAddress remote;
	private @Nullable HttpExchange current;
	/** The streamed body of the last request while it arrives; it may outlive its exchange. */
	private @Nullable RequestBody body;
	private @Nullable WebsocketSession websocket;
	private int requests;
	private boolean closed;
	/** Closed (or closing) on our side: a request the native side parsed meanwhile is not served. */
	private boolean closeRequested;
	/** Drained by a doOnConnection callback: closes once the current exchange is answered. */
	private boolean draining;
	private @Nullable Disposable idleTimer;
	/** readTimeout: checks a streamed body for a stalled client; the last time it moved. */
	private @Nullable Disposable bodyTimer;
	private long bodyActivity;
	/** requestTimeout: fails a streamed body that is not complete this long after its head. */
	private @Nullable Disposable requestTimer;
	/** The JDK's check of the client's chain (clientAuth) of the material the connection was accepted with. */
	private final @Nullable X509TrustManager clientTrust;
	/** The client's certificate chain, when the server asked for one (clientAuth) and it sent one, else empty. */
	private volatile List<X509Certificate> peerCertificates = List.of();
	/** What the server's doOnConnection callbacks were given, if it has any. */
	@Nullable HttpConnectionView view;

	HttpConnection(HttpListener server, Channel channel, InetSocketAddress local, InetSocketAddress remote) {
		this.server = server;
		this.channel = channel;
		this.el = channel.loop();
		this.id = channel.id();
		this.local = local;
		this.remote = remote;
		this.clientTrust = server.clientTrust; // that of the material it handshakes with (updateTls)
	}

	@Override
	public void onError(ConnectionError error) {
		if (error.kind() == ConnectionError.Kind.TLS_HANDSHAKE) {
			TlsFailures.handshakeFailed(remote, error.message());
		}
		else if (error.kind() == ConnectionError.Kind.FILE_CUT) {
			// a file sent with sendFile shrank (log rotation, a file rewritten in place): the server
			// cuts the response short of its Content-Length, as nginx does ("file was truncated"),
			// and says so; the exchange still sending it fails with the reason (the error log's)
			closeRequested = true;
			reactor.util.Loggers.getLogger(HttpServer.class).error("{} {}: sendFile cut short, closing the connection: {}",
					channel, remote, error.message());
			HttpExchange ex = current;
			if (ex != null) {
				ex.serverClosing("sendFile cut short: " + error.message());
			}
		}
		else { // e.g. "write timeout: the peer took none of ...", "Connection reset by peer"
			reactor.util.Loggers.getLogger(HttpServer.class).debug("{} {}: {}, closing", channel, remote, error);
			if (error.kind() == ConnectionError.Kind.WRITE_TIMEOUT) {
				// the server resets it: the exchange is cut by the server, not left by the client
				closeRequested = true;
				HttpExchange ex = current;
				if (ex != null) {
					ex.serverClosing("no write progress for " + server.config.writeTimeout().toMillis() + " ms (writeTimeout)");
				}
			}
		}
	}

	/**
	 * Poll thread: the client's Certificate message (the server asked for one). The handshake
	 * fails, and no request is read, unless both the JDK (PKIX, the server's one CA) and the
	 * built-in stack accept the chain.
	 */
	@Override
	public void onTlsPeerCertificates(ByteBuffer buf, int offset, int length) {
		PeerVerifier.ClientChain chain = PeerVerifier.clientChain(buf, offset, length, remote, clientTrust);
		if (chain.refused()) {
			closeRequested = true; // no request of it is read
			channel.closeWithAlert(chain.alert()); // the client learns why
			return;
		}
		peerCertificates = chain.certificates();
	}

	@Override
	public void onTlsHandshakeDone() {
		// the chain was checked by the JDK and the built-in stack (one CA): the connection is the callbacks' now
		server.connected(this);
	}

	/** The client's certificate chain, its own first; empty without a client certificate. */
	List<X509Certificate> peerCertificates() {
		return peerCertificates;
	}

	boolean isClosed() {
		return closed;
	}

	/**
	 * Whether the client closed the connection (it is closed or closing, and not at the
	 * server's request: not by {@link #forceClose}, a drain...).
	 */
	boolean closedByClient() {
		return (closed || channel.isClosed()) && !closeRequested;
	}

	void startIdleTimer() {
		Duration timeout = server.config.idleTimeout();
		if (timeout != null && !closed) {
			idleTimer = el.schedule(timeout, this::idleTimeoutElapsed);
		}
	}

	private void idleTimeoutElapsed() {
		idleTimer = null;
		if (current != null || websocket != null || closed) {
			return;
		}
		if (channel.pendingOutput() > 0) {
			// the last response is still on its way to a slow reader (sendFile, the end of a
			// body): the connection is idle once it has (nearly) left; a reader that stopped is
			// the write timeout's
			Disposable waiting = Disposables.single();
			idleTimer = waiting;
			channel.awaitWritable(() -> {
				if (idleTimer == waiting) {
					idleTimer = null;
					startIdleTimer();
				}
			});
			return;
		}
		// a request whose head (or small body) is still arriving is not idle: its head timeout
		// bounds it, and its head, once whole, stops this timer; else this closes now
		channel.closeIfNothingReceived();
		startIdleTimer();
	}

	private void stopIdleTimer() {
		if (idleTimer != null) {
			idleTimer.dispose();
			idleTimer = null;
		}
	}

	@Override
	public void onRequest(ByteBuffer buf, int offset, int length, long flags) {
		if (closeRequested) {
			return; // e.g. in the same poll as its ACCEPT, whose callback closed the connection
		}
		stopIdleTimer();
		RequestBody b = null;
		if ((flags & NativeConstants.HTTP_STREAMED) != 0) {
			b = new RequestBody(channel, server.config.maxDiscardedBodySize());
			body = b;
			Duration readTimeout = server.config.readTimeout();
			if (readTimeout != null) {
				bodyActivity = System.nanoTime();
				armBodyTimer(readTimeout.toNanos());
			}
			Duration requestTimeout = server.config.requestTimeout();
			if (requestTimeout != null) {
				RequestBody timed = b;
				requestTimer = el.schedule(requestTimeout, () -> {
					requestTimer = null;
					if (body == timed && !closed) {
						timedOut(timed, new RequestBodyTimeoutException(timed.received(), requestTimeout));
					}
				});
			}
		}
		HttpExchange ex = new HttpExchange(this, RequestDecoder.decode(this, ++requests, buf, offset, length, flags, b));
		current = ex;
		server.metrics.exchangeStarted();
		ex.start(server.config.handler());
	}

	private void armBodyTimer(long nanos) {
		bodyTimer = el.schedule(Duration.ofNanos(nanos), this::checkBody);
	}

	private void stopBodyTimers() {
		if (bodyTimer != null) {
			bodyTimer.dispose();
			bodyTimer = null;
		}
		if (requestTimer != null) {
			requestTimer.dispose();
			requestTimer = null;
		}
	}

	/**
	 * readTimeout: fails a streamed body whose client sent nothing for that long while it was
	 * read. A body discarded after its response is timed too ({@link #discardTimeout()}).
	 */
	private void checkBody() {
		bodyTimer = null;
		RequestBody b = body;
		if (b == null || closed) {
			return;
		}
		boolean discarding = b.isDiscarding();
		Duration timeout = discarding ? discardTimeout() : server.config.readTimeout();
		if (timeout == null) {
			return;
		}
		long now = System.nanoTime();
		long limit = timeout.toNanos();
		if (!discarding && !b.awaitsClient()) {
			bodyActivity = now; // paused by us, or not read yet: not the client's stall
			armBodyTimer(limit);
			return;
		}
		// counted from the later of the client's last bytes and the server's start of waiting
		// (a subscription or a resume between two checks must not inherit the time before it)
		long quiet = now - Math.max(bodyActivity, b.awaitingSince());
		if (quiet < limit) {
			armBodyTimer(limit - quiet);
			return;
		}
		if (discarding) {
			// the response is out; only the server still waits, for bytes nobody will read
			BoundHttpServer.log.debug("{} {}: no byte of the discarded request body for {} ms, closing", channel, remote,
					timeout.toMillis());
			body = null;
			stopBodyTimers();
			closeRequested = true;
			channel.drain();
			return;
		}
		timedOut(b, new RequestBodyTimeoutException(timeout, b.received()));
	}

	/**
	 * How long the rest of a body that the response did not wait for may stall before the
	 * connection closes: {@code readTimeout} if set, else {@code requestHeaderTimeout} (the
	 * patience the server has for a request it is not handing to anyone); {@code null}: none.
	 * Without it a client could hold a connection for good with a {@code Content-Length} it
	 * never completes, sent to any route that answers without reading (a 401, a 405).
	 */
	private @Nullable Duration discardTimeout() {
		Duration read = server.config.readTimeout();
		if (read != null) {
			return read;
		}
		Duration head = server.config.requestHeaderTimeout();
		return head.isZero() ? null : head;
	}

	/** The streamed body {@code b} took too long: it fails, and the exchange answers 408 or the connection closes. */
	private void timedOut(RequestBody b, RequestBodyTimeoutException e) {
		body = null;
		stopBodyTimers();
		HttpExchange ex = current;
		if (ex != null) {
			ex.bodyTimedOut(b, e);
		}
		else {
			b.fail(e);
			channel.close();
		}
	}

	@Override
	public void onBody(ByteBuffer buf, int offset, int length) {
		bodyActivity = System.nanoTime();
		RequestBody b = body;
		if (b != null) {
			b.onPiece(buf, offset, length);
		}
	}

	@Override
	public void onBody(byte[] stage, int offset, int length) {
		bodyActivity = System.nanoTime();
		RequestBody b = body;
		if (b != null) {
			b.onPiece(stage, offset, length);
		}
	}

	@Override
	public void onBodyEnd(ByteBuffer buf, int offset, int length) {
		stopBodyTimers();
		RequestBody b = body;
		body = null;
		if (b != null) {
			b.onEnd(RequestDecoder.trailers(buf, offset, length));
		}
	}

	/** The exchange wrote its last byte. */
	void exchangeEnded(HttpExchange ex) {
		if (current == ex) {
			current = null;
			ex.report();
			if (body != null) {
				body.discardRest(); // a next request can only follow the end of this body
				Duration t = bodyTimer == null ? discardTimeout() : null; // else checkBody sees the discard
				if (t != null && body.isDiscarding()) {
					bodyActivity = System.nanoTime();
					armBodyTimer(t.toNanos());
				}
			}
			// while the server is disposing, the response itself ended the connection
			// (ResponseWriter.closeAfterResponse is the one keep-alive decision)
			if (draining) {
				closeRequested = true;
				channel.drain(); // the head may have gone out before the drain was asked for
			}
			else if (!server.isDisposing()) {
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

	void forceClose() {
		closeRequested = true;
		channel.close();
	}

	/** The connection as doOnConnection and mapHandle see it (made at the first need). */
	HttpConnectionView view() {
		HttpConnectionView v = view;
		if (v == null) {
			v = new HttpConnectionView(this);
			view = v;
			if (closed) {
				v.closed();
			}
		}
		return v;
	}

	/** Whether the current response is the connection's last: the server is disposing, or the connection drains. */
	boolean closesAfterExchange() {
		return draining || server.isDisposing();
	}

	/**
	 * Graceful server shutdown, or a doOnConnection callback's drain: close now if idle, else
	 * once the current exchange is answered; a WebSocket is told the server is going away.
	 */
	void drain() {
		if (current == null && websocket == null) {
			closeRequested = true;
			channel.drain();
		}
		else if (websocket != null) {
			websocket.goingAway();
		}
		else {
			draining = true;
		}
	}

	@Override
	public void onRejected(int status, int bodyBytes, String firstLine, String reason) {
		// looked up here, as for the other rare lines of this class (a test can capture it)
		reactor.util.Loggers.getLogger(HttpServer.class).debug("connection {}: request rejected with {} ({})", id, status,
				reason);
		RequestBody b = body;
		body = null;
		HttpExchange ex = current;
		if (ex != null) {
			ex.rejected(status, bodyBytes); // recorded by the metrics and the access log as sent
		}
		else if (bodyBytes > 0 && server.config.accessLogEnabled()) {
			// refused before any exchange began (a malformed head, 408, 413 by Content-Length, 414,
			// 431): no handler ran, but the operator sees it, as on Reactor Netty
			HttpExchange.logRefused(server.config.accessLogFormat(), remote, firstLine, status, bodyBytes);
		}
		if (b != null) {
			// the native side answered or is closing: the exchange writes nothing more
			bodyFailed(b, new MongooseException("The request body was refused with " + status + " "
					+ NativeConstants.reason(status) + " after " + b.received() + " bytes"));
		}
	}

	/** Ends the current exchange, if any, without writing, and fails the streamed body {@code b}. */
	private void bodyFailed(RequestBody b, Throwable error) {
		HttpExchange ex = current;
		current = null;
		if (ex != null) {
			ex.onConnectionClosed(b, error);
			ex.report();
		}
		else {
			b.fail(error);
		}
	}

	/** The connection closed: as HTTP, or (through the session's hook) after an upgrade. */
	@Override
	public void onClosed() {
		closed = true;
		stopIdleTimer();
		stopBodyTimers();
		RequestBody b = body;
		body = null;
		if (b != null) {
			bodyFailed(b, new AbortedException("Connection closed before the request body was complete ("
					+ b.received() + " bytes received)"));
		}
		HttpExchange ex = current;
		if (ex != null) {
			current = null; // before: ending the exchange may call back exchangeEnded
			ex.onConnectionClosed(closeRequested);
			ex.report();
		}
		server.metrics.connectionClosed();
		server.removed(this);
		HttpConnectionView v = view;
		if (v != null) {
			v.closed();
		}
	}
}
