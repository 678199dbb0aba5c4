/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.io.LastChunk;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import io.github.reactormongoose.internal.metrics.HttpClientMetrics;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.MonoSink;
import reactor.util.Loggers;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * One request and its response on one pooled connection (Reactor Netty's
 * {@code HttpClientOperations}). Poll thread only, from {@link #start()} on. The response
 * sink gets the head; the body goes through an {@link InboundQueue} that pauses reading the
 * socket while its subscriber has no demand. The connection goes back to the pool only when
 * the request was sent and the response ended exactly; on any error or early cancel it is
 * closed.
 */
final class Exchange implements ConnectionPool.Acquirer, ResponseParser.Listener {

	/** Body pieces queued before reading pauses, and the level at which it resumes. */
	private static final int BODY_HIGH = 16;
	private static final int BODY_LOW = 4;
	private static final byte[] CRLF = {'\r', '\n'};
	/** The methods retried after a stale keep-alive connection lost them (RFC 9110 9.2.2). */
	private static final java.util.Set<String> IDEMPOTENT = java.util.Set.of("GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE");

	/**
	 * What to send.
	 * @param fixedBody a body of known length (Content-Length), or {@code null}
	 * @param streamBody a body of unknown length (chunked), or {@code null}
	 * @param upgrade whether a 101 answer is the final one (WebSocket)
	 * @param responseTimeout this request's response timeout ({@code send((req, out) -> ...)}'s), or {@code null}
	 * @param trailers the trailer callbacks the send function added
	 */
	record Request(String method, String uri, String target, String hostHeader, HttpHeaders headers,
			byte @Nullable [] fixedBody, @Nullable Publisher<? extends ByteBuffer> streamBody, boolean upgrade,
			int redirects, @Nullable Duration responseTimeout, List<Consumer<? super HttpHeaders>> trailers) {
	}

	private final ClientConfig config;
	private final Request request;
	/** The pool the request was handed to, which may hand it on (ConnectionPool.acquire); poll thread once started. */
	private ConnectionPool pool;
	private final EventLoop loop;
	private final MonoSink<ClientResponse> sink;
	private @Nullable ClientConnection conn;
	private @Nullable InboundQueue<ByteBuffer> body;
	private @Nullable WriteSubscriber<ByteBuffer> writer;
	private @Nullable Disposable timer;
	private long lastRead;
	private boolean paused;
	/** A streamed request body waits for the socket to drain (not for its source). */
	private boolean bodyBlocked;
	private boolean headDone;
	private boolean responseEnded;
	private boolean requestSent;
	/** Bytes of a streamed request body written so far. */
	private long bodySent;
	private boolean done;
	private boolean retried;
	private @Nullable ByteBuffer upgradeLeftover;
	/** The response once its head arrived, for the hooks. */
	private @Nullable ClientResponse response;
	/** The request as the hooks see it; made on first use. */
	private @Nullable RequestView view;
	/** The client's response timeout, or the one the send function or doOnRequest set for this request. */
	private @Nullable Duration responseTimeout;
	/** doOnRequest ran (not again when a stale keep-alive connection makes the exchange retry). */
	private boolean requestHooked;
	/** The connection the request's hooks see: the one that took it (once taken). */
	private @Nullable ClientConnection hookConnection;
	/** When the request's head was written, and the response body bytes so far (metrics). */
	private long writtenAt;
	/** While waiting for a busy pooled connection: fails the request at pendingAcquireTimeout. */
	private @Nullable Disposable acquireTimer;
	private long bytesReceived;

	Exchange(ClientConfig config, Request request, ConnectionPool pool, MonoSink<ClientResponse> sink) {
		this.config = config;
		this.request = request;
		this.pool = pool;
		this.loop = pool.loop;
		this.sink = sink;
		this.responseTimeout = request.responseTimeout() != null ? request.responseTimeout() : config.responseTimeout;
	}

	/** Any thread: asks the pool for a connection. */
	void start() {
		sink.onCancel(() -> loop.executeOrRun(this::cancel));
		loop.executeOrRun(() -> pool = pool.acquire(this));
	}

	@Override
	public Duration connectTimeout() {
		return config.connectTimeout;
	}

	@Override
	public HttpClientMetrics metrics() {
		return config.metrics;
	}

	@Override
	public Duration pendingAcquireTimeout() {
		return config.pendingAcquireTimeout;
	}

	@Override
	public void waitingSince(Disposable timer) {
		acquireTimer = timer;
	}

	private void stopAcquireTimer() {
		Disposable t = acquireTimer;
		if (t != null) {
			acquireTimer = null;
			t.dispose();
		}
	}

	/** The request's path without its query, for the {@code uri} tag. */
	private String path() {
		String t = request.target();
		int q = t.indexOf('?');
		return q < 0 ? t : t.substring(0, q);
	}

	@Override
	public void onError(Throwable e) {
		stopAcquireTimer();
		if (!done) {
			done = true;
			reportFailure(e);
			sink.error(e);
		}
	}

	/** A failed exchange: the error meter, then the error hooks of the request or of its response. */
	private void reportFailure(Throwable e) {
		if (config.metrics != HttpClientMetrics.NONE) {
			config.metrics.error(pool.remote(), request.method(), path());
		}
		ClientResponse r = response;
		if (r == null) {
			ClientHooks.runError(config.hooks.onRequestError(), view(), e);
		}
		else {
			ClientHooks.runError(config.hooks.onResponseError(), r, e);
		}
	}

	/** The request as the hooks and the redirect predicate see it (headers read-only once written). */
	HttpClientRequest request() {
		return view();
	}

	/** The request for the hooks. */
	private RequestView view() {
		RequestView v = view;
		if (v == null) {
			v = new RequestView();
			v.open = conn == null; // once a connection took the request, its headers are being sent
			view = v;
		}
		return v;
	}

	/** The request as hooks see it: headers mutable until it is written. */
	private final class RequestView implements HttpClientRequest {

		Exchange exchange() {
			return Exchange.this;
		}

		private boolean open = true;
		private @Nullable HttpHeaders sent;
		/** {@link #trailerHeaders}, in order. */
		private List<Consumer<? super HttpHeaders>> trailers = request.trailers();

		@Override
		public String method() {
			return request.method();
		}

		@Override
		public String uri() {
			return request.uri();
		}

		@Override
		public HttpHeaders requestHeaders() {
			if (open) {
				return request.headers();
			}
			HttpHeaders h = sent;
			if (h == null) {
				h = readOnlyCopy(request.headers(), n -> true);
				sent = h;
			}
			return h;
		}

		@Override
		public HttpClientRequest trailerHeaders(Consumer<? super HttpHeaders> callback) {
			Objects.requireNonNull(callback, "callback");
			if (!open) {
				throw new IllegalStateException("The request is written: trailers can only be added in doOnRequest");
			}
			trailers = ClientHooks.plus(trailers, callback);
			return this;
		}

		@Override
		public HttpClientRequest addCookie(Cookie cookie) {
			Objects.requireNonNull(cookie, "cookie");
			if (!open) {
				throw new IllegalStateException("The request is written: cookies can only be added in doOnRequest");
			}
			ClientCookies.add(request.headers(), cookie);
			return this;
		}

		@Override
		public int redirects() {
			return request.redirects();
		}

		@Override
		public HttpClientRequest responseTimeout(Duration timeout) {
			Duration checked = Checks.positive(timeout, "responseTimeout");
			if (!open) {
				throw new IllegalStateException("The request is written: its response timeout can only be set in doOnRequest");
			}
			responseTimeout = checked;
			return this;
		}

		@Override
		public ContextView currentContextView() {
			return sink.contextView();
		}

		@Override
		public String toString() {
			return request.method() + " " + request.uri();
		}
	}

	@Override
	public void onConnection(ClientConnection c) {
		stopAcquireTimer();
		if (done) {
			c.pool.release(c); // cancelled while waiting
			return;
		}
		hookConnection = c;
		if (!c.announced) {
			// a new connection: the hooks of the client whose request takes it first
			c.announced = true;
			if (!config.onConnected.isEmpty() || !config.onDisconnected.isEmpty()) {
				ClientConnectionView cv = c.view();
				List<Consumer<? super Connection>> disconnected = config.onDisconnected;
				if (!disconnected.isEmpty()) {
					cv.onClose().subscribe(null, null, () -> disconnected(disconnected, cv));
				}
				try {
					ClientHooks.run(config.onConnected, cv);
				}
				catch (RuntimeException e) {
					c.close(); // nothing was written on it
					fail(e);
					return;
				}
			}
		}
		Consumer<? super HttpClientRequest> onRedirect = request.redirects() > 0 ? config.redirectRequestConsumer : null;
		if (!requestHooked && (onRedirect != null || !config.hooks.onRequest().isEmpty())) {
			requestHooked = true;
			RequestView v = view();
			try {
				if (onRedirect != null) {
					onRedirect.accept(v);
				}
				ClientHooks.run(config.hooks.onRequest(), v); // may still change the headers
			}
			catch (RuntimeException e) {
				c.pool.release(c); // nothing was written on it
				fail(e);
				return;
			}
			finally {
				v.open = false;
			}
		}
		else if (view != null) {
			view.open = false;
		}
		conn = c;
		c.attach(this);
		c.parser.expect(request.method(), request.upgrade(), config.maxHeaderSize, config.maxStatusLine, config.maxHeaders,
				config.allowDuplicateContentLengths, this);
		lastRead = System.nanoTime();
		if (responseTimeout != null) {
			armTimeout(responseTimeout.toNanos());
		}
		writeRequest(c);
	}

	private static void disconnected(List<Consumer<? super Connection>> hooks, Connection c) {
		try {
			ClientHooks.run(hooks, c);
		}
		catch (RuntimeException e) {
			Loggers.getLogger(HttpClient.class).error("doOnDisconnected failed for " + c, e);
		}
	}

	/**
	 * The connection of the request a {@code doOnRequest} hook got ({@code request}: the
	 * exchange's own view), for {@code doOnRequest((req, connection) -> ...)}.
	 */
	static Connection connectionOf(HttpClientRequest request) {
		ClientConnection c = ((RequestView) request).exchange().hookConnection;
		if (c == null) {
			throw new IllegalStateException("no connection yet for " + request);
		}
		return c.view();
	}

	// ---- request ----

	private void writeRequest(ClientConnection c) {
		writtenAt = System.nanoTime();
		StringBuilder h = new StringBuilder(128).append(request.method()).append(' ');
		ConnectionPool pool = c.pool;
		if (pool.absoluteForm && c.absoluteHost != null) {
			// plain HTTP through an HTTP proxy: absolute form (RFC 9112, 3.2.2)
			h.append("http://").append(c.absoluteHost).append(pool.port != 80 ? ":" + pool.port : "");
		}
		h.append(request.target()).append(" HTTP/1.1\r\n");
		HttpHeaders headers = request.headers();
		if (!headers.contains("Host")) {
			h.append("Host: ").append(request.hostHeader()).append("\r\n");
		}
		if (pool.absoluteForm && pool.proxy != null) {
			HttpHeaders forProxy;
			try {
				forProxy = pool.proxy.proxyHeaders(); // runs the application's password function and headers
			}
			catch (RuntimeException e) {
				fail(e);
				return;
			}
			for (int i = 0; i < forProxy.size(); i++) {
				if (!headers.contains(forProxy.nameAt(i))) {
					h.append(forProxy.nameAt(i)).append(": ").append(forProxy.valueAt(i)).append("\r\n");
				}
			}
		}
		for (int i = 0; i < headers.size(); i++) {
			String n = headers.nameAt(i);
			if (!n.equalsIgnoreCase("Content-Length") && !n.equalsIgnoreCase("Transfer-Encoding")) {
				h.append(n).append(": ").append(headers.valueAt(i)).append("\r\n");
			}
		}
		if (!config.keepAlive && !headers.contains("Connection")) {
			h.append("Connection: close\r\n");
		}
		byte[] fixed = request.fixedBody();
		Publisher<? extends ByteBuffer> stream = request.streamBody();
		long declared;
		try {
			declared = stream == null ? -1 : declaredLength(headers);
		}
		catch (IllegalArgumentException e) {
			fail(e);
			return;
		}
		if (declared >= 0) {
			h.append("Content-Length: ").append(declared).append("\r\n"); // the application knows the length
		}
		else if (stream != null) {
			h.append("Transfer-Encoding: chunked\r\n");
		}
		else if (fixed != null && (fixed.length > 0 || !request.method().equals("GET") && !request.method().equals("HEAD"))) {
			h.append("Content-Length: ").append(fixed.length).append("\r\n");
		}
		h.append("\r\n");
		byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
		long r;
		if (fixed != null && fixed.length > 0) {
			if (fixed.length <= 16 * 1024) {
				byte[] all = new byte[head.length + fixed.length];
				System.arraycopy(head, 0, all, 0, head.length);
				System.arraycopy(fixed, 0, all, head.length, fixed.length);
				r = c.channel().write(all, 0, all.length);
			}
			else {
				r = c.channel().writeMore(head, 0, head.length);
				if (r >= 0) {
					writeFixed(c, fixed, 0);
					return;
				}
			}
		}
		else {
			r = c.channel().write(head, 0, head.length);
		}
		if (r < 0) {
			writeFailed(c, r);
			return;
		}
		if (stream == null) {
			requestSent();
			return;
		}
		WriteSubscriber<ByteBuffer> w = new WriteSubscriber<>(loop, new WriteSubscriber.Target<ByteBuffer>() {
			@Override
			public long write(ByteBuffer item) {
				int n = item.remaining();
				if (n == 0) {
					return 0; // an empty chunk would end the body
				}
				bodySent += n;
				lastRead = System.nanoTime(); // the connection takes it: progress, as a slice of a Mono body
				if (declared >= 0) {
					if (bodySent > declared) {
						throw new IllegalArgumentException("The request body is longer than its Content-Length " + declared);
					}
					return c.channel().write(item);
				}
				byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
				long x = c.channel().write(size, 0, size.length);
				if (x >= 0) {
					x = c.channel().write(item);
				}
				if (x >= 0) {
					x = c.channel().write(CRLF, 0, 2);
				}
				return x;
			}

			@Override
			public void awaitWritable(Runnable action) {
				bodyBlocked = true; // waiting for the server to read: the response timeout runs
				c.channel().awaitWritable(() -> {
					bodyBlocked = false;
					lastRead = System.nanoTime();
					action.run();
				});
			}

			@Override
			public Channel gatherOn() {
				return c.channel();
			}
		}, e -> {
			if (done || conn != c) {
				return;
			}
			if (e != null) {
				if (e instanceof AbortedException && (c.channel().isClosed() || c.error() != null)) {
					// a send refused because the connection is closing under the body (the server reset
					// it): the close is the error, as when it comes between two pieces of the body
					fail(new PrematureCloseException("Connection closed while the request body was being sent"
							+ (c.error() != null ? ": " + c.error() : "")));
					return;
				}
				fail(e);
				return;
			}
			if (declared >= 0) {
				if (bodySent != declared) {
					fail(new IllegalArgumentException("The request body has " + bodySent + " bytes, its Content-Length says "
							+ declared));
				}
				else {
					requestSent();
				}
				return;
			}
			byte[] last;
			try {
				last = lastChunk();
			}
			catch (RuntimeException failed) {
				fail(failed);
				return;
			}
			long x = c.channel().write(last, 0, last.length);
			if (x < 0) {
				fail(Errors.toException(x, "send request"));
			}
			else {
				requestSent();
			}
		}, Context.of(sink.contextView()));
		writer = w;
		stream.subscribe(w);
	}

	/** The last chunk, with the trailer fields of {@link HttpClientRequest#trailerHeaders}, if any. */
	private byte[] lastChunk() {
		RequestView v = view;
		List<Consumer<? super HttpHeaders>> trailers = v != null ? v.trailers : request.trailers();
		if (trailers.isEmpty()) {
			return LastChunk.PLAIN;
		}
		HttpHeaders fields = new HttpHeaders();
		ClientHooks.run(trailers, fields);
		return LastChunk.of(request.headers(), fields,
				name -> Loggers.getLogger(HttpClient.class).debug("trailer field {} not sent: not declared in Trailer, or not allowed", name));
	}

	/**
	 * The {@code Content-Length} the application set for a streamed body, or -1 (then it is
	 * sent chunked).
	 * @throws IllegalArgumentException if it is not one non-negative number
	 */
	private static long declaredLength(HttpHeaders headers) {
		List<String> values = headers.getAll("Content-Length");
		if (values.isEmpty()) {
			return -1;
		}
		String v = values.get(0).strip();
		if (values.size() > 1 || v.isEmpty() || v.length() > 18 || !v.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
			throw new IllegalArgumentException("Invalid Content-Length for the request body: " + values);
		}
		return Long.parseLong(v);
	}

	/**
	 * Hands {@code fixed[offset..]}, the rest of a body of known length, to the connection a
	 * slice at a time: the next once the send buffer has fallen to the low-water mark (as the
	 * server's {@code ResponseWriter} does with a whole response body), so that a large upload
	 * to a slow server is not copied into native memory whole. Each slice counts as progress
	 * for the response timeout (the server is reading). Stops once the exchange is done (an
	 * early answer spent the connection, or it failed).
	 */
	private void writeFixed(ClientConnection c, byte[] fixed, int offset) {
		int off = offset;
		while (!done) {
			int n = Math.min(fixed.length - off, Channel.SLICE);
			long r = c.channel().write(fixed, off, n);
			if (r < 0) {
				writeFailed(c, r);
				return;
			}
			off += n;
			lastRead = System.nanoTime();
			if (off == fixed.length) {
				requestSent();
				return;
			}
			if (c.channel().aboveHighWater(r)) {
				int next = off;
				c.channel().awaitWritable(() -> writeFixed(c, fixed, next));
				return;
			}
		}
	}

	private void requestSent() {
		requestSent = true;
		if (!config.hooks.afterRequest().isEmpty()) {
			try {
				ClientHooks.run(config.hooks.afterRequest(), view());
			}
			catch (RuntimeException e) {
				fail(e);
				return;
			}
		}
		if (responseEnded) {
			release();
		}
	}

	// ---- response ----

	/** Bytes of this exchange's response arrived. */
	void onRead(ByteBuffer buf, int offset, int length) {
		if (request.upgrade() && responseEnded) {
			keepLeftover(buf, offset, length); // frames before the session took the connection over
			return;
		}
		if (done) {
			return; // failed or cancelled: the connection is closing
		}
		lastRead = System.nanoTime();
		ClientConnection c = conn();
		int used;
		try {
			used = c.parser.feed(buf, offset, length);
		}
		catch (MalformedResponseException e) {
			fail(e);
			return;
		}
		if (used < length) {
			if (request.upgrade() && responseEnded) {
				keepLeftover(buf, offset + used, length - used); // the peer's first WebSocket frames
			}
			c.poison(); // bytes after the end of the response: the framing cannot be trusted
		}
	}

	private void keepLeftover(ByteBuffer buf, int offset, int length) {
		ByteBuffer old = upgradeLeftover;
		int have = old == null ? 0 : old.remaining();
		ByteBuffer rest = ByteBuffer.allocate(have + length);
		if (old != null) {
			rest.put(old);
		}
		rest.put(buf.slice(offset, length)).flip();
		upgradeLeftover = rest;
	}

	@Override
	public void onHead(int status, String version, String reason, HttpHeaders headers) {
		headDone = true;
		ClientConnection c = conn();
		InboundQueue<ByteBuffer> q = new InboundQueue<>(loop, BODY_HIGH, BODY_LOW, () -> {
			if (!responseEnded) {
				paused = true;
				c.channel().pauseReading();
			}
		}, () -> {
			if (paused) { // not once the response ended: the connection may serve another exchange by then
				paused = false;
				lastRead = System.nanoTime();
				c.channel().resumeReading();
			}
		}, () -> {
			if (!responseEnded) {
				// the body was not consumed to its end: the connection cannot be reused
				done = true;
				cancelTimer();
				WriteSubscriber<ByteBuffer> w = writer;
				if (w != null) {
					// a request body still streaming (an echo) is not wanted any more: its source is
					// cancelled (done already: this does not fail the exchange)
					w.cancel(new ConnectionClosedException("the response body was cancelled"));
				}
				c.close();
				ClientResponse r = response;
				if (r != null) {
					r.failed(new IllegalStateException("the response body was cancelled before its end: no trailers"));
				}
			}
		}, b -> {
		});
		body = q;
		boolean gunzip = config.compress && status != 101 && isGzip(headers.get("Content-Encoding"));
		// a transfer coding is the message's, not the content's: decoded whatever compress says
		int gunzips = (gunzip ? 1 : 0) + (conn().parser.transferGzip() ? 1 : 0);
		ClientResponse r = new ClientResponse(loop, this, status, reason, version,
				gunzip ? withoutEncoding(headers) : headers, request.method(), request.uri(), request.redirects(), q, gunzips);
		response = r;
		if (!config.hooks.onResponse().isEmpty()) {
			try {
				ClientHooks.run(config.hooks.onResponse(), r);
			}
			catch (RuntimeException e) {
				headDone = false; // the response Mono fails, not its body
				fail(e);
				return;
			}
		}
		if (request.upgrade() && status == 101) {
			cancelTimer();
			responseEnded = true;
			done = true;
			r.ended(c.parser.trailers()); // none: the connection is the WebSocket's now
			sink.success(r);
			return;
		}
		sink.success(r);
	}

	/** Whether a Content-Encoding is gzip alone (a list of codings is not decoded). */
	private static boolean isGzip(@Nullable String contentEncoding) {
		if (contentEncoding == null) {
			return false;
		}
		String e = contentEncoding.trim();
		return e.equalsIgnoreCase("gzip") || e.equalsIgnoreCase("x-gzip");
	}

	/** The headers of a decoded body: its encoding and encoded length are gone. */
	private static HttpHeaders withoutEncoding(HttpHeaders headers) {
		return readOnlyCopy(headers, n -> !n.equalsIgnoreCase("Content-Encoding") && !n.equalsIgnoreCase("Content-Length"));
	}

	/** A read-only copy of the {@code headers} whose names {@code keep} accepts, in order. */
	static HttpHeaders readOnlyCopy(HttpHeaders headers, Predicate<String> keep) {
		List<String> names = new ArrayList<>(headers.size());
		List<String> values = new ArrayList<>(headers.size());
		for (int i = 0; i < headers.size(); i++) {
			String n = headers.nameAt(i);
			if (keep.test(n)) {
				names.add(n);
				values.add(headers.valueAt(i));
			}
		}
		return HttpHeaders.received(names, values);
	}

	@Override
	public void onBody(ByteBuffer buf, int offset, int length) {
		if (length == 0 || body == null) {
			return;
		}
		bytesReceived += length;
		ByteBuffer copy = ByteBuffer.allocate(length);
		copy.put(buf.slice(offset, length)).flip();
		body.offer(copy);
	}

	@Override
	public void onEnd() {
		if (responseEnded) {
			return;
		}
		responseEnded = true;
		cancelTimer();
		ClientConnection c = conn();
		ClientResponse r = response;
		if (r != null && config.metrics != HttpClientMetrics.NONE) {
			byte[] fixed = request.fixedBody();
			config.metrics.exchangeEnded(pool.remote(), request.method(), path(), r.status(),
					fixed != null ? fixed.length : bodySent, bytesReceived, System.nanoTime() - writtenAt);
		}
		// a request that said Connection: close was its connection's last, whatever the server
		// answered (RFC 9112 §9.6: no further request may follow it)
		if (!c.parser.keepAlive() || !config.keepAlive || request.headers().containsToken("Connection", "close")) {
			c.poison();
		}
		InboundQueue<ByteBuffer> q = body;
		Throwable hookError = null;
		if (r != null && !config.hooks.afterResponseSuccess().isEmpty()) {
			try {
				ClientHooks.run(config.hooks.afterResponseSuccess(), r);
			}
			catch (RuntimeException e) {
				hookError = e;
				ClientHooks.runError(config.hooks.onResponseError(), r, e);
			}
		}
		WriteSubscriber<ByteBuffer> unsent = null;
		if (!requestSent) {
			// answered before the request was sent (an early 413...): the connection is spent
			c.poison();
			unsent = writer;
		}
		if (paused) {
			// the rest of the body came in the read that paused reading: the response is whole
			// and queued, and the connection goes back to the pool reading, or the next
			// exchange on it would wait for ever for an answer left unread in the socket
			paused = false;
			c.channel().resumeReading();
		}
		// back to the pool before the body completes: a next request that the completion starts
		// at once, on this thread (concatMap), finds the connection idle instead of opening one
		release();
		if (unsent != null) {
			// the rest of a streamed body is not wanted: its source is cancelled (the exchange is
			// done, so this does not fail it; the response is the answer)
			unsent.cancel(new ConnectionClosedException("the server answered before the request body was sent"));
		}
		if (r != null) {
			if (hookError != null) {
				r.failed(hookError);
			}
			else {
				r.ended(c.parser.trailers());
			}
		}
		if (q != null) {
			if (hookError != null) {
				q.fail(hookError);
			}
			else {
				q.complete();
			}
		}
	}

	private void release() {
		done = true;
		ClientConnection c = conn;
		if (c != null) {
			c.detach(this);
		}
	}

	/** The connection closed while this exchange owned it. */
	void onConnectionClosed(@Nullable String error) {
		if (done && responseEnded) {
			return;
		}
		ClientConnection c = conn();
		try {
			c.parser.eof(); // completes a read-until-close body
		}
		catch (PrematureCloseException e) {
			if (!retriedStale(c)) {
				fail(error != null ? new PrematureCloseException(e.getMessage() + ": " + error) : e);
			}
		}
	}

	/**
	 * A kept-alive connection the server had closed just before we used it (a proxy that keeps
	 * none and does not say so, an idle close crossing our request): nothing of a response came,
	 * and its close or a failed write of the request says so. Sends the request once more on
	 * another connection when it may be (an idempotent method, RFC 9110 9.2.2: the server may
	 * have acted on the request before it closed; not a streamed body, not already retried,
	 * retries on). Whether it did.
	 */
	private boolean retriedStale(ClientConnection c) {
		if (!config.retry || headDone || c.uses <= 1 || !c.parser.nothingReceived() || retried
				|| !IDEMPOTENT.contains(request.method()) || request.streamBody() != null || done) {
			return false;
		}
		retried = true;
		cancelTimer();
		conn = null;
		c.abandon(this);
		pool = pool.acquire(this);
		return true;
	}

	/** A write of the request failed (the connection is closing): the stale case, else the exchange's error. */
	private void writeFailed(ClientConnection c, long r) {
		if (!retriedStale(c)) {
			fail(Errors.toException(r, "send request"));
		}
	}

	/** Fails the exchange and closes its connection. */
	void fail(Throwable e) {
		if (done) {
			return;
		}
		done = true;
		cancelTimer();
		WriteSubscriber<ByteBuffer> w = writer;
		if (w != null) {
			w.cancel(e);
		}
		ClientConnection c = conn;
		if (c != null) {
			c.close();
		}
		reportFailure(e);
		InboundQueue<ByteBuffer> q = body;
		if (!headDone || q == null) {
			sink.error(e);
		}
		else {
			q.fail(e);
		}
		ClientResponse r = response;
		if (r != null) {
			r.failed(e);
		}
	}

	/**
	 * The response Mono was cancelled: before the head arrived, the exchange ends and its
	 * connection closes. When the head was read before this ran (the cancel came as it
	 * arrived), the cancelled sink dropped the response unseen, and its body would wait for a
	 * reader that never comes (reading paused, the connection held for ever): it is discarded,
	 * and an upgraded connection (a 101) is closed.
	 */
	private void cancel() {
		stopAcquireTimer();
		if (headDone) {
			ClientResponse r = response;
			ClientConnection c = conn;
			if (r != null && request.upgrade() && r.status() == 101) {
				if (c != null) {
					c.close(); // an upgraded connection nobody takes
				}
			}
			else if (r != null) {
				r.discard(); // a no-op when the response reached someone who reads its body
			}
			return;
		}
		if (done) {
			return;
		}
		done = true;
		cancelTimer();
		WriteSubscriber<ByteBuffer> w = writer;
		if (w != null) {
			w.cancel(new ConnectionClosedException("request cancelled"));
		}
		ClientConnection c = conn;
		if (c != null) {
			c.close();
		}
		else {
			pool.cancel(this);
		}
	}

	private ClientConnection conn() {
		ClientConnection c = conn;
		if (c == null) {
			throw new IllegalStateException("no connection");
		}
		return c;
	}

	/** Bytes that followed the 101 response in the same read (WebSocket frames), or {@code null}. */
	@Nullable
	ByteBuffer upgradeLeftover() {
		return upgradeLeftover;
	}

	EventLoop loop() {
		return loop;
	}

	/** The connection, for a WebSocket upgrade. */
	ClientConnection connection() {
		return conn();
	}

	// ---- response timeout: no byte for responseTimeout while we wait for one ----

	private void armTimeout(long nanos) {
		timer = loop.schedule(Duration.ofNanos(Math.max(1_000_000, nanos)), this::checkTimeout);
	}

	private void checkTimeout() {
		Duration t = responseTimeout;
		if (done || responseEnded || t == null) {
			return;
		}
		long now = System.nanoTime();
		if (paused || writer != null && !requestSent && !bodyBlocked) {
			// no demand for the body, or a streamed request body waits for its source: we are
			// not waiting for the server
			lastRead = now;
		}
		long left = t.toNanos() - (now - lastRead);
		if (left <= 0) {
			fail(new ResponseTimeoutException("No response data from " + request.uri() + " within " + t.toMillis()
					+ " ms" + (headDone ? " (in the body)" : "")));
		}
		else {
			armTimeout(left);
		}
	}

	private void cancelTimer() {
		Disposable d = timer;
		if (d != null) {
			d.dispose();
			timer = null;
		}
	}
}
