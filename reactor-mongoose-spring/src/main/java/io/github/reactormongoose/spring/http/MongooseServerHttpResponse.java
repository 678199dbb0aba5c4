/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import io.github.reactormongoose.http.server.HttpServerResponse;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;

/**
 * A Spring {@link org.springframework.http.server.reactive.ServerHttpResponse} over a
 * reactor-mongoose {@link HttpServerResponse}.
 * <p>
 * Headers are the native response's own, seen through a {@code MultiValueMap} view (nothing is
 * copied; a name or value with CR, LF or NUL is refused when it is set); status and cookies are
 * kept on the Spring side and handed to the native response once, when Spring commits. A {@code Mono} body becomes one
 * {@link HttpServerResponse#sendWhole sendWhole} (written with {@code Content-Length}); any
 * other body is one {@link HttpServerResponse#sendStream sendStream} (chunked unless the
 * application set {@code Content-Length}): buffers that a publisher emits at once are sent
 * together, a pooled buffer is copied and released as it is taken. Buffers of
 * {@link #writeAndFlushWith} are written one send per buffer as soon as they arrive, which is
 * what Server-Sent Events and streaming JSON need.
 */
public class MongooseServerHttpResponse extends AbstractServerHttpResponse implements ZeroCopyHttpOutputMessage {

	private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

	/**
	 * Buffers requested ahead of the one being written. Reactor Netty prefetches (up to 128),
	 * and applications rely on it: a {@code Flux.interval} body overflows when the writer asks
	 * for one item at a time and a write is momentarily slower than the ticks.
	 */
	private static final int PREFETCH = 32;

	private final HttpServerResponse response;

	public MongooseServerHttpResponse(HttpServerResponse response, DataBufferFactory bufferFactory) {
		super(bufferFactory, new HttpHeaders(new MongooseHeadersAdapter(response.responseHeaders())));
		this.response = response;
	}

	@SuppressWarnings("unchecked")
	@Override
	public <T> T getNativeResponse() {
		return (T) this.response;
	}

	@Override
	public HttpStatusCode getStatusCode() {
		HttpStatusCode status = super.getStatusCode();
		return (status != null ? status : HttpStatusCode.valueOf(this.response.status()));
	}

	@Override
	protected void applyStatusCode() {
		HttpStatusCode status = super.getStatusCode();
		if (status != null) {
			try {
				this.response.status(status.value());
			}
			catch (IllegalArgumentException ex) {
				// an interim status (1xx) cannot be the answer: the commit fails, and WebFlux's
				// error handling, which finds the response half committed, ends the exchange as
				// handled; it must end as the 500 the error is, not as the default 200
				this.response.status(500);
				throw ex;
			}
		}
	}

	@Override
	protected void applyHeaders() {
		// the headers are already the native ones (validated as they were set). The server
		// chooses the framing from them (a Transfer-Encoding: chunked wins over a Content-Length,
		// as with Reactor Netty, and neither line is copied as set), and a Connection header
		// only says whether to keep the connection
		io.github.reactormongoose.http.HttpHeaders headers = this.response.responseHeaders();
		if (headers.containsToken("Connection", "close")) {
			this.response.keepAlive(false);
		}
		headers.remove("Connection");
	}

	/**
	 * Called when the exchange failed before anything was written: headers the application set
	 * on a response Spring never committed are dropped, so the server's error answer carries
	 * none of them (what a response that never reached {@link #applyHeaders()} would have sent).
	 */
	void discardUncommittedHeaders() {
		if (!isCommitted()) {
			getHeaders().clear(); // the view's clear() empties the native headers
		}
	}

	@Override
	protected void applyCookies() {
		io.github.reactormongoose.http.HttpHeaders validated = new io.github.reactormongoose.http.HttpHeaders();
		for (List<ResponseCookie> cookies : getCookies().values()) {
			for (ResponseCookie cookie : cookies) {
				validated.add("Set-Cookie", cookie.toString());
			}
		}
		copy(validated);
	}

	private void copy(io.github.reactormongoose.http.HttpHeaders validated) {
		for (int i = 0; i < validated.size(); i++) {
			this.response.addHeader(validated.nameAt(i), validated.valueAt(i));
		}
	}

	@Override
	protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
		if (body instanceof Mono<? extends DataBuffer> mono) {
			// the whole body: one send, framed with Content-Length
			return mono.flatMap(buffer -> send(buffer, bytes -> this.response.sendWhole(Mono.just(bytes))));
		}
		// one stream: the writer keeps items requested ahead and gathers what arrives at once
		return this.response.sendStream(Flux.from(body).map(MongooseServerHttpResponse::readAndRelease))
				.doOnDiscard(DataBuffer.class, DataBufferUtils::release);
	}

	/**
	 * The bytes of {@code buffer} for a streamed write. A {@link DefaultDataBuffer} is seen
	 * through a view (it holds heap or direct memory that nobody recycles; releasing it does
	 * nothing); any other buffer (pooled, closeable) is copied and released at once, so nothing
	 * it owns is held while the write waits.
	 */
	private static ByteBuffer readAndRelease(DataBuffer buffer) {
		try {
			return toByteBuffer(buffer);
		}
		finally {
			if (!(buffer instanceof DefaultDataBuffer)) {
				DataBufferUtils.release(buffer);
			}
		}
	}

	@Override
	protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		return Flux.from(body)
				.concatMap(inner -> Flux.from(inner).concatMap(this::sendBuffer), PREFETCH)
				.doOnDiscard(DataBuffer.class, DataBufferUtils::release)
				.then();
	}

	/** One streamed send (never framed as the whole body), releasing the buffer afterwards. */
	private Mono<Void> sendBuffer(DataBuffer buffer) {
		return send(buffer, bytes -> this.response.sendStream(Mono.just(bytes)));
	}

	/** Sends the bytes of {@code buffer} with {@code send}, releasing the buffer in every case. */
	private static Mono<Void> send(DataBuffer buffer, java.util.function.Function<ByteBuffer, Mono<Void>> send) {
		ByteBuffer bytes;
		try {
			bytes = toByteBuffer(buffer);
		}
		catch (Throwable ex) {
			DataBufferUtils.release(buffer);
			return Mono.error(ex);
		}
		return send.apply(bytes).doFinally(signal -> DataBufferUtils.release(buffer));
	}

	@Override
	public Mono<Void> writeWith(Path file, long position, long count) {
		return doCommit(() -> this.response.sendFile(file, position, count));
	}

	/** The readable bytes of {@code buffer} as one {@link ByteBuffer}, copying only if needed. */
	static ByteBuffer toByteBuffer(DataBuffer buffer) {
		int n = buffer.readableByteCount();
		if (n == 0) {
			return EMPTY;
		}
		if (buffer instanceof DefaultDataBuffer d) {
			ByteBuffer b = d.getNativeBuffer().duplicate();
			b.clear();
			b.limit(d.writePosition());
			b.position(d.readPosition());
			return b;
		}
		ByteBuffer copy = ByteBuffer.allocate(n);
		buffer.toByteBuffer(copy);
		return copy;
	}

	@Override
	public String toString() {
		@Nullable HttpStatusCode status = super.getStatusCode();
		return "MongooseServerHttpResponse[" + (status != null ? status : this.response.status()) + "]";
	}
}
