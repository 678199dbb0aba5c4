/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.reactormongoose.http.client.HttpClient;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;

/**
 * A request as {@code WebClient} writes it: headers, cookies and the body publisher are
 * collected until the commit, then {@link #sender()} gives the reactor-mongoose request that
 * sends them.
 */
final class MongooseClientHttpRequest extends AbstractClientHttpRequest {

	private final HttpMethod method;

	private final URI uri;

	private final HttpClient client;

	private final DataBufferFactory bufferFactory;

	/** The body, as the client sends it; {@code null}: none. */
	private @Nullable Publisher<ByteBuffer> body;

	MongooseClientHttpRequest(HttpMethod method, URI uri, HttpClient client, DataBufferFactory bufferFactory) {
		this.method = method;
		this.uri = uri;
		this.client = client;
		this.bufferFactory = bufferFactory;
	}

	@Override
	public HttpMethod getMethod() {
		return this.method;
	}

	@Override
	public URI getURI() {
		return this.uri;
	}

	@Override
	public DataBufferFactory bufferFactory() {
		return this.bufferFactory;
	}

	/** The reactor-mongoose {@link HttpClient} that sends this request. */
	@Override
	@SuppressWarnings("unchecked")
	public <T> T getNativeRequest() {
		return (T) this.client;
	}

	@Override
	public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
		return doCommit(() -> {
			// one buffer keeps its Content-Length; each buffer is copied and released
			this.body = body instanceof Mono<? extends DataBuffer> mono ? replayable(mono)
					: Flux.from(body).map(MongooseClientHttpRequest::copy);
			return Mono.empty();
		});
	}

	@Override
	public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		return writeWith(Flux.from(body).concatMap(Flux::from));
	}

	@Override
	public Mono<Void> setComplete() {
		return doCommit();
	}

	/** Headers are read at {@link #sender()}, after the commit made them read-only. */
	@Override
	protected void applyHeaders() {
	}

	/**
	 * The request's cookies go after the cookies of a {@code Cookie} header the application set
	 * (one an {@code ExchangeFilterFunction} forwards from the incoming request, say), in that
	 * header's one line: RFC 6265 §5.4 has a user agent send one {@code Cookie} header.
	 */
	@Override
	protected void applyCookies() {
		if (getCookies().isEmpty()) {
			return;
		}
		// the header's values as set (getValuesAsList would split them at commas)
		Stream<String> present = getHeaders().getOrEmpty("Cookie").stream().map(String::strip)
			.filter(v -> !v.isEmpty());
		Stream<String> added = getCookies().values().stream().flatMap(List::stream).map(HttpCookie::toString);
		getHeaders().set("Cookie", Stream.concat(present, added).collect(Collectors.joining("; ")));
	}

	/** The committed request as the reactor-mongoose client sends it. */
	HttpClient.ResponseReceiver sender() {
		// the request's headers replace the client's defaults of the same name
		HttpClient c = this.client.headers(h -> getHeaders().forEach((name, values) -> {
			h.remove(name);
			for (String v : values) {
				h.add(name, v);
			}
		}));
		HttpClient.RequestSender s = c.request(this.method.name()).uri(this.uri.toString());
		return this.body != null ? s.send(this.body) : s;
	}

	/**
	 * A one-buffer body that gives every subscription the same bytes. The client subscribes to
	 * the body again for each hop of a 307 or 308 redirect, but Spring's encoders write
	 * {@code Mono.just(encoded)}: subscribed again, it gives the buffer the first subscription
	 * read and released (an empty body, or a released Netty buffer). So the first buffer's bytes
	 * are kept and given again; the buffer is released once, when copied. A {@code Mono} body is
	 * whole in memory anyway (the client collects it to send its {@code Content-Length}); a
	 * {@code Flux} is streamed, and subscribed again from its source, never kept.
	 */
	private static Mono<ByteBuffer> replayable(Mono<? extends DataBuffer> body) {
		AtomicReference<byte @Nullable []> copied = new AtomicReference<>();
		Mono<ByteBuffer> first = body.map(MongooseClientHttpRequest::bytes).doOnNext(copied::set).map(ByteBuffer::wrap);
		return Mono.defer(() -> {
			byte[] a = copied.get();
			// a first subscription cancelled before its buffer came has kept nothing: the source again
			return a != null ? Mono.just(ByteBuffer.wrap(a)) : first;
		});
	}

	private static ByteBuffer copy(DataBuffer buffer) {
		return ByteBuffer.wrap(bytes(buffer));
	}

	/** The readable bytes of {@code buffer}, which is released. */
	private static byte[] bytes(DataBuffer buffer) {
		try {
			byte[] a = new byte[buffer.readableByteCount()];
			buffer.read(a);
			return a;
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}
}
