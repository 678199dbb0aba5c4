/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;

/**
 * The buffers of a whole body ({@link HttpServerResponse#sendWhole}), joined once they are all
 * in. A single heap buffer that spans its whole array is kept without a copy. Not thread-safe:
 * fed by one publisher's serial signals.
 */
final class WholeBody {

	private byte @Nullable [] first;
	private @Nullable ByteArrayOutputStream joined;

	void add(ByteBuffer b) {
		if (joined != null) {
			append(joined, b);
		}
		else if (first == null) {
			first = toArray(b);
		}
		else {
			joined = new ByteArrayOutputStream(first.length + b.remaining());
			joined.writeBytes(first);
			first = null;
			append(joined, b);
		}
	}

	/** The whole body, or {@code null} if the publisher sent no item. */
	byte @Nullable [] bytes() {
		return joined != null ? joined.toByteArray() : first;
	}

	private static void append(ByteArrayOutputStream out, ByteBuffer b) {
		if (b.hasArray()) {
			out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
		}
		else {
			out.writeBytes(toArray(b));
		}
	}

	/** The bytes of one buffer (its array itself when it spans the whole array), not consuming it. */
	static byte[] bytesOf(ByteBuffer b) {
		return toArray(b);
	}

	/**
	 * {@code body} mapped with {@code mapper}: now when it is there already ({@code Mono.just},
	 * {@code Mono.empty}, {@code Mono.error}: a scalar, so that sending the result subscribes
	 * nothing), else when subscribed.
	 */
	static <T> Mono<ByteBuffer> map(Mono<T> body, Function<? super T, ByteBuffer> mapper) {
		if (!(body instanceof Fuseable.ScalarCallable<?> scalar)) {
			return body.map(mapper);
		}
		try {
			@SuppressWarnings("unchecked")
			T value = (T) scalar.call();
			return value == null ? Mono.empty() : Mono.just(mapper.apply(value));
		}
		catch (Throwable t) {
			return Mono.error(Exceptions.unwrap(t));
		}
	}

	private static byte[] toArray(ByteBuffer b) {
		if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
			return b.array();
		}
		byte[] a = new byte[b.remaining()];
		b.duplicate().get(a);
		return a;
	}
}
