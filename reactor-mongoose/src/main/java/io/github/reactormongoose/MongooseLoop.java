/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.ChannelHandler;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.jni.NativeConstants;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One Mongoose event manager ({@code mg_mgr}) and the dedicated poll thread that drives it.
 * <pre>{@code
 * MongooseLoop loop = MongooseLoop.create();
 * loop.listen("tcp://127.0.0.1:0")
 *     .filter(e -> e.type() == ConnectionEvent.Type.READ)
 *     .flatMap(e -> e.connection().send(e.data()))   // echo
 *     .subscribe();
 * ...
 * loop.disposeNow();
 * }</pre>
 * Only the poll thread calls Mongoose. Every method here may be called from any thread:
 * commands are queued and the poll thread is woken by one coalesced {@code mg_wakeup}.
 * Events and subscriber callbacks run on the poll thread, which is marked
 * {@link reactor.core.scheduler.NonBlocking}: blocking there throws; offload blocking work with
 * {@code publishOn(Schedulers.boundedElastic())}.
 */
public final class MongooseLoop implements Disposable {

	/** System property with the default {@link Builder#maxPollTime(Duration) maximum poll time} in ms. */
	public static final String MAX_POLL_MILLIS_PROPERTY = "io.github.reactormongoose.loop.maxPollMillis";

	private final EventLoop loop;

	private MongooseLoop(EventLoop loop) {
		this.loop = loop;
	}

	/** Starts a loop with default settings (non-daemon poll thread). */
	public static MongooseLoop create() {
		return builder().build();
	}

	/** Starts a loop whose poll thread has the given name. */
	public static MongooseLoop create(String name) {
		return builder().name(name).build();
	}

	public static Builder builder() {
		return new Builder();
	}

	/** The version of Mongoose compiled into the native library. */
	public static String mongooseVersion() {
		return NativeConstants.MONGOOSE_VERSION;
	}

	/** The poll thread's name. */
	public String name() {
		return loop.name();
	}

	/** Whether the calling thread is this loop's poll thread. */
	public boolean inLoop() {
		return loop.inEventLoop();
	}

	/**
	 * The engine behind this loop, for the protocol modules of this library.
	 * Not a stable API.
	 */
	public EventLoop eventLoop() {
		return loop;
	}

	/** Runs {@code task} on the poll thread. */
	public void execute(Runnable task) {
		checkActive();
		loop.execute(task);
	}

	/** Runs {@code task} once on the poll thread after {@code delay} (resolution: 1 ms). */
	public Disposable schedule(Duration delay, Runnable task) {
		checkActive();
		return loop.schedule(Objects.requireNonNull(delay, "delay"), task);
	}

	/** Runs {@code task} on the poll thread after {@code initialDelay}, then every {@code period}. */
	public Disposable schedulePeriodically(Duration initialDelay, Duration period, Runnable task) {
		checkActive();
		if (period.isZero() || period.isNegative()) {
			throw new IllegalArgumentException("period must be positive: " + period);
		}
		return loop.schedule(initialDelay, period, task);
	}

	/**
	 * Listens on {@code url} ({@code tcp://HOST:PORT}, port 0 for an ephemeral one) when
	 * subscribed. The first event is {@link ConnectionEvent.Type#BOUND}; then every accepted
	 * connection's ACCEPT, READ, WRITE (send buffer fully written), ERROR and CLOSE events,
	 * in order. While the subscriber has
	 * no demand the events queue up to a small limit, then reading from the connections
	 * pauses (no CPU is spent and TCP pushes back on the peers). Cancelling closes the
	 * listener and its connections.
	 */
	public Flux<ConnectionEvent> listen(String url) {
		Objects.requireNonNull(url, "url");
		return Flux.defer(() -> {
			checkActive();
			Listener l = new Listener(url);
			loop.executeOrRun(l::bind);
			return l.events;
		});
	}

	/**
	 * Connects to {@code url} ({@code tcp://HOST:PORT}); host names are resolved by the JDK
	 * resolver off the poll thread. Emits the connection once established.
	 */
	public Mono<Connection> connect(String url) {
		Objects.requireNonNull(url, "url");
		return Mono.defer(() -> {
			checkActive();
			URI u = URI.create(url);
			if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
				return Mono.error(new IllegalArgumentException("expected tcp://HOST:PORT, got " + url));
			}
			return Addresses.resolve(u.getHost()).flatMap(addr -> Mono.<Connection>create(sink -> loop.executeOrRun(
					() -> openOutbound(Addresses.url("tcp", addr, u.getPort()), sink))));
		});
	}

	private void openOutbound(String url, MonoSink<Connection> sink) {
		final TcpConnection[] holder = new TcpConnection[1];
		final boolean[] connected = new boolean[1];
		ChannelHandler pending = new ChannelHandler() {
			@Override
			public void onConnect(InetSocketAddress local, InetSocketAddress remote) {
				connected[0] = true;
				holder[0].addresses(local, remote);
				loop.register(holder[0].id, holder[0]);
				sink.success(holder[0]);
			}

			@Override
			public void onError(String message) {
				if (!connected[0]) {
					sink.error(new MongooseException("connect to " + url + " failed: " + message));
				}
			}

			@Override
			public void onClosed() {
				if (!connected[0]) {
					sink.error(new ConnectionClosedException("connect to " + url + " failed: connection closed"));
				}
			}
		};
		long id;
		try {
			id = loop.connect(url, NativeConstants.KIND_TCP, pending);
		}
		catch (RuntimeException e) {
			sink.error(e);
			return;
		}
		holder[0] = new TcpConnection(loop, id, null, null);
	}

	private void checkActive() {
		if (loop.isShutdown()) {
			throw new IllegalStateException("MongooseLoop " + loop.name() + " is disposed");
		}
	}

	/** Closes every connection and frees the manager, without waiting. Idempotent. */
	@Override
	public void dispose() {
		loop.shutdown(Duration.ZERO);
	}

	/** Disposes and waits up to 3 s. */
	public void disposeNow() {
		disposeNow(Duration.ofSeconds(3));
	}

	/**
	 * Disposes gracefully: stops accepting, lets connections finish for up to {@code timeout},
	 * then closes the rest; blocks until the manager is freed.
	 * @throws IllegalStateException if the loop did not stop within {@code timeout} plus 5 s
	 */
	public void disposeNow(Duration timeout) {
		if (loop.inEventLoop()) {
			throw new IllegalStateException("disposeNow() would block the poll thread; use disposeLater()");
		}
		try {
			disposeLater(timeout).block(timeout.plusSeconds(5));
		}
		catch (IllegalStateException e) {
			if (e.getCause() instanceof TimeoutException) {
				throw new IllegalStateException("MongooseLoop " + loop.name() + " could not be stopped within " + timeout, e);
			}
			throw e;
		}
	}

	/**
	 * Graceful, non-blocking disposal: on subscription, stops accepting, waits until every
	 * connection has closed or {@code timeout} passed, closes the rest and frees the manager
	 * on the poll thread. Completes when done.
	 */
	public Mono<Void> disposeLater(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		return Mono.defer(() -> {
			loop.shutdown(timeout);
			return loop.terminationFuture();
		});
	}

	@Override
	public boolean isDisposed() {
		return loop.isShutdown();
	}

	/** Completes once the manager is freed and the poll thread ended. */
	public Mono<Void> onDispose() {
		return loop.terminationFuture();
	}

	@Override
	public String toString() {
		return "MongooseLoop[" + loop.name() + "]";
	}

	/** The listener behind {@link #listen(String)}. Poll-thread state. */
	private final class Listener implements ChannelHandler {
		final String url;
		final Map<Long, TcpConnection> children = new LinkedHashMap<>();
		final InboundQueue<ConnectionEvent> events;
		long id;
		boolean closed;

		Listener(String url) {
			this.url = url;
			this.events = new InboundQueue<>(loop, 256, 64, this::pauseAll, this::resumeAll, this::closeAll, e -> {
			});
		}

		void bind() {
			try {
				id = loop.listen(url, NativeConstants.KIND_TCP, 0, 1, 1, 1, this);
			}
			catch (RuntimeException e) {
				events.fail(e);
				return;
			}
			TcpConnection self = new TcpConnection(loop, id, loop.address(id, true), null);
			events.offer(new ConnectionEvent(ConnectionEvent.Type.BOUND, self, ByteBuffer.allocate(0), null));
			loop.onShutdown(this::closeListener);
		}

		void closeListener() {
			if (id != 0) {
				loop.control(id, NativeConstants.OP_CLOSE);
			}
		}

		void pauseAll() {
			for (TcpConnection c : children.values()) {
				loop.control(c.id, NativeConstants.OP_PAUSE);
			}
		}

		void resumeAll() {
			for (TcpConnection c : children.values()) {
				loop.control(c.id, NativeConstants.OP_RESUME);
			}
		}

		void closeAll() {
			closeListener();
			for (TcpConnection c : children.values()) {
				loop.control(c.id, NativeConstants.OP_CLOSE);
			}
		}

		@Override
		public ChannelHandler onAccept(long childId, InetSocketAddress local, InetSocketAddress remote) {
			if (closed) {
				return null;
			}
			TcpConnection c = new TcpConnection(loop, childId, local, remote);
			c.events = e -> {
				if (e.type() == ConnectionEvent.Type.CLOSE) {
					children.remove(childId);
				}
				events.offer(e);
			};
			children.put(childId, c);
			events.offer(new ConnectionEvent(ConnectionEvent.Type.ACCEPT, c, ByteBuffer.allocate(0), null));
			return c;
		}

		@Override
		public void onClosed() {
			closed = true;
			if (children.isEmpty()) {
				events.complete();
			}
			else {
				// complete after the last child closed
				for (TcpConnection c : children.values()) {
					java.util.function.Consumer<ConnectionEvent> prev = c.events;
					c.events = e -> {
						prev.accept(e);
						if (e.type() == ConnectionEvent.Type.CLOSE && children.isEmpty()) {
							events.complete();
						}
					};
				}
			}
		}
	}

	/** Options of a loop; {@link #build()} starts it. */
	public static final class Builder {
		private String name;
		private boolean daemon;
		private int highWater = EventLoop.DEFAULT_HIGH_WATER;
		private int lowWater = EventLoop.DEFAULT_LOW_WATER;
		private Duration maxPollTime = Duration.ofMillis(Long.getLong(MAX_POLL_MILLIS_PROPERTY, 1000L));

		private Builder() {
		}

		/** The poll thread's name (default {@code mongoose-loop-N}). */
		public Builder name(String name) {
			this.name = Objects.requireNonNull(name, "name");
			return this;
		}

		/** Whether the poll thread is a daemon thread (default {@code false}). */
		public Builder daemon(boolean daemon) {
			this.daemon = daemon;
			return this;
		}

		/**
		 * Send-buffer watermarks per connection: writers pause above {@code high} bytes and
		 * resume at or below {@code low} (defaults 256 KiB / 64 KiB).
		 */
		public Builder writeBufferWaterMark(int low, int high) {
			if (low < 0 || high <= low) {
				throw new IllegalArgumentException("need 0 <= low < high, got " + low + ", " + high);
			}
			this.lowWater = low;
			this.highWater = high;
			return this;
		}

		/**
		 * Longest single wait in {@code mg_mgr_poll} when idle (default 1 s). Commands and
		 * timers wake the loop earlier, so this only bounds idle latency of shutdown checks.
		 */
		public Builder maxPollTime(Duration maxPollTime) {
			long ms = maxPollTime.toMillis();
			if (ms < 1 || ms > 60_000) {
				throw new IllegalArgumentException("maxPollTime must be 1 ms .. 60 s: " + maxPollTime);
			}
			this.maxPollTime = maxPollTime;
			return this;
		}

		public MongooseLoop build() {
			return new MongooseLoop(EventLoop.start(name, daemon, highWater, lowWater, (int) maxPollTime.toMillis()));
		}
	}
}
