/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.ListenLimits;
import io.github.reactormongoose.internal.loop.ListenerHandler;
import io.github.reactormongoose.internal.loop.LoopAccess;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/** A bound {@link HttpServer}: the listener's handler and the server's lifecycle. */
final class BoundHttpServer implements DisposableServer, ListenerHandler {

	static final Logger log = Loggers.getLogger(HttpServer.class);
	private static final AtomicInteger COUNTER = new AtomicInteger();

	final HttpServerConfig config;
	final MongooseLoop loop;
	final EventLoop el;
	private final boolean ownLoop;
	private final Set<HttpConnection> connections = new LinkedHashSet<>();
	private final Sinks.Empty<Void> stopped = Sinks.empty();
	private Channel listener;
	private volatile InetSocketAddress address;
	private volatile boolean disposing;
	private boolean listenerClosed;
	private Disposable forceTimer;
	private long forceDeadline;

	private BoundHttpServer(HttpServerConfig config, MongooseLoop loop, boolean ownLoop) {
		this.config = config;
		this.loop = loop;
		this.el = LoopAccess.engine(loop);
		this.ownLoop = ownLoop;
	}

	static Mono<DisposableServer> bind(HttpServerConfig config) {
		return Addresses.resolve(config.host()).flatMap(addr -> Mono.create(sink -> {
			MongooseLoop given = config.loop();
			boolean own = given == null;
			MongooseLoop loop;
			try {
				String name = config.loopName();
				loop = given != null ? given
						: MongooseLoop.builder().name(name != null ? name : "mongoose-http-" + COUNTER.incrementAndGet()).build();
			}
			catch (RuntimeException e) {
				sink.error(e);
				return;
			}
			BoundHttpServer b = new BoundHttpServer(config, loop, own);
			try {
				b.el.executeOrRun(() -> {
					String url = Addresses.url("http", addr, config.port());
					try {
						b.listener = b.el.listen(url, Kind.HTTP, new ListenLimits(config.maxRequestBodySize(),
								config.maxHeaderSize(), config.maxWebsocketFrameSize(), HttpServer.DEFAULT_PIPELINE_LIMIT), b);
					}
					catch (RuntimeException e) {
						if (own) {
							loop.dispose();
						}
						sink.error(e);
						return;
					}
					b.address = b.listener.address(true);
					b.el.onShutdown(() -> b.beginDispose(Duration.ofDays(1)));
					sink.success(b);
				});
			}
			catch (RuntimeException e) {
				sink.error(e);
			}
		}));
	}

	// ---- listener events (poll thread) ----

	@Override
	public ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
		if (disposing) {
			return null;
		}
		HttpConnection c = new HttpConnection(this, child, local, remote);
		connections.add(c);
		c.startIdleTimer();
		return c;
	}

	@Override
	public void onClosed() {
		listenerClosed = true;
		checkStopped();
	}

	void removed(HttpConnection c) {
		connections.remove(c);
		checkStopped();
	}

	boolean isDisposing() {
		return disposing;
	}

	// ---- lifecycle ----

	private void beginDispose(Duration timeout) {
		if (disposing) {
			// a later, shorter timeout wins
			long deadline = System.nanoTime() + timeout.toNanos();
			if (forceTimer != null && deadline - forceDeadline < 0) {
				forceTimer.dispose();
				scheduleForce(timeout);
			}
			return;
		}
		disposing = true;
		listener.close();
		for (HttpConnection c : new ArrayList<>(connections)) {
			c.closeWhenIdle();
		}
		if (!connections.isEmpty()) {
			scheduleForce(timeout);
		}
		checkStopped();
	}

	private void scheduleForce(Duration timeout) {
		forceDeadline = System.nanoTime() + timeout.toNanos();
		forceTimer = el.schedule(timeout, () -> {
			for (HttpConnection c : new ArrayList<>(connections)) {
				c.forceClose();
			}
		});
	}

	private void checkStopped() {
		if (disposing && listenerClosed && connections.isEmpty()) {
			if (forceTimer != null) {
				forceTimer.dispose();
			}
			stopped.tryEmitEmpty();
		}
	}

	@Override
	public InetSocketAddress address() {
		return address;
	}

	@Override
	public Mono<Void> disposeLater(Duration timeout) {
		return Mono.defer(() -> {
			if (!el.isTerminated()) {
				el.executeOrRun(() -> beginDispose(timeout));
			}
			else {
				stopped.tryEmitEmpty();
			}
			Mono<Void> done = stopped.asMono();
			return ownLoop ? done.then(loop.disposeLater(Duration.ZERO)) : done;
		});
	}

	@Override
	public void disposeNow(Duration timeout) {
		if (el.inEventLoop()) {
			throw new IllegalStateException("disposeNow() would block the poll thread; use disposeLater()");
		}
		try {
			disposeLater(timeout).block(timeout.plusSeconds(5));
		}
		catch (IllegalStateException e) {
			throw new IllegalStateException("Socket couldn't be stopped within " + timeout.toMillis() + "ms", e);
		}
	}

	@Override
	public void dispose() {
		disposeLater(Duration.ZERO).subscribe(null, e -> log.warn("dispose failed", e));
	}

	@Override
	public boolean isDisposed() {
		return disposing;
	}

	@Override
	public Mono<Void> onDispose() {
		return ownLoop ? stopped.asMono().then(loop.onDispose()) : stopped.asMono();
	}

	@Override
	public String toString() {
		return "DisposableServer[" + address + "]";
	}
}
