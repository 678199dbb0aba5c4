/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.loop.LoopChoice;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.tcp.TcpConnector;
import io.github.reactormongoose.internal.tcp.TcpOperations;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A TCP client on a Mongoose loop, shaped like Reactor Netty's {@code TcpClient}. Immutable:
 * every option returns a new instance; each {@link #connect()} subscription opens one new
 * connection (there is no pool).
 * <pre>{@code
 * Connection c = TcpClient.create()
 *     .host("127.0.0.1").port(7000)
 *     .handle((in, out) -> out.sendString(Mono.just("hello"))
 *             .thenMany(in.receiveString().take(1).doOnNext(System.out::println))
 *             .then())
 *     .connectNow();
 * c.onClose().block();
 * }</pre>
 * A connection lives on one loop, where its handler runs: by default a loop of the
 * process-wide {@link MongooseLoops#shared()} group (the loops in turn; the calling loop when
 * connecting from a poll thread of the group), else one given with
 * {@link #runOn(MongooseLoop)} or {@link #runOn(MongooseLoops)}. The loops outlive the
 * connections.
 */
public final class TcpClient implements Wiretappable<TcpClient> {

	private static final Logger log = Loggers.getLogger(TcpClient.class);

	private final String host;
	private final int port;
	private final LoopChoice where;
	private final @Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler;
	private final @Nullable Consumer<? super Connection> doOnConnected;
	private final @Nullable TlsSpec tls;
	private final @Nullable Wiretap wiretap;
	private final Duration connectTimeout;
	/** {@link #halfClose(boolean)}. */
	private final boolean halfClose;
	private final @Nullable Consumer<? super Connection> doOnDisconnected;

	private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

	private TcpClient(String host, int port, LoopChoice where,
			@Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler,
			@Nullable Consumer<? super Connection> doOnConnected, @Nullable TlsSpec tls, @Nullable Wiretap wiretap,
			Duration connectTimeout, boolean halfClose, @Nullable Consumer<? super Connection> doOnDisconnected) {
		this.host = host;
		this.port = port;
		this.where = where;
		this.handler = handler;
		this.doOnConnected = doOnConnected;
		this.tls = tls;
		this.wiretap = wiretap;
		this.connectTimeout = connectTimeout;
		this.halfClose = halfClose;
		this.doOnDisconnected = doOnDisconnected;
	}

	/** A client for {@code 127.0.0.1}; set at least the {@link #port(int) port}. */
	public static TcpClient create() {
		return new TcpClient("127.0.0.1", 0, LoopChoice.SHARED, null, null, null, null, DEFAULT_CONNECT_TIMEOUT, false, null);
	}

	/**
	 * The same as {@link #create()}, under Reactor Netty's name for a client without a pool:
	 * this client has none, every {@link #connect()} opens a connection of its own.
	 */
	public static TcpClient newConnection() {
		return create();
	}

	/** The server's host: an IP literal or a name, resolved by the JDK resolver off the poll thread. */
	public TcpClient host(String host) {
		Objects.requireNonNull(host, "host");
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/** The server's port, 1 to 65535. */
	public TcpClient port(int port) {
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/** Connects on an existing loop, which stays running when the connection closes. */
	public TcpClient runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return new TcpClient(host, port, where.on(loop), handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/**
	 * Connects on the loops of {@code loops} (which outlive the connections): each connection
	 * takes the next loop in turn, except that a connection opened on one of the group's poll
	 * threads (in a server handler) stays on that loop. By default, the process-wide
	 * {@link MongooseLoops#shared()} group.
	 */
	public TcpClient runOn(MongooseLoops loops) {
		Objects.requireNonNull(loops, "loops");
		return new TcpClient(host, port, where.on(loops), handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/**
	 * The I/O handler, called on the poll thread once the connection is established. The
	 * connection is closed when the returned publisher terminates: after flushing on
	 * completion, at once on error; if the connection closes first, the publisher is
	 * cancelled. Replaces any previous handler.
	 */
	public TcpClient handle(BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/**
	 * Called on the poll thread once the connection is established, before the handler.
	 * Calls add up. A callback that throws closes the connection.
	 */
	public TcpClient doOnConnected(Consumer<? super Connection> callback) {
		Objects.requireNonNull(callback, "callback");
		return new TcpClient(host, port, where, handler, TcpServer.andThen(doOnConnected, callback), tls, wiretap, connectTimeout,
				halfClose, doOnDisconnected);
	}

	/**
	 * Called once a connection this client opened has closed, whoever closed it (the handler's
	 * end, the peer, an error, {@link Connection#dispose()}), as Reactor Netty's
	 * {@code doOnDisconnected}: with the connection, on its loop's poll thread, once
	 * {@link Connection#onClose()} completes. Not called for a connection that was never
	 * established (the connect failed or was cancelled). Calls add up, in order; what one
	 * throws is logged.
	 */
	public TcpClient doOnDisconnected(Consumer<? super Connection> callback) {
		Objects.requireNonNull(callback, "callback");
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, connectTimeout, halfClose,
				TcpServer.andThen(doOnDisconnected, callback));
	}

	/** {@code first} (if any), then {@code next}. */
	/**
	 * Connects with TLS: the handshake runs before the connection is emitted, and the server's
	 * chain and host name are verified with the JDK's trust manager (the spec's trusted
	 * certificates, or the JDK's default trust store) before any data is read; a failed check
	 * fails the connect with the reason.
	 */
	public TcpClient secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (spec.isServer()) {
			throw new IllegalArgumentException("TcpClient.secure needs a client spec (TlsSpec.forClient)");
		}
		TlsAccess.config(spec).validate();
		return withTls(spec);
	}

	/** Removes a TLS spec set with {@link #secure}: plain TCP again (as Reactor Netty's {@code noSSL()}). */
	public TcpClient noSSL() {
		return withTls(null);
	}

	private TcpClient withTls(@Nullable TlsSpec spec) {
		return new TcpClient(host, port, where, handler, doOnConnected, spec, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/**
	 * Whether a peer's FIN (it shut down its sending side, or closed) leaves the connection open
	 * for the handler's output. {@code false} by default, as Reactor Netty (Netty's
	 * {@code ALLOW_HALF_CLOSURE} is off by default): the FIN closes the connection at once,
	 * unwritten output is dropped and a running handler is cancelled. With {@code true}, as
	 * Netty's {@code ALLOW_HALF_CLOSURE}: the handler's inbound completes, and the connection
	 * closes when the handler's publisher terminates (after flushing on completion), as always,
	 * so an answer to a peer that half-closed after its request, or a large greeting to a peer
	 * that shut down at once, goes out whole; a handler that does not end on its own then keeps a
	 * departed server's connection until a write fails. Connections without a handler and TLS
	 * connections always close at the peer's FIN. To shut down our own sending side and read on,
	 * see {@link TcpOutbound#shutdownOutput()}.
	 */
	public TcpClient halfClose(boolean halfClose) {
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, connectTimeout, halfClose, doOnDisconnected);
	}

	/**
	 * Fails the connect when the TCP connection is not established within {@code timeout}
	 * (default 30 s, as Reactor Netty's {@code CONNECT_TIMEOUT_MILLIS}): a
	 * {@link io.github.reactormongoose.MongooseException} whose cause is a
	 * {@link java.net.SocketTimeoutException}, and the attempt is closed. It bounds the TCP
	 * connect only; a TLS handshake has its own timeout ({@link TlsSpec}).
	 */
	public TcpClient connectTimeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "connectTimeout");
		return new TcpClient(host, port, where, handler, doOnConnected, tls, wiretap, checked, halfClose, doOnDisconnected);
	}

	/**
	 * Logs the connection's bytes (Reactor Netty's {@code wiretap(true)}): logger
	 * {@code io.github.reactormongoose.tcp.TcpClient}, level DEBUG, hex dumps. See
	 * {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public TcpClient wiretap(boolean enable) {
		return withWiretap(Wiretap.of(enable, TcpClient.class));
	}

	/**
	 * Logs the connection's bytes as {@code TcpServer.wiretap} does: {@code ACTIVE} once
	 * connected, {@code READ}/{@code WRITE} with the bytes in {@code format}, {@code INACTIVE}.
	 */
	@Override
	public TcpClient wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return withWiretap(Wiretap.of(category, level, format, charset));
	}

	private TcpClient withWiretap(@Nullable Wiretap w) {
		return new TcpClient(host, port, where, handler, doOnConnected, tls, w, connectTimeout, halfClose, doOnDisconnected);
	}

	/** The configured host. */
	public String host() {
		return host;
	}

	/** The configured port (0 until set). */
	public int port() {
		return port;
	}

	/**
	 * Opens a connection when subscribed and emits it once established (its handler, if any,
	 * has started). A host name's addresses are tried in the resolver's order until one takes
	 * the connection (after a refusal, an unreachable address or the connect timeout, the next
	 * is tried). Fails with a {@link io.github.reactormongoose.MongooseException} whose
	 * cause is a {@link java.net.ConnectException} when the connection cannot be made (for
	 * example refused), with {@link java.net.UnknownHostException} if the host name does not
	 * resolve, with a {@link java.net.SocketTimeoutException} cause after {@link #connectTimeout}.
	 * Cancelling before the connection is established closes it.
	 */
	public Mono<Connection> connect() {
		return Mono.defer(() -> {
			if (port == 0) {
				return Mono.error(new IllegalStateException("TcpClient: no port set"));
			}
			EventLoop el = LoopAccess.engine(where.next());
			BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> h = handler;
			Consumer<? super Connection> onConnected = doOnConnected;
			TlsSpec secure = tls;
			Wiretap w = wiretap;
			Duration timeout = connectTimeout;
			boolean half = halfClose;
			Consumer<? super Connection> onDisconnected = doOnDisconnected;
			return TcpConnector.firstReachable(el, host, (addr, sink) -> TcpConnector.connect(el,
							Addresses.url("tcp", addr, port), secure != null ? TlsAccess.config(secure) : null, host, w, timeout, sink))
					.doOnNext(c -> {
						if (onDisconnected != null) {
							// before the callbacks and the handler, which may close it at once
							c.onClose().subscribe(null, e -> disconnected(onDisconnected, c), () -> disconnected(onDisconnected, c));
						}
						TcpOperations.start(c, onConnected, h, half);
					});
		});
	}

	private static void disconnected(Consumer<? super Connection> callback, Connection c) {
		try {
			callback.accept(c);
		}
		catch (RuntimeException e) {
			log.error("doOnDisconnected failed for " + c, e);
		}
	}

	/** Connects and waits up to 45 s. */
	public Connection connectNow() {
		return connectNow(Duration.ofSeconds(45));
	}

	/**
	 * Connects and waits up to {@code timeout}.
	 * @throws IllegalStateException if the connection was not established in time; the connect error otherwise
	 */
	public Connection connectNow(Duration timeout) {
		Connection c = connect().block(Checks.atMostForever(timeout));
		if (c == null) {
			throw new IllegalStateException("connect did not complete");
		}
		return c;
	}

	/**
	 * Loads the native library and starts the loops the client's connections will run on (the
	 * process-wide group by default), as Reactor Netty's {@code warmup()} and
	 * {@code HttpClient.warmup()}, so that the first connect does not pay for them. Runs on the
	 * subscribing thread, which waits while the library loads: do not subscribe on a poll thread.
	 */
	public Mono<Void> warmup() {
		return Mono.fromRunnable(() -> LoopAccess.engine(where.next()));
	}

	@Override
	public String toString() {
		return "TcpClient[" + host + ":" + port + ", " + where + "]";
	}
}
