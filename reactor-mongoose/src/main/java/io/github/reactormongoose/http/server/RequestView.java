/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.ByteArrayMono;
import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.BytesAccess;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The application's view of one decoded request ({@link RequestDecoder}): request line,
 * headers, the route's path variables and the body: whole when it came with the head (small
 * bodies), else a {@link RequestBody} that streams.
 */
final class RequestView implements RoutableRequest {

	/** Largest slice of the body emitted by {@link #receive()}. */
	static final int SLICE = 64 * 1024;

	private final HttpConnection conn;
	private @Nullable ForwardedInfo forwardedInfo;
	private final int number;
	private final String method;
	private final String rawPath;
	private final String query;
	/** The target ended in {@code ?}: an empty query, kept in {@link #uri()}. */
	private final boolean emptyQuery;
	private final String protocol;
	private final HttpHeaders headers;
	private final byte[] body;
	private final @Nullable RequestBody streamed;
	private final boolean clientKeepAlive;
	/** When the poll that read the head returned (Unix ms), set by the exchange. */
	private long arrived;
	private Map<String, String> params = Map.of();
	private @Nullable Map<String, List<String>> queryParams;
	private @Nullable String path;
	private @Nullable ResponseWriter response;
	private volatile boolean bodyConsumed; // set by receive() on any thread, read on the poll thread
	private volatile boolean connectionClosed;
	/** The temporary files of receiveForm(); volatile with {@link #released}: whichever is set last sees the other. */
	private volatile FormDecoder.@Nullable TempFiles formFiles;
	private volatile boolean released;

	RequestView(HttpConnection conn, int number, String method, String rawPath, String query, String protocol,
			HttpHeaders headers, byte[] body, @Nullable RequestBody streamed, boolean emptyQuery) {
		this.conn = conn;
		this.number = number;
		this.method = method;
		this.rawPath = rawPath;
		this.query = query;
		this.emptyQuery = emptyQuery;
		this.protocol = protocol;
		this.headers = headers;
		this.body = body;
		this.streamed = streamed;
		// HTTP/1.0 closes unless it asks for keep-alive (as ab -k does); HTTP/1.1 keeps unless it asks to close
		this.clientKeepAlive = !headers.containsToken("Connection", "close")
				&& (!isHttp10() || headers.containsToken("Connection", "keep-alive"));
	}

	@Override
	public ZonedDateTime timestamp() {
		return ZonedDateTime.ofInstant(Instant.ofEpochMilli(arrived), ZoneId.systemDefault());
	}

	/** The request's position on its connection, from 1. */
	int number() {
		return number;
	}

	/** When the poll that read the head returned (Unix ms): {@link #timestamp()}. */
	void arrivedAt(long millis) {
		this.arrived = millis;
	}

	/** Links the response, which owns the keep-alive decision {@link #isKeepAlive()} reports. */
	void response(ResponseWriter response) {
		this.response = response;
	}

	/**
	 * Whether the request lets the connection stay open: HTTP/1.1 without
	 * {@code Connection: close}, or HTTP/1.0 with {@code Connection: keep-alive}.
	 */
	boolean clientKeepAlive() {
		return clientKeepAlive;
	}

	boolean isHead() {
		return "HEAD".equals(method);
	}

	boolean isHttp10() {
		return "HTTP/1.0".equalsIgnoreCase(protocol);
	}

	/**
	 * Whether a streamed body that nobody reads cannot be discarded to keep the connection: its
	 * rest is known to exceed {@code maxDiscard}, or the client sent {@code Expect: 100-continue}
	 * and either waits for the {@code 100 Continue} (answered without it, it may never send the
	 * body) or is refused with {@code status} (not 2xx) before the body is in (RFC 9110 10.1.1: it
	 * may stop sending then, as curl does; Reactor Netty closes then too). Then the response says
	 * {@code Connection: close}.
	 */
	boolean unreadBodyBeyond(long maxDiscard, int status) {
		RequestBody b = streamed;
		if (b == null || b.isEnded() || (bodyConsumed && !b.isCancelled())) {
			return false;
		}
		if (expectsContinue() && (b.received() == 0 || status < 200 || status > 299)) {
			return true;
		}
		long length = contentLength();
		return length >= 0 && length - b.received() > maxDiscard;
	}

	private boolean expectsContinue() {
		return !isHttp10() && headers.containsToken("Expect", "100-continue");
	}

	/** Whether a streamed body is still arriving. */
	boolean bodyPending() {
		return streamed != null && !streamed.isEnded();
	}

	private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

	private void sendContinue() {
		ResponseWriter r = response;
		if (r != null && !r.hasSentHeaders() && !r.isEnded() && streamed != null && streamed.received() == 0) {
			conn.channel.writeInterim(CONTINUE, 0, CONTINUE.length);
		}
	}

	/** The {@code Content-Length} of the request, or -1 (none, or chunked). */
	private long contentLength() {
		String v = headers.get("Content-Length");
		if (v == null) {
			return -1;
		}
		try {
			return Long.parseLong(v.trim());
		}
		catch (NumberFormatException e) {
			return -1;
		}
	}

	/** The connection closed while this request was current: the body is no longer offered. */
	void connectionClosed() {
		connectionClosed = true;
	}

	@Override
	public void pathParams(Map<String, String> params) {
		this.params = params;
	}

	@Override
	public String method() {
		return method;
	}

	@Override
	public String uri() {
		return query.isEmpty() ? (emptyQuery ? rawPath + "?" : rawPath) : rawPath + "?" + query;
	}

	/**
	 * The path decoded as UTF-8, decoded once.
	 * @throws BadRequestException if the path's percent-encoding is invalid
	 */
	@Override
	public String path() {
		if (path == null) {
			path = RequestDecoder.percentDecode(rawPath, false);
		}
		return path;
	}

	/**
	 * How long the body took to arrive after the head ({@code started}, {@code now}: nanoTime
	 * values): 0 for a body that came with the head, up to {@code now} for one still arriving.
	 */
	long bodyReceiveNanos(long started, long now) {
		RequestBody b = streamed;
		if (b == null) {
			return 0;
		}
		long end = b.endedAt();
		return Math.max(0, (end == 0 ? now : end) - started);
	}

	/** Bytes of the request body. */
	long bodyBytes() {
		RequestBody b = streamed;
		return b != null ? b.received() : body.length;
	}

	/** The path as sent, still percent-encoded. */
	String rawPath() {
		return rawPath;
	}

	@Override
	public String query() {
		return query;
	}

	@Override
	public Map<String, List<String>> queryParams() {
		if (queryParams == null) {
			queryParams = RequestDecoder.queryParams(query);
		}
		return queryParams;
	}

	@Override
	public @Nullable String param(String name) {
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
		return headers;
	}

	@Override
	public boolean isKeepAlive() {
		ResponseWriter r = response;
		return r != null ? r.isKeepAlive() : clientKeepAlive;
	}

	@Override
	public boolean isWebsocket() {
		return "GET".equals(method) && headers.containsToken("Upgrade", "websocket")
				&& headers.containsToken("Connection", "upgrade");
	}

	@Override
	public InetSocketAddress remoteAddress() {
		ForwardedInfo f = forwarded();
		return f != null ? f.remote : conn.remote;
	}

	@Override
	public String scheme() {
		ForwardedInfo f = forwarded();
		return f != null ? f.scheme : ownScheme();
	}

	@Override
	public String hostName() {
		return addressedHost().getHostString();
	}

	@Override
	public int hostPort() {
		return addressedHost().getPort();
	}

	/** What the proxy forwarded as the host, else the Host header, else the server's own address. */
	private InetSocketAddress addressedHost() {
		ForwardedInfo f = forwarded();
		if (f != null && f.host != conn.local) {
			return f.host;
		}
		String h = headers.get("Host");
		if (h != null) {
			InetSocketAddress a = ForwardedInfo.hostAndPort(h.trim(), ForwardedInfo.defaultPort(scheme()));
			if (a != null && !a.getHostString().isEmpty()) {
				return a;
			}
		}
		return conn.local;
	}

	private String ownScheme() {
		return conn.server.config.tls() != null ? "https" : "http";
	}

	@Override
	public InetSocketAddress connectionRemoteAddress() {
		return conn.remote;
	}

	@Override
	public InetSocketAddress connectionHostAddress() {
		return conn.local;
	}

	@Override
	public String connectionScheme() {
		return ownScheme();
	}

	@Override
	public java.util.List<java.security.cert.X509Certificate> peerCertificates() {
		return conn.peerCertificates();
	}

	@Override
	public InetSocketAddress hostAddress() {
		ForwardedInfo f = forwarded();
		return f != null ? f.host : conn.local;
	}

	/** With {@code forwarded(true)}: what the proxy's headers say, read once; else {@code null}. */
	private @Nullable ForwardedInfo forwarded() {
		if (!conn.server.config.forwarded()) {
			return null;
		}
		ForwardedInfo f = forwardedInfo;
		if (f == null) {
			f = ForwardedInfo.of(headers, conn.remote, ownScheme(), conn.local);
			forwardedInfo = f;
		}
		return f;
	}

	@Override
	public long connectionId() {
		return conn.id;
	}

	@Override
	public String requestId() {
		return conn.id + "-" + number;
	}

	/** The body; its {@code aggregate()} is {@link #receiveBytes()}, with the server's limit. */
	@Override
	public ByteBufferFlux receive() {
		return BytesAccess.flux(Flux.defer(() -> {
			synchronized (this) {
				if (bodyConsumed) {
					return Flux.error(new IllegalStateException(
							"Only one subscriber allowed: the request body can be consumed once"));
				}
				bodyConsumed = true;
			}
			if (streamed != null) {
				if (expectsContinue()) {
					// the client waits for this before it sends the body (as Reactor Netty, on the first read)
					conn.el.executeOrRun(this::sendContinue);
				}
				return streamed.flux();
			}
			if (connectionClosed) {
				return Flux.error(new AbortedException("Connection closed before the body was read"));
			}
			return slices(body);
		}), this::aggregate);
	}

	/** {@code bytes} in read-only slices of at most {@link #SLICE} bytes. */
	static Flux<ByteBuffer> slices(byte[] bytes) {
		List<ByteBuffer> slices = new ArrayList<>();
		for (int off = 0; off < bytes.length; off += SLICE) {
			slices.add(ByteBuffer.wrap(bytes, off, Math.min(SLICE, bytes.length - off)).slice().asReadOnlyBuffer());
		}
		return Flux.fromIterable(slices);
	}

	@Override
	public ByteArrayMono receiveBytes() {
		return receive().aggregate();
	}

	/**
	 * {@code body} (what {@link #receive()} wraps) gathered up to the server's
	 * {@code maxAggregatedBodySize}: a body that says it is longer fails before it is read.
	 */
	private Mono<byte[]> aggregate(Flux<ByteBuffer> body) {
		return Mono.defer(() -> {
			long limit = conn != null ? conn.server.config.maxAggregatedBodySize() : Long.MAX_VALUE;
			if (contentLength() > limit || this.body.length > limit) {
				return Mono.error(new RequestBodyTooLargeException(limit));
			}
			return body.collect(ByteArrayOutputStream::new, (out, b) -> {
				if (out.size() + (long) b.remaining() > limit) {
					throw new RequestBodyTooLargeException(limit);
				}
				byte[] a = new byte[b.remaining()];
				b.get(a);
				out.writeBytes(a);
			}).map(ByteArrayOutputStream::toByteArray);
		});
	}

	@Override
	public Mono<String> receiveString(Charset charset) {
		return receiveBytes().asString(charset);
	}

	@Override
	public Mono<HttpHeaders> trailerHeaders() {
		RequestBody b = streamed;
		return b != null ? b.trailers() : Mono.just(RequestDecoder.NO_TRAILERS);
	}

	@Override
	public Flux<FormPart> receiveForm(Consumer<? super FormDecoderSpec> customizer) {
		Objects.requireNonNull(customizer, "customizer");
		return Flux.defer(() -> {
			FormDecoderSpec spec = (conn != null ? conn.server.config.formDecoderSpec() : new FormDecoderSpec()).copy();
			customizer.accept(spec);
			FormDecoder decoder = FormDecoder.of(headers, spec, formFiles());
			Scheduler scheduler = spec.scheduler();
			// Decoded and emitted on the scheduler, where writing a temporary file is allowed.
			// hide(): without it, fusion would let a later operator run the decoder (or emit
			// parts) on whatever thread requests, a poll thread included.
			return receive().publishOn(scheduler, 2).hide()
					.map(decoder::feed)
					.concatWith(Mono.fromCallable(decoder::finish))
					.concatMapIterable(parts -> parts)
					.publishOn(scheduler, 1).hide()
					.doFinally(signal -> decoder.close());
		});
	}

	private synchronized FormDecoder.TempFiles formFiles() {
		FormDecoder.TempFiles f = formFiles;
		if (f == null) {
			f = new FormDecoder.TempFiles();
			formFiles = f;
			if (released) {
				f.release(); // the exchange ended first (release() may release it too: idempotent)
			}
		}
		return f;
	}

	/**
	 * The exchange ended: the temporary files of a decoded form are deleted (off the poll
	 * thread). Lock-free: it runs for every exchange.
	 */
	void release() {
		released = true;
		FormDecoder.TempFiles f = formFiles;
		if (f != null) {
			if (f.isEmpty()) {
				f.release();
			}
			else {
				Schedulers.boundedElastic().schedule(f::release);
			}
		}
	}

	@Override
	public String toString() {
		return method + " " + uri() + " (" + requestId() + ")";
	}
}
