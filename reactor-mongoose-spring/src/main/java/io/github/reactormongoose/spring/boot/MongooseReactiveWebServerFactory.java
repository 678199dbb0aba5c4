/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.spring.http.MongooseHttpHandlerAdapter;
import io.github.reactormongoose.spring.http.MongooseServerHttpRequest;
import io.github.reactormongoose.tls.TlsSpec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.Compression;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.boot.web.server.reactive.AbstractReactiveWebServerFactory;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.adapter.ForwardedHeaderTransformer;
import org.springframework.util.Assert;
import org.springframework.util.InvalidMimeTypeException;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;
import org.springframework.util.StringUtils;
import org.springframework.util.unit.DataSize;

/**
 * A Spring Boot {@link ReactiveWebServerFactory} that serves the application's
 * {@link HttpHandler} with reactor-mongoose.
 * <p>
 * Honours {@code server.port} (0 for a free port), {@code server.address} (default: every
 * address, IPv6 and IPv4, as Reactor Netty binds it), {@code server.shutdown} and {@code server.ssl.*} (PEM
 * certificate and private key, key stores, SSL bundles, reloaded on update with
 * {@code reload-on-update} as on Reactor Netty, {@code client-auth=need}; see
 * {@code docs/tls.md}: what Mongoose's built-in TLS cannot do fails the start) and
 * {@code server.compression.*} (gzip, applied as on Reactor Netty). HTTP/2 is not supported and
 * is ignored with a warning. Limits of the native server (request body, header size,
 * WebSocket message size, idle timeout) are set with the setters below, the
 * {@code server.mongoose.*} properties or a {@link MongooseServerCustomizer}.
 * {@link #setUseForwardHeaders(boolean) Forwarded headers} are honoured when asked
 * ({@code server.forward-headers-strategy=native}, or a cloud platform that Spring Boot
 * detects), as Reactor Netty's {@code forwarded(true)} does.
 */
public class MongooseReactiveWebServerFactory extends AbstractReactiveWebServerFactory {

	private static final Log logger = LogFactory.getLog(MongooseReactiveWebServerFactory.class);

	private final List<MongooseServerCustomizer> serverCustomizers = new ArrayList<>();

	private @Nullable Duration lifecycleTimeout;

	private long maxRequestBodySize = HttpServer.DEFAULT_MAX_REQUEST_BODY;

	private int maxHeaderSize = HttpServer.DEFAULT_MAX_HEADER_SIZE;

	private int maxWebsocketFrameSize = HttpServer.DEFAULT_MAX_WEBSOCKET_FRAME;

	private @Nullable Duration idleTimeout;

	private int maxKeepAliveRequests = -1;

	private int maxConnections = -1;

	private @Nullable Duration readTimeout;

	private @Nullable Duration requestTimeout;
	private Duration requestHeaderTimeout = HttpServer.DEFAULT_REQUEST_HEADER_TIMEOUT;
	private Duration writeTimeout = HttpServer.DEFAULT_WRITE_TIMEOUT;
	/** 0: as long as the head allows. */
	private int maxInitialLineLength;
	private int maxHeaderCount = HttpServer.DEFAULT_MAX_HEADER_COUNT;
	private boolean metrics;
	private boolean accessLog;
	private boolean errorLog;
	private boolean dateHeader = true;
	private ProxyProtocolSupportType proxyProtocol = ProxyProtocolSupportType.OFF;
	private boolean useForwardHeaders;

	private int loops = MongooseLoops.defaultSize();

	public MongooseReactiveWebServerFactory() {
	}

	public MongooseReactiveWebServerFactory(int port) {
		super(port);
	}

	@Override
	public WebServer getWebServer(HttpHandler httpHandler) {
		if (getHttp2() != null && getHttp2().isEnabled()) {
			logger.warn("reactor-mongoose does not support HTTP/2: server.http2.enabled is ignored");
		}
		HttpServer server = createHttpServer();
		HttpHandler handler = httpHandler;
		if (this.useForwardHeaders) {
			// the server's own forwarded(true) gives the client (createHttpServer); Spring's
			// transformer, as the "framework" strategy applies it, the URI, scheme and host
			ForwardedHeaderTransformer forwarded = new ForwardedHeaderTransformer();
			handler = (request, response) -> {
				ServerHttpRequest transformed;
				try {
					transformed = forwarded.apply(request);
				}
				catch (RuntimeException ex) {
					// malformed forwarded headers: 400, as Spring's HttpWebHandlerAdapter answers
					if (logger.isDebugEnabled()) {
						logger.debug("Failed to apply forwarded headers to " + request.getURI() + ": " + ex.getMessage());
					}
					response.setStatusCode(HttpStatus.BAD_REQUEST);
					return response.setComplete();
				}
				InetSocketAddress client = forwardedClient(request);
				if (client != null) {
					transformed = transformed.mutate().remoteAddress(client).build();
				}
				return httpHandler.handle(transformed, response);
			};
		}
		MongooseWebServer webServer = new MongooseWebServer(server, new MongooseHttpHandlerAdapter(handler), this.loops,
				this.lifecycleTimeout, getShutdown());
		Ssl ssl = getSsl();
		if (Ssl.isEnabled(ssl) && StringUtils.hasText(ssl.getBundle())) {
			// reload-on-update: Boot tells its update handlers (as Reactor Netty's factory registers
			// one), and warns that the bundle "may be in use by a technology that doesn't support
			// SSL reloading" only when there is none
			SslBundles bundles = getSslBundles();
			Assert.state(bundles != null, "'sslBundles' must not be null");
			String name = ssl.getBundle();
			bundles.addBundleUpdateHandler(name, bundle -> updateSslBundle(webServer, ssl, name, bundle));
		}
		return webServer;
	}

	/**
	 * The server's SSL bundle was updated (a renewed certificate on disk, with
	 * {@code reload-on-update}): new connections get it, open ones keep theirs. A bundle the
	 * built-in stack cannot use is logged, and the server keeps serving the one it had.
	 */
	private void updateSslBundle(MongooseWebServer webServer, Ssl ssl, String name, SslBundle bundle) {
		try {
			webServer.updateTls(tlsSpec(ssl, () -> bundle));
			logger.info("SSL bundle '" + name + "' has been updated: new connections are served its certificate");
		}
		catch (RuntimeException ex) {
			logger.error("SSL bundle '" + name + "' has been updated but cannot be used; the server keeps serving the "
					+ "previous certificate: " + ex.getMessage(), ex);
		}
	}

	/**
	 * The client the server's {@code forwarded(true)} took from the request's forwarded headers:
	 * an IP address, resolved, with the port the proxy gave (else the connection's), as Reactor
	 * Netty's native handling gives it; {@code null} when they name none (a name, "unknown",
	 * "_hidden", no header), where Spring's unresolved result stays: nothing is looked up.
	 */
	private static @Nullable InetSocketAddress forwardedClient(ServerHttpRequest request) {
		if (request instanceof MongooseServerHttpRequest ours) {
			HttpServerRequest core = ours.getNativeRequest();
			InetSocketAddress client = core.remoteAddress();
			// the same instance when the headers named no IP address; an equal one when they
			// named the connection's own (a proxy on the same host): resolved too
			return client == core.connectionRemoteAddress() ? null : client;
		}
		return null;
	}

	private HttpServer createHttpServer() {
		HttpServer server = HttpServer.create()
				.maxHeaderSize(this.maxHeaderSize)
				.maxRequestBodySize(this.maxRequestBodySize)
				.maxWebsocketFrameSize(this.maxWebsocketFrameSize);
		if (this.idleTimeout != null) {
			server = server.idleTimeout(this.idleTimeout);
		}
		server = server.maxKeepAliveRequests(this.maxKeepAliveRequests).maxConnections(this.maxConnections);
		if (this.readTimeout != null) {
			server = server.readTimeout(this.readTimeout);
		}
		if (this.requestTimeout != null) {
			server = server.requestTimeout(this.requestTimeout);
		}
		server = server.requestHeaderTimeout(this.requestHeaderTimeout).writeTimeout(this.writeTimeout)
				.metrics(this.metrics).accessLog(this.accessLog)
				.errorLog(this.errorLog).dateHeader(this.dateHeader).proxyProtocol(this.proxyProtocol)
				.forwarded(this.useForwardHeaders); // the client; Spring's transformer does the rest (getWebServer)
		if (this.maxInitialLineLength > 0) {
			int line = this.maxInitialLineLength;
			server = server.httpRequestDecoder(spec -> spec.maxInitialLineLength(line));
		}
		int headerCount = this.maxHeaderCount;
		server = server.httpRequestDecoder(spec -> spec.maxHeaderCount(headerCount));
		Compression compression = getCompression();
		if (compression != null && compression.getEnabled()) {
			server = compress(server, compression);
		}
		for (MongooseServerCustomizer customizer : this.serverCustomizers) {
			server = customizer.apply(server);
		}
		Ssl ssl = getSsl();
		if (Ssl.isEnabled(ssl)) {
			if (!getServerNameSslBundles().isEmpty()) {
				throw new WebServerException("server.ssl.server-name-bundles is not supported by reactor-mongoose "
						+ "(one certificate per server)", null);
			}
			server = server.secure(tlsSpec(ssl, this::getSslBundle));
		}
		String host = (getAddress() != null) ? getAddress().getHostAddress() : wildcard();
		return server.host(host).port(getPort());
	}

	/**
	 * The address to bind without {@code server.address}, as Boot's Reactor Netty binds: every
	 * IPv6 and IPv4 address on one dual-stack socket ({@code ::}) where the machine has IPv6 (a
	 * socket of the JDK can bind it), else, or with {@code java.net.preferIPv4Stack}, every
	 * IPv4 address.
	 */
	static String wildcard() {
		if (Boolean.getBoolean("java.net.preferIPv4Stack")) {
			return "0.0.0.0";
		}
		try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
			probe.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("::"), 0));
			return "::";
		}
		catch (java.io.IOException ex) {
			return "0.0.0.0";
		}
	}

	/**
	 * {@code server.compression.*} as Spring Boot applies it to Reactor Netty: gzip for bodies
	 * of at least {@code min-response-size} (or of unknown length) whose {@code Content-Type}
	 * is one of {@code mime-types} (plus {@code additional-mime-types}; a response without one
	 * is not compressed), unless the request's {@code User-Agent} is one of
	 * {@code excluded-user-agents}.
	 */
	static HttpServer compress(HttpServer server, Compression compression) {
		DataSize min = compression.getMinResponseSize();
		if (min != null && !min.isNegative()) {
			server = server.compress((int) Math.min(Integer.MAX_VALUE, min.toBytes()));
		}
		String[] types = compression.getAllMimeTypes();
		List<MimeType> mimeTypes = types == null ? List.of() : Arrays.stream(types).map(MimeTypeUtils::parseMimeType).toList();
		String[] excluded = compression.getExcludedUserAgents();
		List<String> agents = excluded == null ? List.of() : Arrays.asList(excluded);
		return server.compress((request, response) -> {
			if (!mimeTypes.isEmpty()) {
				String contentType = response.responseHeaders().get("Content-Type");
				if (contentType == null || contentType.isEmpty()) {
					return false;
				}
				try {
					MimeType type = MimeTypeUtils.parseMimeType(contentType);
					if (mimeTypes.stream().noneMatch(candidate -> candidate.isCompatibleWith(type))) {
						return false;
					}
				}
				catch (InvalidMimeTypeException ex) {
					return false;
				}
			}
			String agent = request.requestHeaders().get("User-Agent");
			return agent == null || agents.stream().noneMatch(agent::equalsIgnoreCase);
		});
	}

	/**
	 * {@code server.ssl.*} as a {@link TlsSpec}: the key store Spring Boot builds from the
	 * properties (PEM certificate and private key, or a PKCS#12/JKS key store, or an SSL
	 * bundle), and {@code client-auth=need} or {@code want} with the trust store. What Mongoose's built-in TLS
	 * cannot do fails the start with the reason.
	 */
	private static TlsSpec tlsSpec(Ssl ssl, Supplier<SslBundle> bundles) {
		try {
			// a policy that leaves out what the stack speaks (TLS 1.3, TLS_AES_128_GCM_SHA256)
			// cannot be kept: the start fails, rather than serving what the operator ruled out
			BundleKeys.requireSpoken("server.ssl.enabled-protocols", "protocols", ssl.getEnabledProtocols(), BundleKeys.PROTOCOL);
			BundleKeys.requireSpoken("server.ssl.ciphers", "ciphers", ssl.getCiphers(), BundleKeys.CIPHER);
			SslBundle bundle = bundles.get();
			BundleKeys.requireSpoken("The SSL bundle's options", "protocols", bundle.getOptions().getEnabledProtocols(),
					BundleKeys.PROTOCOL);
			BundleKeys.requireSpoken("The SSL bundle's options", "ciphers", bundle.getOptions().getCiphers(), BundleKeys.CIPHER);
			KeyStore keyStore = bundle.getStores().getKeyStore();
			if (keyStore == null) {
				throw new WebServerException("server.ssl needs a certificate and private key, or a key store", null);
			}
			TlsSpec spec = TlsSpec.forServer(keyStore, BundleKeys.alias(bundle, keyStore), BundleKeys.password(bundle));
			Ssl.ClientAuth auth = ssl.getClientAuth();
			if (auth == Ssl.ClientAuth.NEED || auth == Ssl.ClientAuth.WANT) {
				String name = auth == Ssl.ClientAuth.NEED ? "need" : "want";
				KeyStore trust = bundle.getStores().getTrustStore();
				if (trust == null) {
					throw new WebServerException("server.ssl.client-auth=" + name + " needs the CA of the client "
							+ "certificates (server.ssl.trust-certificate or server.ssl.trust-store)", null);
				}
				spec = spec.clientAuth(auth == Ssl.ClientAuth.NEED ? TlsSpec.ClientAuth.REQUIRE : TlsSpec.ClientAuth.OPTIONAL)
					.trustedCertificates(trust);
			}
			return spec;
		}
		catch (IllegalArgumentException | IllegalStateException | GeneralSecurityException e) {
			throw new WebServerException("server.ssl cannot be used: " + e.getMessage(), e);
		}
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

	/**
	 * Whether the {@code Forwarded} and {@code X-Forwarded-Host}, {@code -Port}, {@code -Proto},
	 * {@code -Prefix} and {@code -For} headers of a reverse proxy decide the request's URI,
	 * scheme and remote address (default {@code false}: only behind a proxy that sets them, as
	 * a client could send them too). The URI and scheme are Spring's {@code ForwardedHeaderTransformer}'s,
	 * which also removes those headers from the request; the client is the server's own
	 * {@code HttpServer.forwarded(true)}'s when it is an IP address (with a port or without: a
	 * resolved address, as with Reactor Netty, also in the access log), else Spring's.
	 */
	public void setUseForwardHeaders(boolean useForwardHeaders) {
		this.useForwardHeaders = useForwardHeaders;
	}

	public boolean isUseForwardHeaders() {
		return this.useForwardHeaders;
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

	/** Requests a connection serves before the server closes it ({@code -1}, the default: no limit). */
	public void setMaxKeepAliveRequests(int maxKeepAliveRequests) {
		Assert.isTrue(maxKeepAliveRequests == -1 || maxKeepAliveRequests >= 1,
				"'maxKeepAliveRequests' must be -1 (no limit) or at least 1");
		this.maxKeepAliveRequests = maxKeepAliveRequests;
	}

	public int getMaxKeepAliveRequests() {
		return this.maxKeepAliveRequests;
	}

	/** Connections the server keeps open at most, over all its loops ({@code -1}, the default: no limit). */
	public void setMaxConnections(int maxConnections) {
		Assert.isTrue(maxConnections == -1 || maxConnections >= 1, "'maxConnections' must be -1 (no limit) or at least 1");
		this.maxConnections = maxConnections;
	}

	public int getMaxConnections() {
		return this.maxConnections;
	}

	/** The longest stall of a streamed request body while it is read (408 then); {@code null}: none. */
	public void setReadTimeout(@Nullable Duration readTimeout) {
		this.readTimeout = readTimeout;
	}

	public @Nullable Duration getReadTimeout() {
		return this.readTimeout;
	}

	/** The longest a streamed request body may take from its head to its end (408 then); {@code null}: none. */
	public void setRequestTimeout(@Nullable Duration requestTimeout) {
		this.requestTimeout = requestTimeout;
	}

	public @Nullable Duration getRequestTimeout() {
		return this.requestTimeout;
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
	 * Closes a connection whose output has waited this long without a byte going out (default
	 * 60 s; zero: no limit), {@code HttpServer.writeTimeout}.
	 */
	public void setWriteTimeout(Duration writeTimeout) {
		Assert.notNull(writeTimeout, "'writeTimeout' must not be null");
		Assert.isTrue(!writeTimeout.isNegative(), "'writeTimeout' must not be negative");
		this.writeTimeout = writeTimeout;
	}

	public Duration getWriteTimeout() {
		return this.writeTimeout;
	}

	/**
	 * 414 for a request line longer than this many bytes (64..1048576; default 0: as long as the
	 * header size allows), {@code HttpServer.httpRequestDecoder(spec -> spec.maxInitialLineLength(n))}.
	 */
	public void setMaxInitialLineLength(int maxInitialLineLength) {
		if (maxInitialLineLength != 0) { // the spec's own bounds, checked now rather than at start-up
			HttpServer.create().httpRequestDecoder(spec -> spec.maxInitialLineLength(maxInitialLineLength));
		}
		this.maxInitialLineLength = maxInitialLineLength;
	}

	public int getMaxInitialLineLength() {
		return this.maxInitialLineLength;
	}

	/**
	 * 431 for a request with more header lines than this, however short (1..2000, default
	 * {@value HttpServer#DEFAULT_MAX_HEADER_COUNT}),
	 * {@code HttpServer.httpRequestDecoder(spec -> spec.maxHeaderCount(n))}.
	 */
	public void setMaxHeaderCount(int maxHeaderCount) {
		// the spec's own bounds, checked now rather than at start-up
		HttpServer.create().httpRequestDecoder(spec -> spec.maxHeaderCount(maxHeaderCount));
		this.maxHeaderCount = maxHeaderCount;
	}

	public int getMaxHeaderCount() {
		return this.maxHeaderCount;
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

	/** One error log line per handler error; see {@link HttpServer#errorLog(boolean)}. */
	public void setErrorLog(boolean errorLog) {
		this.errorLog = errorLog;
	}

	public boolean isErrorLog() {
		return this.errorLog;
	}

	/**
	 * Whether responses carry a {@code Date} header the application did not set (default
	 * true); see {@link HttpServer#dateHeader(boolean)}.
	 */
	public void setDateHeader(boolean dateHeader) {
		this.dateHeader = dateHeader;
	}

	public boolean isDateHeader() {
		return this.dateHeader;
	}

	/**
	 * Whether connections start with a PROXY protocol header naming the client
	 * ({@code HttpServer.proxyProtocol}); default {@code OFF}.
	 */
	public void setProxyProtocol(ProxyProtocolSupportType proxyProtocol) {
		this.proxyProtocol = java.util.Objects.requireNonNull(proxyProtocol, "proxyProtocol");
	}

	public ProxyProtocolSupportType getProxyProtocol() {
		return this.proxyProtocol;
	}
}
