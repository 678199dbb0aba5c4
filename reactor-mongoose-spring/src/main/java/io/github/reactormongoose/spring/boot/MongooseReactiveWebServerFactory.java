/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.http.MongooseHttpHandlerAdapter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.boot.web.server.reactive.AbstractReactiveWebServerFactory;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.util.Assert;

/**
 * A Spring Boot {@link ReactiveWebServerFactory} that serves the application's
 * {@link HttpHandler} with reactor-mongoose.
 * <p>
 * Honours {@code server.port} (0 for a free port), {@code server.address} (default: every
 * IPv4 address, {@code 0.0.0.0}) and {@code server.shutdown}. TLS ({@code server.ssl.*}) is
 * not supported yet and fails the start; HTTP/2 and response compression are not supported
 * and are ignored with a warning. Limits of the native server (request body, header size,
 * WebSocket message size, idle timeout) are set with the setters below, the
 * {@code server.mongoose.*} properties or a {@link MongooseServerCustomizer}.
 */
public class MongooseReactiveWebServerFactory extends AbstractReactiveWebServerFactory {

	private static final Log logger = LogFactory.getLog(MongooseReactiveWebServerFactory.class);

	private final List<MongooseServerCustomizer> serverCustomizers = new ArrayList<>();

	private @Nullable Duration lifecycleTimeout;

	private long maxRequestBodySize = HttpServer.DEFAULT_MAX_REQUEST_BODY;

	private int maxHeaderSize = HttpServer.DEFAULT_MAX_HEADER_SIZE;

	private int maxWebsocketFrameSize = HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME;

	private @Nullable Duration idleTimeout;
	private Duration requestHeaderTimeout = HttpServer.DEFAULT_REQUEST_HEADER_TIMEOUT;
	private boolean metrics;
	private boolean accessLog;

	private int loops = MongooseLoops.defaultSize();

	public MongooseReactiveWebServerFactory() {
	}

	public MongooseReactiveWebServerFactory(int port) {
		super(port);
	}

	@Override
	public WebServer getWebServer(HttpHandler httpHandler) {
		Ssl ssl = getSsl();
		if (Ssl.isEnabled(ssl)) {
			throw new WebServerException("reactor-mongoose does not support TLS yet: disable server.ssl", null);
		}
		if (getHttp2() != null && getHttp2().isEnabled()) {
			logger.warn("reactor-mongoose does not support HTTP/2: server.http2.enabled is ignored");
		}
		if (getCompression() != null && getCompression().getEnabled()) {
			logger.warn("reactor-mongoose does not compress responses: server.compression.enabled is ignored");
		}
		HttpServer server = createHttpServer();
		return new MongooseWebServer(server, new MongooseHttpHandlerAdapter(httpHandler), this.loops,
				this.lifecycleTimeout, getShutdown());
	}

	private HttpServer createHttpServer() {
		HttpServer server = HttpServer.create()
				.maxHeaderSize(this.maxHeaderSize)
				.maxRequestBodySize(this.maxRequestBodySize)
				.maxWebsocketFrameSize(this.maxWebsocketFrameSize);
		if (this.idleTimeout != null) {
			server = server.idleTimeout(this.idleTimeout);
		}
		server = server.requestHeaderTimeout(this.requestHeaderTimeout).metrics(this.metrics).accessLog(this.accessLog);
		for (MongooseServerCustomizer customizer : this.serverCustomizers) {
			server = customizer.apply(server);
		}
		String host = (getAddress() != null) ? getAddress().getHostAddress() : "0.0.0.0";
		return server.host(host).port(getPort());
	}

	public List<MongooseServerCustomizer> getServerCustomizers() {
		return this.serverCustomizers;
	}

	public void setServerCustomizers(Collection<? extends MongooseServerCustomizer> customizers) {
		Assert.notNull(customizers, "'customizers' must not be null");
		this.serverCustomizers.clear();
		this.serverCustomizers.addAll(customizers);
	}

	public void addServerCustomizers(MongooseServerCustomizer... customizers) {
		Assert.notNull(customizers, "'customizers' must not be null");
		this.serverCustomizers.addAll(Arrays.asList(customizers));
	}

	/** How long {@code start()} waits for the bind (default 45 s) and {@code stop()} for the close. */
	public void setLifecycleTimeout(@Nullable Duration lifecycleTimeout) {
		this.lifecycleTimeout = lifecycleTimeout;
	}

	public @Nullable Duration getLifecycleTimeout() {
		return this.lifecycleTimeout;
	}

	/** Largest request body (default: no limit, bodies stream); a larger one is answered with 413. */
	public void setMaxRequestBodySize(long maxRequestBodySize) {
		this.maxRequestBodySize = maxRequestBodySize;
	}

	public long getMaxRequestBodySize() {
		return this.maxRequestBodySize;
	}

	/** Largest request line plus headers (default 16 KiB); beyond it the answer is 431. */
	public void setMaxHeaderSize(int maxHeaderSize) {
		this.maxHeaderSize = maxHeaderSize;
	}

	public int getMaxHeaderSize() {
		return this.maxHeaderSize;
	}

	/** Largest WebSocket message (default 64 KiB); a larger one closes the session with 1009. */
	public void setMaxWebsocketFrameSize(int maxWebsocketFrameSize) {
		this.maxWebsocketFrameSize = maxWebsocketFrameSize;
	}

	public int getMaxWebsocketFrameSize() {
		return this.maxWebsocketFrameSize;
	}

	/** Closes keep-alive connections idle for this long (default: never). */
	/**
	 * Poll loops (threads) of the server, each accepting on its port
	 * (default: available processors).
	 */
	public void setLoops(int loops) {
		Assert.isTrue(loops >= 1 && loops <= 1024, "'loops' must be 1..1024");
		this.loops = loops;
	}

	public int getLoops() {
		return this.loops;
	}

	public void setIdleTimeout(@Nullable Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public @Nullable Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	/** 408 for a request head that takes longer than this (default 20 s; zero: no limit). */
	public void setRequestHeaderTimeout(Duration requestHeaderTimeout) {
		Assert.notNull(requestHeaderTimeout, "'requestHeaderTimeout' must not be null");
		Assert.isTrue(!requestHeaderTimeout.isNegative(), "'requestHeaderTimeout' must not be negative");
		this.requestHeaderTimeout = requestHeaderTimeout;
	}

	public Duration getRequestHeaderTimeout() {
		return this.requestHeaderTimeout;
	}

	/**
	 * Micrometer metrics in {@code Metrics.globalRegistry}, where Spring Boot adds the
	 * application's {@code MeterRegistry} ({@code management.metrics.use-global-registry}, on by
	 * default); see {@link HttpServer#metrics(boolean)}.
	 */
	public void setMetrics(boolean metrics) {
		this.metrics = metrics;
	}

	public boolean isMetrics() {
		return this.metrics;
	}

	/** One access log line per exchange; see {@link HttpServer#accessLog(boolean)}. */
	public void setAccessLog(boolean accessLog) {
		this.accessLog = accessLog;
	}

	public boolean isAccessLog() {
		return this.accessLog;
	}
}
