/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.time.Duration;

import io.github.reactormongoose.MongooseLoop;
import org.jspecify.annotations.Nullable;

/**
 * The options of an {@link HttpServer}, as read by {@link HttpServer#configuration()}: an
 * immutable snapshot. The server's option methods validate their argument and return a new
 * server over a copy of this snapshot with one value changed.
 */
public final class HttpServerConfig {

	private static final HttpServerConfig DEFAULT = new HttpServerConfig("127.0.0.1", 0, null, null,
			HttpServer.DEFAULT_MAX_REQUEST_BODY, HttpServer.DEFAULT_MAX_HEADER_SIZE, HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME,
			null, null);

	private final String host;
	private final int port;
	private final @Nullable MongooseLoop loop;
	private final @Nullable ExchangeHandler handler;
	private final long maxRequestBodySize;
	private final int maxHeaderSize;
	private final int maxWebsocketFrameSize;
	private final @Nullable Duration idleTimeout;
	private final @Nullable String loopName;

	private HttpServerConfig(String host, int port, @Nullable MongooseLoop loop, @Nullable ExchangeHandler handler,
			long maxRequestBodySize, int maxHeaderSize, int maxWebsocketFrameSize, @Nullable Duration idleTimeout,
			@Nullable String loopName) {
		this.host = host;
		this.port = port;
		this.loop = loop;
		this.handler = handler;
		this.maxRequestBodySize = maxRequestBodySize;
		this.maxHeaderSize = maxHeaderSize;
		this.maxWebsocketFrameSize = maxWebsocketFrameSize;
		this.idleTimeout = idleTimeout;
		this.loopName = loopName;
	}

	/** The defaults of {@link HttpServer#create()}. */
	static HttpServerConfig defaults() {
		return DEFAULT;
	}

	/** The address to bind (an IP literal or a name); default {@code 127.0.0.1}. */
	public String host() {
		return host;
	}

	/** The port to bind; 0 (the default) picks a free one. */
	public int port() {
		return port;
	}

	/** The loop the server runs on, or {@code null} when each bound server starts its own. */
	public @Nullable MongooseLoop loop() {
		return loop;
	}

	/** The poll thread's name when the server starts its own loop, or {@code null} for {@code mongoose-http-N}. */
	public @Nullable String loopName() {
		return loopName;
	}

	/** Whether a handler or routes are set; without, every request gets 404. */
	public boolean hasHandler() {
		return handler != null;
	}

	/** The largest accepted request body in bytes. */
	public long maxRequestBodySize() {
		return maxRequestBodySize;
	}

	/** The largest request line plus headers in bytes. */
	public int maxHeaderSize() {
		return maxHeaderSize;
	}

	/** The largest WebSocket message in bytes. */
	public int maxWebsocketFrameSize() {
		return maxWebsocketFrameSize;
	}

	/** How long a connection with no request in progress stays open, or {@code null} for no limit. */
	public @Nullable Duration idleTimeout() {
		return idleTimeout;
	}

	@Nullable ExchangeHandler handler() {
		return handler;
	}

	HttpServerConfig withHost(String host) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withPort(int port) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withLoop(MongooseLoop loop) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withLoopName(String loopName) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withHandler(ExchangeHandler handler) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withMaxRequestBodySize(long bytes) {
		return new HttpServerConfig(host, port, loop, handler, bytes, maxHeaderSize, maxWebsocketFrameSize, idleTimeout,
				loopName);
	}

	HttpServerConfig withMaxHeaderSize(int bytes) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, bytes, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	HttpServerConfig withMaxWebsocketFrameSize(int bytes) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, bytes, idleTimeout,
				loopName);
	}

	HttpServerConfig withIdleTimeout(Duration idleTimeout) {
		return new HttpServerConfig(host, port, loop, handler, maxRequestBodySize, maxHeaderSize, maxWebsocketFrameSize,
				idleTimeout, loopName);
	}

	@Override
	public String toString() {
		return "HttpServerConfig[host=" + host + ", port=" + port + ", loop=" + loop + ", loopName=" + loopName
				+ ", handler=" + (handler != null) + ", maxRequestBodySize=" + maxRequestBodySize + ", maxHeaderSize="
				+ maxHeaderSize + ", maxWebsocketFrameSize=" + maxWebsocketFrameSize + ", idleTimeout=" + idleTimeout
				+ "]";
	}
}
