/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.Objects;
import java.util.function.Function;

import io.github.reactormongoose.MongooseLoop;

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

	/** The engine of {@code loop}. */
	public static EventLoop engine(MongooseLoop loop) {
		return accessor.apply(Objects.requireNonNull(loop, "loop"));
	}
}
