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
	 * The loop a client option set chose: {@code loop} if given, else the next loop of
	 * {@code loops}, else the next loop of {@link MongooseLoops#shared()}.
	 */
	public static MongooseLoop choose(@Nullable MongooseLoop loop, @Nullable MongooseLoops loops) {
		return loop != null ? loop : (loops != null ? loops : MongooseLoops.shared()).next();
	}

	/** The engine of {@code loop}. */
	public static EventLoop engine(MongooseLoop loop) {
		return accessor.apply(Objects.requireNonNull(loop, "loop"));
	}
}
