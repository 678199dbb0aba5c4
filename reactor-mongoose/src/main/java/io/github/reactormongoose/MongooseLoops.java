/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.LoopAccess;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A group of {@link MongooseLoop}s, one poll thread and one Mongoose manager each, used and
 * disposed as one: Reactor Netty's {@code LoopResources} for this library.
 * <pre>{@code
 * MongooseLoops loops = MongooseLoops.create(4);           // threads mongoose-loops-1-0 .. -3
 * DisposableServer s = HttpServer.create().runOn(loops)...bindNow();
 * ...
 * loops.disposeNow();
 * }</pre>
 * A server on a group listens on the same address from every loop ({@code SO_REUSEPORT}: the
 * kernel spreads new connections); a connection stays on the loop that accepted it, and its
 * handler, timers and writes run there. {@link #shared()} is the process-wide default group
 * that servers and clients use when they are given none.
 * <p>
 * A loop of the group that stops on its own (its poll thread failed, or it was disposed alone)
 * is out of the group for new work: {@link #next()}, and the servers and clients placed on the
 * group, take the {@link #liveLoops()} only, and it is logged once. The group counts as
 * disposed once its disposal started or every loop has stopped. ({@link #shared()} is replaced
 * whole at its next use instead.)
 */
public final class MongooseLoops implements Disposable {

	/** System property: the size of {@link #shared()} (default: available processors). */
	public static final String LOOPS_PROPERTY = "io.github.reactormongoose.loops";

	private static final Logger log = Loggers.getLogger(MongooseLoops.class);
	private static final AtomicInteger COUNTER = new AtomicInteger();
	private static final Object SHARED_LOCK = new Object();
	private static @Nullable MongooseLoops shared;
	/**
	 * Groups {@link #shared()} replaced while some of their loops still ran (one loop's poll
	 * thread failed, the others serve on), for {@link #disposeShared} to stop. Under {@code SHARED_LOCK}.
	 */
	private static final List<MongooseLoops> replaced = new ArrayList<>();

	private final String prefix;
	private final List<MongooseLoop> loops;
	private final AtomicInteger next = new AtomicInteger();
	/** Per loop: 1 once it was logged as out of the group. */
	private final AtomicIntegerArray reported;
	private volatile boolean disposing;

	private MongooseLoops(String prefix, List<MongooseLoop> loops) {
		this.prefix = prefix;
		this.loops = List.copyOf(loops);
		this.reported = new AtomicIntegerArray(loops.size());
	}

	/** {@code n} loops with non-daemon threads named {@code mongoose-loops-<k>-<i>}. */
	public static MongooseLoops create(int n) {
		return create("mongoose-loops-" + COUNTER.incrementAndGet(), n);
	}

	/** {@code n} loops with non-daemon threads named {@code <prefix>-<i>}, i from 0. */
	public static MongooseLoops create(String prefix, int n) {
		return create(prefix, n, MongooseLoop.builder());
	}

	/**
	 * {@code n} loops built from {@code template} (daemon flag, watermarks, poll time), with
	 * threads named {@code <prefix>-<i>}. If a loop cannot start, those already started are
	 * disposed and the error is thrown.
	 */
	public static MongooseLoops create(String prefix, int n, MongooseLoop.Builder template) {
		Objects.requireNonNull(prefix, "prefix");
		Objects.requireNonNull(template, "template");
		if (n < 1 || n > 1024) {
			throw new IllegalArgumentException("loops must be 1..1024: " + n);
		}
		List<MongooseLoop> started = new ArrayList<>(n);
		try {
			for (int i = 0; i < n; i++) {
				started.add(template.name(prefix + "-" + i).build());
			}
		}
		catch (RuntimeException e) {
			started.forEach(MongooseLoop::dispose);
			throw e;
		}
		return new MongooseLoops(prefix, started);
	}

	/**
	 * The process-wide group (daemon threads {@code mongoose-<i>}, {@link #defaultSize()}
	 * loops), started on first use; after {@link #disposeShared(Duration)} the next use starts a new one.
	 */
	public static MongooseLoops shared() {
		synchronized (SHARED_LOCK) {
			MongooseLoops s = shared;
			// a shared group that lost a loop is replaced whole (what is left of it serves on
			// what it holds until disposeShared); a group of the application goes on without it
			if (s == null || s.anyDisposed()) {
				if (s != null && !s.allDisposed()) {
					replaced.add(s);
				}
				s = create("mongoose", defaultSize(), MongooseLoop.builder().daemon(true));
				shared = s;
			}
			return s;
		}
	}

	/**
	 * Disposes the process-wide group, if started, waiting up to {@code timeout} (servers
	 * still on it are closed), like Reactor Netty's {@code HttpResources.disposeLoopsAndConnections};
	 * also what is left of a shared group that a loop's failure made {@link #shared()} replace.
	 */
	public static void disposeShared(Duration timeout) {
		Checks.mayBlock("disposeShared()"); // before the group is let go: refused, it stays reachable
		List<MongooseLoops> groups;
		synchronized (SHARED_LOCK) {
			groups = new ArrayList<>(replaced);
			replaced.clear();
			if (shared != null) {
				groups.add(shared);
			}
			shared = null;
		}
		for (MongooseLoops g : groups) {
			g.disposeNow(timeout);
		}
	}

	/** Whether the process-wide group is running. */
	public static boolean isSharedStarted() {
		synchronized (SHARED_LOCK) {
			return shared != null && !shared.isDisposed();
		}
	}

	/** The size of {@link #shared()}: {@value #LOOPS_PROPERTY}, else {@link Runtime#availableProcessors()}. */
	public static int defaultSize() {
		int n = Integer.getInteger(LOOPS_PROPERTY, Runtime.getRuntime().availableProcessors());
		if (n < 1) {
			throw new IllegalArgumentException(LOOPS_PROPERTY + " must be at least 1: " + n);
		}
		return n;
	}

	/** How many loops. */
	public int size() {
		return loops.size();
	}

	/** Loop {@code i}, from 0. */
	public MongooseLoop get(int i) {
		return loops.get(i);
	}

	/** The loops, in order. */
	public List<MongooseLoop> loops() {
		return loops;
	}

	/**
	 * The loops still running, in order: without those that stopped on their own (a failed poll
	 * thread, or disposed alone), which the group no longer gives new work. Empty once the
	 * group is disposed.
	 */
	public List<MongooseLoop> liveLoops() {
		// all running (the usual case, once per client request): the group's list, nothing allocated
		return anyDisposed() ? withoutStopped() : loops;
	}

	private List<MongooseLoop> withoutStopped() {
		List<MongooseLoop> live = new ArrayList<>(loops.size());
		for (int i = 0; i < loops.size(); i++) {
			MongooseLoop l = loops.get(i);
			if (!l.isDisposed()) {
				live.add(l);
			}
			else if (!disposing && reported.compareAndSet(i, 0, 1)) {
				Throwable f = LoopAccess.engine(l).failure();
				log.warn("{}: loop {} {}; it is out of the group, which goes on with the others", this, l.name(),
						f != null ? "has stopped: its poll thread failed with " + f : "is disposed");
			}
		}
		return live;
	}

	/**
	 * The live loops in turn (for spreading outbound connections); a loop that stopped on its
	 * own is skipped (see {@link #liveLoops()}). When none is left, one of the stopped loops,
	 * whose use then fails saying why it stopped.
	 */
	public MongooseLoop next() {
		List<MongooseLoop> live = liveLoops();
		List<MongooseLoop> from = live.isEmpty() ? loops : live;
		return from.get(Math.floorMod(next.getAndIncrement(), from.size()));
	}

	/** The thread-name prefix. */
	public String prefix() {
		return prefix;
	}

	/** Disposes every loop without waiting. */
	@Override
	public void dispose() {
		disposing = true;
		loops.forEach(MongooseLoop::dispose);
	}

	/** Disposes gracefully and waits up to 3 s. */
	public void disposeNow() {
		disposeNow(Duration.ofSeconds(3));
	}

	/**
	 * Disposes every loop gracefully (connections get up to {@code timeout} to finish) and
	 * blocks until all are freed and their poll threads have ended.
	 * @throws IllegalStateException if called on one of the poll threads, or if the loops did
	 *     not stop within {@code timeout} plus 5 s
	 */
	public void disposeNow(Duration timeout) {
		Checks.mayBlock("disposeNow()"); // any poll thread, this loop's or another's: before anything is disposed
		try {
			disposeLater(timeout).block(Checks.atMostForever(timeout).plusSeconds(5));
		}
		catch (IllegalStateException e) {
			if (e.getCause() instanceof TimeoutException) {
				throw new IllegalStateException("MongooseLoops " + prefix + " could not be stopped within " + timeout, e);
			}
			throw e;
		}
	}

	/** Graceful, non-blocking disposal of every loop; completes when all are freed and their threads ended. */
	public Mono<Void> disposeLater(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		return Mono.defer(() -> {
			disposing = true;
			return Flux.fromIterable(loops).flatMap(l -> l.disposeLater(timeout)).then();
		});
	}

	/**
	 * Whether the group's disposal started, or every loop has stopped; a loop that stopped on
	 * its own while others run does not dispose the group (see {@link #liveLoops()}).
	 */
	@Override
	public boolean isDisposed() {
		return disposing || allDisposed();
	}

	/** Whether disposal started of some loop. */
	private boolean anyDisposed() {
		for (int i = 0; i < loops.size(); i++) { // indexed: no iterator on a client's request path
			if (loops.get(i).isDisposed()) {
				return true;
			}
		}
		return false;
	}

	/** Whether disposal started of every loop. */
	private boolean allDisposed() {
		for (MongooseLoop l : loops) {
			if (!l.isDisposed()) {
				return false;
			}
		}
		return true;
	}

	/** Completes once every loop is freed and its poll thread ended. */
	public Mono<Void> onDispose() {
		return Flux.fromIterable(loops).flatMap(MongooseLoop::onDispose).then();
	}

	@Override
	public String toString() {
		return "MongooseLoops[" + prefix + " x " + loops.size() + "]";
	}
}
