/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import io.github.reactormongoose.internal.websocket.WebsocketSession;
import org.reactivestreams.Publisher;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * One request and its response. Response state is touched on the poll thread only: sends
 * from other threads are marshalled there.
 */
final class HttpExchange implements HttpServerRequest, HttpServerResponse {

	private static final int SLICE = 64 * 1024;
	private static final byte[] CRLF = {'\r', '\n'};
	private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

	private enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

	private final HttpConnection conn;
	private final Channel channel;
	private final EventLoop el;
	private final int number;
	private final String method;
	private final String rawPath;
	private final String query;
	private final String protocol;
	private final HttpHeaders requestHeaders;
	private final byte[] body;
	private final boolean requestKeepAlive;
	private final boolean head;
	private Map<String, String> params = Map.of();
	private Map<String, List<String>> queryParams;
	private String path;

	// response (poll thread)
	private volatile int status = 200;
	private final HttpHeaders responseHeaders = new HttpHeaders();
	private volatile boolean keepAlive = true;
	private volatile boolean headersSent;
	private boolean ended;
	private boolean sending;
	private boolean handlerDone;
	private Framing framing = Framing.NONE;
	private HandlerSubscriber handlerSubscriber;
	private WriteSubscriber<?> writer;
	private boolean connectionClosed;
	private boolean bodyConsumed;

	private HttpExchange(HttpConnection conn, int number, String method, String rawPath, String query, String protocol,
			HttpHeaders headers, byte[] body, boolean closeAfter) {
		this.conn = conn;
		this.channel = conn.channel;
		this.el = conn.el;
		this.number = number;
		this.method = method;
		this.rawPath = rawPath;
		this.query = query;
		this.protocol = protocol;
		this.requestHeaders = headers;
		this.body = body;
		this.head = "HEAD".equals(method);
		boolean http10 = "HTTP/1.0".equalsIgnoreCase(protocol);
		this.requestKeepAlive = !closeAfter && !http10 && !headers.containsToken("Connection", "close");
	}

	static HttpExchange decode(HttpConnection conn, int number, ByteBuffer b, int p, int len, long flags) {
		int n = b.getInt(p);
		p += 4;
		String[] s = new String[4];
		for (int i = 0; i < 4; i++) {
			int l = b.getInt(p);
			s[i] = latin1(b, p + 4, l);
			p += 4 + l;
		}
		List<String> names = new ArrayList<>(n);
		List<String> values = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			int l = b.getInt(p);
			names.add(latin1(b, p + 4, l));
			p += 4 + l;
			l = b.getInt(p);
			values.add(latin1(b, p + 4, l));
			p += 4 + l;
		}
		int bl = b.getInt(p);
		byte[] body = new byte[bl];
		b.get(p + 4, body);
		return new HttpExchange(conn, number, s[0], s[1], s[2], s[3], HttpHeaders.received(names, values), body,
				(flags & NativeConstants.HTTP_CLOSE_AFTER) != 0);
	}

	private static String latin1(ByteBuffer b, int p, int l) {
		byte[] a = new byte[l];
		b.get(p, a);
		return new String(a, StandardCharsets.ISO_8859_1);
	}

	// ---- handler ----

	void start(BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		Publisher<Void> p;
		try {
			if (handler == null) {
				p = sendNotFound();
			}
			else {
				path(); // validates the encoding
				p = handler.apply(this, this);
				if (p == null) {
					throw new NullPointerException("handler returned null");
				}
			}
		}
		catch (Throwable t) {
			onHandlerError(t);
			return;
		}
		handlerSubscriber = new HandlerSubscriber();
		p.subscribe(handlerSubscriber);
	}

	private final class HandlerSubscriber extends BaseSubscriber<Void> {
		@Override
		protected void hookOnError(Throwable t) {
			el.executeOrRun(() -> onHandlerError(t));
		}

		@Override
		protected void hookOnComplete() {
			el.executeOrRun(HttpExchange.this::onHandlerComplete);
		}
	}

	private void onHandlerComplete() {
		handlerDone = true;
		if (!ended && !sending) {
			finish();
		}
	}

	private void onHandlerError(Throwable t) {
		if (ended || connectionClosed) {
			if (!connectionClosed) {
				BoundHttpServer.log.debug("error after the response ended", t);
			}
			return;
		}
		if (t instanceof BadRequestException) {
			BoundHttpServer.log.debug("bad request: {}", t.getMessage());
		}
		else if (t instanceof ConnectionClosedException) {
			BoundHttpServer.log.debug("connection {} closed during {} {}", conn.id, method, rawPath);
		}
		else {
			BoundHttpServer.log.error("handler failed for " + method + " " + rawPath, t);
		}
		if (writer != null) {
			writer.cancel(t);
		}
		if (!headersSent) {
			int code = t instanceof BadRequestException ? 400 : 500;
			responseHeaders.set("Content-Type", "text/plain");
			byte[] msg = (code == 400 ? "Bad Request\n" : "Internal Server Error\n").getBytes(StandardCharsets.US_ASCII);
			status = code;
			writeFull(msg, null);
		}
		else {
			ended = true;
			channel.close();
			conn.exchangeEnded(this);
		}
	}

	/** Ends the response when the handler is done and nothing is being written. */
	private void finish() {
		if (ended) {
			return;
		}
		if (!headersSent) {
			writeFull(new byte[0], null);
			return;
		}
		ended = true;
		byte[] tail = framing == Framing.CHUNKED && !head ? LAST_CHUNK : new byte[0];
		channel.writeAndEndExchange(tail, 0, tail.length, closeAfterResponse());
		conn.exchangeEnded(this);
	}

	/** The one keep-alive decision: whether the connection closes after this response. */
	private boolean closeAfterResponse() {
		return !isKeepAliveResponse() || framing == Framing.UNTIL_CLOSE;
	}

	void onConnectionClosed() {
		connectionClosed = true;
		if (writer != null) {
			writer.cancel(new ConnectionClosedException("Connection closed by the client"));
		}
		if (handlerSubscriber != null && !ended) {
			handlerSubscriber.dispose();
		}
		ended = true;
	}

	// ---- writing (poll thread) ----

	private boolean isKeepAliveResponse() {
		return requestKeepAlive && keepAlive && !conn.server.isDisposing();
	}

	private byte[] head(long contentLength) {
		StringBuilder b = new StringBuilder(128);
		b.append("HTTP/1.1 ").append(status).append(' ').append(NativeConstants.reason(status)).append("\r\n");
		for (int i = 0; i < responseHeaders.size(); i++) {
			b.append(responseHeaders.nameAt(i)).append(": ").append(responseHeaders.valueAt(i)).append("\r\n");
		}
		if (framing == Framing.LENGTH && !responseHeaders.contains("Content-Length")) {
			b.append("Content-Length: ").append(contentLength).append("\r\n");
		}
		else if (framing == Framing.CHUNKED) {
			b.append("Transfer-Encoding: chunked\r\n");
		}
		if (closeAfterResponse()) {
			b.append("Connection: close\r\n");
		}
		b.append("\r\n");
		return b.toString().getBytes(StandardCharsets.ISO_8859_1);
	}

	/** Head + whole body + end, in one native call when small. */
	private void writeFull(byte[] data, MonoSink<Void> sink) {
		if (ended) {
			if (sink != null) {
				sink.error(new IllegalStateException("the response was already sent"));
			}
			return;
		}
		if (headersSent) {
			// a fixed body after a streamed start: write it with the current framing
			long r = writeChunk(ByteBuffer.wrap(data));
			complete(sink, r);
			return;
		}
		boolean noBodyStatus = status < 200 || status == 204 || status == 304;
		// HEAD with nothing to measure: do not claim a length the GET body may not have
		boolean unknownHeadLength = head && data.length == 0 && !responseHeaders.contains("Content-Length");
		framing = noBodyStatus || unknownHeadLength ? Framing.NONE : Framing.LENGTH;
		boolean noBody = head || noBodyStatus;
		byte[] h = head(data.length);
		headersSent = true;
		ended = true;
		boolean close = closeAfterResponse();
		long r;
		if (noBody || data.length == 0) {
			r = channel.writeAndEndExchange(h, 0, h.length, close);
		}
		else if (data.length <= 16 * 1024) {
			byte[] all = new byte[h.length + data.length];
			System.arraycopy(h, 0, all, 0, h.length);
			System.arraycopy(data, 0, all, h.length, data.length);
			r = channel.writeAndEndExchange(all, 0, all.length, close);
		}
		else {
			r = channel.write(h, 0, h.length);
			if (r >= 0) {
				r = channel.writeAndEndExchange(data, 0, data.length, close);
			}
		}
		conn.exchangeEnded(this);
		complete(sink, r);
	}

	private void complete(MonoSink<Void> sink, long r) {
		if (sink == null) {
			return;
		}
		if (r < 0) {
			sink.error(Errors.toException(r, "send"));
		}
		else if (channel.aboveHighWater(r)) {
			channel.awaitWritable(sink::success);
		}
		else {
			sink.success();
		}
	}

	private void commitStreaming() {
		if (headersSent) {
			return;
		}
		if (responseHeaders.contains("Content-Length")) {
			framing = Framing.LENGTH;
		}
		else if ("HTTP/1.0".equalsIgnoreCase(protocol)) {
			framing = Framing.UNTIL_CLOSE;
		}
		else {
			framing = Framing.CHUNKED;
		}
		byte[] h = head(-1);
		headersSent = true;
		channel.write(h, 0, h.length);
	}

	private long writeChunk(ByteBuffer data) {
		if (head) {
			return 0;
		}
		int len = data.remaining();
		if (len == 0) {
			return 0;
		}
		if (framing != Framing.CHUNKED) {
			return channel.write(data);
		}
		byte[] size = (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII);
		if (len <= 8192) {
			byte[] all = new byte[size.length + len + 2];
			System.arraycopy(size, 0, all, 0, size.length);
			data.duplicate().get(all, size.length, len);
			all[all.length - 2] = '\r';
			all[all.length - 1] = '\n';
			return channel.write(all, 0, all.length);
		}
		long r = channel.write(size, 0, size.length);
		if (r >= 0) {
			r = channel.write(data);
		}
		if (r >= 0) {
			r = channel.write(CRLF, 0, 2);
		}
		return r;
	}

	// ---- response API ----

	@Override
	public HttpServerResponse status(int status) {
		if (status < 100 || status > 999) {
			throw new IllegalArgumentException("status out of range: " + status);
		}
		this.status = status;
		return this;
	}

	@Override
	public int status() {
		return status;
	}

	@Override
	public HttpServerResponse header(String name, String value) {
		responseHeaders.set(name, value);
		return this;
	}

	@Override
	public HttpServerResponse addHeader(String name, String value) {
		responseHeaders.add(name, value);
		return this;
	}

	@Override
	public HttpHeaders responseHeaders() {
		return responseHeaders;
	}

	@Override
	public HttpServerResponse keepAlive(boolean keepAlive) {
		this.keepAlive = keepAlive;
		return this;
	}

	@Override
	public boolean hasSentHeaders() {
		return headersSent;
	}

	@Override
	public Mono<Void> send() {
		return Mono.create(sink -> el.executeOrRun(() -> writeFull(new byte[0], sink)));
	}

	@Override
	public Mono<Void> send(Publisher<? extends ByteBuffer> body) {
		if (body instanceof Mono || body instanceof Callable) {
			return Mono.create(sink -> Mono.from(body).subscribe(
					buf -> el.executeOrRun(() -> writeFull(toArray(buf), sink)),
					e -> sink.error(e),
					() -> el.executeOrRun(() -> {
						if (!headersSent && !ended) {
							writeFull(new byte[0], sink);
						}
						else {
							sink.success();
						}
					}),
					Context.of(sink.contextView())));
		}
		return Mono.create(sink -> el.executeOrRun(() -> stream(body, sink)));
	}

	private static byte[] toArray(ByteBuffer b) {
		if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
			return b.array();
		}
		byte[] a = new byte[b.remaining()];
		b.duplicate().get(a);
		return a;
	}

	private void stream(Publisher<? extends ByteBuffer> body, MonoSink<Void> sink) {
		if (ended || connectionClosed) {
			sink.error(connectionClosed ? new ConnectionClosedException("Connection closed before send")
					: new IllegalStateException("the response was already sent"));
			return;
		}
		if (sending) {
			sink.error(new IllegalStateException("another send is in progress"));
			return;
		}
		if (head) {
			// HEAD: headers as for GET, no body; the body publisher (maybe endless) is not subscribed
			commitStreaming();
			sink.success();
			if (handlerDone) {
				finish();
			}
			return;
		}
		sending = true;
		WriteSubscriber<ByteBuffer> w = new WriteSubscriber<>(el, new WriteSubscriber.Target<>() {
			@Override
			public long write(ByteBuffer item) {
				commitStreaming();
				return writeChunk(item);
			}

			@Override
			public void awaitWritable(Runnable action) {
				channel.awaitWritable(action);
			}
		}, e -> {
			sending = false;
			writer = null;
			if (e == null) {
				if (!headersSent && !ended) {
					commitStreaming();
				}
				sink.success();
				if (handlerDone && !ended) {
					finish();
				}
			}
			else {
				sink.error(e);
			}
		}, Context.of(sink.contextView()));
		writer = w;
		body.subscribe(w);
	}

	@Override
	public Mono<Void> sendByteArray(Publisher<byte[]> body) {
		if (body instanceof Mono<byte[]> m) {
			return send(m.map(ByteBuffer::wrap));
		}
		return send(Flux.from(body).map(ByteBuffer::wrap));
	}

	@Override
	public Mono<Void> sendString(Publisher<String> body, Charset charset) {
		if (body instanceof Mono<String> m) {
			return send(m.map(s -> ByteBuffer.wrap(s.getBytes(charset))));
		}
		return send(Flux.from(body).map(s -> ByteBuffer.wrap(s.getBytes(charset))));
	}

	@Override
	public Mono<Void> sendFile(Path file) {
		return Mono.defer(() -> {
			if (!Files.isRegularFile(file)) {
				return Mono.error(new NoSuchFileException(file.toString()));
			}
			long size;
			try {
				size = Files.size(file);
			}
			catch (java.io.IOException e) {
				return Mono.error(e);
			}
			return sendFile(file, 0, size);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Void> sendFile(Path file, long position, long count) {
		if (position < 0 || count < 0) {
			return Mono.error(new IllegalArgumentException("position and count must be >= 0"));
		}
		return Mono.defer(() -> {
			if (!responseHeaders.contains("Content-Length")) {
				responseHeaders.set("Content-Length", Long.toString(count));
			}
			if (!responseHeaders.contains("Content-Type")) {
				String type;
				try {
					type = Files.probeContentType(file);
				}
				catch (java.io.IOException e) {
					type = null;
				}
				responseHeaders.set("Content-Type", type != null ? type : "application/octet-stream");
			}
			Flux<ByteBuffer> chunks = Flux.using(() -> FileChannel.open(file, StandardOpenOption.READ),
					ch -> Flux.<ByteBuffer, long[]>generate(() -> new long[] {position, count}, (state, sink) -> {
						try {
							if (state[1] == 0) {
								sink.complete();
								return state;
							}
							ByteBuffer buf = ByteBuffer.allocate((int) Math.min(SLICE, state[1]));
							int n = ch.read(buf, state[0]);
							if (n < 0) {
								sink.error(new java.io.EOFException("file shorter than expected: " + file));
								return state;
							}
							buf.flip();
							state[0] += n;
							state[1] -= n;
							sink.next(buf);
						}
						catch (java.io.IOException e) {
							sink.error(e);
						}
						return state;
					}), ch -> {
						try {
							ch.close();
						}
						catch (java.io.IOException ignored) {
						}
					}).subscribeOn(Schedulers.boundedElastic(), false);
			if (count == 0) {
				return send();
			}
			return send(chunks);
		});
	}

	@Override
	public Mono<Void> sendNotFound() {
		status(404);
		return send();
	}

	@Override
	public Mono<Void> sendRedirect(String location) {
		status(302);
		header("Location", location);
		return send();
	}

	@Override
	public Mono<Void> sendSse(Publisher<ServerSentEvent> events) {
		header("Content-Type", "text/event-stream");
		header("Cache-Control", "no-cache");
		return send(Flux.from(events).map(e -> ByteBuffer.wrap(e.encode())));
	}

	@Override
	public Mono<Void> sendWebsocket(
			BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			String protocols) {
		return Mono.create(sink -> el.executeOrRun(() -> upgrade(handler, protocols, sink)));
	}

	private void upgrade(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			String protocols, MonoSink<Void> sink) {
		if (ended || headersSent || connectionClosed) {
			sink.error(new IllegalStateException("cannot upgrade: the response was already started"));
			return;
		}
		String key = requestHeaders.get("Sec-WebSocket-Key");
		if (!isWebsocket() || key == null || key.isBlank()) {
			status(400);
			responseHeaders.set("Content-Type", "text/plain");
			writeFull("not a WebSocket handshake\n".getBytes(StandardCharsets.US_ASCII), sink);
			return;
		}
		String selected = selectProtocol(protocols, requestHeaders.get("Sec-WebSocket-Protocol"));
		StringBuilder extra = new StringBuilder();
		for (int i = 0; i < responseHeaders.size(); i++) {
			extra.append(responseHeaders.nameAt(i)).append(": ").append(responseHeaders.valueAt(i)).append("\r\n");
		}
		int rc = channel.upgradeToWebsocket(key.trim(), selected, extra.length() == 0 ? null : extra.toString());
		if (rc < 0) {
			sink.error(Errors.toException(rc, "WebSocket upgrade"));
			return;
		}
		headersSent = true;
		ended = true;
		status = 101;
		WebsocketSession session = new WebsocketSession(channel, requestHeaders, selected, conn::onClosed);
		conn.upgraded(session);
		session.run(handler, sink);
	}

	static String selectProtocol(String supported, String requested) {
		if (supported == null || requested == null) {
			return null;
		}
		List<String> ours = new ArrayList<>();
		for (String s : supported.split(",")) {
			if (!s.isBlank()) {
				ours.add(s.trim());
			}
		}
		for (String r : requested.split(",")) {
			if (ours.contains(r.trim())) {
				return r.trim();
			}
		}
		return null;
	}

	// ---- request API ----

	void params(Map<String, String> params) {
		this.params = params;
	}

	@Override
	public String method() {
		return method;
	}

	@Override
	public String uri() {
		return query.isEmpty() ? rawPath : rawPath + "?" + query;
	}

	@Override
	public String path() {
		if (path == null) {
			path = percentDecode(rawPath, false);
		}
		return path;
	}

	@Override
	public String query() {
		return query;
	}

	@Override
	public Map<String, List<String>> queryParams() {
		if (queryParams == null) {
			Map<String, List<String>> m = new LinkedHashMap<>();
			if (!query.isEmpty()) {
				for (String pair : query.split("&")) {
					if (pair.isEmpty()) {
						continue;
					}
					int eq = pair.indexOf('=');
					String k = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
					String v = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true);
					m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
				}
			}
			m.replaceAll((k, v) -> Collections.unmodifiableList(v));
			queryParams = Collections.unmodifiableMap(m);
		}
		return queryParams;
	}

	@Override
	public String param(String name) {
		return params.get(name);
	}

	@Override
	public Map<String, String> params() {
		return Collections.unmodifiableMap(params);
	}

	@Override
	public String protocol() {
		return protocol;
	}

	@Override
	public HttpHeaders requestHeaders() {
		return requestHeaders;
	}

	@Override
	public boolean isKeepAlive() {
		return requestKeepAlive && keepAlive;
	}

	@Override
	public boolean isWebsocket() {
		return "GET".equals(method) && requestHeaders.containsToken("Upgrade", "websocket")
				&& requestHeaders.containsToken("Connection", "upgrade");
	}

	@Override
	public InetSocketAddress remoteAddress() {
		return conn.remote;
	}

	@Override
	public InetSocketAddress hostAddress() {
		return conn.local;
	}

	@Override
	public long connectionId() {
		return conn.id;
	}

	@Override
	public String requestId() {
		return conn.id + "-" + number;
	}

	@Override
	public Flux<ByteBuffer> receive() {
		return Flux.defer(() -> {
			synchronized (this) {
				if (bodyConsumed) {
					return Flux.error(new IllegalStateException(
							"Only one subscriber allowed: the request body can be consumed once"));
				}
				bodyConsumed = true;
			}
			if (connectionClosed) {
				return Flux.error(new ConnectionClosedException("Connection closed before the body was read"));
			}
			List<ByteBuffer> slices = new ArrayList<>();
			for (int off = 0; off < body.length; off += SLICE) {
				slices.add(ByteBuffer.wrap(body, off, Math.min(SLICE, body.length - off)).slice().asReadOnlyBuffer());
			}
			return Flux.fromIterable(slices);
		});
	}

	@Override
	public Mono<byte[]> receiveBytes() {
		return receive().collect(ByteArrayOutputStream::new, (out, b) -> {
			byte[] a = new byte[b.remaining()];
			b.get(a);
			out.writeBytes(a);
		}).map(ByteArrayOutputStream::toByteArray);
	}

	@Override
	public Mono<String> receiveString(Charset charset) {
		return receiveBytes().map(b -> new String(b, charset));
	}

	// ---- helpers ----

	/** A request the server cannot interpret (bad percent-encoding...): answered with 400. */
	static final class BadRequestException extends RuntimeException {
		private static final long serialVersionUID = 1L;

		BadRequestException(String message) {
			super(message);
		}
	}

	static String percentDecode(String s, boolean plusAsSpace) {
		if (s.indexOf('%') < 0 && !(plusAsSpace && s.indexOf('+') >= 0)) {
			return s;
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c == '%') {
				if (i + 2 >= s.length()) {
					throw new BadRequestException("bad percent-encoding in " + s);
				}
				int hi = Character.digit(s.charAt(i + 1), 16);
				int lo = Character.digit(s.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					throw new BadRequestException("bad percent-encoding in " + s);
				}
				out.write((hi << 4) | lo);
				i += 2;
			}
			else if (c == '+' && plusAsSpace) {
				out.write(' ');
			}
			else {
				byte[] b = String.valueOf(c).getBytes(StandardCharsets.ISO_8859_1);
				out.writeBytes(b);
			}
		}
		return out.toString(StandardCharsets.UTF_8);
	}

	@Override
	public String toString() {
		return method + " " + uri() + " (" + requestId() + ")";
	}

}
