/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoOperator;

/**
 * A whole body as a {@code Mono<byte[]>}, with the conversions of Reactor Netty's
 * {@code ByteBufMono}: {@link #asString()}, {@link #asByteArray()}, {@link #asByteBuffer()} and
 * {@link #asInputStream()}. {@link ByteBufferFlux#aggregate()},
 * {@code HttpServerRequest.receiveBytes()} and the body of the HTTP client's
 * {@code responseSingle((res, bytes) -> ...)} give one, so that both
 * {@code bytes.asString()} and {@code bytes.map(b -> new String(b, UTF_8))} work.
 * <p>
 * It is the {@code Mono} it wraps: subscribing to it subscribes to the source; operators
 * ({@code map}, {@code flatMap}...) return a plain {@link Mono}. Each array is the
 * subscriber's own.
 */
public final class ByteArrayMono extends MonoOperator<byte[], byte[]> {

	ByteArrayMono(Mono<byte[]> source) {
		super(source);
	}

	/** The bytes as UTF-8 text. */
	public Mono<String> asString() {
		return asString(StandardCharsets.UTF_8);
	}

	/** The bytes decoded with {@code charset}; malformed input becomes the replacement character. */
	public Mono<String> asString(Charset charset) {
		Objects.requireNonNull(charset, "charset");
		return map(b -> new String(b, charset));
	}

	/** The bytes: this {@code Mono} itself, as Reactor Netty's {@code asByteArray()}. */
	public Mono<byte[]> asByteArray() {
		return this;
	}

	/** The bytes in a heap buffer over the array (position 0, limit its length). */
	public Mono<ByteBuffer> asByteBuffer() {
		return map(ByteBuffer::wrap);
	}

	/** The bytes as an {@link InputStream} (over the array; nothing to close). */
	public Mono<InputStream> asInputStream() {
		return map(ByteArrayInputStream::new);
	}

	@Override
	public void subscribe(CoreSubscriber<? super byte[]> actual) {
		source.subscribe(actual);
	}
}
