/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Consumer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.internal.loop.LoopChoice;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * The options of an {@link HttpServer}, as read by {@link HttpServer#configuration()}: an
 * immutable snapshot. The server's option methods validate their argument and return a new
 * server over a copy of this snapshot with one value changed.
 * <p>
 * Where the server runs, first match wins: {@link #loop()} (one given loop), {@link #loops()}
 * (a given group), its own loops ({@link #loopCount()} of them, or one when only
 * {@link #loopName()} is set, disposed with the server), else the process-wide
 * {@link MongooseLoops#shared()} group.
 */
public final class HttpServerConfig {

	private static final HttpServerConfig DEFAULT = new HttpServerConfig();

	private String host = "127.0.0.1";
	private int port;
	private LoopChoice loopChoice = LoopChoice.SHARED;
	private @Nullable ExchangeHandler handler;
	private long maxRequestBodySize = HttpServer.DEFAULT_MAX_REQUEST_BODY;
	private long maxAggregatedBodySize = HttpServer.DEFAULT_MAX_AGGREGATED_BODY;
	private long maxDiscardedBodySize = HttpServer.DEFAULT_MAX_DISCARDED_BODY;
	private int maxHeaderSize = HttpServer.DEFAULT_MAX_HEADER_SIZE;
	/** {@link HttpRequestDecoderSpec#maxInitialLineLength(int)}; 0: none of its own. */
	private int requestLineLimit;
	private int maxHeaderCount = HttpServer.DEFAULT_MAX_HEADER_COUNT;
	private int maxWebsocketFrameSize = HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME;
	private @Nullable Duration idleTimeout;
	/** Requests served per connection before it closes; -1: no limit. */
	private int maxKeepAliveRequests = -1;
	/** Open connections of the server (all loops) beyond which new ones are closed; -1: no limit. */
	private int maxConnections = -1;
	/** Whether Forwarded / X-Forwarded-* decide the client, scheme and host ({@link HttpServer#forwarded}). */
	private boolean forwarded;
	private boolean dateHeader = true;
	/** The longest stall of a streamed request body while it is read; {@code null}: none. */
	private @Nullable Duration readTimeout;
	/** The longest a streamed request body may take from its head to its end; {@code null}: none. */
	private @Nullable Duration requestTimeout;
	private Duration requestHeaderTimeout = HttpServer.DEFAULT_REQUEST_HEADER_TIMEOUT;
	private Duration writeTimeout = HttpServer.DEFAULT_WRITE_TIMEOUT;
	private ProxyProtocolSupportType proxyProtocol = ProxyProtocolSupportType.OFF;
	private boolean metrics;
	private Function<String, String> uriTagValue = Function.identity();
	private boolean accessLog;
	private @Nullable Function<? super AccessLogArgs, ? extends @Nullable String> accessLogFormat;
	private @Nullable Wiretap wiretap;
	private boolean errorLog;
	private @Nullable Function<? super ErrorLogArgs, ? extends @Nullable String> errorLogFormat;
	private @Nullable Consumer<? super DisposableServer> doOnBound;
	private @Nullable Consumer<? super DisposableServer> doOnUnbound;
	private @Nullable Consumer<? super Connection> doOnConnection;
	private @Nullable BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> mapHandle;
	private @Nullable TlsSpec tls;
	/** Smallest response body compressed, or -1: compression off. */
	private int compressMinSize = -1;
	private @Nullable BiPredicate<? super HttpServerRequest, ? super HttpServerResponse> compressPredicate;
	/** Never modified: customizations apply to a copy. */
	private FormDecoderSpec formDecoder = new FormDecoderSpec();

	private HttpServerConfig() {
	}

	/** The defaults of {@link HttpServer#create()}. */
	static HttpServerConfig defaults() {
		return DEFAULT;
	}

	/** A copy with {@code change} applied; snapshots are never modified after this returns. */
	private HttpServerConfig with(Consumer<HttpServerConfig> change) {
		HttpServerConfig c = new HttpServerConfig();
		c.host = host;
		c.port = port;
		c.loopChoice = loopChoice;
		c.handler = handler;
		c.maxRequestBodySize = maxRequestBodySize;
		c.maxAggregatedBodySize = maxAggregatedBodySize;
		c.maxDiscardedBodySize = maxDiscardedBodySize;
		c.maxHeaderSize = maxHeaderSize;
		c.requestLineLimit = requestLineLimit;
		c.maxHeaderCount = maxHeaderCount;
		c.maxWebsocketFrameSize = maxWebsocketFrameSize;
		c.idleTimeout = idleTimeout;
		c.maxKeepAliveRequests = maxKeepAliveRequests;
		c.maxConnections = maxConnections;
		c.forwarded = forwarded;
		c.dateHeader = dateHeader;
		c.readTimeout = readTimeout;
		c.requestTimeout = requestTimeout;
		c.requestHeaderTimeout = requestHeaderTimeout;
		c.writeTimeout = writeTimeout;
		c.proxyProtocol = proxyProtocol;
		c.metrics = metrics;
		c.uriTagValue = uriTagValue;
		c.accessLog = accessLog;
		c.accessLogFormat = accessLogFormat;
		c.wiretap = wiretap;
		c.errorLog = errorLog;
		c.errorLogFormat = errorLogFormat;
		c.doOnBound = doOnBound;
		c.doOnConnection = doOnConnection;
		c.mapHandle = mapHandle;
		c.doOnUnbound = doOnUnbound;
		c.tls = tls;
		c.compressMinSize = compressMinSize;
		c.compressPredicate = compressPredicate;
		c.formDecoder = formDecoder;
		change.accept(c);
		return c;
	}

	/** The address to bind (an IP literal or a name); default {@code 127.0.0.1}. */
	public String host() {
		return host;
	}

	/** The port to bind; 0 (the default) picks a free one. */
	public int port() {
		return port;
	}

	/** The one loop the server runs on ({@link HttpServer#runOn(MongooseLoop)}), or {@code null}. */
	public @Nullable MongooseLoop loop() {
		return loopChoice.loop();
	}

	/** The group the server runs on ({@link HttpServer#runOn(MongooseLoops)}), or {@code null}. */
	public @Nullable MongooseLoops loops() {
		return loopChoice.loops();
	}

	/** How many loops the server starts for itself ({@link HttpServer#loops(int)}), or 0. */
	public int loopCount() {
		return loopChoice.count();
	}

	/**
	 * The thread name (one own loop) or name prefix (several) when the server starts its own
	 * loops, or {@code null} for {@code mongoose-http-N}.
	 */
	public @Nullable String loopName() {
		return loopChoice.name();
	}

	LoopChoice loopChoice() {
		return loopChoice;
	}

	/** Whether a handler or routes are set; without, every request gets 404. */
	public boolean hasHandler() {
		return handler != null;
	}

	/** The largest accepted request body in bytes ({@link Long#MAX_VALUE}: no limit). */
	public long maxRequestBodySize() {
		return maxRequestBodySize;
	}

	/** The largest request body that {@code receiveBytes} and {@code receiveString} aggregate. */
	public long maxAggregatedBodySize() {
		return maxAggregatedBodySize;
	}

	/** How much of a request body that nobody reads is discarded to keep the connection open. */
	public long maxDiscardedBodySize() {
		return maxDiscardedBodySize;
	}

	/** The largest request line plus headers in bytes. */
	public int maxHeaderSize() {
		return maxHeaderSize;
	}

	/**
	 * The longest request line in bytes, without its CRLF ({@link HttpRequestDecoderSpec}): the
	 * one set, at most {@link #maxHeaderSize()}, which it is by default.
	 */
	public int maxInitialLineLength() {
		return requestLineLimit > 0 ? Math.min(requestLineLimit, maxHeaderSize) : maxHeaderSize;
	}

	/** The most header lines of a request ({@link HttpRequestDecoderSpec#maxHeaderCount(int)}). */
	public int maxHeaderCount() {
		return maxHeaderCount;
	}

	/** {@link HttpRequestDecoderSpec#maxInitialLineLength(int)} as set; 0: none. */
	int requestLineLimit() {
		return requestLineLimit;
	}

	/** The largest WebSocket message in bytes. */
	public int maxWebsocketFrameSize() {
		return maxWebsocketFrameSize;
	}

	/** How long a connection with no request in progress stays open, or {@code null} for no limit. */
	public @Nullable Duration idleTimeout() {
		return idleTimeout;
	}

	/** How many requests a connection serves before the server closes it; -1: no limit. */
	public int maxKeepAliveRequests() {
		return maxKeepAliveRequests;
	}

	/** How many connections the server keeps open at most (all loops); -1: no limit. */
	public int maxConnections() {
		return maxConnections;
	}

	/** How long a streamed request body may stall while it is read, or {@code null} for no limit. */
	public @Nullable Duration readTimeout() {
		return readTimeout;
	}

	/** How long a streamed request body may take from its head to its end, or {@code null} for no limit. */
	public @Nullable Duration requestTimeout() {
		return requestTimeout;
	}

	/** Whether a reverse proxy's forwarded headers decide the request's client, scheme and host. */
	public boolean forwarded() {
		return forwarded;
	}

	/** Whether responses get a {@code Date} header ({@link HttpServer#dateHeader(boolean)}); default true. */
	public boolean dateHeader() {
		return dateHeader;
	}

	/** The TLS of the server, or null for plain HTTP. */
	public @Nullable TlsSpec tls() {
		return tls;
	}

	/**
	 * How long a request head may take from its first byte to its end before the server answers
	 * 408 and closes; {@link Duration#ZERO} for no limit.
	 */
	public Duration requestHeaderTimeout() {
		return requestHeaderTimeout;
	}

	/**
	 * How long output may wait without a byte going out before the connection closes
	 * ({@link HttpServer#writeTimeout}); {@link Duration#ZERO} for no limit.
	 */
	public Duration writeTimeout() {
		return writeTimeout;
	}

	/** Whether connections start with a PROXY protocol header ({@link HttpServer#proxyProtocol}). */
	public ProxyProtocolSupportType proxyProtocol() {
		return proxyProtocol;
	}

	/** Whether Micrometer metrics are recorded ({@link HttpServer#metrics(boolean)}). */
	public boolean metricsEnabled() {
		return metrics;
	}

	/** Maps a request path to the {@code uri} tag of the metrics; identity by default. */
	public Function<String, String> uriTagValue() {
		return uriTagValue;
	}

	/** Whether each exchange is written to the access log ({@link HttpServer#accessLog(boolean)}). */
	public boolean accessLogEnabled() {
		return accessLog;
	}

	/** Whether responses are gzip-compressed for clients that accept it ({@link HttpServer#compress(boolean)}). */
	public boolean compressionEnabled() {
		return compressMinSize >= 0;
	}

	/**
	 * The smallest body, in bytes, that is compressed (a body of unknown length always is);
	 * -1 when compression is off ({@link HttpServer#compress(int)}).
	 */
	public int minCompressionSize() {
		return compressMinSize;
	}

	/** The condition of {@link HttpServer#compress(BiPredicate)}, or {@code null}. */
	public @Nullable BiPredicate<? super HttpServerRequest, ? super HttpServerResponse> compressionPredicate() {
		return compressPredicate;
	}

	@Nullable ExchangeHandler handler() {
		return handler;
	}

	/** A copy of the form decoder settings ({@link HttpServer#httpFormDecoder}). */
	public FormDecoderSpec formDecoder() {
		return formDecoder.copy();
	}

	/** The form decoder settings themselves: copy before changing. */
	FormDecoderSpec formDecoderSpec() {
		return formDecoder;
	}

	HttpServerConfig withFormDecoder(FormDecoderSpec spec) {
		return with(c -> c.formDecoder = spec);
	}

	HttpServerConfig withHost(String host) {
		return with(c -> c.host = host);
	}

	HttpServerConfig withPort(int port) {
		return with(c -> c.port = port);
	}

	HttpServerConfig withLoop(MongooseLoop loop) {
		return with(c -> c.loopChoice = loopChoice.on(loop));
	}

	HttpServerConfig withLoops(MongooseLoops loops) {
		return with(c -> c.loopChoice = loopChoice.on(loops));
	}

	HttpServerConfig withLoopCount(int n) {
		return with(c -> c.loopChoice = loopChoice.own(n));
	}

	HttpServerConfig withLoopName(String loopName) {
		return with(c -> c.loopChoice = loopChoice.named(loopName));
	}

	HttpServerConfig withHandler(ExchangeHandler handler) {
		return with(c -> c.handler = handler);
	}

	HttpServerConfig withMaxRequestBodySize(long bytes) {
		return with(c -> c.maxRequestBodySize = bytes);
	}

	HttpServerConfig withMaxAggregatedBodySize(long bytes) {
		return with(c -> c.maxAggregatedBodySize = bytes);
	}

	HttpServerConfig withMaxDiscardedBodySize(long bytes) {
		return with(c -> c.maxDiscardedBodySize = bytes);
	}

	HttpServerConfig withMaxHeaderSize(int bytes) {
		return with(c -> c.maxHeaderSize = bytes);
	}

	HttpServerConfig withRequestDecoder(HttpRequestDecoderSpec spec) {
		return with(c -> {
			c.maxHeaderSize = spec.maxHeaderSize();
			c.requestLineLimit = spec.requestLineLimit();
			c.maxHeaderCount = spec.maxHeaderCount();
		});
	}

	HttpServerConfig withMaxWebsocketFrameSize(int bytes) {
		return with(c -> c.maxWebsocketFrameSize = bytes);
	}

	HttpServerConfig withTls(@Nullable TlsSpec tls) {
		return with(c -> c.tls = tls);
	}

	HttpServerConfig withIdleTimeout(Duration idleTimeout) {
		return with(c -> c.idleTimeout = idleTimeout);
	}

	HttpServerConfig withMaxKeepAliveRequests(int max) {
		return with(c -> c.maxKeepAliveRequests = max);
	}

	HttpServerConfig withMaxConnections(int max) {
		return with(c -> c.maxConnections = max);
	}

	HttpServerConfig withReadTimeout(Duration readTimeout) {
		return with(c -> c.readTimeout = readTimeout);
	}

	HttpServerConfig withRequestTimeout(Duration requestTimeout) {
		return with(c -> c.requestTimeout = requestTimeout);
	}

	HttpServerConfig withForwarded(boolean forwarded) {
		return with(c -> c.forwarded = forwarded);
	}

	HttpServerConfig withDateHeader(boolean dateHeader) {
		return with(c -> c.dateHeader = dateHeader);
	}

	HttpServerConfig withMetrics(boolean enable, Function<String, String> uriTagValue) {
		return with(c -> {
			c.metrics = enable;
			c.uriTagValue = uriTagValue;
		});
	}

	HttpServerConfig withCompression(int minSize,
			@Nullable BiPredicate<? super HttpServerRequest, ? super HttpServerResponse> predicate) {
		return with(c -> {
			c.compressMinSize = minSize;
			c.compressPredicate = predicate;
		});
	}

	/** What runs once the server is bound ({@link HttpServer#doOnBound}), or {@code null}. */
	public @Nullable Consumer<? super DisposableServer> doOnBound() {
		return doOnBound;
	}

	/** What runs once the server is disposed ({@link HttpServer#doOnUnbound}), or {@code null}. */
	public @Nullable Consumer<? super DisposableServer> doOnUnbound() {
		return doOnUnbound;
	}

	/** What runs for each connection ({@link HttpServer#doOnConnection}), or {@code null}. */
	public @Nullable Consumer<? super Connection> doOnConnection() {
		return doOnConnection;
	}

	/** What each request's handler Mono goes through ({@link HttpServer#mapHandle}), or {@code null}. */
	public @Nullable BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> mapHandle() {
		return mapHandle;
	}

	HttpServerConfig withMapHandle(BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> mapper) {
		return with(c -> {
			BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> previous = c.mapHandle;
			c.mapHandle = previous == null ? mapper
					: (BiFunction<Mono<Void>, Connection, Mono<Void>>) (mono, conn) -> mapper.apply(previous.apply(mono, conn), conn);
		});
	}

	HttpServerConfig withDoOnConnection(Consumer<? super Connection> callback) {
		return with(c -> c.doOnConnection = andThen(c.doOnConnection, callback));
	}

	HttpServerConfig withDoOnBound(Consumer<? super DisposableServer> bound) {
		return with(c -> c.doOnBound = andThen(c.doOnBound, bound));
	}

	HttpServerConfig withDoOnUnbound(Consumer<? super DisposableServer> unbound) {
		return with(c -> c.doOnUnbound = andThen(c.doOnUnbound, unbound));
	}

	/** Callbacks that add up: {@code a} (if any), then {@code b}. */
	static <T> Consumer<? super T> andThen(@Nullable Consumer<? super T> a, Consumer<? super T> b) {
		if (a == null) {
			return b;
		}
		return (Consumer<T>) t -> {
			a.accept(t);
			b.accept(t);
		};
	}

	/** The access log's line maker ({@link HttpServer#accessLog(boolean, Function)}), or {@code null}: the default line. */
	public @Nullable Function<? super AccessLogArgs, ? extends @Nullable String> accessLogFormat() {
		return accessLogFormat;
	}

	HttpServerConfig withAccessLog(boolean enable, @Nullable Function<? super AccessLogArgs, ? extends @Nullable String> format) {
		return with(c -> {
			c.accessLog = enable;
			c.accessLogFormat = enable ? format : null;
		});
	}

	HttpServerConfig withErrorLog(boolean enable, @Nullable Function<? super ErrorLogArgs, ? extends @Nullable String> format) {
		return with(c -> {
			c.errorLog = enable;
			c.errorLogFormat = enable ? format : null;
		});
	}

	/** Whether handler errors are written to the error log ({@link HttpServer#errorLog(boolean)}). */
	public boolean errorLogEnabled() {
		return errorLog;
	}

	/** The error log's line maker ({@link HttpServer#errorLog(boolean, Function)}), or {@code null}: the default line. */
	public @Nullable Function<? super ErrorLogArgs, ? extends @Nullable String> errorLogFormat() {
		return errorLogFormat;
	}

	HttpServerConfig withWiretap(@Nullable Wiretap wiretap) {
		return with(c -> c.wiretap = wiretap);
	}

	/** The wire logging of every connection ({@link HttpServer#wiretap(boolean)}), or {@code null}. */
	@Nullable Wiretap wiretap() {
		return wiretap;
	}

	HttpServerConfig withRequestHeaderTimeout(Duration timeout) {
		return with(c -> c.requestHeaderTimeout = timeout);
	}

	HttpServerConfig withWriteTimeout(Duration timeout) {
		return with(c -> c.writeTimeout = timeout);
	}

	HttpServerConfig withProxyProtocol(ProxyProtocolSupportType type) {
		return with(c -> c.proxyProtocol = type);
	}

	@Override
	public String toString() {
		return "HttpServerConfig[host=" + host + ", port=" + port + ", loop=" + loop() + ", loops=" + loops()
				+ ", loopCount=" + loopCount() + ", loopName=" + loopName() + ", handler=" + (handler != null)
				+ ", maxRequestBodySize=" + maxRequestBodySize + ", maxAggregatedBodySize=" + maxAggregatedBodySize
				+ ", maxDiscardedBodySize=" + maxDiscardedBodySize + ", maxHeaderSize=" + maxHeaderSize
				+ ", maxInitialLineLength=" + maxInitialLineLength() + ", maxHeaderCount=" + maxHeaderCount
				+ ", maxWebsocketFrameSize=" + maxWebsocketFrameSize + ", idleTimeout=" + idleTimeout
				+ ", maxKeepAliveRequests=" + maxKeepAliveRequests + ", maxConnections=" + maxConnections + ", forwarded=" + forwarded + ", dateHeader=" + dateHeader + ", readTimeout=" + readTimeout + ", requestTimeout=" + requestTimeout
				+ ", requestHeaderTimeout=" + requestHeaderTimeout + ", writeTimeout=" + writeTimeout + ", proxyProtocol=" + proxyProtocol + ", metrics=" + metrics + ", accessLog=" + accessLog
				+ ", compressMinSize=" + compressMinSize
				+ ", tls=" + tls + "]";
	}
}
