/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.tcp.TcpConnector;
import io.github.reactormongoose.internal.tcp.TcpListener;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

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

	static {
		LoopAccess.install(l -> l.loop);
	}

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

	/** The default options, to change and {@link Builder#build() build}. */
	public static Builder builder() {
		return Builder.DEFAULT;
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
		Checks.positive(period, "period");
		return loop.schedule(initialDelay, period, task);
	}

	/**
	 * Listens on {@code url} ({@code tcp://HOST:PORT}, port 0 for an ephemeral one) when
	 * subscribed. The first event is {@link ConnectionEvent.Type#BOUND}; then every accepted
	 * connection's ACCEPT, READ, WRITE (send buffer fully written), ERROR and CLOSE events,
	 * in order. While the subscriber has
	 * no demand the events queue up to a small limit, then reading from the connections
	 * pauses (no CPU is spent and TCP pushes back on the peers). Cancelling closes the
	 * listener and its connections. A peer's FIN (it shut down its sending side) closes its
	 * connection: see {@link #listen(String, boolean)} to answer such a peer.
	 * @see io.github.reactormongoose.tcp.TcpServer a server with one handler per connection
	 */
	public Flux<ConnectionEvent> listen(String url) {
		return listen(url, false);
	}

	/**
	 * {@link #listen(String)}, and with {@code halfClose} a peer's FIN (it shut down its
	 * sending side: {@code shutdown(SHUT_WR)}, {@code Socket.shutdownOutput()}, and also a
	 * full close) does not close its connection: a {@link ConnectionEvent.Type#HALF_CLOSE}
	 * event follows its last READ, and the connection stays open for sending until you
	 * {@link Connection#drain() drain} or {@link Connection#close() close} it (or the peer
	 * resets it), so that a peer that half-closes after its request gets the whole answer.
	 * Close every connection you are told HALF_CLOSE of, or it stays open.
	 */
	public Flux<ConnectionEvent> listen(String url, boolean halfClose) {
		Objects.requireNonNull(url, "url");
		return Flux.defer(() -> {
			checkActive();
			java.util.regex.Matcher m = LISTEN_PORT.matcher(url);
			if (m.find() && (m.group(1).length() > 5 || Integer.parseInt(m.group(1)) > 65535)) {
				// Mongoose's URL parser would cut it to 16 bits: tcp://h:(p + 65536) listened on port p
				return Flux.error(new IllegalArgumentException("port " + m.group(1) + " of " + url + " is not in 0..65535"));
			}
			return TcpListener.listen(loop, url, halfClose);
		});
	}

	/** The port of a {@code scheme://HOST:PORT} URL, IPv6 hosts in brackets. */
	private static final java.util.regex.Pattern LISTEN_PORT = java.util.regex.Pattern.compile("^[A-Za-z]+://(?:\\[[^\\]]*\\]|[^:/\\[]*):(\\d+)");

	/**
	 * Connects to {@code url} ({@code tcp://HOST:PORT}); host names are resolved by the JDK
	 * resolver off the poll thread. Emits the connection once established; fails with a
	 * {@link MongooseException} whose cause is a {@link java.net.ConnectException} if it
	 * cannot be made.
	 * @see io.github.reactormongoose.tcp.TcpClient a client with a per-connection handler
	 */
	public Mono<Connection> connect(String url) {
		Objects.requireNonNull(url, "url");
		return Mono.defer(() -> {
			checkActive();
			URI u = URI.create(url);
			if (!"tcp".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
				return Mono.error(new IllegalArgumentException("expected tcp://HOST:PORT, got " + url));
			}
			Checks.serverPort(u); // thrown in defer: the Mono fails with it
			return TcpConnector.firstReachable(loop, u.getHost(),
					(addr, sink) -> TcpConnector.connect(loop, Addresses.url("tcp", addr, u.getPort()), sink));
		});
	}

	private void checkActive() {
		if (loop.isShutdown()) {
			throw loop.disposedError("MongooseLoop");
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
		Checks.mayBlock("disposeNow()"); // any poll thread, this loop's or another's: before anything is disposed
		try {
			disposeLater(timeout).block(Checks.atMostForever(timeout).plusSeconds(5));
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
	 * on the poll thread. Completes when done and the poll thread has ended (so
	 * {@link #disposeNow()} returns with the thread gone).
	 */
	public Mono<Void> disposeLater(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		return Mono.defer(() -> {
			loop.shutdown(timeout);
			return loop.threadEnd();
		});
	}

	@Override
	public boolean isDisposed() {
		return loop.isShutdown();
	}

	/** Completes once the manager is freed and the poll thread ended. */
	public Mono<Void> onDispose() {
		return loop.threadEnd();
	}

	@Override
	public String toString() {
		return "MongooseLoop[" + loop.name() + "]";
	}

	/**
	 * Options of a loop; {@link #build()} starts it. Immutable, like {@code HttpServer}: every
	 * option returns a new builder, so one builder can serve as the template of several loops.
	 */
	public static final class Builder {
		private static final Builder DEFAULT = new Builder(null, false, EventLoop.DEFAULT_HIGH_WATER,
				EventLoop.DEFAULT_LOW_WATER, null);

		private final @Nullable String name;
		private final boolean daemon;
		private final int highWater;
		private final int lowWater;
		/** {@code null}: read {@link #MAX_POLL_MILLIS_PROPERTY} when the loop is built. */
		private final @Nullable Duration maxPollTime;

		private Builder(@Nullable String name, boolean daemon, int highWater, int lowWater,
				@Nullable Duration maxPollTime) {
			this.name = name;
			this.daemon = daemon;
			this.highWater = highWater;
			this.lowWater = lowWater;
			this.maxPollTime = maxPollTime;
		}

		/** The poll thread's name (default {@code mongoose-loop-N}). */
		public Builder name(String name) {
			Objects.requireNonNull(name, "name");
			return new Builder(name, daemon, highWater, lowWater, maxPollTime);
		}

		/** Whether the poll thread is a daemon thread (default {@code false}). */
		public Builder daemon(boolean daemon) {
			return new Builder(name, daemon, highWater, lowWater, maxPollTime);
		}

		/**
		 * Send-buffer watermarks per connection: writers pause above {@code high} bytes and
		 * resume at or below {@code low} (defaults 256 KiB / 64 KiB).
		 */
		public Builder writeBufferWaterMark(int low, int high) {
			if (low < 0 || high <= low) {
				throw new IllegalArgumentException("need 0 <= low < high, got " + low + ", " + high);
			}
			return new Builder(name, daemon, high, low, maxPollTime);
		}

		/**
		 * Longest single wait in {@code mg_mgr_poll} when idle (default 1 s, or the system
		 * property {@value MongooseLoop#MAX_POLL_MILLIS_PROPERTY} in ms). Commands and timers
		 * wake the loop earlier, so this only bounds idle latency of shutdown checks.
		 */
		public Builder maxPollTime(Duration maxPollTime) {
			checkMaxPollTime(maxPollTime);
			return new Builder(name, daemon, highWater, lowWater, maxPollTime);
		}

		private static void checkMaxPollTime(Duration maxPollTime) {
			long ms = maxPollTime.toMillis();
			if (ms < 1 || ms > 60_000) {
				throw new IllegalArgumentException("maxPollTime must be 1 ms .. 60 s: " + maxPollTime);
			}
		}

		/** Starts a loop with these options. */
		public MongooseLoop build() {
			Duration poll = maxPollTime != null ? maxPollTime
					: Duration.ofMillis(Long.getLong(MAX_POLL_MILLIS_PROPERTY, 1000L));
			return new MongooseLoop(EventLoop.start(name, daemon, highWater, lowWater, (int) poll.toMillis()));
		}
	}
}
