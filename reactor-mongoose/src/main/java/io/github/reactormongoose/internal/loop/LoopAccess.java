/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.Objects;
import java.util.function.Function;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import org.jspecify.annotations.Nullable;

/**
 * Gives this library's protocol packages the engine behind a public {@link MongooseLoop}
 * without a public method that returns an internal type (the JDK's "shared secrets" idiom).
 * {@code MongooseLoop} installs the accessor when its class initialises.
 */
public final class LoopAccess {

	private static volatile Function<MongooseLoop, EventLoop> accessor;

	private LoopAccess() {
	}

	/** Called once by {@code MongooseLoop}. */
	public static void install(Function<MongooseLoop, EventLoop> a) {
		accessor = Objects.requireNonNull(a);
	}

	/**
	 * The loop of a client's new connection or request: {@code loop} if given; else, of
	 * {@code loops} (the process-wide {@link MongooseLoops#shared()} group when {@code null}),
	 * the loop whose poll thread is calling (work started in a handler stays on its loop),
	 * else the group's next loop in turn.
	 * @throws IllegalStateException if the given loop or group is disposed
	 */
	public static MongooseLoop choose(@Nullable MongooseLoop loop, @Nullable MongooseLoops loops) {
		if (loop != null) {
			checkRunning(loop);
			return loop;
		}
		MongooseLoops group = loops != null ? loops : MongooseLoops.shared();
		checkRunning(group);
		for (MongooseLoop m : group.liveLoops()) {
			if (m.inLoop()) {
				return m;
			}
		}
		return group.next();
	}

	/**
	 * Refuses a disposed loop.
	 * @throws IllegalStateException if {@code loop} is disposed
	 */
	public static void checkRunning(MongooseLoop loop) {
		if (loop.isDisposed()) {
			throw new IllegalStateException("MongooseLoop " + loop.name() + " is disposed");
		}
	}

	/**
	 * Refuses a disposed group.
	 * @throws IllegalStateException if {@code loops} is disposed
	 */
	public static void checkRunning(MongooseLoops loops) {
		if (loops.isDisposed()) {
			throw new IllegalStateException(loops + " is disposed");
		}
	}

	/** The engine of {@code loop}. */
	public static EventLoop engine(MongooseLoop loop) {
		return accessor.apply(Objects.requireNonNull(loop, "loop"));
	}
}
