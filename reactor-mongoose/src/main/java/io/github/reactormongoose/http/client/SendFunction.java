/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.EventLoop;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.ContextView;

/**
 * The function of {@code send((req, out) -> ...)}: run for each request that sends a body (each
 * subscription, each redirect that sends the body again), before the request takes a
 * connection and never on a poll thread, it sets the request's headers and records its body.
 */
final class SendFunction {

	private static final byte[] EMPTY = new byte[0];

	/**
	 * What one run of the function decided.
	 * @param fixed a body of known length, or {@code null}
	 * @param stream a body of unknown length, or {@code null}
	 * @param responseTimeout the request's own response timeout, or {@code null} for the client's
	 */
	record Prepared(byte @Nullable [] fixed, @Nullable Publisher<? extends ByteBuffer> stream,
			@Nullable Duration responseTimeout, List<Consumer<? super HttpHeaders>> trailers) {
	}

	private final BiFunction<? super HttpClientRequest, ? super HttpClientOutbound, ? extends Publisher<Void>> function;

	SendFunction(BiFunction<? super HttpClientRequest, ? super HttpClientOutbound, ? extends Publisher<Void>> function) {
		this.function = function;
	}

	/**
	 * Runs the function for a request with these {@code headers} (changed in place), then
	 * gathers a body made of {@code Mono}s. On a poll thread (a redirect, whose response
	 * arrived there, or a subscriber on one) the function runs on {@code boundedElastic}.
	 */
	Mono<Prepared> prepare(String method, String uri, HttpHeaders headers, int redirects) {
		Mono<Prepared> p = Mono.deferContextual(ctx -> run(new Request(method, uri, headers, redirects, ctx)));
		return EventLoop.onAnyPollThread() ? p.subscribeOn(Schedulers.boundedElastic()) : p;
	}

	private Mono<Prepared> run(Request req) {
		Run run = new Run();
		Publisher<Void> returned;
		try {
			returned = function.apply(req, run.root);
		}
		catch (RuntimeException e) {
			run.close(req);
			return Mono.error(e);
		}
		if (returned == null) {
			run.close(req);
			return Mono.error(new NullPointerException("The send function returned null: return the outbound, or out.then()"));
		}
		Mono<Outbound> body = returned instanceof Outbound o && o.run == run ? Mono.just(o)
				: Flux.from(returned).then(Mono.fromSupplier(() -> run.last));
		return body.doOnError(e -> run.close(req)).flatMap(o -> {
			run.close(req);
			Duration timeout = req.responseTimeout;
			List<Consumer<? super HttpHeaders>> trailers = List.copyOf(req.trailers);
			Publisher<? extends ByteBuffer> b = o.body;
			if (b == null) {
				return Mono.just(new Prepared(EMPTY, null, timeout, trailers));
			}
			if (o.sized) {
				return ByteBufferFlux.fromInbound(b).aggregate().map(bytes -> new Prepared(bytes, null, timeout, trailers));
			}
			return Mono.just(new Prepared(null, b, timeout, trailers));
		});
	}

	/** One run of the function: its outbounds, the last one made, and whether sends are still taken. */
	private static final class Run {

		final Outbound root = new Outbound(this, null, true);
		volatile Outbound last = root;
		volatile boolean closed;

		void close(Request req) {
			closed = true;
			req.open = false;
		}
	}

	/** A body: the sends so far, in order ({@code sized}: all of them {@code Mono}s). */
	private static final class Outbound implements HttpClientOutbound {

		final Run run;
		final @Nullable Publisher<? extends ByteBuffer> body;
		final boolean sized;

		Outbound(Run run, @Nullable Publisher<? extends ByteBuffer> body, boolean sized) {
			this.run = run;
			this.body = body;
			this.sized = sized;
		}

		@Override
		public HttpClientOutbound send(Publisher<? extends ByteBuffer> next) {
			Objects.requireNonNull(next, "body");
			if (run.closed) {
				throw new IllegalStateException("The request's body is fixed: send in the send function, before it returns");
			}
			boolean mono = next instanceof Mono;
			Outbound o = body == null ? new Outbound(run, next, mono) : new Outbound(run, Flux.concat(body, next), sized && mono);
			run.last = o;
			return o;
		}

		@Override
		public HttpClientOutbound sendByteArray(Publisher<? extends byte[]> next) {
			Objects.requireNonNull(next, "body");
			return send(next instanceof Mono<? extends byte[]> m ? m.map(ByteBuffer::wrap) : Flux.from(next).map(ByteBuffer::wrap));
		}

		@Override
		public HttpClientOutbound sendString(Publisher<? extends String> next, Charset charset) {
			Objects.requireNonNull(next, "body");
			Objects.requireNonNull(charset, "charset");
			return send(next instanceof Mono<? extends String> m ? m.map(s -> ByteBuffer.wrap(s.getBytes(charset)))
					: Flux.from(next).map(s -> ByteBuffer.wrap(s.getBytes(charset))));
		}

		@Override
		public Mono<Void> then() {
			return Mono.empty();
		}

		@Override
		public void subscribe(Subscriber<? super Void> s) {
			Mono.<Void>empty().subscribe(s);
		}

		@Override
		public String toString() {
			return "HttpClientOutbound[" + (body == null ? "no body" : sized ? "Content-Length" : "chunked") + "]";
		}
	}

	/** The request as the function sees it: headers, cookies, trailers and timeout open until it returned. */
	private static final class Request implements HttpClientRequest {

		private final String method;
		private final String uri;
		private final HttpHeaders headers;
		private final int redirects;
		private final ContextView context;
		volatile boolean open = true;
		final List<Consumer<? super HttpHeaders>> trailers = new ArrayList<>();
		@Nullable Duration responseTimeout;

		Request(String method, String uri, HttpHeaders headers, int redirects, ContextView context) {
			this.method = method;
			this.uri = uri;
			this.headers = headers;
			this.redirects = redirects;
			this.context = context;
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
		public HttpHeaders requestHeaders() {
			return open ? headers : Exchange.readOnlyCopy(headers, n -> true);
		}

		@Override
		public HttpClientRequest addCookie(Cookie cookie) {
			Objects.requireNonNull(cookie, "cookie");
			checkOpen("cookies");
			ClientCookies.add(headers, cookie);
			return this;
		}

		@Override
		public HttpClientRequest trailerHeaders(Consumer<? super HttpHeaders> callback) {
			Objects.requireNonNull(callback, "callback");
			checkOpen("trailers");
			trailers.add(callback);
			return this;
		}

		@Override
		public int redirects() {
			return redirects;
		}

		@Override
		public HttpClientRequest responseTimeout(Duration timeout) {
			Duration checked = Checks.positive(timeout, "responseTimeout");
			checkOpen("its response timeout");
			responseTimeout = checked;
			return this;
		}

		private void checkOpen(String what) {
			if (!open) {
				throw new IllegalStateException("The send function returned: " + what
						+ " can only be set while it runs (or in doOnRequest)");
			}
		}

		@Override
		public ContextView currentContextView() {
			return context;
		}

		@Override
		public String toString() {
			return method + " " + uri;
		}
	}
}
