/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.http.HttpProtocol;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.BoundServer;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * An HTTP/1.1 and WebSocket server on a Mongoose loop. Immutable: every option returns a new
 * instance; nothing binds until {@link #bind()} or {@link #bindNow()}.
 * <pre>{@code
 * DisposableServer server = HttpServer.create()
 *     .host("127.0.0.1").port(8080)
 *     .route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("Hello World!")))
 *                  .ws("/echo", (in, out) -> out.send(in.receive())))
 *     .bindNow();
 * server.onDispose().block();
 * }</pre>
 * Handlers run on the poll thread; offload blocking work with
 * {@code subscribeOn(Schedulers.boundedElastic())} and reply from there.
 */
public final class HttpServer implements Wiretappable<HttpServer> {

	/**
	 * Default request-body limit: none ({@link Long#MAX_VALUE}). Bodies stream, so their size
	 * costs no memory; Reactor Netty sets no limit either.
	 */
	public static final long DEFAULT_MAX_REQUEST_BODY = Long.MAX_VALUE;
	/** Default limit of a body aggregated by {@code receiveBytes}/{@code receiveString}: 8 MiB. */
	public static final long DEFAULT_MAX_AGGREGATED_BODY = 8 * 1024 * 1024;
	/** Default bytes of an unread request body discarded to keep the connection: 2 MiB (as Tomcat's maxSwallowSize). */
	public static final long DEFAULT_MAX_DISCARDED_BODY = 2 * 1024 * 1024;
	/** Default limit of request line plus headers: 16 KiB. */
	public static final int DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
	/**
	 * Default most header lines of a request ({@link HttpRequestDecoderSpec#maxHeaderCount(int)}):
	 * 1,000, about what Reactor Netty takes within its 8 KiB head of short lines (it counts no lines).
	 */
	public static final int DEFAULT_MAX_HEADER_COUNT = 1000;
	/**
	 * Most header lines a request may be allowed: the native build parses 2,000
	 * ({@code MG_MAX_HTTP_HEADERS} = 2001 slots, the last one the end marker).
	 */
	public static final int MAX_HEADER_COUNT = 2000;
	/** Default WebSocket message limit: 64 KiB (as Reactor Netty). */
	public static final int DEFAULT_MAX_WEBSOCKET_FRAME = 64 * 1024;
	/** Default request head timeout: 20 s from the first byte of a request head to its end. */
	public static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(20);

	/** The default {@link #writeTimeout(Duration)}: one minute. */
	public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
	/** Default bytes of pipelined input buffered while a response is pending: 64 KiB. */
	public static final int DEFAULT_PIPELINE_LIMIT = 64 * 1024;

	private final HttpServerConfig config;

	private HttpServer(HttpServerConfig config) {
		this.config = config;
	}

	/** A server on {@code 127.0.0.1}, port 0 (ephemeral), no handler (every request gets 404). */
	public static HttpServer create() {
		return new HttpServer(HttpServerConfig.defaults());
	}

	/** The options of this server: an immutable snapshot. */
	public HttpServerConfig configuration() {
		return config;
	}

	/** The address to bind: an IP literal or a name (resolved when binding); {@code 0.0.0.0} for all IPv4. */
	public HttpServer host(String host) {
		Objects.requireNonNull(host, "host");
		return new HttpServer(config.withHost(host));
	}

	/** The port; 0 picks a free one (read it from {@link DisposableServer#port()}). */
	public HttpServer port(int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new HttpServer(config.withPort(port));
	}

	/**
	 * Runs on one existing loop (several servers may share it). By default a server runs on
	 * the process-wide {@link MongooseLoops#shared()} group.
	 */
	public HttpServer runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return new HttpServer(config.withLoop(loop));
	}

	/**
	 * Runs on every loop of {@code loops}: each listens on the same address
	 * ({@code SO_REUSEPORT}) and the kernel spreads new connections between them; a connection
	 * stays on the loop that accepted it. The group outlives the server.
	 */
	public HttpServer runOn(MongooseLoops loops) {
		Objects.requireNonNull(loops, "loops");
		return new HttpServer(config.withLoops(loops));
	}

	/**
	 * Starts {@code n} loops of its own when bound (threads {@code mongoose-http-N-<i>}, or
	 * {@link #loopName(String)}{@code -<i>}) and disposes them with the server. {@code loops(1)}
	 * is one poll thread for this server alone.
	 */
	public HttpServer loops(int n) {
		return new HttpServer(config.withLoopCount(n));
	}

	/**
	 * The poll thread's name (one loop) or name prefix (several) when the server starts its own
	 * loops; setting it alone starts one own loop of that name, disposed with the server.
	 */
	public HttpServer loopName(String name) {
		Objects.requireNonNull(name, "name");
		return new HttpServer(config.withLoopName(name));
	}

	/** The handler of every request; its publisher's completion ends the exchange. */
	public HttpServer handle(
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return new HttpServer(config.withHandler(ExchangeHandler.of(handler)));
	}

	/** Declares routes (replaces any handler). */
	public HttpServer route(Consumer<? super HttpServerRoutes> routesBuilder) {
		Objects.requireNonNull(routesBuilder, "routesBuilder");
		Routes routes = new Routes();
		routesBuilder.accept(routes);
		return new HttpServer(config.withHandler(routes));
	}

	/**
	 * Largest accepted request body (default: no limit). A larger {@code Content-Length} gets
	 * 413 before the body is read; a chunked body gets 413 when its decoded size passes the
	 * limit (or, if the response has started, the connection closes and the body fails).
	 * Either way the connection closes. Bodies stream ({@link HttpServerRequest#receive()}),
	 * so this limit is not about memory: see {@link #maxAggregatedBodySize(long)}.
	 */
	public HttpServer maxRequestBodySize(long bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("maxRequestBodySize must be >= 0: " + bytes);
		}
		return new HttpServer(config.withMaxRequestBodySize(bytes));
	}

	/**
	 * Largest body that {@link HttpServerRequest#receiveBytes()} and
	 * {@link HttpServerRequest#receiveString()} gather in memory (default
	 * {@value #DEFAULT_MAX_AGGREGATED_BODY} bytes). A larger one fails them with
	 * {@link RequestBodyTooLargeException}, which the server answers with 413 if the
	 * response has not started. Streaming with {@link HttpServerRequest#receive()} has no
	 * such limit.
	 */
	public HttpServer maxAggregatedBodySize(long bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("maxAggregatedBodySize must be >= 0: " + bytes);
		}
		return new HttpServer(config.withMaxAggregatedBodySize(bytes));
	}

	/**
	 * How many bytes of a request body that the handler did not read the server reads and
	 * discards after the response, to keep the connection for the next request (default
	 * {@value #DEFAULT_MAX_DISCARDED_BODY}). Past it the connection closes; when the unread
	 * rest is known to be larger ({@code Content-Length}), the response already says
	 * {@code Connection: close}.
	 */
	public HttpServer maxDiscardedBodySize(long bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("maxDiscardedBodySize must be >= 0: " + bytes);
		}
		return new HttpServer(config.withMaxDiscardedBodySize(bytes));
	}

	/**
	 * Largest request line plus headers (default {@value #DEFAULT_MAX_HEADER_SIZE} bytes);
	 * beyond it, or with more header lines than {@link HttpRequestDecoderSpec#maxHeaderCount(int)}
	 * (default {@value #DEFAULT_MAX_HEADER_COUNT}), the answer is 431 (414 when the request line
	 * alone is longer).
	 */
	public HttpServer maxHeaderSize(int bytes) {
		checkMaxHeaderSize(bytes);
		return new HttpServer(config.withMaxHeaderSize(bytes));
	}

	static void checkMaxHeaderSize(int bytes) {
		if (bytes < 256 || bytes > 1024 * 1024) {
			throw new IllegalArgumentException("maxHeaderSize must be 256..1048576: " + bytes);
		}
	}

	/**
	 * How request heads are read, as Reactor Netty's {@code httpRequestDecoder}: {@code options}
	 * gets a {@link HttpRequestDecoderSpec} with the current settings and returns it changed, e.g.
	 * {@code spec -> spec.maxInitialLineLength(4096).maxHeaderSize(16384)} (a request line longer
	 * than 4,096 bytes is answered 414, a longer head 431).
	 */
	public HttpServer httpRequestDecoder(Function<HttpRequestDecoderSpec, HttpRequestDecoderSpec> options) {
		Objects.requireNonNull(options, "options");
		HttpRequestDecoderSpec spec = Objects.requireNonNull(options.apply(new HttpRequestDecoderSpec(config)),
				"httpRequestDecoder's function returned null");
		return new HttpServer(config.withRequestDecoder(spec));
	}

	/**
	 * Largest WebSocket message (default {@value #DEFAULT_MAX_WEBSOCKET_FRAME} bytes); a
	 * larger one closes the session with 1009.
	 */
	public HttpServer maxWebsocketFrameSize(int bytes) {
		return new HttpServer(config.withMaxWebsocketFrameSize(checkMessageLimit("maxWebsocketFrameSize", bytes)));
	}

	/**
	 * Closes a keep-alive connection that has no request in progress for this long, counted
	 * once its last response has (nearly) left the process: a download slower than this is not
	 * cut (a client that stopped reading is {@link #writeTimeout(Duration)}'s). Default: none.
	 */
	public HttpServer idleTimeout(Duration idleTimeout) {
		Duration checked = Checks.positive(idleTimeout, "idleTimeout");
		return new HttpServer(config.withIdleTimeout(checked));
	}

	/**
	 * The longest the client may send nothing while the server reads a streamed request body
	 * (larger than 16 KiB, or chunked), as Reactor Netty's {@code readTimeout}: then the body
	 * fails with {@link RequestBodyTimeoutException}, a response not started yet is
	 * {@code 408 Request Timeout}, and the connection closes. Counted only while the server
	 * wants the body: not while the handler has not subscribed to it or reading is paused for
	 * back-pressure. A smaller body, gathered with its head, is bounded by
	 * {@link #requestHeaderTimeout(Duration)}. The rest of a body that the response did not
	 * wait for, read and dropped after it, may stall this long too (else
	 * {@code requestHeaderTimeout}); then the connection closes. Default: none, as in Reactor
	 * Netty.
	 */
	public HttpServer readTimeout(Duration readTimeout) {
		Duration checked = Checks.positive(readTimeout, "readTimeout");
		return new HttpServer(config.withReadTimeout(checked));
	}

	/**
	 * The longest a streamed request body (larger than 16 KiB, or chunked) may take from its
	 * head to its end, as Reactor Netty's {@code requestTimeout}: a client that drips the body
	 * just fast enough to escape {@link #readTimeout(Duration)} is cut too. Then the body fails
	 * with {@link RequestBodyTimeoutException}, a response not started yet is
	 * {@code 408 Request Timeout}, and the connection closes. Wall-clock time, pauses for
	 * back-pressure included: choose it above the time the application takes to read the
	 * largest body it accepts. Default: none, as in Reactor Netty.
	 */
	public HttpServer requestTimeout(Duration requestTimeout) {
		Duration checked = Checks.positive(requestTimeout, "requestTimeout");
		return new HttpServer(config.withRequestTimeout(checked));
	}

	/**
	 * How many requests a keep-alive connection serves before the server closes it, as Reactor
	 * Netty's {@code maxKeepAliveRequests}: the last one is answered with
	 * {@code Connection: close}, and the client opens a new connection (behind a load balancer,
	 * this lets long-lived clients spread over new instances). {@code -1}: no limit (the default);
	 * {@code 1}: no keep-alive.
	 * @throws IllegalArgumentException for 0 or less than -1
	 */
	public HttpServer maxKeepAliveRequests(int maxKeepAliveRequests) {
		requireLimit(maxKeepAliveRequests, "maxKeepAliveRequests");
		return new HttpServer(config.withMaxKeepAliveRequests(maxKeepAliveRequests));
	}

	/**
	 * How many connections the server keeps open at most, over all its loops, as Reactor
	 * Netty's {@code maxConnections}: a connection accepted beyond that is closed at once,
	 * before anything is read from it (a flood of connections cannot take every file descriptor
	 * or the memory of their buffers; clients see the connection closed and may retry).
	 * {@code -1}: no limit (the default). WebSocket connections count while open.
	 * @throws IllegalArgumentException for 0 or less than -1
	 */
	public HttpServer maxConnections(int maxConnections) {
		requireLimit(maxConnections, "maxConnections");
		return new HttpServer(config.withMaxConnections(maxConnections));
	}

	/**
	 * Behind a reverse proxy: takes the request's client address
	 * ({@link HttpServerRequest#remoteAddress()}), scheme ({@link HttpServerRequest#scheme()})
	 * and host ({@link HttpServerRequest#hostAddress()}) from the proxy's headers, as Reactor
	 * Netty's {@code forwarded(true)}: the first element of {@code Forwarded} (RFC 7239) when
	 * present, else {@code X-Forwarded-For} (first address), {@code X-Forwarded-Proto},
	 * {@code X-Forwarded-Host} and {@code X-Forwarded-Port}. A value that is missing, obfuscated
	 * or malformed keeps the connection's own; names are never resolved. The access log shows
	 * the forwarded client. Only for a server that clients reach through a proxy that sets these
	 * headers (and drops the clients' own): anyone can send them. Default off.
	 */
	public HttpServer forwarded(boolean forwarded) {
		return new HttpServer(config.withForwarded(forwarded));
	}

	/**
	 * Whether each response carries a {@code Date} header with the current time (RFC 9110,
	 * 6.6.1: an origin server with a clock must send one), as Tomcat, Jetty and Helidon do; a
	 * {@code Date} the handler set is sent instead. On by default; {@code false} leaves it out
	 * of the responses the handlers write, as Reactor Netty does (the server's own error
	 * answers, such as 400 or 431, keep theirs). The time is formatted once a second.
	 */
	public HttpServer dateHeader(boolean dateHeader) {
		return new HttpServer(config.withDateHeader(dateHeader));
	}

	/**
	 * Answers 408 and closes the connection when a request head (request line and headers)
	 * takes longer than this from its first byte to its end: slow clients (slowloris) cannot
	 * hold connections by sending a head byte by byte. Default
	 * {@link #DEFAULT_REQUEST_HEADER_TIMEOUT 20 s}; {@link Duration#ZERO} disables it. Checked
	 * on each poll of the loop, so the answer may come up to about a second late. It also
	 * bounds a small body (a {@code Content-Length} of up to 16 KiB) that is gathered with its
	 * head before the handler runs, counted from the head's first byte: no handler could time
	 * that out. The first request of a connection is timed from the accept, so a new connection
	 * that sends nothing at all is closed after this time too, without an answer (as nginx's
	 * {@code client_header_timeout} and Go's {@code ReadHeaderTimeout}); a keep-alive connection
	 * idle between requests is governed by {@link #idleTimeout(Duration)}, a larger or chunked
	 * body, which streams to the handler, by {@link #readTimeout(Duration)} or the application
	 * ({@code req.receive().timeout(...)}). Unless a {@code readTimeout} is set, it also bounds
	 * a stall in the rest of a body that the response did not wait for (read and dropped after
	 * it, for keep-alive): the connection closes once nothing of it came for this long.
	 */
	public HttpServer requestHeaderTimeout(Duration timeout) {
		Duration checked = Checks.notNegative(timeout, "requestHeaderTimeout");
		return new HttpServer(config.withRequestHeaderTimeout(checked));
	}

	/**
	 * Closes (with a reset) a connection whose waiting output (a response, WebSocket messages)
	 * has not moved for this long: not a byte of it could be handed to the kernel, because the
	 * client stopped reading, or reads so little that its side never frees room (the kernel
	 * makes room in a full send buffer only as whole segments are acknowledged, so the slow-read
	 * attack, a byte read now and then through a one-byte window, is cut too). Such clients then
	 * hold no connection, buffers or file for longer than this; a slow but moving download is
	 * never cut. The handler's send fails as for any closed connection, and the reason is logged
	 * at DEBUG by this class's logger ({@code write timeout: the peer took none of N bytes for
	 * M ms}). Checked on the loop's idle ticks (every quarter second while it is busy, at least
	 * once a second). Default {@link #DEFAULT_WRITE_TIMEOUT 60 s}; Reactor Netty has no such
	 * limit (Jetty's idle timeout and Tomcat's connection timeout play a similar part);
	 * {@link Duration#ZERO} disables it.
	 */
	public HttpServer writeTimeout(Duration timeout) {
		Duration checked = Checks.notNegative(timeout, "writeTimeout");
		return new HttpServer(config.withWriteTimeout(checked));
	}

	/**
	 * The HTTP versions to serve, as Reactor Netty's {@code protocol(HttpProtocol...)}:
	 * {@link HttpProtocol#HTTP11} is what this server speaks (its only setting, and the default).
	 * @throws IllegalArgumentException for {@code H2}, {@code H2C} or {@code HTTP3}, which
	 *     Mongoose does not speak (a clear error instead of an HTTP/2 client quietly served
	 *     HTTP/1.1)
	 */
	public HttpServer protocol(HttpProtocol... supportedProtocols) {
		HttpProtocol.checkSupported(supportedProtocols);
		return this;
	}

	/**
	 * Whether connections start with a PROXY protocol header (HAProxy's, version 1 or 2), as a
	 * load balancer in front of the server sends it, as Reactor Netty's {@code proxyProtocol}:
	 * the header's source address becomes {@link HttpServerRequest#remoteAddress()} (and the
	 * {@code remote} of the access log); a LOCAL or UNKNOWN header keeps the socket's peer.
	 * {@link ProxyProtocolSupportType#ON ON}: every connection must start with one, else it is
	 * closed unanswered; {@link ProxyProtocolSupportType#AUTO AUTO}: with or without. A header
	 * must be whole within {@link #requestHeaderTimeout(Duration)} (10 s without one), else the
	 * connection is closed; a connection is counted, handled and logged only once its header
	 * is in. With {@link #secure} the header comes before the TLS handshake. Default
	 * {@link ProxyProtocolSupportType#OFF OFF}. Only for a port that nobody but the proxy can
	 * reach: the header is taken on trust.
	 */
	public HttpServer proxyProtocol(ProxyProtocolSupportType type) {
		Objects.requireNonNull(type, "type");
		return new HttpServer(config.withProxyProtocol(type));
	}

	/**
	 * Records Micrometer metrics in {@code Metrics.globalRegistry} (Micrometer must be on the
	 * class path; it is an optional dependency): Reactor Netty's HTTP server meters under
	 * {@code reactor.mongoose.http.server} ({@code connections.total}, {@code connections.active},
	 * {@code data.received}, {@code data.sent}, {@code data.received.time}, {@code data.sent.time},
	 * {@code response.time}, {@code errors}) tagged
	 * with the request path as {@code uri} (at most 100 distinct values, then {@code OTHER}),
	 * plus the loops' {@code reactor.mongoose.loop.*} meters and the native allocation gauge.
	 * See docs/observability.md.
	 */
	public HttpServer metrics(boolean enable) {
		return metrics(enable, Function.identity());
	}

	/**
	 * {@link #metrics(boolean)} with a function from the request path to the {@code uri} tag,
	 * for example to replace identifiers ({@code "/users/42"} to {@code "/users/{id}"}) and keep
	 * the number of tag values small. If it throws or returns {@code null}, the path is the tag
	 * and a WARN is logged: the exchange goes on.
	 */
	public HttpServer metrics(boolean enable, Function<String, String> uriTagValue) {
		Objects.requireNonNull(uriTagValue, "uriTagValue");
		return new HttpServer(config.withMetrics(enable, uriTagValue));
	}

	/**
	 * Compresses response bodies with gzip (as Reactor Netty's {@code compress(true)}) for
	 * requests whose {@code Accept-Encoding} allows it: the response gets
	 * {@code Content-Encoding: gzip} and {@code Vary: Accept-Encoding}, and a streamed body is
	 * compressed piece by piece, each piece flushed so that the client can decode it at once
	 * (Server-Sent Events keep their timing). Left alone: responses that already have a
	 * {@code Content-Encoding}, 1xx/204/206/304 answers, WebSocket upgrades. Off by default;
	 * {@code false} turns it off again (and drops the conditions below).
	 */
	public HttpServer compress(boolean compressionEnabled) {
		return new HttpServer(config.withCompression(compressionEnabled ? 0 : -1, null));
	}

	/**
	 * {@link #compress(boolean) Compresses} bodies of at least {@code minResponseSize} bytes;
	 * a streamed body whose length is not known (no {@code Content-Length}) is always compressed.
	 * A negative size turns compression off, as with Reactor Netty.
	 */
	public HttpServer compress(int minResponseSize) {
		return new HttpServer(config.withCompression(Math.max(minResponseSize, -1), config.compressionPredicate()));
	}

	/**
	 * {@link #compress(boolean) Compresses} the responses for which {@code predicate} holds,
	 * asked once per response with its status and headers set, just before they are written
	 * (and only when the client accepts gzip). It should only read the request and the
	 * response. Combines with {@link #compress(int)}: both must allow it.
	 */
	public HttpServer compress(BiPredicate<? super HttpServerRequest, ? super HttpServerResponse> predicate) {
		Objects.requireNonNull(predicate, "predicate");
		return new HttpServer(config.withCompression(Math.max(config.minCompressionSize(), 0), predicate));
	}

	/**
	 * How {@link HttpServerRequest#receiveForm()} decodes forms: memory and size limits, where
	 * temporary files go ({@link FormDecoderSpec} lists the defaults). {@code customizer}
	 * changes a copy of the current settings.
	 */
	public HttpServer httpFormDecoder(Consumer<? super FormDecoderSpec> customizer) {
		Objects.requireNonNull(customizer, "customizer");
		FormDecoderSpec spec = config.formDecoderSpec().copy();
		customizer.accept(spec);
		return new HttpServer(config.withFormDecoder(spec));
	}

	/**
	 * Writes one line per exchange at INFO to the logger
	 * {@code reactor.mongoose.http.server.AccessLog} (SLF4J when present) in the Common Log
	 * Format plus the response time. Off by default.
	 */
	public HttpServer accessLog(boolean enable) {
		return new HttpServer(config.withAccessLog(enable, null));
	}

	/**
	 * The access log with lines of your own, or only some exchanges (as Reactor Netty's
	 * {@code accessLog(boolean, AccessLogFactory)}): {@code format} is called when an exchange
	 * ends, on its poll thread (it must not block), and returns the line, or {@code null} to
	 * leave the exchange out; {@link AccessLogArgs#commonLogFormat()} is the default line. The
	 * line is logged like the default one, with control characters escaped (a header cannot
	 * forge log lines). A {@code format} that throws loses its line (logged at DEBUG), not the
	 * exchange.
	 */
	public HttpServer accessLog(boolean enable, Function<? super AccessLogArgs, ? extends @Nullable String> format) {
		Objects.requireNonNull(format, "format");
		return new HttpServer(config.withAccessLog(enable, format));
	}

	/**
	 * Writes one line at ERROR per handler error to the logger
	 * {@code reactor.mongoose.http.server.ErrorLog} (Reactor Netty's {@code errorLog(true)}):
	 * {@code [2026-12-05T22:51:00.123+0000] [pid 4242] [client 127.0.0.1:54321] GET /boom:
	 * java.lang.IllegalStateException: boom}. Every error a handler's {@code Publisher} ends
	 * with is logged, whether the answer was a 500, a 4xx for the client's fault or a cut
	 * connection, except the exchange's own client leaving (its send's
	 * {@link io.github.reactormongoose.AbortedException}; an upstream's closed connection, or
	 * the server closing this one at disposeNow's timeout, is logged). Apart from the server's
	 * own log ({@code HttpServer}'s logger), so that errors can be routed and kept on their own.
	 * Off by default.
	 */
	public HttpServer errorLog(boolean enable) {
		return new HttpServer(config.withErrorLog(enable, null));
	}

	/**
	 * The error log with lines of your own, or only some errors (Reactor Netty's
	 * {@code errorLog(boolean, ErrorLogFactory)}): {@code format} is called on the poll thread
	 * (it must not block) and returns the line, or {@code null} to leave the error out;
	 * {@link ErrorLogArgs#defaultLine()} is the default one. Control characters of the line are
	 * escaped (no log forging). A {@code format} that throws loses its line (logged at DEBUG),
	 * nothing else.
	 */
	public HttpServer errorLog(boolean enable, Function<? super ErrorLogArgs, ? extends @Nullable String> format) {
		Objects.requireNonNull(format, "format");
		return new HttpServer(config.withErrorLog(enable, format));
	}

	/**
	 * Logs every connection's bytes (Reactor Netty's {@code wiretap(true)}): logger
	 * {@code io.github.reactormongoose.http.server.HttpServer}, level DEBUG, hex dumps. See
	 * {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public HttpServer wiretap(boolean enable) {
		return new HttpServer(config.withWiretap(Wiretap.of(enable, HttpServer.class)));
	}

	/**
	 * Logs every connection's bytes as they cross the socket, as Reactor Netty's
	 * {@code wiretap}: a line when a connection is accepted ({@code ACTIVE}, with its id and
	 * addresses), one per socket read ({@code READ: 78B}) and per write the socket took
	 * ({@code WRITE: 52B}), with the bytes in {@code format} ({@code TEXTUAL} decodes them with
	 * {@code charset}), and one when it is gone ({@code INACTIVE}); logger {@code category}, at
	 * {@code level}, on the poll thread. The bytes are the wire's: request heads, chunk sizes,
	 * WebSocket frames, answers the server makes itself (400, 408, 431...), file bodies (sent
	 * without {@code sendfile(2)} while tapped); on HTTPS, before encryption. For debugging:
	 * every byte is copied and formatted (the bytes are recorded whether the level is enabled
	 * or not). Off by default.
	 */
	@Override
	public HttpServer wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return new HttpServer(config.withWiretap(Wiretap.of(category, level, format, charset)));
	}

	/**
	 * Serves HTTPS (and WSS on WebSocket routes) with TLS as {@code spec} says: every accepted
	 * connection does its handshake before the first request. The spec is checked here against
	 * what Mongoose's built-in TLS can do, and refused with the reason.
	 */
	public HttpServer secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (!spec.isServer()) {
			throw new IllegalArgumentException("HttpServer.secure needs a server spec (TlsSpec.forServer)");
		}
		TlsAccess.config(spec).validate();
		return new HttpServer(config.withTls(spec));
	}

	/**
	 * Removes a TLS spec set with {@link #secure}: the server serves plain HTTP (as Reactor
	 * Netty's {@code noSSL()}), for example when a customizer shares one configured server between
	 * a public HTTPS port and a local plain one.
	 */
	public HttpServer noSSL() {
		return new HttpServer(config.withTls(null));
	}

	/** Same as {@code configuration().host()}. */
	public String host() {
		return config.host();
	}

	/** Same as {@code configuration().port()}. */
	public int port() {
		return config.port();
	}

	/** Same as {@code configuration().maxRequestBodySize()}. */
	public long maxRequestBodySize() {
		return config.maxRequestBodySize();
	}

	/** Same as {@code configuration().maxAggregatedBodySize()}. */
	public long maxAggregatedBodySize() {
		return config.maxAggregatedBodySize();
	}

	/** Same as {@code configuration().maxDiscardedBodySize()}. */
	public long maxDiscardedBodySize() {
		return config.maxDiscardedBodySize();
	}

	/** Same as {@code configuration().maxHeaderSize()}. */
	public int maxHeaderSize() {
		return config.maxHeaderSize();
	}

	/** Same as {@code configuration().maxWebsocketFrameSize()}. */
	public int maxWebsocketFrameSize() {
		return config.maxWebsocketFrameSize();
	}

	/**
	 * Called on the poll thread for every accepted connection, before it is read from (on a
	 * {@link #secure secure} server once its TLS handshake is done), as Reactor Netty's
	 * {@code doOnConnection}: to count or log connections, to keep state that lives as long as
	 * one ({@link Connection#onClose()}), or to refuse one by its address before it sends a
	 * request ({@link Connection#close()}; behind a load balancer with
	 * {@link #proxyProtocol proxyProtocol}, {@link Connection#remoteAddress()} is the client the
	 * balancer named). Its bytes are the server's: {@code send} and {@code receive} of the given
	 * {@code Connection} fail with {@link IllegalStateException}; {@link Connection#drain()}
	 * closes it once its current exchange is answered. Calls add up: each callback runs, in
	 * the order they were added. A callback that throws closes the connection (logged).
	 */
	public HttpServer doOnConnection(Consumer<? super Connection> callback) {
		Objects.requireNonNull(callback, "callback");
		return new HttpServer(config.withDoOnConnection(callback));
	}

	/**
	 * Maps each request's handler {@code Mono} before it is subscribed, as Reactor Netty's
	 * {@code mapHandle}: with the request's {@link Connection} (the same one
	 * {@link #doOnConnection} callbacks get), to decorate every exchange in one place, e.g.
	 * {@code mapHandle((handling, connection) -> handling.contextWrite(Context.of("connection", connection.id())))}
	 * or a time limit ({@code handling.timeout(...)}: a handler that fails before the response
	 * has started gets a 500, as any failing handler). Runs on the poll thread. Calls add up:
	 * each mapper gets what the previous one returned. A mapper that throws or returns
	 * {@code null} fails the exchange (500).
	 */
	public HttpServer mapHandle(BiFunction<? super Mono<Void>, ? super Connection, ? extends Mono<Void>> mapper) {
		Objects.requireNonNull(mapper, "mapper");
		return new HttpServer(config.withMapHandle(mapper));
	}

	/**
	 * Runs {@code doOnBound} once the server is bound, before {@link #bind()} emits it (as
	 * Reactor Netty's). Several calls add up, in order. If it throws, the server is disposed
	 * and the bind fails with that exception.
	 */
	public HttpServer doOnBound(Consumer<? super DisposableServer> doOnBound) {
		Objects.requireNonNull(doOnBound, "doOnBound");
		return new HttpServer(config.withDoOnBound(doOnBound));
	}

	/**
	 * Runs {@code doOnUnbound} once the server is disposed: its listeners closed and its
	 * connections ended (as Reactor Netty's). Several calls add up, in order.
	 */
	public HttpServer doOnUnbound(Consumer<? super DisposableServer> doOnUnbound) {
		Objects.requireNonNull(doOnUnbound, "doOnUnbound");
		return new HttpServer(config.withDoOnUnbound(doOnUnbound));
	}

	/**
	 * Binds, runs {@code onStart} (if any) with the server, and blocks the calling thread until
	 * the server is disposed; a JVM shutdown (Ctrl-C, SIGTERM) disposes it, waiting up to
	 * {@code timeout} for the exchanges in progress. For a {@code main} method, as Reactor
	 * Netty's.
	 */
	public void bindUntilJavaShutdown(Duration timeout, @Nullable Consumer<DisposableServer> onStart) {
		Objects.requireNonNull(timeout, "timeout");
		DisposableServer server = bindNow();
		Thread hook = new Thread(() -> server.disposeNow(timeout), "mongoose-http-shutdown");
		Runtime.getRuntime().addShutdownHook(hook);
		if (onStart != null) {
			onStart.accept(server);
		}
		try {
			server.onDispose().block();
		}
		finally {
			try {
				Runtime.getRuntime().removeShutdownHook(hook);
			}
			catch (IllegalStateException shuttingDown) {
				// the hook is what disposed the server
			}
		}
	}

	/**
	 * Loads the native library and starts the loops this server will run on, as Reactor Netty's
	 * {@code warmup()}, so that neither the first bind nor the first request pays for them: the
	 * process-wide group by default (a given loop or group runs already). A server that starts
	 * loops of its own ({@link #loops(int)}, {@link #loopName(String)}) starts them at bind.
	 * Runs on the subscribing thread, which waits while the library loads (once per process):
	 * do not subscribe on a poll thread.
	 */
	public Mono<Void> warmup() {
		return Mono.fromRunnable(config.loopChoice()::warmUpServer);
	}

	/** Binds when subscribed. Errors (e.g. address in use) arrive as the Mono's error. */
	public Mono<DisposableServer> bind() {
		return Mono.defer(() -> BoundHttpServer.bind(config));
	}

	/** Binds and waits up to 45 s. */
	public DisposableServer bindNow() {
		return bindNow(Duration.ofSeconds(45));
	}

	/** Binds and waits up to {@code timeout}. */
	public DisposableServer bindNow(Duration timeout) {
		return BoundServer.awaitBind(bind(), timeout);
	}

	/** A count limit: -1 for none, else at least 1. */
	private static void requireLimit(int limit, String what) {
		if (limit == 0 || limit < -1) {
			throw new IllegalArgumentException(what + " must be -1 (no limit) or at least 1: " + limit);
		}
	}

	/**
	 * {@code bytes} when it is a valid WebSocket message limit (125, the largest control frame,
	 * to half the native receive buffer's bound), for the server's and an endpoint's.
	 * @throws IllegalArgumentException outside that range, naming {@code setting}
	 */
	static int checkMessageLimit(String setting, int bytes) {
		if (bytes < 125 || bytes > NativeConstants.MAX_RECV_SIZE / 2) {
			throw new IllegalArgumentException(setting + " must be 125.." + NativeConstants.MAX_RECV_SIZE / 2 + ": " + bytes);
		}
		return bytes;
	}
}
