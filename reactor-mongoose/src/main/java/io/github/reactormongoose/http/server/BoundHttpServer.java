/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.loop.PortSharing;
import io.github.reactormongoose.internal.metrics.HttpServerMetrics;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A bound {@link HttpServer}: one {@link HttpListener} per loop it runs on, all on the same
 * address, and the server's lifecycle over them (and over its own loops, if it started any).
 */
final class BoundHttpServer implements DisposableServer {

	static final Logger log = Loggers.getLogger(HttpServer.class);
	private static final AtomicInteger COUNTER = new AtomicInteger();

	private final List<HttpListener> listeners;
	private final InetSocketAddress address;
	private final Placement placement;

	private BoundHttpServer(List<HttpListener> listeners, InetSocketAddress address, Placement placement) {
		this.listeners = listeners;
		this.address = address;
		this.placement = placement;
	}

	/** The loops a server runs on, and those it owns (disposed with it). */
	private record Placement(List<MongooseLoop> loops, @Nullable MongooseLoops ownGroup, @Nullable MongooseLoop ownLoop) {

		static Placement of(HttpServerConfig config) {
			if (config.loop() != null) {
				return new Placement(List.of(config.loop()), null, null);
			}
			if (config.loops() != null) {
				return new Placement(config.loops().loops(), null, null);
			}
			String name = config.loopName();
			if (config.loopCount() > 1) {
				MongooseLoops own = MongooseLoops.create(
						name != null ? name : "mongoose-http-" + COUNTER.incrementAndGet(), config.loopCount());
				return new Placement(own.loops(), own, null);
			}
			if (config.loopCount() == 1 || name != null) {
				MongooseLoop own = MongooseLoop.builder()
						.name(name != null ? name : "mongoose-http-" + COUNTER.incrementAndGet()).build();
				return new Placement(List.of(own), null, own);
			}
			return new Placement(MongooseLoops.shared().loops(), null, null);
		}

		Mono<Void> disposeOwn() {
			if (ownGroup != null) {
				return ownGroup.disposeLater(Duration.ZERO);
			}
			return ownLoop != null ? ownLoop.disposeLater(Duration.ZERO) : Mono.empty();
		}

		Mono<Void> ownDisposed() {
			if (ownGroup != null) {
				return ownGroup.onDispose();
			}
			return ownLoop != null ? ownLoop.onDispose() : Mono.empty();
		}
	}

	static Mono<DisposableServer> bind(HttpServerConfig config) {
		return Addresses.resolve(config.host()).flatMap(host -> Mono.defer(() -> {
			Placement p = Placement.of(config);
			List<EventLoop> loops = p.loops().stream().map(LoopAccess::engine).toList();
			PortSharing sharing = loops.size() > 1 ? PortSharing.FIRST : PortSharing.EXCLUSIVE;
			List<HttpListener> bound = new CopyOnWriteArrayList<>();
			HttpServerMetrics metrics = config.metricsEnabled() ? HttpServerMetrics.micrometer(config.uriTagValue())
					: HttpServerMetrics.NONE;
			// the first loop picks the port (maybe ephemeral); the others join it
			return open(config, metrics, loops.get(0), host, config.port(), sharing, bound)
					.flatMap(first -> Flux.fromIterable(loops.subList(1, loops.size()))
							.concatMap(el -> open(config, metrics, el, host, first.getPort(), PortSharing.JOIN, bound))
							.then(Mono.<DisposableServer>fromSupplier(() -> {
								metrics.bound(first.getAddress().getHostAddress() + ":" + first.getPort(), loops);
								return new BoundHttpServer(List.copyOf(bound), first, p);
							})))
					.onErrorResume(e -> Flux.fromIterable(bound).flatMap(l -> l.disposeLater(Duration.ZERO))
							.then(p.disposeOwn()).then(Mono.error(e)));
		}));
	}

	private static Mono<InetSocketAddress> open(HttpServerConfig config, HttpServerMetrics metrics, EventLoop el,
			InetAddress host, int port, PortSharing sharing, List<HttpListener> bound) {
		return Mono.create(sink -> {
			HttpListener l = new HttpListener(config, metrics, el);
			bound.add(l); // before open: its sink may complete the bind on another thread at once
			l.open(host, port, sharing, sink);
		});
	}

	@Override
	public InetSocketAddress address() {
		return address;
	}

	@Override
	public Mono<Void> disposeLater(Duration timeout) {
		return Mono.defer(() -> Flux.fromIterable(listeners).flatMap(l -> l.disposeLater(timeout)).then()
				.then(placement.disposeOwn()));
	}

	@Override
	public boolean isDisposed() {
		for (HttpListener l : listeners) {
			if (l.isDisposing()) {
				return true;
			}
		}
		return false;
	}

	@Override
	public Mono<Void> onDispose() {
		return Flux.fromIterable(listeners).flatMap(HttpListener::onStopped).then().then(placement.ownDisposed());
	}

	@Override
	public String toString() {
		return "DisposableServer[" + address + (listeners.size() > 1 ? " on " + listeners.size() + " loops" : "") + "]";
	}
}
