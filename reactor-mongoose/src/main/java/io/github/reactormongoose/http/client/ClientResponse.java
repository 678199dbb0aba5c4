/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.nio.ByteBuffer;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** The response of one {@link Exchange}, with its body queue. */
final class ClientResponse implements HttpClientResponse {

	private final int status;
	private final String reason;
	private final String version;
	private final HttpHeaders headers;
	private final String method;
	private final String uri;
	private final int redirects;
	private final InboundQueue<ByteBuffer> body;
	private final EventLoop loop;
	private final Exchange exchange;

	/** How many gzip layers the body has to lose: a transfer coding and a content coding. */
	private final int gunzips;
	/** The trailer fields, once the body ended; an error if it did not end. */
	private final Sinks.One<HttpHeaders> trailers = Sinks.one();

	ClientResponse(EventLoop loop, Exchange exchange, int status, String reason, String version, HttpHeaders headers, String method, String uri,
			int redirects, InboundQueue<ByteBuffer> body, int gunzips) {
		this.gunzips = gunzips;
		this.status = status;
		this.reason = reason;
		this.version = version;
		this.headers = headers;
		this.method = method;
		this.uri = uri;
		this.redirects = redirects;
		this.body = body;
		this.loop = loop;
		this.exchange = exchange;
	}

	/** The exchange that got this response (for a WebSocket upgrade). */
	Exchange exchange() {
		return exchange;
	}

	@Override
	public int status() {
		return status;
	}

	@Override
	public String reasonPhrase() {
		return reason;
	}

	@Override
	public HttpHeaders responseHeaders() {
		return headers;
	}

	@Override
	public String version() {
		return version;
	}

	@Override
	public String method() {
		return method;
	}

	@Override
	public String uri() {
		return uri;
	}

	@Override
	public int redirects() {
		return redirects;
	}

	@Override
	public Mono<HttpHeaders> trailerHeaders() {
		return trailers.asMono();
	}

	/** Poll thread: the body ended, with these trailer fields (none: empty). */
	void ended(HttpHeaders trailerFields) {
		trailers.tryEmitValue(trailerFields);
	}

	/** Poll thread: the body will not end (an error, or its subscriber left): no trailers. */
	void failed(Throwable e) {
		trailers.tryEmitError(e);
	}

	/** The body pieces as they arrive, decoded if they are gzip (HttpClient.compress); one subscriber. */
	Flux<ByteBuffer> body() {
		Flux<ByteBuffer> b = body;
		for (int i = 0; i < gunzips; i++) {
			b = GzipDecoder.decode(b);
		}
		return b;
	}

	/**
	 * The most of an unread body {@link #discard()} reads and drops (1 MiB, in the spirit of the
	 * server's {@code maxDiscardedBodySize}); past it the connection is closed instead, as
	 * Reactor Netty closes one after a few MiB.
	 */
	static final long MAX_DISCARDED = 1024 * 1024;

	/**
	 * Reads and drops the body unless someone subscribed to it, so that the connection can be
	 * reused (Reactor Netty's "drain on release"), up to {@link #MAX_DISCARDED} bytes: a longer
	 * body, or an endless one, is cancelled, which closes the connection, instead of being read
	 * on the poll thread for as long as it lasts with its connection busy. Errors are dropped
	 * too: the connection is closed by then.
	 */
	void discard() {
		loop.executeOrRun(() -> {
			if (!body.hasSubscriber()) {
				body.subscribe(new BaseSubscriber<ByteBuffer>() {
					private long dropped;

					@Override
					protected void hookOnNext(ByteBuffer b) {
						dropped += b.remaining();
						if (dropped > MAX_DISCARDED) {
							cancel();
						}
					}

					@Override
					protected void hookOnError(Throwable t) {
					}
				});
			}
		});
	}

	@Override
	public String toString() {
		return "HttpClientResponse[" + method + " " + uri + " -> " + version + " " + status + "]";
	}
}
