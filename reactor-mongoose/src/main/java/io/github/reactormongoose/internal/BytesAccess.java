/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

import io.github.reactormongoose.ByteBufferFlux;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Makes a public {@link ByteBufferFlux} whose {@code aggregate()} is this library's own (the
 * server's, with its body limit) without a public factory that takes one (the JDK's "shared
 * secrets" idiom, as {@code LoopAccess}): {@code ByteBufferFlux} installs the factory when its
 * class initialises.
 */
public final class BytesAccess {

	private static volatile @Nullable BiFunction<Flux<ByteBuffer>, Function<Flux<ByteBuffer>, Mono<byte[]>>, ByteBufferFlux> factory;

	private BytesAccess() {
	}

	/** Called once, by {@code ByteBufferFlux}'s static initialiser. */
	public static void install(BiFunction<Flux<ByteBuffer>, Function<Flux<ByteBuffer>, Mono<byte[]>>, ByteBufferFlux> f) {
		factory = Objects.requireNonNull(f);
	}

	/** {@code source} as a {@link ByteBufferFlux} whose {@code aggregate()} is {@code aggregator}'s. */
	public static ByteBufferFlux flux(Flux<ByteBuffer> source, Function<Flux<ByteBuffer>, Mono<byte[]>> aggregator) {
		BiFunction<Flux<ByteBuffer>, Function<Flux<ByteBuffer>, Mono<byte[]>>, ByteBufferFlux> f = factory;
		if (f == null) {
			initialise(ByteBufferFlux.class); // its static initialiser installs the factory
			f = Objects.requireNonNull(factory, "ByteBufferFlux not initialised");
		}
		return f.apply(source, aggregator);
	}

	private static void initialise(Class<?> c) {
		try {
			Class.forName(c.getName(), true, c.getClassLoader());
		}
		catch (ClassNotFoundException e) {
			throw new IllegalStateException(e);
		}
	}
}
