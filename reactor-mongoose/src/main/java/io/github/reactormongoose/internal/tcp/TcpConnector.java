/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BiConsumer;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ConnectionError;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.StreamHandler;
import io.github.reactormongoose.internal.loop.TlsHandshakeHandler;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.tls.PeerVerifier;
import io.github.reactormongoose.internal.tls.TlsConfig;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * The handler of an outbound TCP connection until it is established: completes the sink with
 * the connection on CONNECT, or with the error. With TLS, "established" means after the
 * handshake and after the JDK accepted the server's chain and host name; nothing is read
 * before.
 */
public final class TcpConnector implements StreamHandler, TlsHandshakeHandler {

	private final String url;
	private final MonoSink<Connection> sink;
	private final @Nullable PeerVerifier verifier;
	private TcpConnection connection;
	private @Nullable InetSocketAddress local;
	private @Nullable InetSocketAddress remote;
	private boolean done;
	/** The connect timeout, until the TCP connection is up (a TLS handshake has its own). */
	private @Nullable Disposable timer;

	private TcpConnector(String url, @Nullable PeerVerifier verifier, MonoSink<Connection> sink) {
		this.url = url;
		this.verifier = verifier;
		this.sink = sink;
	}

	/**
	 * The connection of the first of {@code host}'s addresses (resolved off the poll thread, in
	 * the resolver's order) that takes it: {@code connect} runs on {@code loop}'s thread for one
	 * address and completes the sink, and the next address is tried once the one before could
	 * not be reached (refused, unreachable, the connect timeout), as Reactor Netty does; a
	 * failure after the TCP connection (TLS, the peer closing) is the answer. The last
	 * address's error otherwise.
	 */
	public static Mono<Connection> firstReachable(EventLoop loop, String host,
			BiConsumer<InetAddress, MonoSink<Connection>> connect) {
		return Addresses.resolveAll(host).flatMap(addresses -> {
			Mono<Connection> m = attempt(loop, addresses[addresses.length - 1], connect);
			for (int i = addresses.length - 2; i >= 0; i--) {
				Mono<Connection> rest = m;
				m = attempt(loop, addresses[i], connect).onErrorResume(TcpConnector::unreachable, e -> rest);
			}
			return m;
		});
	}

	private static Mono<Connection> attempt(EventLoop loop, InetAddress address,
			BiConsumer<InetAddress, MonoSink<Connection>> connect) {
		return Mono.create(sink -> loop.executeOrRun(() -> connect.accept(address, sink)));
	}

	/** Whether {@code e} is the failure of a TCP connect (its cause says refused, unreachable or timed out). */
	private static boolean unreachable(Throwable e) {
		return e instanceof MongooseException
				&& (e.getCause() instanceof ConnectException || e.getCause() instanceof SocketTimeoutException);
	}

	/** Poll thread: connects to {@code url} (an IP literal), without TLS. */
	public static void connect(EventLoop loop, String url, MonoSink<Connection> sink) {
		connect(loop, url, null, "", sink);
	}

	/**
	 * Poll thread: connects to {@code url} (an IP literal); with {@code tls}, as a TLS client
	 * of {@code host} (the name given by the user: SNI and host name check, unless the spec
	 * names the server).
	 */
	public static void connect(EventLoop loop, String url, @Nullable TlsConfig tls, String host, MonoSink<Connection> sink) {
		connect(loop, url, tls, host, null, null, sink);
	}

	/**
	 * Poll thread: as above, logging the connection's bytes with {@code wiretap} unless it is
	 * null, and failing with a {@link SocketTimeoutException} cause when the TCP connection is
	 * not established within {@code timeout} (none when null).
	 */
	public static void connect(EventLoop loop, String url, @Nullable TlsConfig tls, String host,
			@Nullable Wiretap wiretap, @Nullable Duration timeout, MonoSink<Connection> sink) {
		TlsConfig.ClientHandshake hs = null;
		try {
			hs = tls != null ? tls.clientHandshake(host) : null;
			TcpConnector pending = new TcpConnector(url, hs != null ? hs.verifier() : null, sink);
			Channel c = loop.connect(url, Kind.TCP, pending);
			if (wiretap != null) {
				c.wiretap(wiretap);
			}
			pending.connection = new TcpConnection(c, null, null);
			TlsConfig.ClientHandshake attaching = hs;
			hs = null;
			if (attaching != null) {
				attaching.attach(c);
			}
			if (timeout != null) {
				pending.timer = loop.schedule(timeout, () -> {
					if (!pending.done) {
						pending.finish();
						c.close();
						MongooseException e = new MongooseException(
								"connect to " + url + " timed out after " + timeout.toMillis() + " ms");
						e.initCause(new SocketTimeoutException("connect timed out"));
						sink.error(e);
					}
				});
			}
			// the sink runs this only when it was cancelled before it emitted the connection: when
			// the connection was made before this ran, the sink dropped it unseen, so it closes too
			sink.onCancel(() -> loop.executeOrRun(() -> {
				pending.finish();
				c.close();
			}));
		}
		catch (RuntimeException e) {
			if (hs != null) {
				hs.context().release(); // connect failed before the connection took it
			}
			sink.error(e);
		}
	}

	/** Settled: the timer has nothing left to time. */
	private void finish() {
		done = true;
		stopTimer();
	}

	private void stopTimer() {
		Disposable t = timer;
		if (t != null) {
			t.dispose();
		}
	}

	@Override
	public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
		if (done) {
			return;
		}
		stopTimer(); // the connect timeout is over; a handshake has its own
		if (verifier != null) {
			this.local = local; // established once the handshake is done and verified
			this.remote = remote;
			return;
		}
		established(local, remote);
	}

	private void established(InetSocketAddress local, InetSocketAddress remote) {
		finish();
		if (verifier != null) {
			connection.peerCertificates(verifier.chain());
		}
		connection.onConnect(local, remote);
		connection.channel().handler(connection);
		sink.success(connection);
	}

	@Override
	public void onTlsPeerCertificates(ByteBuffer buf, int offset, int length) {
		if (verifier != null) {
			verifier.certificates(buf, offset, length);
		}
	}

	@Override
	public void onTlsHandshakeDone() {
		if (done || verifier == null || local == null || remote == null) {
			return;
		}
		String failure = verifier.verify();
		if (failure != null) {
			finish();
			connection.channel().closeWithAlert(verifier.alert()); // the server learns why
			sink.error(PeerVerifier.handshakeFailed(url, failure));
			return;
		}
		established(local, remote);
	}

	@Override
	public void onRead(ByteBuffer buf, int offset, int length) {
		if (verifier == null) {
			connection.onRead(buf, offset, length); // cannot happen before CONNECT; kept for safety
		} // TLS: nothing is read before the server's chain and name are verified
	}

	@Override
	public void onError(ConnectionError error) {
		if (done) {
			return;
		}
		finish();
		String message = error.describe(); // "Connection refused", "TLS handshake failed: ..."
		MongooseException e = new MongooseException("connect to " + url + " failed: " + message);
		e.initCause(error.kind() == ConnectionError.Kind.TLS_HANDSHAKE ? new SSLHandshakeException(message)
				: new ConnectException("cannot connect to " + url + ": " + message));
		sink.error(e);
	}

	@Override
	public void onClosed() {
		if (done) {
			return;
		}
		finish();
		sink.error(new ConnectionClosedException("connect to " + url + " failed: connection closed"));
	}
}
