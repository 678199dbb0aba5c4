/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.context.Context;

/**
 * A bound server of any protocol (HTTP, TCP): one {@link Listener} per loop it runs on, all
 * on the same address, and the server's lifecycle over them and over the loops it started
 * for itself. With several loops every listener binds the address with {@code SO_REUSEPORT}
 * (the first one checks that nobody else listens there, so a second group on the same port
 * fails with {@code AddressInUseException}) and the kernel spreads new connections.
 */
public final class BoundServer implements DisposableServer {

	/** A server's listener on one loop and the connections it accepted. */
	public interface Listener {

		/**
		 * Any thread: listens on the listener's loop (usually with
		 * {@link ServerConnections#open}) and completes {@code bound} with the bound address or
		 * the error, maybe before this returns.
		 * @param sharing alone, or first or other of a group of loops on one address
		 * @param tls the server's TLS context (the listener takes its own reference), or {@code null}
		 */
		void open(InetAddress host, int port, PortSharing sharing, @Nullable TlsContext tls,
				MonoSink<InetSocketAddress> bound);

		/** The listener's connections, and its graceful disposal. */
		ServerConnections<?> connections();

		/**
		 * Any thread: the listener's connections accepted from now on start TLS with
		 * {@code tls} (usually with {@link ServerConnections#updateTls}); completes once they do.
		 */
		Mono<Void> updateTls(TlsContext tls);
	}

	/** Makes a secure server's TLS contexts: the one it binds with, and those of {@link #updateTls}. */
	public interface TlsContexts {

		/** The context the server binds with (read now: files are read again). */
		TlsContext bind();

		/**
		 * The context of {@code spec}, for a running server.
		 * @throws IllegalArgumentException what the built-in stack cannot use, with the reason
		 */
		TlsContext update(TlsSpec spec);
	}

	private final List<Listener> listeners;
	private final List<EventLoop> loops;
	private final InetSocketAddress address;
	private final LoopChoice.Placement placement;
	private final @Nullable TlsContexts tls;
	/**
	 * Completes once the listeners have stopped, the loops the server started are disposed and
	 * the server's own unbound callback has run: what {@link #onDispose()} and
	 * {@link #disposeLater} wait for, however the server came to stop (its disposal, its group's).
	 */
	private final Sinks.Empty<Void> unbound = Sinks.empty();
	/** The unbound callback ({@link #whenUnbound}), then {@link #RAN} once the server has stopped. */
	private final AtomicReference<@Nullable Consumer<@Nullable Throwable>> onUnbound = new AtomicReference<>();
	private static final Consumer<@Nullable Throwable> RAN = e -> { };
	private volatile @Nullable Throwable stopError;

	private BoundServer(List<Listener> listeners, List<EventLoop> loops, InetSocketAddress address,
			LoopChoice.Placement placement, @Nullable TlsContexts tls) {
		this.listeners = listeners;
		this.loops = loops;
		this.address = address;
		this.placement = placement;
		this.tls = tls;
		Flux.fromIterable(listeners).flatMap(l -> l.connections().onStopped()).then().then(placement.ownDisposed())
				.subscribe(null, this::stopped, () -> stopped(null));
	}

	private void stopped(@Nullable Throwable error) {
		stopError = error;
		Consumer<@Nullable Throwable> callback = onUnbound.getAndSet(RAN);
		try {
			if (callback != null) {
				callback.accept(error);
			}
		}
		finally { // a callback that throws must not leave onDispose() waiting for ever
			if (error != null) {
				unbound.tryEmitError(error);
			}
			else {
				unbound.tryEmitEmpty();
			}
		}
	}

	/**
	 * Sets what runs once the server has stopped (its metrics, {@code doOnUnbound}), with the
	 * error it stopped with or {@code null}, before {@link #onDispose()} and any
	 * {@link #disposeLater} complete; at once if it has stopped already. Once.
	 */
	public void whenUnbound(Consumer<@Nullable Throwable> callback) {
		if (!onUnbound.compareAndSet(null, callback)) {
			callback.accept(stopError);
		}
	}

	/**
	 * Binds when subscribed: resolves {@code host}, places the server ({@code kind} names the
	 * loops it starts for itself), opens one listener per loop (the first picks the port, maybe
	 * ephemeral; the others join it) and emits the server. On an error, or if cancelled, the
	 * listeners already open and the loops the server started are disposed first.
	 * @param tls creates the server's TLS context (released once every listener holds its own),
	 *     and those of {@link #updateTls}; {@code null} for a plain server
	 * @param listener makes the listener of one loop (not open yet)
	 */
	public static Mono<BoundServer> bind(LoopChoice where, String kind, String host, int port,
			@Nullable TlsContexts tls, Function<EventLoop, Listener> listener) {
		return Addresses.resolve(host).flatMap(ip -> Mono.defer(() -> {
			TlsContext ctx = tls != null ? tls.bind() : null;
			LoopChoice.Placement p;
			try {
				p = where.place(kind);
			}
			catch (RuntimeException e) {
				if (ctx != null) {
					ctx.release();
				}
				throw e;
			}
			List<EventLoop> loops = p.loops().stream().map(LoopAccess::engine).toList();
			PortSharing sharing = loops.size() > 1 ? PortSharing.FIRST : PortSharing.EXCLUSIVE;
			List<Listener> bound = new CopyOnWriteArrayList<>();
			AtomicBoolean emitted = new AtomicBoolean();
			return open(listener, loops.get(0), ip, port, sharing, ctx, bound)
					.flatMap(first -> Flux.fromIterable(loops.subList(1, loops.size()))
							.concatMap(el -> open(listener, el, ip, first.getPort(), PortSharing.JOIN, ctx, bound))
							.then(Mono.deferContextual(context -> {
								emitted.set(true);
								BoundServer server = new BoundServer(List.copyOf(bound), loops, first, p, tls);
								AtomicReference<@Nullable Object> watch = context.getOrDefault(WATCH, null);
								if (watch != null && !watch.compareAndSet(null, server)) {
									server.dispose(); // the bindNow or subscriber waiting for it has given up
								}
								return Mono.just(server);
							})))
					.onErrorResume(e -> undo(bound, p).then(Mono.error(e)))
					.doOnCancel(() -> {
						if (!emitted.get()) {
							// opens still queued run first on their loops, then these disposals
							undo(bound, p).doFinally(s -> release(ctx)).subscribe();
						}
					})
					.doFinally(s -> {
						if (s != SignalType.CANCEL || emitted.get()) {
							release(ctx); // every listener holds its own reference
						}
					});
		}));
	}

	/**
	 * The end of a server's {@code bind()}, as {@code HttpServer} and {@code TcpServer} share it:
	 * sets what runs once the server stopped ({@code stopped}, with the error or {@code null};
	 * then, after a stop without error, {@code unbound}, whose exception is logged), runs
	 * {@code bound} (if it throws, the server is disposed and the returned {@code Mono} fails with
	 * that exception) and emits the server.
	 * @param bound the server's {@code doOnBound}, or {@code null}
	 * @param unbound the server's {@code doOnUnbound}, or {@code null}
	 */
	public Mono<DisposableServer> announce(@Nullable Consumer<? super DisposableServer> bound,
			@Nullable Consumer<? super DisposableServer> unbound, Consumer<@Nullable Throwable> stopped, Logger log) {
		// before onDispose() and disposeNow() complete: a shutdown hook's disposeNow returned,
		// and the JVM halted, before doOnUnbound had run
		whenUnbound(error -> {
			stopped.accept(error);
			if (unbound != null && error == null) {
				try {
					unbound.accept(this);
				}
				catch (RuntimeException e) {
					log.error("doOnUnbound failed for " + this, e);
				}
			}
		});
		if (bound != null) {
			try {
				bound.accept(this);
			}
			catch (Throwable e) {
				// a JVM error too (rethrown to the poll thread, it was lost there); deferred:
				// then(Mono.error(e)) would call it and so rethrow a JVM error again
				return disposeLater(Duration.ZERO).then(Mono.defer(() -> Mono.error(e)));
			}
		}
		return Mono.just(this);
	}

	/**
	 * {@code bindNow(timeout)}: blocks for {@code bind} up to {@code timeout}; a server that is
	 * bound after the wait gave up (its value raced the cancel) is disposed, not left listening
	 * with nobody holding it (with loops of its own, their threads kept the JVM alive).
	 * @throws IllegalStateException if the bind did not complete in time, or on a non-blocking thread
	 */
	public static DisposableServer awaitBind(Mono<? extends DisposableServer> bind, Duration timeout) {
		// the server as soon as it is made (bind() below): a cancel can drop it on its way out
		AtomicReference<@Nullable Object> result = new AtomicReference<>();
		DisposableServer s;
		try {
			s = bind.contextWrite(Context.of(WATCH, result)).block(Checks.atMostForever(timeout));
		}
		catch (RuntimeException e) {
			if (result.getAndSet(ABANDONED) instanceof DisposableServer late) {
				late.dispose();
			}
			throw e;
		}
		if (s == null) {
			throw new IllegalStateException("bind did not complete");
		}
		return s;
	}

	/**
	 * {@code bind}, the whole of a server's {@code bind()} (its {@code doOnBound} included): a
	 * cancel (a timeout) that comes after the server was made but before it reached the
	 * subscriber disposes it, since the cancelled chain drops it unseen and nobody else holds
	 * it. A server that reached the subscriber is the subscriber's, whatever it cancels later.
	 * Keeps the holder of an enclosing {@link #awaitBind}.
	 */
	public static <S extends DisposableServer> Mono<S> disposeIfDropped(Mono<S> bind) {
		return Mono.deferContextual(context -> {
			AtomicReference<@Nullable Object> enclosing = context.getOrDefault(WATCH, null);
			// the server as soon as it is made (bind() below), or ABANDONED once cancelled
			AtomicReference<@Nullable Object> made = enclosing != null ? enclosing : new AtomicReference<>();
			AtomicBoolean delivered = new AtomicBoolean();
			return bind.doOnNext(s -> delivered.set(true))
					.doOnCancel(() -> {
						if (!delivered.get() && made.getAndSet(ABANDONED) instanceof DisposableServer dropped) {
							dropped.dispose();
						}
					})
					.contextWrite(Context.of(WATCH, made));
		});
	}

	private static final Object ABANDONED = new Object();
	/**
	 * Context key of the holder of {@link #awaitBind} or {@link #disposeIfDropped}: the server
	 * made, or {@link #ABANDONED}.
	 */
	private static final String WATCH = BoundServer.class.getName() + ".bindNow";

	private static Mono<InetSocketAddress> open(Function<EventLoop, Listener> factory, EventLoop el, InetAddress host,
			int port, PortSharing sharing, @Nullable TlsContext tls, List<Listener> bound) {
		return Mono.create(sink -> {
			Listener l = factory.apply(el);
			bound.add(l); // before open: its sink may complete the bind on another thread at once
			l.open(host, port, sharing, tls, sink);
		});
	}

	private static Mono<Void> undo(List<Listener> bound, LoopChoice.Placement p) {
		return Flux.fromIterable(bound).flatMap(l -> l.connections().disposeLater(Duration.ZERO)).then(p.disposeOwn());
	}

	private static void release(@Nullable TlsContext tls) {
		if (tls != null) {
			tls.release();
		}
	}

	@Override
	public Mono<Void> updateTls(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		TlsContexts contexts = tls;
		if (contexts == null) {
			throw new IllegalStateException(this + " is not secure: only a server bound with secure(spec) can update its TLS material");
		}
		TlsContext ctx = contexts.update(spec); // refused here, before any loop sees it
		// every listener's swap runs (queued tasks always run); the reference of this method
		// goes once all have taken theirs, and a failed one (disposed) does not stop the others
		Sinks.Empty<Void> done = Sinks.empty();
		Mono.whenDelayError(listeners.stream().map(l -> l.updateTls(ctx)).toList())
				.doFinally(s -> ctx.release())
				.subscribe(null, done::tryEmitError, done::tryEmitEmpty);
		return done.asMono();
	}

	/** The loops the server listens on, in order. */
	public List<EventLoop> loops() {
		return loops;
	}

	@Override
	public InetSocketAddress address() {
		return address;
	}

	@Override
	public Mono<Void> disposeLater(Duration timeout) {
		return Mono.defer(() -> {
			// runs to its end whoever waits: a caller that stops waiting (block(timeout), a
			// timeout operator) must not leave the listeners or the server's own loops running
			Sinks.Empty<Void> done = Sinks.empty();
			Flux.fromIterable(listeners).flatMap(l -> l.connections().disposeLater(timeout)).then()
					.then(placement.disposeOwn()).then(unbound.asMono())
					.subscribe(null, done::tryEmitError, done::tryEmitEmpty);
			return done.asMono();
		});
	}

	@Override
	public boolean isDisposed() {
		for (Listener l : listeners) {
			if (l.connections().isDisposing()) {
				return true;
			}
		}
		return false;
	}

	@Override
	public Mono<Void> onDispose() {
		return unbound.asMono();
	}

	@Override
	public String toString() {
		return "DisposableServer[" + address + (listeners.size() > 1 ? " on " + listeners.size() + " loops" : "") + "]";
	}
}
