/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Where a server or client runs, as its {@code runOn}, {@code loops} and {@code loopName}
 * options chose; first match wins: one given {@link #loop()}, a given group {@link #loops()},
 * loops of its own ({@link #count()} of them, or one when only {@link #name()} is set), else
 * the process-wide {@link MongooseLoops#shared()} group. Immutable; shared by every server
 * and client builder so that they all place work the same way.
 *
 * @param loop one given loop, or {@code null}
 * @param loops a given group, or {@code null}
 * @param count how many loops a server starts for itself (0: none)
 * @param name the own loop's thread name, or the own loops' name prefix
 */
public record LoopChoice(@Nullable MongooseLoop loop, @Nullable MongooseLoops loops, int count, @Nullable String name) {

	/** Nothing chosen: the shared group. */
	public static final LoopChoice SHARED = new LoopChoice(null, null, 0, null);

	private static final AtomicInteger COUNTER = new AtomicInteger();

	/** On {@code loop} only (replaces a group or own loops). */
	public LoopChoice on(MongooseLoop loop) {
		return new LoopChoice(loop, null, 0, name);
	}

	/** On every loop of {@code loops} (replaces a loop or own loops). */
	public LoopChoice on(MongooseLoops loops) {
		return new LoopChoice(null, loops, 0, name);
	}

	/** On {@code n} loops of its own (replaces a given loop or group). */
	public LoopChoice own(int n) {
		if (n < 1 || n > 1024) {
			throw new IllegalArgumentException("loops must be 1..1024: " + n);
		}
		return new LoopChoice(null, null, n, name);
	}

	/** The own loop's thread name (or prefix, with several). */
	public LoopChoice named(String name) {
		return new LoopChoice(loop, loops, count, name);
	}

	/**
	 * A client's loop for one new connection or request: {@link LoopAccess#choose} (on a poll
	 * thread of the group, that loop; else the group's loops in turn).
	 * @throws IllegalStateException if the given loop or group is disposed
	 */
	public MongooseLoop next() {
		return LoopAccess.choose(loop, loops);
	}

	/**
	 * A server's warm-up ({@code HttpServer.warmup()}, {@code TcpServer.warmup()}): loads the
	 * native library and starts the shared group when the server runs on it; a given loop or
	 * group runs already, and loops of its own start at bind.
	 */
	public void warmUpServer() {
		io.github.reactormongoose.internal.jni.NativeConstants.ensureLoaded();
		if (equals(SHARED)) {
			MongooseLoops.shared();
		}
	}

	/**
	 * A server's loops, starting its own ones if it asked for them (threads {@link #name()},
	 * or {@code <kind>-N} with a process-wide counter N).
	 * @throws IllegalStateException if the given loop or group is disposed
	 */
	public Placement place(String kind) {
		MongooseLoop l = loop;
		if (l != null) {
			LoopAccess.checkRunning(l);
			return new Placement(List.of(l), null, null);
		}
		MongooseLoops g = loops;
		if (g != null) {
			LoopAccess.checkRunning(g);
			return new Placement(g.liveLoops(), null, null);
		}
		String prefix = name != null ? name : kind + "-" + COUNTER.incrementAndGet();
		if (count > 1) {
			MongooseLoops own = MongooseLoops.create(prefix, count);
			return new Placement(own.loops(), own, null);
		}
		if (count == 1 || name != null) {
			MongooseLoop own = MongooseLoop.builder().name(prefix).build();
			return new Placement(List.of(own), null, own);
		}
		return new Placement(MongooseLoops.shared().liveLoops(), null, null);
	}

	@Override
	public String toString() {
		MongooseLoop l = loop;
		MongooseLoops g = loops;
		if (l != null) {
			return "on " + l.name();
		}
		if (g != null) {
			return "on " + g;
		}
		if (count > 0 || name != null) {
			return "on " + Math.max(count, 1) + " own loop(s)" + (name != null ? " " + name : "");
		}
		return "on the shared loops";
	}

	/**
	 * The loops a server runs on, and those it owns (disposed with it).
	 *
	 * @param loops every loop the server listens on, in order
	 * @param ownGroup the group it started, or {@code null}
	 * @param ownLoop the one loop it started, or {@code null}
	 */
	public record Placement(List<MongooseLoop> loops, @Nullable MongooseLoops ownGroup, @Nullable MongooseLoop ownLoop) {

		/** Disposes the loops the server started (none: completes at once); completes when they are freed. */
		public Mono<Void> disposeOwn() {
			MongooseLoops g = ownGroup;
			MongooseLoop l = ownLoop;
			if (g != null) {
				return g.disposeLater(Duration.ZERO);
			}
			return l != null ? l.disposeLater(Duration.ZERO) : Mono.empty();
		}

		/** Completes when the loops the server started are freed (none: at once). */
		public Mono<Void> ownDisposed() {
			MongooseLoops g = ownGroup;
			MongooseLoop l = ownLoop;
			if (g != null) {
				return g.onDispose();
			}
			return l != null ? l.onDispose() : Mono.empty();
		}
	}
}
