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
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.BoundServer;
import io.github.reactormongoose.internal.loop.LoopChoice;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.tcp.TcpAcceptor;
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
 * A TCP server on a Mongoose loop, shaped like Reactor Netty's {@code TcpServer}. Immutable:
 * every option returns a new instance; nothing binds until {@link #bind()} or
 * {@link #bindNow()}.
 * <pre>{@code
 * DisposableServer server = TcpServer.create()
 *     .host("127.0.0.1").port(7000)
 *     .handle((in, out) -> out.send(in.receive()))   // echo
 *     .bindNow();
 * server.onDispose().block();
 * }</pre>
 * The handler runs once per accepted connection, on the poll thread of the loop that
 * accepted it; when the publisher it returns completes, the connection is closed after its
 * pending output is written; when it errors, the connection is closed at once. Offload
 * blocking work with {@code publishOn(Schedulers.boundedElastic())}.
 * <p>
 * Where it runs, as {@code HttpServer}: by default on every loop of the process-wide
 * {@link MongooseLoops#shared()} group (one listener per loop on the one port,
 * {@code SO_REUSEPORT}; handlers of different connections may run at the same time on
 * different threads), or on {@link #runOn(MongooseLoop) one loop}, a
 * {@link #runOn(MongooseLoops) given group}, or {@link #loops(int) loops of its own}.
 */
public final class TcpServer implements Wiretappable<TcpServer> {

	private static final Logger log = Loggers.getLogger(TcpServer.class);

	private final String host;
	private final int port;
	private final LoopChoice where;
	private final @Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler;
	private final @Nullable Consumer<? super Connection> doOnConnection;
	private final @Nullable TlsSpec tls;
	private final ProxyProtocolSupportType proxyProtocol;
	private final @Nullable Wiretap wiretap;
	/** {@link #writeTimeout}; zero: none. */
	private final Duration writeTimeout;
	/** {@link #halfClose(boolean)}. */
	private final boolean halfClose;
	private final @Nullable Consumer<? super DisposableServer> doOnBound;
	private final @Nullable Consumer<? super DisposableServer> doOnUnbound;

	private TcpServer(String host, int port, LoopChoice where,
			@Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler,
			@Nullable Consumer<? super Connection> doOnConnection, @Nullable TlsSpec tls,
			ProxyProtocolSupportType proxyProtocol, @Nullable Wiretap wiretap, Duration writeTimeout, boolean halfClose,
			@Nullable Consumer<? super DisposableServer> doOnBound, @Nullable Consumer<? super DisposableServer> doOnUnbound) {
		this.host = host;
		this.port = port;
		this.where = where;
		this.handler = handler;
		this.doOnConnection = doOnConnection;
		this.tls = tls;
		this.proxyProtocol = proxyProtocol;
		this.wiretap = wiretap;
		this.writeTimeout = writeTimeout;
		this.halfClose = halfClose;
		this.doOnBound = doOnBound;
		this.doOnUnbound = doOnUnbound;
	}

	/**
	 * A server on {@code 127.0.0.1}, port 0 (ephemeral), without a handler: connections stay
	 * open and their bytes wait in {@link Connection#receive()} for a subscriber.
	 */
	public static TcpServer create() {
		return new TcpServer("127.0.0.1", 0, LoopChoice.SHARED, null, null, null, ProxyProtocolSupportType.OFF, null, Duration.ZERO, false, null, null);
	}

	/** The address to bind: an IP literal or a name (resolved when binding); {@code 0.0.0.0} for all IPv4. */
	public TcpServer host(String host) {
		Objects.requireNonNull(host, "host");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/** The port; 0 picks a free one (read it from {@link DisposableServer#port()}). */
	public TcpServer port(int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Runs on one existing loop (servers, clients and {@code MongooseLoop.listen} may share
	 * one); disposing the server then leaves the loop running. By default a server runs on the
	 * process-wide {@link MongooseLoops#shared()} group.
	 */
	public TcpServer runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return new TcpServer(host, port, where.on(loop), handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Runs on every loop of {@code loops}: each listens on the same address
	 * ({@code SO_REUSEPORT}) and the kernel spreads new connections between them; a connection
	 * stays on the loop that accepted it, where its handler runs. The group outlives the server.
	 */
	public TcpServer runOn(MongooseLoops loops) {
		Objects.requireNonNull(loops, "loops");
		return new TcpServer(host, port, where.on(loops), handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Starts {@code n} loops of its own when bound (threads {@code mongoose-tcp-N-<i>}, or
	 * {@link #loopName(String)}{@code -<i>}), each listening on the same address as with
	 * {@link #runOn(MongooseLoops)}, and disposes them with the server. {@code loops(1)} is one
	 * poll thread for this server alone.
	 */
	public TcpServer loops(int n) {
		return new TcpServer(host, port, where.own(n), handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * The poll thread's name (one loop) or name prefix (several) when the server starts its own
	 * loops; setting it alone starts one own loop of that name, disposed with the server.
	 */
	public TcpServer loopName(String name) {
		Objects.requireNonNull(name, "name");
		return new TcpServer(host, port, where.named(name), handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * The I/O handler, called on the poll thread for every accepted connection. The
	 * connection is closed when the returned publisher terminates: after flushing on
	 * completion, at once on error; if the connection closes first, the publisher is
	 * cancelled. Replaces any previous handler.
	 */
	public TcpServer handle(BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Called on the poll thread for every accepted connection, before the handler (on a
	 * {@link #secure secure} server once the TLS handshake is done). Calls add
	 * up: each callback runs, in the order they were added. A callback that throws closes
	 * the connection.
	 */
	public TcpServer doOnConnection(Consumer<? super Connection> callback) {
		Objects.requireNonNull(callback, "callback");
		return new TcpServer(host, port, where, handler, andThen(doOnConnection, callback), tls, proxyProtocol, wiretap,
				writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Runs {@code doOnBound} once the server is bound (its port known: {@link DisposableServer#port()}),
	 * before {@link #bind()} emits it, as Reactor Netty's and {@code HttpServer.doOnBound}.
	 * Calls add up, in order. If it throws, the server is disposed and the bind fails with that
	 * exception.
	 */
	public TcpServer doOnBound(Consumer<? super DisposableServer> doOnBound) {
		Objects.requireNonNull(doOnBound, "doOnBound");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout,
				halfClose, andThen(this.doOnBound, doOnBound), doOnUnbound);
	}

	/**
	 * Runs {@code doOnUnbound} once the server is disposed (its listeners closed, its
	 * connections ended, the loops it started stopped), before {@link DisposableServer#onDispose()}
	 * completes, as Reactor Netty's and {@code HttpServer.doOnUnbound}. Calls add up, in order;
	 * what one throws is logged.
	 */
	public TcpServer doOnUnbound(Consumer<? super DisposableServer> doOnUnbound) {
		Objects.requireNonNull(doOnUnbound, "doOnUnbound");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout,
				halfClose, doOnBound, andThen(this.doOnUnbound, doOnUnbound));
	}

	/** {@code first} (if any), then {@code next}: how callbacks add up, here and in {@link TcpClient}. */
	static <T> Consumer<T> andThen(@Nullable Consumer<? super T> first, Consumer<? super T> next) {
		return first == null ? next::accept : t -> {
			first.accept(t);
			next.accept(t);
		};
	}

	/**
	 * Serves TLS: every accepted connection does a TLS handshake before the callbacks and the
	 * handler see it (see {@link TlsSpec}; refused here if the built-in stack cannot do what it
	 * asks). A connection whose handshake fails closes without reaching them. With a client
	 * certificate asked for, {@code connection().peerCertificates()} gives the client's chain.
	 */
	public TcpServer secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (!spec.isServer()) {
			throw new IllegalArgumentException("TcpServer.secure needs a server spec (TlsSpec.forServer)");
		}
		TlsAccess.config(spec).validate();
		return withTls(spec);
	}

	/** Removes a TLS spec set with {@link #secure}: plain TCP again (as Reactor Netty's {@code noSSL()}). */
	public TcpServer noSSL() {
		return withTls(null);
	}

	private TcpServer withTls(@Nullable TlsSpec spec) {
		return new TcpServer(host, port, where, handler, doOnConnection, spec, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Whether connections start with a PROXY protocol header (HAProxy's, version 1 or 2), as a
	 * load balancer in front of the server sends it (Reactor Netty's {@code proxyProtocol}): the
	 * header's source address becomes the connection's {@code remoteAddress()}; a LOCAL or
	 * UNKNOWN header keeps the socket's peer. {@link ProxyProtocolSupportType#ON ON}: every
	 * connection must start with one, else it is closed unanswered;
	 * {@link ProxyProtocolSupportType#AUTO AUTO}: with or without. The header must be whole
	 * within 10 s, else the connection is closed; the callbacks and the handler see a connection
	 * only once its header is in (and, with {@link #secure}, which it precedes, once the TLS
	 * handshake is done). Default {@link ProxyProtocolSupportType#OFF OFF}. Only for a port that
	 * nobody but the proxy can reach: the header is taken on trust.
	 */
	public TcpServer proxyProtocol(ProxyProtocolSupportType type) {
		Objects.requireNonNull(type, "type");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, type, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
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
	 * departed peer's connection until a write fails. Connections without a handler and TLS
	 * connections always close at the peer's FIN.
	 */
	public TcpServer halfClose(boolean halfClose) {
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Resets a connection whose waiting output has not moved for this long: the peer stopped
	 * reading (its TCP window stays shut) while the handler has bytes for it, as
	 * {@code HttpServer.writeTimeout} (which has a default of 60 s; here the default is none, as
	 * in Reactor Netty, since some protocols leave a peer silent for long on purpose). The
	 * handler's sends then fail with {@link io.github.reactormongoose.ConnectionClosedException};
	 * the reason is logged at DEBUG ({@code write timeout: the peer took none of N bytes for M ms}).
	 * Checked on the loop's idle ticks (every quarter second while it is busy, at least once a
	 * second). {@link Duration#ZERO}: none.
	 */
	public TcpServer writeTimeout(Duration timeout) {
		Duration checked = Checks.notNegative(timeout, "writeTimeout");
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, wiretap, checked, halfClose, doOnBound, doOnUnbound);
	}

	/**
	 * Logs every connection's bytes (Reactor Netty's {@code wiretap(true)}): logger
	 * {@code io.github.reactormongoose.tcp.TcpServer}, level DEBUG, hex dumps. See
	 * {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public TcpServer wiretap(boolean enable) {
		return withWiretap(Wiretap.of(enable, TcpServer.class));
	}

	/**
	 * Logs every connection's bytes, as Reactor Netty's {@code wiretap}: a line when a
	 * connection opens ({@code ACTIVE}, with its id and addresses), one per socket read
	 * ({@code READ: 78B}) and per write the socket took ({@code WRITE: 52B}), with the bytes in
	 * {@code format} ({@code TEXTUAL} decodes them with {@code charset}), and one when it is
	 * gone ({@code INACTIVE}); logger {@code category}, at {@code level}, on the poll thread.
	 * On TLS, the bytes before encryption. For debugging: every byte is copied and formatted
	 * (the socket's bytes are recorded whether the level is enabled or not).
	 */
	@Override
	public TcpServer wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return withWiretap(Wiretap.of(category, level, format, charset));
	}

	private TcpServer withWiretap(@Nullable Wiretap w) {
		return new TcpServer(host, port, where, handler, doOnConnection, tls, proxyProtocol, w, writeTimeout, halfClose, doOnBound, doOnUnbound);
	}

	/** The configured host. */
	public String host() {
		return host;
	}

	/** The configured port (0: ephemeral). */
	public int port() {
		return port;
	}

	/**
	 * Binds when subscribed. Errors (for example
	 * {@link io.github.reactormongoose.AddressInUseException}) arrive as the Mono's error,
	 * after a loop the server started for itself has stopped.
	 */
	public Mono<DisposableServer> bind() {
		BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> h = handler;
		Consumer<? super Connection> onConnection = doOnConnection;
		TlsSpec spec = tls;
		boolean half = halfClose;
		Consumer<? super DisposableServer> bound = doOnBound;
		Consumer<? super DisposableServer> unbound = doOnUnbound;
		// cancelled after the server was made (doOnBound holding it, say): disposed, not dropped
		return Mono.defer(() -> BoundServer.disposeIfDropped(BoundServer.bind(where, "mongoose-tcp", host,
				port, spec != null ? TlsAccess.serverContexts(spec) : null,
				el -> new TcpAcceptor(el, proxyProtocol, wiretap, writeTimeout, c -> TcpOperations.start(c, onConnection, h, half)))
				.flatMap(s -> s.announce(bound, unbound, error -> { }, log))));
	}

	/** Binds and waits up to 45 s. */
	public DisposableServer bindNow() {
		return bindNow(Duration.ofSeconds(45));
	}

	/**
	 * Binds and waits up to {@code timeout}.
	 * @throws IllegalStateException if binding did not complete in time; the bind error itself otherwise
	 */
	public DisposableServer bindNow(Duration timeout) {
		return BoundServer.awaitBind(bind(), timeout);
	}

	/**
	 * Loads the native library and starts the loops this server will run on, as Reactor Netty's
	 * {@code warmup()} and {@code HttpServer.warmup()}: the process-wide group by default (a
	 * given loop or group runs already; loops of its own start at bind). Runs on the subscribing
	 * thread, which waits while the library loads: do not subscribe on a poll thread.
	 */
	public Mono<Void> warmup() {
		return Mono.fromRunnable(where::warmUpServer);
	}

	@Override
	public String toString() {
		return "TcpServer[" + host + ":" + port + ", " + where + "]";
	}
}
