/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import java.time.Duration;

import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.http.server.HttpServer;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * reactor-mongoose specific server properties ({@code server.mongoose.*}). The request-line
 * plus header limit comes from Spring Boot's {@code server.max-http-request-header-size}.
 * Each field's javadoc is its description in the jar's
 * {@code META-INF/spring-configuration-metadata.json} (what IDEs show): plain text.
 */
@ConfigurationProperties("server.mongoose")
public class MongooseServerProperties {

	/**
	 * Largest request body; default: no limit (bodies stream to the application as they
	 * arrive). A larger body is answered with 413 and the connection is closed.
	 */
	private DataSize maxRequestBodySize = DataSize.ofBytes(HttpServer.DEFAULT_MAX_REQUEST_BODY);

	/** Largest WebSocket message; a larger one closes the session with status 1009. */
	private DataSize maxWebsocketFrameSize = DataSize.ofBytes(HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME);

	/** Closes keep-alive connections without a request in progress for this long. Default: never. */
	private @Nullable Duration idleTimeout;

	/**
	 * Requests a keep-alive connection serves before the server closes it, as
	 * server.netty.max-keep-alive-requests. Default: -1, no limit.
	 */
	private int maxKeepAliveRequests = -1;

	/**
	 * Connections the server keeps open at most, over all its loops; one accepted beyond that is
	 * closed at once. Default: -1, no limit.
	 */
	private int maxConnections = -1;

	/**
	 * The longest the client may send nothing while a streamed request body (over 16 KiB, or
	 * chunked) is read; then 408 and the connection closes. Default: none.
	 */
	private @Nullable Duration readTimeout;

	/**
	 * The longest a streamed request body may take from its head to its end (wall clock); then
	 * 408 and the connection closes. Default: none.
	 */
	private @Nullable Duration requestTimeout;

	/**
	 * Poll loops (threads) of the server; each accepts on the server's port and serves its
	 * connections. Default: the number of available processors.
	 */
	private @Nullable Integer loops;

	/**
	 * Answers 408 to a request whose head, with a body of up to 16 KiB gathered with it, takes
	 * longer than this from its first byte (zero: no limit).
	 */
	private Duration requestHeaderTimeout = HttpServer.DEFAULT_REQUEST_HEADER_TIMEOUT;

	/**
	 * Closes a connection whose output (a response, WebSocket messages) has waited this long
	 * without a byte going out: a client that stopped reading (zero: no limit).
	 */
	private Duration writeTimeout = HttpServer.DEFAULT_WRITE_TIMEOUT;

	/**
	 * Longest request line (GET /path?query HTTP/1.1); a longer one is answered 414.
	 * Default: as long as server.max-http-request-header-size allows.
	 */
	private @Nullable DataSize maxInitialLineLength;

	/**
	 * Most header lines of a request, however short (1..2000); a request with more is answered
	 * 431. Reactor Netty counts none, only server.max-http-request-header-size.
	 */
	private int maxHeaderCount = HttpServer.DEFAULT_MAX_HEADER_COUNT;

	/**
	 * Records Micrometer metrics (reactor.mongoose.*) in the global registry, which holds
	 * the application's registry unless management.metrics.use-global-registry=false.
	 */
	private boolean metrics;

	/** Writes one access log line per exchange (logger reactor.mongoose.http.server.AccessLog). */
	private boolean accessLog;

	/** Writes one error log line per handler error (logger reactor.mongoose.http.server.ErrorLog). */
	private boolean errorLog;

	/**
	 * Whether every response carries a Date header (RFC 9110, 6.6.1) unless the
	 * application set its own. Default: true.
	 */
	private boolean dateHeader = true;

	/**
	 * Whether connections start with a PROXY protocol header (HAProxy's, v1 or v2) naming the
	 * client, as a TCP load balancer sends it: on (required), auto (taken when
	 * present) or off. Only for a port that nobody but the balancer can reach.
	 */
	private ProxyProtocolSupportType proxyProtocol = ProxyProtocolSupportType.OFF;

	/**
	 * How long starting waits for the bind (default: 45 s), and how long stopping waits for a
	 * graceful shutdown still in progress to end after closing every connection (default: 5 s).
	 */
	private @Nullable Duration lifecycleTimeout;

	public DataSize getMaxRequestBodySize() {
		return this.maxRequestBodySize;
	}

	public void setMaxRequestBodySize(DataSize maxRequestBodySize) {
		this.maxRequestBodySize = maxRequestBodySize;
	}

	public DataSize getMaxWebsocketFrameSize() {
		return this.maxWebsocketFrameSize;
	}

	public void setMaxWebsocketFrameSize(DataSize maxWebsocketFrameSize) {
		this.maxWebsocketFrameSize = maxWebsocketFrameSize;
	}

	public @Nullable Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(@Nullable Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public int getMaxKeepAliveRequests() {
		return this.maxKeepAliveRequests;
	}

	public void setMaxKeepAliveRequests(int maxKeepAliveRequests) {
		this.maxKeepAliveRequests = maxKeepAliveRequests;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	public void setMaxConnections(int maxConnections) {
		this.maxConnections = maxConnections;
	}

	public @Nullable Duration getReadTimeout() {
		return this.readTimeout;
	}

	public void setReadTimeout(@Nullable Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public @Nullable Duration getRequestTimeout() {
		return this.requestTimeout;
	}

	public void setRequestTimeout(@Nullable Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public @Nullable Integer getLoops() {
		return this.loops;
	}

	public void setLoops(@Nullable Integer loops) {
		this.loops = loops;
	}

	public @Nullable Duration getLifecycleTimeout() {
		return this.lifecycleTimeout;
	}

	public void setLifecycleTimeout(@Nullable Duration lifecycleTimeout) {
		this.lifecycleTimeout = lifecycleTimeout;
	}

	public Duration getRequestHeaderTimeout() {
		return this.requestHeaderTimeout;
	}

	public @Nullable DataSize getMaxInitialLineLength() {
		return this.maxInitialLineLength;
	}

	public void setMaxInitialLineLength(@Nullable DataSize maxInitialLineLength) {
		this.maxInitialLineLength = maxInitialLineLength;
	}

	public int getMaxHeaderCount() {
		return this.maxHeaderCount;
	}

	public void setMaxHeaderCount(int maxHeaderCount) {
		this.maxHeaderCount = maxHeaderCount;
	}

	public void setRequestHeaderTimeout(Duration requestHeaderTimeout) {
		this.requestHeaderTimeout = requestHeaderTimeout;
	}

	public Duration getWriteTimeout() {
		return this.writeTimeout;
	}

	public void setWriteTimeout(Duration writeTimeout) {
		this.writeTimeout = writeTimeout;
	}

	public boolean isMetrics() {
		return this.metrics;
	}

	public void setMetrics(boolean metrics) {
		this.metrics = metrics;
	}

	public boolean isAccessLog() {
		return this.accessLog;
	}

	public void setAccessLog(boolean accessLog) {
		this.accessLog = accessLog;
	}

	public boolean isErrorLog() {
		return this.errorLog;
	}

	public void setErrorLog(boolean errorLog) {
		this.errorLog = errorLog;
	}

	public boolean isDateHeader() {
		return this.dateHeader;
	}

	public void setDateHeader(boolean dateHeader) {
		this.dateHeader = dateHeader;
	}

	public ProxyProtocolSupportType getProxyProtocol() {
		return this.proxyProtocol;
	}

	public void setProxyProtocol(ProxyProtocolSupportType proxyProtocol) {
		this.proxyProtocol = proxyProtocol;
	}
}
