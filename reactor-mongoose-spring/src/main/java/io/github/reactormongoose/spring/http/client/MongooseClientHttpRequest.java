/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Collectors;

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
			// one buffer keeps its Content-Length; the client copies each buffer and releases it
			this.body = body instanceof Mono<? extends DataBuffer> mono ? mono.map(MongooseClientHttpRequest::copy)
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

	@Override
	protected void applyCookies() {
		if (!getCookies().isEmpty()) {
			getHeaders().set("Cookie", getCookies().values().stream().flatMap(List::stream)
				.map(HttpCookie::toString).collect(Collectors.joining("; ")));
		}
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

	private static ByteBuffer copy(DataBuffer buffer) {
		try {
			byte[] a = new byte[buffer.readableByteCount()];
			buffer.read(a);
			return ByteBuffer.wrap(a);
		}
		finally {
			DataBufferUtils.release(buffer);
		}
	}
}
