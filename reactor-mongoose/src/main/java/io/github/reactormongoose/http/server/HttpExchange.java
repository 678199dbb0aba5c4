/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.internal.io.FileChunks;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.metrics.AccessLog;
import io.github.reactormongoose.internal.websocket.PerMessageDeflate;
import io.github.reactormongoose.internal.websocket.WebsocketSession;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The lifecycle of one exchange: runs the handler and subscribes its publisher, turns its
 * errors into 400/500 (or a close once headers are out), and implements the response API on
 * top of a {@link ResponseWriter}: whole and streamed bodies, files, Server-Sent Events and
 * the WebSocket upgrade. State is touched on the poll thread only: sends from other threads
 * are marshalled there.
 */
final class HttpExchange implements HttpServerResponse {

	private static final byte[] EMPTY = new byte[0];

	private final HttpConnection conn;
	private final EventLoop el;
	private final RequestView request;
	private final ResponseWriter writer;
	/** When the request arrived (System.nanoTime; 0 when the server does not time exchanges). */
	private final long started;
	private boolean handlerDone;
	/** The status the native side answered the request with, refusing its body (413), or 0. */
	private int rejectedWith;
	/** The body bytes of the native side's answer {@link #rejectedWith}. */
	private int rejectedBytes;
	/** The server closed the connection while this exchange was current (disposeNow's timeout). */
	private boolean closedByServer;
	private @Nullable HandlerSubscriber handlerSubscriber;

	HttpExchange(HttpConnection conn, RequestView request) {
		this.conn = conn;
		this.el = conn.el;
		this.request = request;
		HttpServerConfig config = conn.server.config;
		boolean timed = conn.server.timed;
		this.started = timed ? System.nanoTime() : 0;
		this.writer = new ResponseWriter(conn.channel, request, conn::closesAfterExchange, () -> conn.exchangeEnded(this),
				config.maxDiscardedBodySize(), config.compressionEnabled() ? this::compressible : null,
				config.minCompressionSize(), config.dateHeader(), timed);
		request.response(writer);
		request.arrivedAt(el.polledAt());
		int max = config.maxKeepAliveRequests();
		if (max > 0 && request.number() >= max) {
			writer.keepAlive(false); // the connection's last request: Connection: close
		}
	}

	/**
	 * Gives this (304) answer the {@code ETag} and {@code Vary} a 200 with a body of
	 * {@code length} bytes and the current headers would have had, compressed or not.
	 */
	void asIfCompressed(long length) {
		if (!writer.compressibleFor(length)) {
			return;
		}
		if (writer.clientAcceptsGzip()) {
			writer.markCompressed();
		}
		else {
			writer.addVary(); // the identity 200 it stands for has it too
		}
	}

	/**
	 * Gives this (206) answer the {@code Vary} the 200 with a body of {@code length} bytes and
	 * the current headers would have had: the range is of the identity bytes, chosen by
	 * {@code Accept-Encoding} as much as that 200 (RFC 9110 15.3.7: a 206 carries the
	 * {@code Vary} its 200 would). Its {@code ETag} stays the identity's.
	 */
	void varyAsIfWhole(long length) {
		if (writer.compressibleFor(length)) {
			writer.addVary();
		}
	}

	/**
	 * This response's body is in a compressed format already (an image, a video, an archive):
	 * the server's {@code compress(...)} leaves it as it is, and it does not vary with
	 * {@code Accept-Encoding}.
	 */
	void identityOnly() {
		writer.identityOnly();
	}

	/** Whether the server's compression condition, if any, allows compressing this response. */
	private boolean compressible() {
		BiPredicate<? super HttpServerRequest, ? super HttpServerResponse> p = conn.server.config.compressionPredicate();
		return p == null || p.test(request, this);
	}

	/**
	 * The status recorded for an exchange whose connection closed before its response started:
	 * 499, as nginx logs a request whose client closed the connection first.
	 */
	static final int CLOSED_BEFORE_RESPONSE = 499;

	/**
	 * The status recorded for an exchange whose connection the server closed (disposeNow's
	 * timeout) before its response started: 444, as nginx logs a connection it closed
	 * without a response.
	 */
	static final int CLOSED_BY_SERVER = 444;

	/** The exchange ended (or the connection closed, or it became a WebSocket): metrics and access log. */
	void report() {
		request.release();
		if (!conn.server.timed) {
			return;
		}
		long now = System.nanoTime();
		long nanos = now - started;
		String path = request.rawPath();
		int status = reportedStatus();
		conn.server.metrics.exchangeEnded(request.method(), path, status, request.bodyBytes(),
				bodyBytesSent(), nanos, request.bodyReceiveNanos(started, now), writer.sendNanos(now));
		if (conn.server.config.accessLogEnabled()) {
			Function<? super AccessLogArgs, ? extends @Nullable String> format = conn.server.config.accessLogFormat();
			if (format == null) {
				AccessLog.log(request.remoteAddress(), request.method(), request.uri(), request.protocol(), status,
						bodyBytesSent(), nanos);
			}
			else {
				logAccess(format, nanos);
			}
		}
	}

	/**
	 * The status the metrics and the access log record: the one sent, or
	 * {@link #CLOSED_BEFORE_RESPONSE} when the connection closed before any response went out
	 * (the handler's status, 200 by default, was never sent: the client saw none).
	 */
	private int reportedStatus() {
		return writer.hasSentHeaders() ? writer.status() : rejectedWith != 0 ? rejectedWith
				: closedByServer ? CLOSED_BY_SERVER : CLOSED_BEFORE_RESPONSE;
	}

	/**
	 * The native side answered this exchange with {@code status} and a body of
	 * {@code bodyBytes} (a body over the limit): what was sent.
	 */
	void rejected(int status, int bodyBytes) {
		rejectedWith = status;
		rejectedBytes = bodyBytes;
	}

	/** The response body bytes handed to the connection: the handler's, or the native side's refusal's. */
	private long bodyBytesSent() {
		return writer.hasSentHeaders() || rejectedWith == 0 ? writer.bodyBytesSent() : rejectedBytes;
	}

	/**
	 * The access log's line for a request the native side refused before any exchange began
	 * (no handler ran): method, target and protocol as far as its first line had arrived ("-"
	 * for what had not), the status and body bytes it was answered with; no request headers,
	 * a duration of 0.
	 */
	static void logRefused(@Nullable Function<? super AccessLogArgs, ? extends @Nullable String> format,
			InetSocketAddress remote, String firstLine, int status, int bodyBytes) {
		String[] parts = firstLine.split(" ", 3);
		String method = parts[0].isEmpty() ? "-" : parts[0];
		String uri = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : "-";
		String protocol = parts.length > 2 && !parts[2].isEmpty() ? parts[2] : "-";
		if (format == null) {
			AccessLog.log(remote, method, uri, protocol, status, bodyBytes, 0);
			return;
		}
		HttpHeaders sent = new HttpHeaders().set("Content-Type", "text/plain").set("Content-Length", bodyBytes)
				.set("Connection", "close");
		AccessLogArgs args = new AccessLogEntry(ZonedDateTime.now(), remote, method, uri, protocol, status, bodyBytes, 0,
				new HttpHeaders(), sent);
		String line;
		try {
			line = format.apply(args);
		}
		catch (RuntimeException e) {
			BoundHttpServer.log.debug("access log format failed for a refused request", e);
			return;
		}
		if (line != null) {
			AccessLog.logLine(line);
		}
	}

	private void logAccess(Function<? super AccessLogArgs, ? extends @Nullable String> format, long nanos) {
		ZonedDateTime arrived = ZonedDateTime.now().minusNanos(nanos);
		AccessLogArgs args = new AccessLogEntry(arrived, request.remoteAddress(), request.method(), request.uri(),
				request.protocol(), reportedStatus(), bodyBytesSent(), nanos, request.requestHeaders(),
				writer.headers());
		String line;
		try {
			line = format.apply(args);
		}
		catch (RuntimeException e) {
			BoundHttpServer.log.debug("access log format failed for " + request, e);
			return;
		}
		if (line != null) {
			AccessLog.logLine(line);
		}
	}

	// ---- handler ----

	/** Runs {@code handler} ({@code null}: answer 404) and subscribes its publisher. */
	void start(@Nullable ExchangeHandler handler) {
		Publisher<Void> p;
		try {
			if (handler == null) {
				p = sendNotFound();
			}
			else {
				request.path(); // validates the encoding
				p = handler.handle(request, this);
				if (p == null) {
					throw new NullPointerException("handler returned null");
				}
				BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> mapper = conn.server.config.mapHandle();
				if (mapper != null) {
					p = mapper.apply(Mono.from(p), conn.view());
					if (p == null) {
						throw new NullPointerException("mapHandle returned null");
					}
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
		if (!writer.isEnded() && !writer.isSending()) {
			writer.finish();
		}
	}

	/** After a send: ends the exchange if the handler already completed. */
	private void afterBody() {
		if (handlerDone && !writer.isEnded()) {
			writer.finish();
		}
	}

	private void onHandlerError(Throwable t) {
		if (writer.isEnded()) {
			// a whole body cut when the connection closed: logged when the server closed it
			if (!writer.isConnectionClosed() || !conn.closedByClient()) {
				BoundHttpServer.log.debug("error after the response ended", t);
				errorLog(t, 0);
			}
			return;
		}
		if (!(t instanceof ConnectionClosedException)) {
			// the client going away is not the handler's failure
			conn.server.metrics.error(request.method(), request.rawPath());
		}
		// this exchange's own client left (the send's AbortedException): not logged as an error;
		// an upstream's closed connection, or the server closing this one, is
		boolean clientLeft = t instanceof ConnectionClosedException && conn.closedByClient();
		int code = statusFor(t);
		if (code != 500) {
			BoundHttpServer.log.debug("bad request: {}", t.getMessage());
		}
		else if (t instanceof ConnectionClosedException) {
			BoundHttpServer.log.debug("connection {} closed during {} {}", conn.id, request.method(), request.rawPath());
		}
		else {
			BoundHttpServer.log.error("handler failed for " + request.method() + " " + request.rawPath(), t);
		}
		if (!clientLeft) {
			errorLog(t, writer.hasSentHeaders() ? 0 : code);
		}
		writer.cancelBody(t);
		if (!writer.hasSentHeaders()) {
			writer.headers().set("Content-Type", "text/plain");
			byte[] msg = (NativeConstants.reason(code) + "\n").getBytes(StandardCharsets.US_ASCII);
			writer.status(code);
			writer.writeWhole(msg, null);
		}
		else if (writer.completeWithHead()) {
			writer.finish(); // a 204, 304 or HEAD answer is whole once its head is out
		}
		else {
			writer.abort();
		}
	}

	/**
	 * The error log's line for a handler error ({@code status} answered, 0: none), if the log is
	 * on. Not called for this exchange's own client leaving ({@link #onHandlerError} checks);
	 * an upstream's closed connection ({@code PrematureCloseException}...) is logged, and so is
	 * the server closing this one (disposeNow's timeout).
	 */
	private void errorLog(Throwable t, int status) {
		HttpServerConfig config = conn.server.config;
		if (!config.errorLogEnabled()) {
			return;
		}
		ErrorLogEntry e = new ErrorLogEntry(ZonedDateTime.now(), request.remoteAddress(), request.method(), request.uri(),
				t, status);
		Function<? super ErrorLogArgs, ? extends @Nullable String> format = config.errorLogFormat();
		try {
			String line = format == null ? e.defaultLine() : format.apply(e);
			if (line != null) {
				AccessLog.logError(line);
			}
		}
		catch (RuntimeException x) {
			BoundHttpServer.log.debug("error log format failed for " + request, x);
		}
	}

	/** The answer to a handler error: the client's fault (400, 408, 413, 415) or ours (500). */
	private static int statusFor(Throwable t) {
		return t instanceof BadRequestException ? 400 : t instanceof RequestBodyTooLargeException ? 413
				: t instanceof RequestBodyTimeoutException ? 408 : t instanceof FormDecodingException f ? f.status() : 500;
	}

	/**
	 * readTimeout: the client stalled in the streamed {@code body}. The connection closes after
	 * this exchange (the rest of the body will not be read); the body fails with {@code e}; a
	 * response not started yet is 408, one under way is aborted.
	 */
	void bodyTimedOut(RequestBody body, RequestBodyTimeoutException e) {
		writer.keepAlive(false);
		body.fail(e);
		if (!writer.isEnded()) {
			onHandlerError(e); // the handler kept going without its body: answer for it
			if (handlerSubscriber != null) {
				handlerSubscriber.dispose();
			}
		}
	}

	/** The connection closed while this exchange was current (by the server: {@code byServer}). */
	void onConnectionClosed(boolean byServer) {
		closedByServer = byServer;
		onConnectionClosed(null, null);
	}

	/** The server is closing the connection under this exchange for {@code reason} (the write timeout). */
	void serverClosing(String reason) {
		writer.serverClosing(reason);
	}

	/**
	 * The connection closed, or the native side ended it, while this exchange was current:
	 * nothing more is written, the streamed {@code body} (if any) fails with {@code bodyError},
	 * then the handler's publisher is disposed.
	 */
	void onConnectionClosed(@Nullable RequestBody body, @Nullable Throwable bodyError) {
		request.connectionClosed();
		boolean wasEnded = writer.connectionClosed(closedByServer);
		if (body != null && bodyError != null) {
			body.fail(bodyError);
		}
		if (handlerSubscriber != null && !wasEnded) {
			handlerSubscriber.dispose();
		}
	}

	// ---- status and headers ----

	@Override
	public HttpServerResponse status(int status) {
		if (status < 200 || status > 999) {
			throw new IllegalArgumentException(status < 100 || status > 999 ? "status out of range: " + status
					: "status " + status + " is interim, not a final response (the client would wait on for one): 101 comes"
							+ " from sendWebsocket, 100 Continue is sent when the body is first read");
		}
		headNotSent();
		writer.status(status);
		return this;
	}

	/**
	 * As Reactor Netty's: the status and headers cannot change once the head is on the wire
	 * (they would be recorded by the access log and the metrics, never seen by the client).
	 */
	private void headNotSent() {
		if (writer.hasSentHeaders()) {
			throw new IllegalStateException("Status and headers already sent");
		}
	}

	@Override
	public int status() {
		return writer.status();
	}

	@Override
	public HttpServerResponse header(String name, String value) {
		headNotSent();
		writer.headers().set(name, value);
		return this;
	}

	@Override
	public HttpServerResponse addHeader(String name, String value) {
		headNotSent();
		writer.headers().add(name, value);
		return this;
	}

	@Override
	public HttpHeaders responseHeaders() {
		return writer.headers();
	}

	@Override
	public HttpServerResponse trailerHeaders(Consumer<? super HttpHeaders> trailerHeaders) {
		Objects.requireNonNull(trailerHeaders, "trailerHeaders");
		writer.trailers(trailerHeaders);
		return this;
	}

	@Override
	public HttpServerResponse keepAlive(boolean keepAlive) {
		writer.keepAlive(keepAlive);
		return this;
	}

	@Override
	public boolean hasSentHeaders() {
		return writer.hasSentHeaders();
	}

	// ---- bodies ----

	@Override
	public Mono<Void> send() {
		return Mono.create(sink -> el.executeOrRun(() -> writer.writeWhole(EMPTY, sink)));
	}

	@Override
	public Mono<Void> sendWhole(Publisher<? extends ByteBuffer> body) {
		Objects.requireNonNull(body, "body");
		if (body instanceof Fuseable.ScalarCallable<?> scalar) {
			// Mono.just, Mono.empty, Mono.error: the body is there already, nothing to subscribe
			return Mono.create(sink -> {
				byte[] data;
				try {
					Object b = scalar.call();
					data = b != null ? WholeBody.bytesOf((ByteBuffer) b) : null;
				}
				catch (Throwable t) {
					sink.error(Exceptions.unwrap(t));
					return;
				}
				el.executeOrRun(() -> writeWhole(data, sink));
			});
		}
		return Mono.create(sink -> {
			WholeBody whole = new WholeBody();
			sink.onCancel(Flux.from(body).subscribe(whole::add, sink::error,
					() -> el.executeOrRun(() -> writeWhole(whole.bytes(), sink)), Context.of(sink.contextView())));
		});
	}

	private void writeWhole(byte @Nullable [] data, MonoSink<Void> sink) {
		if (data != null) {
			writer.writeWhole(data, sink);
		}
		else if (!writer.hasSentHeaders() && !writer.isEnded()) {
			writer.writeWhole(EMPTY, sink);
		}
		else {
			sink.success();
		}
	}

	@Override
	public Mono<Void> sendHeaders() {
		return Mono.create(sink -> el.executeOrRun(() -> writer.headers(sink)));
	}

	@Override
	public Mono<Void> sendStream(Publisher<? extends ByteBuffer> body) {
		Objects.requireNonNull(body, "body");
		// as Reactor Netty: the head goes out at once for a Flux body; a Mono body waits for its
		// item, which may still become a 500
		return stream(body, !(body instanceof Mono));
	}

	/** Streams {@code body} on the poll thread ({@link ResponseWriter#stream}). */
	private Mono<Void> stream(Publisher<? extends ByteBuffer> body, boolean headFirst) {
		return Mono.create(sink -> el.executeOrRun(() -> writer.stream(body, sink, this::afterBody, headFirst)));
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
			catch (IOException e) {
				return Mono.error(e);
			}
			return sendFile(file, 0, size);
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Void> sendFile(Path file, long position, long count) {
		return sendFile(file, position, count, null);
	}

	/** {@link #sendFile(Path, long, long)} of a file whose head was made from {@code check} (static files). */
	Mono<Void> sendFile(Path file, long position, long count, StaticFiles.@Nullable Check check) {
		if (position < 0 || count < 0) {
			return Mono.error(new IllegalArgumentException("position and count must be >= 0"));
		}
		return Mono.defer(() -> {
			if (count > 0 && check == null) {
				// a region past the file's end would announce more than can be sent: the head
				// went out with its Content-Length, then the connection was cut (the send even
				// completed); refused before the head, so the client gets a 500
				try {
					java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file,
							java.nio.file.attribute.BasicFileAttributes.class);
					if (a.isRegularFile() && position > a.size() - count) {
						return Mono.error(new IllegalArgumentException("sendFile " + file + ": bytes " + position + " to "
								+ (position + count) + " are past its end (" + a.size() + " bytes)"));
					}
				}
				catch (IOException | UnsupportedOperationException e) {
					// not readable: the send below fails with the reason
				}
			}
			HttpHeaders headers = writer.headers();
			if (!headers.contains("Content-Length")) {
				headers.set("Content-Length", Long.toString(count));
			}
			if (!headers.contains("Content-Type")) {
				String type;
				try {
					type = Files.probeContentType(file);
				}
				catch (IOException e) {
					type = null;
				}
				headers.set("Content-Type", type != null ? type : "application/octet-stream");
			}
			if (count == 0) {
				return send();
			}
			if (file.getFileSystem() != FileSystems.getDefault()) {
				// no file descriptor to hand over: read in pieces, the head with the first one (a
				// file that cannot be read still gets a 500)
				return stream(FileChunks.read(file, position, count), false);
			}
			return Mono.<Void>create(sink -> el.executeOrRun(() -> writer.file(file, position, count, check, sink,
					this::afterBody, () -> FileChunks.read(file, position, count))));
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
		return sendStream(Flux.from(events).map(e -> ByteBuffer.wrap(e.encode())));
	}

	// ---- WebSocket ----

	@Override
	public Mono<Void> sendWebsocket(
			BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			WebsocketServerSpec spec) {
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(spec, "spec");
		return Mono.create(sink -> el.executeOrRun(() -> upgrade(handler, spec, sink)));
	}

	private void upgrade(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			WebsocketServerSpec spec, MonoSink<Void> sink) {
		if (writer.isEnded() || writer.hasSentHeaders() || writer.isConnectionClosed()) {
			sink.error(new IllegalStateException("cannot upgrade: the response was already started"));
			return;
		}
		HttpHeaders requestHeaders = request.requestHeaders();
		String key = requestHeaders.get("Sec-WebSocket-Key");
		if (!request.isWebsocket() || key == null || key.isBlank() || request.bodyPending()) {
			status(400);
			writer.headers().set("Content-Type", "text/plain");
			writer.writeWhole("not a WebSocket handshake\n".getBytes(StandardCharsets.US_ASCII), sink);
			return;
		}
		String version = requestHeaders.get("Sec-WebSocket-Version");
		if (version == null || !version.trim().equals("13")) {
			// RFC 6455 section 4.2.2: name the version we speak, so that the client can retry with it
			status(426);
			writer.headers().set("Sec-WebSocket-Version", "13");
			// RFC 9110, 15.5.22: a 426 names the protocol to upgrade to (with Connection's option)
			writer.headers().set("Upgrade", "websocket");
			writer.headers().set("Connection", "Upgrade");
			writer.headers().set("Content-Type", "text/plain");
			writer.writeWhole("unsupported WebSocket version; this server speaks 13\n".getBytes(StandardCharsets.US_ASCII), sink);
			return;
		}
		// several lines are one list (RFC 6455 11.3.4)
		List<String> offered = requestHeaders.getAll("Sec-WebSocket-Protocol");
		String selected = selectProtocol(spec.protocols(), offered.isEmpty() ? null : String.join(",", offered));
		// RFC 7692: accept the client's first acceptable permessage-deflate offer, if allowed
		PerMessageDeflate.ServerTerms deflate = spec.compress()
				? PerMessageDeflate.negotiate(requestHeaders.getAll("Sec-WebSocket-Extensions"),
						spec.compressionPreferredClientNoContext()) : null;
		if (deflate != null) {
			writer.headers().set("Sec-WebSocket-Extensions", deflate.answer());
		}
		String extra = writer.headerLines();
		int maxMessage = spec.maxFramePayloadLength() > 0 ? spec.maxFramePayloadLength()
				: conn.server.config.maxWebsocketFrameSize();
		int rc = conn.channel.upgradeToWebsocket(key.trim(), selected, extra.isEmpty() ? null : extra, deflate != null,
				maxMessage, spec.handlePing());
		if (rc < 0) {
			sink.error(Errors.toException(rc, "WebSocket upgrade"));
			return;
		}
		writer.upgraded();
		WebsocketSession session = new WebsocketSession(conn.channel, requestHeaders, selected, deflate,
				maxMessage, conn::onClosed);
		conn.upgraded(session);
		session.run(handler, sink);
	}

	/** The first of the client's {@code requested} sub-protocols that the server {@code supported}. */
	static @Nullable String selectProtocol(@Nullable String supported, @Nullable String requested) {
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

	@Override
	public String toString() {
		return request.toString();
	}
}
