/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.HttpDates;
import io.github.reactormongoose.internal.io.LastChunk;
import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.MonoSink;
import reactor.util.context.Context;

/**
 * Writes one response in HTTP/1.1: the status line and headers, the body with its framing,
 * and the end of the exchange. It owns the keep-alive decision ({@link #closeAfterResponse()})
 * and is the only writer of the response bytes. Poll thread only, except the status, header
 * and keep-alive setters, which apply until the headers are sent.
 */
final class ResponseWriter {

	private static final byte[] CRLF = {'\r', '\n'};
	private static final byte[] EMPTY = new byte[0];
	/** Largest whole body written in the same native call as the headers. */
	private static final int COALESCE_BODY = 16 * 1024;
	/** Largest chunk copied together with its size line and CRLF. */
	private static final int COALESCE_CHUNK = 8192;

	/** How the body's end is told to the client. */
	enum Framing {
		/** No body (HEAD of unknown length, 1xx, 204, 205, 304). */
		NONE,
		/** {@code Content-Length}. */
		LENGTH,
		/** {@code Transfer-Encoding: chunked}. */
		CHUNKED,
		/** The connection closes after the body (HTTP/1.0 stream). */
		UNTIL_CLOSE
	}

	private final Channel channel;
	private final RequestView request;
	private final BooleanSupplier lastExchange;
	private final Runnable onEnd;
	private final long maxDiscard;
	private final HttpHeaders headers = new HttpHeaders();
	private volatile int status = 200;
	/** Body bytes handed to the connection (metrics, access log). */
	private long bodyBytesSent;
	private volatile boolean keepAlive = true;
	private volatile boolean headersSent;
	private long headersSentAt;
	/** Whether {@link #sendNanos} is wanted (metrics): else the clock is not read. */
	private final boolean timed;
	private boolean ended;
	/** The connection closes after this response: decided (and said in the head) once, see closeAfterResponse. */
	private boolean closeAnnounced;
	private boolean connectionClosed;
	/** Why the server is closing the connection under this response (the write timeout), or {@code null}. */
	private @Nullable String serverClosing;
	private boolean sending;
	/** Streamed sends of this response so far: every {@code ROUNDS_PER_TURN}th completes after a poll. */
	private int streamedSends;
	private Framing framing = Framing.NONE;
	/** The application's Content-Length of a streamed body (LENGTH framing), or -1. */
	private long declaredLength = -1;
	private @Nullable WriteSubscriber<?> body;
	/** Asks the server's compression condition for this response; {@code null}: compression off. */
	private final @Nullable BooleanSupplier compressible;
	private final int compressMinSize;
	/** Whether the head gets a {@code Date} line when the handler set none. */
	private final boolean date;
	private boolean compressionDecided;
	/** The body is in a compressed format already (a static JPEG, say): never gzipped, no Vary for it. */
	private boolean identityOnly;
	/** The gzip stream of a compressed streamed body, until its end. */
	private @Nullable GzipEncoder gzip;

	/**
	 * @param lastExchange whether this response is the connection's last (the server is shutting
	 *        down, or the connection drains): then the connection closes after it
	 * @param onEnd runs once the response is complete, just before its last bytes are handed to
	 *        the connection (which may send them at once)
	 * @param maxDiscard bytes of an unread request body the connection may discard and stay open
	 * @param compressible whether the server's compression condition allows compressing this
	 *        response (asked at most once, when its head is written); {@code null} when the
	 *        server does not compress
	 * @param compressMinSize the smallest body of known length that is compressed
	 * @param date whether the head gets a {@code Date} line when the handler set none
	 */
	ResponseWriter(Channel channel, RequestView request, BooleanSupplier lastExchange, Runnable onEnd,
			long maxDiscard, @Nullable BooleanSupplier compressible, int compressMinSize, boolean date, boolean timed) {
		this.timed = timed;
		this.date = date;
		this.compressible = compressible;
		this.compressMinSize = compressMinSize;
		this.channel = channel;
		this.maxDiscard = maxDiscard;
		this.request = request;
		this.lastExchange = lastExchange;
		this.onEnd = onEnd;
	}

	// ---- state ----

	/**
	 * The body bytes handed to the connection, less what the socket never took if it closed
	 * (a client that left mid-response: a sendFile's whole region is counted when queued).
	 */
	long bodyBytesSent() {
		return channel.isClosed() ? bodyBytesSent - Math.min(bodyBytesSent, channel.unsentAtClose()) : bodyBytesSent;
	}

	/** How long the response has been sending, up to {@code now} (nanoTime): 0 before its head was written. */
	long sendNanos(long now) {
		return headersSent ? Math.max(0, now - headersSentAt) : 0;
	}

	int status() {
		return status;
	}

	/** The head is written (or, after an upgrade, was written by the native layer). */
	private void markHeadersSent() {
		headersSent = true;
		headersSentAt = timed ? System.nanoTime() : 0;
	}

	void status(int status) {
		this.status = status;
	}

	HttpHeaders headers() {
		return headers;
	}

	void keepAlive(boolean keepAlive) {
		this.keepAlive = keepAlive;
	}

	boolean hasSentHeaders() {
		return headersSent;
	}

	/** The response is complete, or cannot be continued (aborted, upgraded, connection gone). */
	boolean isEnded() {
		return ended;
	}

	boolean isConnectionClosed() {
		return connectionClosed;
	}

	/** A streamed body is being written. */
	boolean isSending() {
		return sending;
	}

	/** Whether both sides want the connection kept: the request allows it and the handler did not refuse. */
	boolean isKeepAlive() {
		// a Connection: close the handler set is honoured, not just copied (RFC 9112 §9.6)
		return request.clientKeepAlive() && keepAlive && !headers.containsToken("Connection", "close");
	}

	/**
	 * The one keep-alive decision: whether the connection closes after this response. Once a
	 * head said {@code Connection: close} it stays so (RFC 9112 9.6: a server that sent it MUST
	 * close), though the reason may have gone by the end: a body unread when the head went out
	 * (the client waiting for 100 Continue or refused after it, or more than maxDiscard to come) read afterwards.
	 */
	private boolean closeAfterResponse() {
		closeAnnounced |= !isKeepAlive() || lastExchange.getAsBoolean() || framing == Framing.UNTIL_CLOSE
				|| request.unreadBodyBeyond(maxDiscard, status);
		return closeAnnounced;
	}

	// ---- compression ----

	/**
	 * Whether this response's body is gzip-compressed: decided once, as its head is serialized.
	 * {@code length} is the body's, or -1 when unknown (then a {@code Content-Length} the
	 * application set counts). When yes, sets {@code Content-Encoding} and {@code Vary} and
	 * drops {@code Content-Length} (it was the length before compression).
	 */
	private boolean compressBody(long length) {
		BooleanSupplier allowed = compressible;
		if (allowed == null || compressionDecided) {
			return false;
		}
		compressionDecided = true;
		if (status < 200 || status == 204 || status == 206 || status == 304) {
			return false;
		}
		long known = length >= 0 ? length : applicationLength(); // negative: unknown (none, or not valid)
		if (!compressibleFor(known)) {
			return false;
		}
		if (!clientAcceptsGzip()) {
			addVary(); // the identity variant of a compressible answer (RFC 9110 12.5.5)
			return false;
		}
		headers.remove("Content-Length");
		headers.set("Content-Encoding", "gzip");
		markCompressed();
		return true;
	}

	/**
	 * Whether a 200 with the current headers and a body of {@code length} bytes (negative:
	 * unknown) would be gzip-compressed for a client that takes gzip, this one or not; nothing
	 * is changed. When it would and this client does not take gzip, the answer still depends on
	 * {@code Accept-Encoding} and says so with {@code Vary}, as nginx's {@code gzip_vary}, so
	 * that a shared cache does not hand the identity copy to clients that take gzip (RFC 9110
	 * 12.5.5).
	 */
	boolean compressibleFor(long length) {
		BooleanSupplier allowed = compressible;
		return allowed != null && !identityOnly && !headers.contains("Content-Encoding")
				&& (length < 0 || length >= compressMinSize) && allowed.getAsBoolean();
	}

	/** Whether this request's {@code Accept-Encoding} takes gzip. */
	boolean clientAcceptsGzip() {
		return StaticFiles.acceptsGzip(String.join(",", request.requestHeaders().getAll("Accept-Encoding")));
	}

	/** This body is not to be gzipped: its format is compressed already. */
	void identityOnly() {
		identityOnly = true;
	}

	/** {@code Vary: Accept-Encoding}, unless the response varies with it (or with all) already. */
	void addVary() {
		if (!headers.containsToken("Vary", "Accept-Encoding") && !headers.containsToken("Vary", "*")) {
			headers.add("Vary", "Accept-Encoding");
		}
	}

	/**
	 * The validator, {@code Vary} and ranges of a compressed answer, also those of a 304
	 * standing for one (RFC 9110 15.4.5: it carries the ETag and Vary the 200 would have; a
	 * cache updates its copy's fields from it). The bytes are not the identity's any more (as
	 * nginx's gzip does): a strong validator becomes weak, so If-Range cannot splice identity
	 * bytes onto a gzip prefix (RFC 9110, 8.8.3), and ranges of the identity are not offered.
	 */
	void markCompressed() {
		addVary();
		String etag = headers.get("ETag");
		if (etag != null && etag.startsWith("\"")) {
			headers.set("ETag", "W/" + etag);
		}
		headers.remove("Accept-Ranges");
	}

	/** Releases the gzip stream of a body that will not end normally. */
	private void endGzip() {
		GzipEncoder g = gzip;
		if (g != null) {
			gzip = null;
			g.end();
		}
	}

	// ---- serialization ----

	private byte[] head(long contentLength) {
		StringBuilder b = new StringBuilder(128);
		b.append("HTTP/1.1 ").append(status).append(' ').append(NativeConstants.reason(status)).append("\r\n");
		if (date && !headers.contains("Date")) {
			b.append("Date: ").append(HttpDates.now()).append("\r\n");
		}
		// the framing is the writer's: the application's Transfer-Encoding and Content-Length
		// lines are not copied; the length sent is the body's, or the application's (checked)
		// for a streamed body, a HEAD answer or a 304, never one that contradicts the framing
		boolean close = closeAfterResponse();
		appendHeaders(b, close); // closing: the handler's Connection line (keep-alive, say) would contradict it
		long length = framing == Framing.LENGTH ? (contentLength >= 0 ? contentLength : applicationLength())
				: framing == Framing.NONE && status == 304 ? applicationLength()
				: status == 205 ? 0 : -1; // 205: no content (RFC 9110 15.3.6), said with a length of 0 as Reactor Netty
		if (length >= 0) {
			b.append("Content-Length: ").append(length).append("\r\n");
		}
		else if (framing == Framing.CHUNKED) {
			b.append("Transfer-Encoding: chunked\r\n");
		}
		if (close) {
			b.append("Connection: close\r\n");
		}
		else if (request.isHttp10() && !headers.containsToken("Connection", "keep-alive")) {
			b.append("Connection: keep-alive\r\n"); // an HTTP/1.0 client closes unless told otherwise
		}
		b.append("\r\n");
		return b.toString().getBytes(StandardCharsets.ISO_8859_1);
	}

	/**
	 * The application's headers but Content-Length and Transfer-Encoding (the framing is the
	 * writer's), and Connection if {@code skipConnection}.
	 */
	private void appendHeaders(StringBuilder b, boolean skipConnection) {
		for (int i = 0; i < headers.size(); i++) {
			String n = headers.nameAt(i);
			if (!n.equalsIgnoreCase("Content-Length") && !n.equalsIgnoreCase("Transfer-Encoding")
					&& !(skipConnection && n.equalsIgnoreCase("Connection"))) {
				b.append(n).append(": ").append(headers.valueAt(i)).append("\r\n");
			}
		}
	}

	/**
	 * The application's {@code Content-Length}: -1 if none, -2 if it is not one non-negative
	 * number (several different values, a sign, text), which is then not sent.
	 */
	private long applicationLength() {
		List<String> values = headers.getAll("Content-Length");
		if (values.isEmpty()) {
			return -1;
		}
		long length = -2;
		for (String v : values) {
			String t = v.trim();
			if (t.isEmpty() || t.length() > 18 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
				return -2;
			}
			long l = Long.parseLong(t);
			if (length != -2 && l != length) {
				return -2;
			}
			length = l;
		}
		return length;
	}

	/** The application's headers as {@code Name: value\r\n} lines (for the WebSocket handshake). */
	String headerLines() {
		StringBuilder b = new StringBuilder();
		appendHeaders(b, true); // the handshake's Connection: Upgrade is the native side's
		return b.toString();
	}

	// ---- whole bodies ----

	/** Head + whole body + end, in one native call when small; {@code sink} may be {@code null}. */
	void writeWhole(byte[] data, @Nullable MonoSink<Void> sink) {
		if (ended || connectionClosed) {
			if (sink != null) {
				sink.error(connectionClosed ? new AbortedException("Connection closed before send")
						: new IllegalStateException("the response was already sent"));
			}
			return;
		}
		if (headersSent) {
			// a fixed body after a streamed start: write it with the current framing
			long r;
			try {
				r = writeChunk(ByteBuffer.wrap(data));
			}
			catch (IllegalStateException e) {
				if (sink != null) {
					sink.error(e);
				}
				return;
			}
			complete(sink, r);
			return;
		}
		boolean noBodyStatus = status < 200 || status == 204 || status == 205 || status == 304;
		// HEAD with nothing to measure: do not claim a length the GET body may not have
		boolean headLength = request.isHead() && data.length == 0;
		boolean unknownHeadLength = headLength && applicationLength() < 0;
		framing = noBodyStatus || unknownHeadLength ? Framing.NONE : Framing.LENGTH;
		boolean noBody = request.isHead() || noBodyStatus;
		if (data.length > 0 && framing == Framing.LENGTH && compressBody(data.length)) {
			data = GzipEncoder.gzip(data); // for HEAD too: its Content-Length is the GET body's
		}
		byte[] h = head(headLength ? -1 : data.length); // HEAD: the application's length of the GET body
		markHeadersSent();
		ended = true;
		boolean close = closeAfterResponse();
		long r;
		if (noBody || data.length == 0) {
			// the exchange is recorded (metrics, access log) before its last bytes are handed
			// over: they may reach the client within the write itself (write-through)
			onEnd.run();
			r = channel.writeAndEndExchange(h, 0, h.length, close);
		}
		else if (data.length <= COALESCE_BODY) {
			byte[] all = new byte[h.length + data.length];
			System.arraycopy(h, 0, all, 0, h.length);
			System.arraycopy(data, 0, all, h.length, data.length);
			bodyBytesSent += data.length;
			onEnd.run();
			r = channel.writeAndEndExchange(all, 0, all.length, close);
		}
		else {
			r = channel.writeMore(h, 0, h.length);
			if (r >= 0) {
				writeSlices(data, 0, close, sink);
			}
			else {
				lost(r, sink);
			}
			return;
		}
		complete(sink, r);
	}

	/**
	 * Hands {@code data[offset..]}, the rest of a whole body, to the connection a slice at a
	 * time: the next slice once the send buffer has fallen to the low-water mark. So a large
	 * array (one cached answer sent to many slow readers) is not copied into native memory
	 * whole for each of them; each holds a slice. The exchange stays current (graceful
	 * shutdown waits for it, the idle timeout does not run) until its last slice.
	 */
	private void writeSlices(byte[] data, int offset, boolean close, @Nullable MonoSink<Void> sink) {
		int off = offset;
		while (data.length - off > Channel.SLICE) {
			long r = channel.write(data, off, Channel.SLICE);
			if (r < 0) {
				lost(r, sink);
				return;
			}
			bodyBytesSent += Channel.SLICE;
			off += Channel.SLICE;
			if (channel.aboveHighWater(r)) {
				int next = off;
				channel.awaitWritable(() -> writeSlices(data, next, close, sink));
				return;
			}
		}
		bodyBytesSent += data.length - off;
		onEnd.run(); // before the last bytes, as for a body written at once
		complete(sink, channel.writeAndEndExchange(data, off, data.length - off, close));
	}

	/**
	 * The server is closing the connection for {@code reason} (the write timeout resets it): the
	 * sends that fail from now on say so, whichever write or close notices first.
	 */
	void serverClosing(String reason) {
		serverClosing = reason;
	}

	/** A send's failure: the server's close and its reason when it is closing the connection, else {@code e}. */
	private Throwable sendError(Throwable e) {
		String why = serverClosing;
		return why != null && e instanceof ConnectionClosedException
				? new AbortedException("Connection closed by the server: " + why) : e;
	}

	/** A write of a whole body failed ({@code r}): the connection is gone or closing, the rest cannot follow. */
	private void lost(long r, @Nullable MonoSink<Void> sink) {
		connectionClosed = true; // the handler's error is not the server's to log
		abort();
		complete(sink, r);
	}

	private void complete(@Nullable MonoSink<Void> sink, long r) {
		if (sink == null) {
			return;
		}
		if (r < 0) {
			sink.error(sendError(Errors.toException(r, "send")));
		}
		else if (channel.aboveHighWater(r)) {
			channel.awaitWritable(sink::success);
		}
		else {
			sink.success();
		}
	}

	// ---- streamed bodies ----

	/** Sends the headers of a streamed body: chunked unless a length was set; HTTP/1.0 until close. */
	private void commitStreaming() {
		commitStreaming(false);
	}

	/** @param more the body follows at once (the head may wait for it in the kernel) */
	private void commitStreaming(boolean more) {
		if (headersSent) {
			return;
		}
		byte[] h = streamingHead();
		markHeadersSent();
		if (more && framing == Framing.LENGTH && !request.isHead()) {
			channel.writeMore(h, 0, h.length);
		}
		else {
			channel.write(h, 0, h.length);
		}
	}

	/** Chooses the framing of a streamed body and serializes the head (not yet sent). */
	private byte[] streamingHead() {
		if (status < 200 || status == 204 || status == 205 || status == 304) {
			// no body whatever the handler sends, and no Transfer-Encoding (RFC 9112 §6.3): a
			// chunked 204 would leave its last chunk to be read as the next response (a 205
			// says Content-Length: 0, see head)
			framing = Framing.NONE;
			return head(-1);
		}
		// an application that says chunked (e.g. headers copied from an upstream response) gets it
		boolean chunked = headers.containsToken("Transfer-Encoding", "chunked");
		if (compressBody(-1)) {
			gzip = new GzipEncoder();
		}
		long declared = chunked ? -1 : applicationLength();
		if (declared >= 0) {
			framing = Framing.LENGTH;
			declaredLength = declared;
		}
		else if (request.isHttp10()) {
			framing = Framing.UNTIL_CLOSE;
		}
		else {
			framing = Framing.CHUNKED;
		}
		return head(-1);
	}

	private long writeChunk(ByteBuffer data) {
		if (request.isHead() || framing == Framing.NONE) {
			return 0; // HEAD, or a status without body (1xx, 204, 205, 304)
		}
		GzipEncoder g = gzip;
		if (g != null && data.hasRemaining()) {
			data = ByteBuffer.wrap(g.encode(data));
		}
		return writeFramed(data);
	}

	/** Writes body bytes (compressed already, if the body is) in the response's framing. */
	private long writeFramed(ByteBuffer data) {
		int len = data.remaining();
		if (len == 0) {
			return 0;
		}
		if (declaredLength >= 0 && bodyBytesSent + len > declaredLength) {
			throw new IllegalStateException("The response body is longer than its Content-Length of " + declaredLength
					+ " bytes: the connection is closed");
		}
		bodyBytesSent += len;
		if (framing != Framing.CHUNKED) {
			return channel.write(data);
		}
		byte[] size = (Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII);
		if (len <= COALESCE_CHUNK) {
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

	/**
	 * Streams {@code source}, each item written as it arrives while the send buffer is below
	 * its high-water mark. For HEAD only the headers are written and {@code source} is not
	 * subscribed. {@code afterBody} runs once the body was written (not on error).
	 * @param headFirst the head goes out as soon as the stream is subscribed if no item came at
	 *        once; else it waits for the first item (so an error before it can still be a 500)
	 */
	void stream(Publisher<? extends ByteBuffer> source, MonoSink<Void> sink, Runnable afterBody, boolean headFirst) {
		if (refuseBody(sink)) {
			return;
		}
		if (request.isHead()) {
			// the body publisher (maybe endless) is not subscribed
			headersOnly(sink, afterBody);
			return;
		}
		sending = true;
		WriteSubscriber<ByteBuffer> w = new WriteSubscriber<>(channel.loop(), new WriteSubscriber.Target<>() {
			@Override
			public long write(ByteBuffer item) {
				commitStreaming();
				return writeChunk(item);
			}

			@Override
			public void awaitWritable(Runnable action) {
				channel.awaitWritable(action);
			}

			@Override
			public Channel gatherOn() {
				return channel;
			}
		}, e -> {
			body = null;
			if (e == null) {
				if (!headersSent && !ended) {
					commitStreaming();
				}
				if (channel.aboveHighWater(channel.pendingOutput())) {
					// as a whole body's send and sendFile: complete once the client has taken the
					// output down to the low-water mark. Completing at once let a caller that makes
					// one send per item (Spring's writeAndFlushWith: each SSE event) pull a source
					// that emits at once without end, on the poll thread, into native memory
					channel.awaitWritable(() -> streamSent(sink, afterBody));
					return;
				}
				if (++streamedSends % WriteSubscriber.ROUNDS_PER_TURN == 0) {
					// sends one after another, each taken at once by a client that reads as fast:
					// let the loop poll (its other connections, a close from this client) before
					// the next, as a stream's writer does between its rounds
					channel.loop().schedule(java.time.Duration.ZERO, () -> streamSent(sink, afterBody));
					return;
				}
				sending = false;
				sink.success();
				afterBody.run();
			}
			else {
				sending = false;
				sink.error(sendError(e));
			}
		}, Context.of(sink.contextView()));
		body = w;
		source.subscribe(w);
		if (headFirst && sending && body == w && !headersSent) {
			// no item came at once: the head goes out now, so that an SSE client or a long poll
			// sees the response start
			commitStreaming();
		}
	}

	/**
	 * Writes the status line and headers now, framed for a body still to come (as for
	 * {@link #stream}); succeeds at once if they were already sent. The body may follow with
	 * any send; without one, the response ends with the handler.
	 */
	void headers(MonoSink<Void> sink) {
		if (refuseBody(sink)) {
			return;
		}
		commitStreaming();
		sink.success();
	}

	/**
	 * Sends {@code count} bytes of {@code file} from {@code position} as the body (the
	 * application set {@code Content-Length}): the native side queues the region and sends it
	 * with {@code sendfile(2)}; {@code sink} succeeds once at most the low-water mark of it is
	 * left, so a slow reader holds no file data in memory. Falls back to {@code chunks} when
	 * the framing is chunked (no length was set). For HEAD only the headers are written.
	 */
	void file(Path file, long position, long count, StaticFiles.@Nullable Check check, MonoSink<Void> sink,
			Runnable afterBody, Supplier<Publisher<? extends ByteBuffer>> chunks) {
		if (refuseBody(sink)) {
			return;
		}
		if (request.isHead()) {
			headersOnly(sink, afterBody);
			return;
		}
		long r;
		if (headersSent) {
			if (framing == Framing.CHUNKED || gzip != null) {
				stream(chunks.get(), sink, afterBody, false);
				return;
			}
			if (declaredLength >= 0 && bodyBytesSent + count > declaredLength) {
				sink.error(new IllegalStateException("The file is longer than the rest of the response's Content-Length of "
						+ declaredLength + " bytes"));
				return;
			}
			r = writeFile(null, file, position, count, check);
		}
		else {
			byte[] h = streamingHead();
			if (framing == Framing.CHUNKED || gzip != null) { // a compressed file goes through the heap
				// the head is written with the first piece (stream commits it): a file that
				// cannot be read still gets a 500
				stream(chunks.get(), sink, afterBody, false);
				return;
			}
			if (declaredLength >= 0 && count > declaredLength) {
				sink.error(new IllegalStateException("The file is longer than the response's Content-Length of "
						+ declaredLength + " bytes"));
				return;
			}
			// the head goes out only once the file is open: a missing file still gets a 500
			r = writeFile(h, file, position, count, check);
			if (r >= 0) {
				markHeadersSent();
			}
		}
		if (r < 0) {
			sink.error(check != null && StaticFiles.Changed.is(r) ? new StaticFiles.Changed(file, r)
					: Errors.toException(r, "sendFile " + file));
			return;
		}
		bodyBytesSent += count;
		sending = true;
		channel.awaitWritable(() -> {
			sending = false;
			// a file cut short (it shrank) empties the queue, which the native side reports as
			// writable before the connection's close: the server is closing it, the send failed
			if (channel.isClosed() || connectionClosed || serverClosing != null) {
				sink.error(sendError(new AbortedException("Connection closed during sendFile")));
				return;
			}
			sink.success();
			afterBody.run();
		});
	}

	private long writeFile(byte @Nullable [] head, Path file, long position, long count, StaticFiles.@Nullable Check check) {
		return check == null ? channel.writeFile(head, file, position, count)
				: channel.writeFile(head, file, check.root(), check.size(), check.mtimeMillis(), position, count);
	}

	/** A streamed send whose completion waited (for the client, or for the loop to poll) completes. */
	private void streamSent(MonoSink<Void> sink, Runnable afterBody) {
		sending = false;
		if (channel.isClosed() || connectionClosed) {
			sink.error(sendError(new AbortedException("Connection closed during send")));
			return;
		}
		sink.success();
		afterBody.run();
	}

	/** Fails {@code sink} when no body may be sent now (ended, closed, another send running). */
	private boolean refuseBody(MonoSink<Void> sink) {
		if (ended || connectionClosed) {
			sink.error(connectionClosed ? new AbortedException("Connection closed before send")
					: new IllegalStateException("the response was already sent"));
			return true;
		}
		if (sending) {
			sink.error(new IllegalStateException("another send is in progress"));
			return true;
		}
		return false;
	}

	/** HEAD: the headers GET would have sent, no body. */
	private void headersOnly(MonoSink<Void> sink, Runnable afterBody) {
		commitStreaming();
		sink.success();
		afterBody.run();
	}

	/** Stops pulling the streamed body, if one is being written. */
	void cancelBody(Throwable reason) {
		WriteSubscriber<?> w = body;
		if (w != null) {
			w.cancel(reason);
		}
	}

	// ---- end of the exchange ----

	/** Ends the response (the handler is done and nothing is being written). */
	void finish() {
		if (ended) {
			return;
		}
		if (!headersSent) {
			writeWhole(EMPTY, null);
			return;
		}
		ended = true;
		GzipEncoder g = gzip;
		if (g != null) {
			gzip = null;
			byte[] end = g.finish();
			if (!request.isHead()) {
				writeFramed(ByteBuffer.wrap(end)); // the rest of the deflate stream and the gzip trailer
			}
		}
		if (declaredLength >= 0 && bodyBytesSent != declaredLength && !request.isHead()) {
			// the client would wait for the rest (or read the next response into it): cut the connection
			BoundHttpServer.log.warn("The response to " + request.method() + " " + request.rawPath() + " ended after "
					+ bodyBytesSent + " bytes, short of its Content-Length of " + declaredLength
					+ ": the connection is closed");
			abort();
			return;
		}
		byte[] tail = framing == Framing.CHUNKED && !request.isHead() ? lastChunk() : EMPTY;
		boolean close = closeAfterResponse();
		onEnd.run(); // before the last bytes, as in writeWhole
		channel.writeAndEndExchange(tail, 0, tail.length, close);
	}

	/** trailerHeaders: the callbacks, in order, or {@code null}. */
	private @Nullable Consumer<? super HttpHeaders> trailers;

	void trailers(Consumer<? super HttpHeaders> callback) {
		trailers = HttpServerConfig.andThen(trailers, callback);
	}

	/** The last chunk: with the trailer fields the callbacks set and the response declared. */
	private byte[] lastChunk() {
		Consumer<? super HttpHeaders> callback = trailers;
		if (callback == null) {
			return LastChunk.PLAIN;
		}
		HttpHeaders fields = new HttpHeaders();
		try {
			callback.accept(fields);
		}
		catch (RuntimeException e) {
			BoundHttpServer.log.warn("trailerHeaders callback of " + request.method() + " " + request.rawPath()
					+ " failed; the response ends without trailers", e);
			return LastChunk.PLAIN;
		}
		return LastChunk.of(headers, fields,
				name -> BoundHttpServer.log.debug("trailer field {} not sent: not declared in Trailer, or not allowed", name));
	}

	/**
	 * Whether the response is complete as far as the client can tell once its head is out: a
	 * status without body (1xx, 204, 304) or a HEAD answer. An error after that need not cost
	 * the connection.
	 */
	boolean completeWithHead() {
		return headersSent && (framing == Framing.NONE || request.isHead());
	}

	/** The response cannot be completed after its headers were sent: close the connection. */
	void abort() {
		ended = true;
		endGzip();
		channel.close();
		onEnd.run();
	}

	/** The connection switched to WebSocket with a 101 written by the native layer. */
	void upgraded() {
		markHeadersSent();
		ended = true;
		status = 101;
	}

	/**
	 * The connection closed: a streamed body is cancelled (its send fails with
	 * {@link ConnectionClosedException}) and nothing more is written.
	 * @param byServer the server closed it (disposeNow's timeout, the write timeout), not the client
	 * @return whether the response had already ended before
	 */
	boolean connectionClosed(boolean byServer) {
		boolean wasEnded = ended;
		connectionClosed = true;
		cancelBody(sendError(new AbortedException(byServer ? "Connection closed by the server" : "Connection closed by the client")));
		ended = true;
		endGzip();
		return wasEnded;
	}
}
