/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.loop.TlsContext;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.tls.TlsSpec;
import io.github.reactormongoose.internal.tcp.TcpAcceptor;
import io.github.reactormongoose.internal.tcp.TcpOperations;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

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
 * The handler runs once per accepted connection, on the poll thread; when the publisher it
 * returns completes, the connection is closed after its pending output is written; when it
 * errors, the connection is closed at once. Offload blocking work with
 * {@code publishOn(Schedulers.boundedElastic())}.
 */
public final class TcpServer {

	private static final AtomicInteger COUNTER = new AtomicInteger();

	private final String host;
	private final int port;
	private final @Nullable MongooseLoop loop;
	private final @Nullable String loopName;
	private final @Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler;
	private final @Nullable Consumer<? super Connection> doOnConnection;
	private final @Nullable TlsSpec tls;

	private TcpServer(String host, int port, @Nullable MongooseLoop loop, @Nullable String loopName,
			@Nullable BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler,
			@Nullable Consumer<? super Connection> doOnConnection, @Nullable TlsSpec tls) {
		this.host = host;
		this.port = port;
		this.loop = loop;
		this.loopName = loopName;
		this.handler = handler;
		this.doOnConnection = doOnConnection;
		this.tls = tls;
	}

	/**
	 * A server on {@code 127.0.0.1}, port 0 (ephemeral), without a handler: connections stay
	 * open and their bytes wait in {@link Connection#receive()} for a subscriber.
	 */
	public static TcpServer create() {
		return new TcpServer("127.0.0.1", 0, null, null, null, null, null);
	}

	/** The address to bind: an IP literal or a name (resolved when binding); {@code 0.0.0.0} for all IPv4. */
	public TcpServer host(String host) {
		Objects.requireNonNull(host, "host");
		return new TcpServer(host, port, loop, loopName, handler, doOnConnection, tls);
	}

	/** The port; 0 picks a free one (read it from {@link DisposableServer#port()}). */
	public TcpServer port(int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new TcpServer(host, port, loop, loopName, handler, doOnConnection, tls);
	}

	/**
	 * Runs on an existing loop (servers, clients and {@code MongooseLoop.listen} may share
	 * one); disposing the server then leaves the loop running. By default each bound server
	 * starts its own loop and disposes it with the server.
	 */
	public TcpServer runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return new TcpServer(host, port, loop, loopName, handler, doOnConnection, tls);
	}

	/** The poll thread's name when the server starts its own loop (default {@code mongoose-tcp-N}). */
	public TcpServer loopName(String name) {
		Objects.requireNonNull(name, "name");
		return new TcpServer(host, port, loop, name, handler, doOnConnection, tls);
	}

	/**
	 * The I/O handler, called on the poll thread for every accepted connection. The
	 * connection is closed when the returned publisher terminates: after flushing on
	 * completion, at once on error; if the connection closes first, the publisher is
	 * cancelled. Replaces any previous handler.
	 */
	public TcpServer handle(BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return new TcpServer(host, port, loop, loopName, handler, doOnConnection, tls);
	}

	/**
	 * Called on the poll thread for every accepted connection, before the handler. Calls add
	 * up: each callback runs, in the order they were added. A callback that throws closes
	 * the connection.
	 */
	public TcpServer doOnConnection(Consumer<? super Connection> callback) {
		Objects.requireNonNull(callback, "callback");
		Consumer<? super Connection> previous = doOnConnection;
		Consumer<Connection> combined = previous == null ? callback::accept : c -> {
			previous.accept(c);
			callback.accept(c);
		};
		return new TcpServer(host, port, loop, loopName, handler, combined, tls);
	}

	/**
	 * Serves TLS: every accepted connection does a TLS handshake before the handler sees it
	 * (see {@link TlsSpec}; refused here if the built-in stack cannot do what it asks).
	 */
	public TcpServer secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (!spec.isServer()) {
			throw new IllegalArgumentException("TcpServer.secure needs a server spec (TlsSpec.forServer)");
		}
		TlsAccess.config(spec).validate();
		return new TcpServer(host, port, loop, loopName, handler, doOnConnection, spec);
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
		return Mono.defer(() -> {
			MongooseLoop shared = loop;
			if (shared != null && shared.isDisposed()) {
				return Mono.error(new IllegalStateException("MongooseLoop " + shared.name() + " is disposed"));
			}
			BiFunction<? super TcpInbound, ? super TcpOutbound, ? extends Publisher<Void>> h = handler;
			Consumer<? super Connection> onConnection = doOnConnection;
			return Addresses.resolve(host).flatMap(addr -> Mono.<DisposableServer>create(sink -> {
				MongooseLoop l;
				try {
					l = shared != null ? shared
							: MongooseLoop.builder()
									.name(loopName != null ? loopName : "mongoose-tcp-" + COUNTER.incrementAndGet())
									.build();
				}
				catch (RuntimeException e) {
					sink.error(e);
					return;
				}
				EventLoop el = LoopAccess.engine(l);
				TlsContext ctx;
				try {
					ctx = tls != null ? TlsAccess.config(tls).serverContext() : null;
				}
				catch (RuntimeException e) {
					if (shared == null) {
						l.dispose();
					}
					sink.error(e);
					return;
				}
				TcpAcceptor.bind(el, shared == null, Addresses.url("tcp", addr, port), ctx,
						c -> TcpOperations.start(c, onConnection, h), sink);
			}));
		});
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
		DisposableServer s = bind().block(timeout);
		if (s == null) {
			throw new IllegalStateException("bind did not complete");
		}
		return s;
	}

	@Override
	public String toString() {
		return "TcpServer[" + host + ":" + port + (loop != null ? ", on " + loop.name() : "") + "]";
	}
}
