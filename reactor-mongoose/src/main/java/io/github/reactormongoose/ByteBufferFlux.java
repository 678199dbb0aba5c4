/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

import io.github.reactormongoose.internal.BytesAccess;
import io.github.reactormongoose.internal.tcp.StringDecoder;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxOperator;
import reactor.core.publisher.Mono;

/**
 * A {@code Flux<ByteBuffer>} with the conversions of Reactor Netty's {@code ByteBufFlux}:
 * {@link #asString()}, {@link #asByteArray()}, {@link #asInputStream()} and
 * {@link #aggregate()}, so that {@code req.receive().aggregate().asString()} and
 * {@code inbound.receive().asString()} read as there. It is what
 * {@code HttpServerRequest.receive()}, {@code TcpInbound.receive()} and the HTTP client's
 * {@code responseContent()} and {@code response((res, body) -> ...)} give.
 * <p>
 * It is the flux it wraps, not a copy of it: subscribing to it (or to a conversion) subscribes
 * to the source, with the source's rules: a request or connection body has one subscriber, and
 * its reading follows demand. Operators ({@code map}, {@code flatMap}...) return a plain
 * {@link Flux}. The buffers are private copies: nothing to retain or release.
 */
public final class ByteBufferFlux extends FluxOperator<ByteBuffer, ByteBuffer> {

	static {
		BytesAccess.install(ByteBufferFlux::new);
	}

	private final Function<Flux<ByteBuffer>, Mono<byte[]>> aggregator;

	private ByteBufferFlux(Flux<ByteBuffer> source, Function<Flux<ByteBuffer>, Mono<byte[]>> aggregator) {
		super(source);
		this.aggregator = aggregator;
	}

	/**
	 * {@code source} as a {@code ByteBufferFlux} (itself if it is one), as Reactor Netty's
	 * {@code ByteBufFlux.fromInbound}. Its {@link #aggregate()} has no limit.
	 */
	public static ByteBufferFlux fromInbound(Publisher<? extends ByteBuffer> source) {
		Objects.requireNonNull(source, "source");
		if (source instanceof ByteBufferFlux f) {
			return f;
		}
		return new ByteBufferFlux(Flux.from(source), ByteBufferFlux::join);
	}

	/** Each string of {@code source} encoded as UTF-8, as Reactor Netty's {@code ByteBufFlux.fromString}. */
	public static ByteBufferFlux fromString(Publisher<? extends String> source) {
		return fromString(source, StandardCharsets.UTF_8);
	}

	/** Each string of {@code source} encoded with {@code charset}. */
	public static ByteBufferFlux fromString(Publisher<? extends String> source, Charset charset) {
		Objects.requireNonNull(source, "source");
		Objects.requireNonNull(charset, "charset");
		return fromInbound(Flux.from(source).map(s -> ByteBuffer.wrap(s.getBytes(charset))));
	}

	/** {@link #asString(Charset)} in UTF-8. */
	public Flux<String> asString() {
		return asString(StandardCharsets.UTF_8);
	}

	/**
	 * The bytes decoded with {@code charset}: a string per buffer, except that a character split
	 * between two buffers is decoded whole, with the second (Reactor Netty's decodes each buffer
	 * alone). Empty strings are left out; malformed input becomes the replacement character. The
	 * strings follow the buffers (the reads), not lines or messages: frame them yourself, or
	 * {@link #aggregate()} first.
	 */
	public Flux<String> asString(Charset charset) {
		Objects.requireNonNull(charset, "charset");
		return StringDecoder.decode(this, charset);
	}

	/** Each buffer's remaining bytes as a new array (the buffer's position is not moved). */
	public Flux<byte[]> asByteArray() {
		return map(ByteBufferFlux::bytes);
	}

	/** Each buffer's remaining bytes as an {@link InputStream} (over a copy; nothing to close). */
	public Flux<InputStream> asInputStream() {
		return map(b -> new ByteArrayInputStream(bytes(b)));
	}

	/**
	 * All the bytes, joined into one array once the flux completes; an empty array when it
	 * completes without bytes (where Reactor Netty's {@code aggregate()} is empty). On a server's
	 * request body ({@code HttpServerRequest.receive()}) it is {@code receiveBytes()}: limited to
	 * the server's {@code maxAggregatedBodySize}, beyond which it fails with
	 * {@code RequestBodyTooLargeException} (413 when it reaches the server before the response
	 * started); elsewhere it has no limit, as the client's {@code responseSingle}.
	 */
	public ByteArrayMono aggregate() {
		return new ByteArrayMono(aggregator.apply(this));
	}

	@Override
	public void subscribe(CoreSubscriber<? super ByteBuffer> actual) {
		source.subscribe(actual);
	}

	/** {@code buffers} joined, not moving their positions; {@code byte[0]} for none. */
	private static Mono<byte[]> join(Flux<ByteBuffer> buffers) {
		return buffers.collect(ByteArrayOutputStream::new, (out, b) -> out.writeBytes(bytes(b)))
				.map(ByteArrayOutputStream::toByteArray);
	}

	private static byte[] bytes(ByteBuffer b) {
		byte[] a = new byte[b.remaining()];
		b.get(b.position(), a);
		return a;
	}
}
