/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import io.github.reactormongoose.ByteArrayMono;
import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.HttpProtocol;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.metrics.HttpClientMetrics;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An HTTP/1.1 client on Mongoose loops, shaped like Reactor Netty's {@code HttpClient}.
 * Immutable: every option returns a new client, and clients can be shared freely.
 * <pre>{@code
 * HttpClient client = HttpClient.create()
 *         .baseUrl("http://127.0.0.1:8080")
 *         .headers(h -> h.set("User-Agent", "x"))
 *         .followRedirect(true)
 *         .responseTimeout(Duration.ofSeconds(5));
 * Mono<String> s = client.get().uri("/hello")
 *         .responseSingle((res, bytes) -> bytes.asString());   // or bytes.map(b -> new String(b, UTF_8))
 * Mono<String> same = client.get().uri("/hello").responseContent().aggregate().asString();
 * Flux<ByteBuffer> body = client.get().uri("/big").responseContent();
 * }</pre>
 * Nothing happens until a response publisher is subscribed; each subscription sends the
 * request again. Requests run on {@link MongooseLoops#shared()} unless {@link #runOn} says
 * otherwise. Connections are kept alive and pooled per loop and {@code host:port}
 * ({@link #maxConnections(int)}, {@link #pendingAcquireMaxCount(int)},
 * {@link #maxIdleTime(Duration)}), and by transport: {@code https://} and {@code wss://} go
 * over TLS ({@link #secure(TlsSpec)}, by default {@link TlsSpec#forClient()}), in pools of
 * their own. The response is parsed by this library, strictly: every
 * malformed response, timeout and premature close is an error signal with its own exception
 * type, and the connection is closed, never reused. See {@code docs/http-client.md}.
 */
public final class HttpClient implements Wiretappable<HttpClient> {

	/**
	 * Default most header fields of a response ({@link #maxHeaders(int)}): 1,000. Reactor Netty
	 * and the JDK's client count none, only bytes (8 KiB by default, as here), so a response of a
	 * few hundred short {@code Set-Cookie} lines is theirs to read; this count is above what fits
	 * in 8 KiB of realistic lines.
	 */
	public static final int DEFAULT_MAX_HEADERS = 1000;

	private static final byte[] EMPTY = new byte[0];

	/**
	 * Sent by a request whose headers have no {@code User-Agent}: {@code ReactorMongoose/<version>},
	 * the library's version from {@code version.properties} (filled in by Maven), as Reactor
	 * Netty's {@code ReactorNetty/<version>}; {@code ReactorMongoose} alone if it cannot be read.
	 */
	static final String USER_AGENT = userAgent();

	private static String userAgent() {
		Properties p = new Properties();
		try (InputStream in = HttpClient.class.getResourceAsStream("/io/github/reactormongoose/version.properties")) {
			if (in != null) {
				p.load(in);
			}
		}
		catch (IOException | IllegalArgumentException e) {
			// no version: the name alone
		}
		String version = p.getProperty("version", "");
		// unfiltered (sources copied as they are, by an IDE): no version either
		return version.isBlank() || version.contains("${") ? "ReactorMongoose" : "ReactorMongoose/" + version.strip();
	}

	private final ClientConfig config;

	private HttpClient(ClientConfig config) {
		this.config = config;
	}

	/** A client with the defaults: shared loops, keep-alive, no redirects, no response timeout. */
	public static HttpClient create() {
		return new HttpClient(new ClientConfig());
	}

	/**
	 * A client without connection reuse, as Reactor Netty's {@code newConnection()}: every
	 * request opens a connection of its own, which closes after its response; the same as
	 * {@code create().keepAlive(false)}, so requests say {@code Connection: close}.
	 */
	public static HttpClient newConnection() {
		return create().keepAlive(false);
	}

	private HttpClient with(Consumer<ClientConfig> change) {
		ClientConfig c = config.copy();
		change.accept(c);
		return new HttpClient(c);
	}

	/**
	 * The prefix of relative request URIs, such as {@code http://127.0.0.1:8080} or
	 * {@code http://[::1]:8080/api}. An absolute {@link RequestSender#uri(String) uri} ignores it.
	 */
	public HttpClient baseUrl(String baseUrl) {
		Objects.requireNonNull(baseUrl, "baseUrl");
		return with(c -> c.baseUrl = baseUrl);
	}

	/**
	 * The host of relative request URIs when there is no {@link #baseUrl} (Reactor Netty's
	 * {@code host}): {@code client.host("example.org").get().uri("/a")} asks
	 * {@code http://example.org:80/a}, or {@code https://example.org:443/a} after
	 * {@link #secure()}. The port is {@link #port(int)}'s. Replaces a {@link #remoteAddress}.
	 * A base URL, and an absolute URI, take precedence.
	 */
	public HttpClient host(String host) {
		Objects.requireNonNull(host, "host");
		if (host.isEmpty()) {
			throw new IllegalArgumentException("host is empty");
		}
		return with(c -> {
			c.host = host;
			c.remoteAddress = null;
		});
	}

	/**
	 * The port of relative request URIs when there is no {@link #baseUrl} (Reactor Netty's
	 * {@code port}), on {@link #host(String)}, by default {@code localhost}: in tests,
	 * {@code HttpClient.create().port(server.port()).get().uri("/hello")}. Without it, 80, or
	 * 443 after {@link #secure()}. Replaces a {@link #remoteAddress}.
	 * @throws IllegalArgumentException outside 1..65535: port 0 names no server (a request to it
	 *         would fail), so it is refused here, as {@code TcpClient.port(0)} is
	 */
	public HttpClient port(int port) {
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port " + port + " is not in 1..65535");
		}
		return with(c -> {
			c.port = port;
			c.remoteAddress = null;
		});
	}

	/**
	 * The address of relative request URIs when there is no {@link #baseUrl} (Reactor Netty's
	 * {@code remoteAddress}), asked for every request: {@code client.remoteAddress(server::address)}.
	 * Its host name (the one it was made with, else its IP address: the {@code Host} header and
	 * the name TLS verifies) and its port make the URI's origin (http, or https after
	 * {@link #secure()}). Used instead of {@link #host(String)} and {@link #port(int)}, which
	 * remove it. An address that is not an {@link java.net.InetSocketAddress} fails the request
	 * with {@link IllegalArgumentException}.
	 */
	public HttpClient remoteAddress(Supplier<? extends SocketAddress> remoteAddress) {
		Objects.requireNonNull(remoteAddress, "remoteAddress");
		return with(c -> c.remoteAddress = remoteAddress);
	}

	/** Adds headers to every request (calls add up, in order; run once per request). */
	public HttpClient headers(Consumer<? super HttpHeaders> headers) {
		Objects.requireNonNull(headers, "headers");
		return with(c -> {
			List<Consumer<? super HttpHeaders>> l = new ArrayList<>(c.headers);
			l.add(headers);
			c.headers = List.copyOf(l);
		});
	}

	/**
	 * Headers that take a non-blocking call to compute, as Reactor Netty's {@code headersWhen}:
	 * {@code headerBuilder} gets each request's headers (after {@link #headers}) and returns a
	 * {@code Mono} of the headers to send, typically the same object with a fresh token
	 * ({@code h -> tokens.current().map(t -> h.set("Authorization", "Bearer " + t))}). It is
	 * subscribed for every request, a followed redirect's too (but, as for every redirect to
	 * another origin, the {@code Authorization} and {@code Cookie} headers are then removed); an empty
	 * {@code Mono} keeps the headers as they are, an error fails the request before anything is
	 * connected. Calls add up and run in order.
	 */
	public HttpClient headersWhen(Function<? super HttpHeaders, ? extends Mono<? extends HttpHeaders>> headerBuilder) {
		Objects.requireNonNull(headerBuilder, "headerBuilder");
		return with(c -> c.headersWhen = ClientHooks.plus(c.headersWhen, headerBuilder));
	}

	/**
	 * The HTTP versions to speak, as Reactor Netty's {@code protocol(HttpProtocol...)}:
	 * {@link HttpProtocol#HTTP11} is what this client speaks (its only setting, and the default).
	 * @throws IllegalArgumentException for {@code H2}, {@code H2C} or {@code HTTP3}
	 */
	public HttpClient protocol(HttpProtocol... supportedProtocols) {
		HttpProtocol.checkSupported(supportedProtocols);
		return this;
	}

	/**
	 * Sends {@code cookie} with every request (as Reactor Netty's {@code cookie(Cookie)}): its
	 * name and value in the request's {@code Cookie} header, where RFC 6265 §5.4 lets it go. A
	 * {@code Secure} cookie goes only over https and wss, one with a {@code Domain} only to that
	 * host and its subdomains (not to IP addresses for a subdomain), one with a {@code Path} only
	 * to that path and below; without {@code Domain} it goes to every host. A later call with a
	 * cookie of the same name, domain and path replaces the earlier one. Each hop of a followed
	 * redirect is matched again, except that a cookie without {@code Domain} does not follow a
	 * redirect to another host than the first request's (unlike a {@code Cookie} header set with
	 * {@link #headers}, which no redirect keeps).
	 */
	public HttpClient cookie(Cookie cookie) {
		Objects.requireNonNull(cookie, "cookie");
		return with(c -> {
			List<Cookie> l = new ArrayList<>(c.cookies);
			l.removeIf(o -> o.name().equals(cookie.name()) && Objects.equals(o.domain(), cookie.domain())
					&& Objects.equals(o.path(), cookie.path()));
			l.add(cookie);
			c.cookies = List.copyOf(l);
		});
	}

	/**
	 * A cookie store for the client, as the JDK's {@code HttpClient.Builder.cookieHandler}: before
	 * each request, a followed redirect's and a WebSocket upgrade's too, the client adds the
	 * {@code Cookie} values {@code handler.get(uri, requestHeaders)} returns; after each response
	 * head, a redirect's too, it gives the response's headers to {@code handler.put(uri,
	 * responseHeaders)} when they have {@code Set-Cookie}. So {@code cookieHandler(new
	 * CookieManager())} keeps a session across requests and redirects, with the domain, path,
	 * expiry and {@code Secure} rules of {@link java.net.CookieManager}. {@code ws} and {@code wss}
	 * URIs are given as {@code http} and {@code https}. The handler is called on the request's poll
	 * thread and must not block (the JDK's {@code CookieManager} keeps its cookies in memory). An
	 * {@code IOException} or {@code RuntimeException} it throws fails the request (the response
	 * discarded). {@code null}: no store (the default).
	 */
	public HttpClient cookieHandler(@Nullable CookieHandler handler) {
		return with(c -> c.cookieHandler = handler);
	}

	/**
	 * Whether to follow redirects (301, 302, 303, 307, 308; default {@code false}). 303, and
	 * 301/302 after a POST, continue with a GET without body; 307 and 308 repeat the method and
	 * the body (the body publisher is subscribed again). {@code Authorization},
	 * {@code Proxy-Authorization} and {@code Cookie} are not sent after a redirect to another
	 * origin (host, port, or http versus https), as Reactor Netty.
	 */
	public HttpClient followRedirect(boolean follow) {
		return followRedirect(follow, null);
	}

	/**
	 * {@link #followRedirect(boolean)}, and {@code redirectRequestConsumer} runs on the request of
	 * each followed redirect before it is sent (as Reactor Netty's overload), where its headers can
	 * still be changed: for example to send {@code Authorization} again to a host it may go to,
	 * since a redirect to another origin drops it. It runs on the poll thread, before the
	 * {@link #doOnRequest doOnRequest} hooks, and must not block; one that throws fails the
	 * request. {@code null}: none.
	 */
	public HttpClient followRedirect(boolean follow, @Nullable Consumer<? super HttpClientRequest> redirectRequestConsumer) {
		return with(c -> {
			c.followRedirect = follow;
			c.redirectPredicate = null;
			c.redirectRequestConsumer = redirectRequestConsumer;
		});
	}

	/**
	 * Follows a redirect (a 301, 302, 303, 307 or 308 with a {@code Location}) only when
	 * {@code predicate} accepts the request and its response, as Reactor Netty's
	 * {@code followRedirect(BiPredicate)}: for example only to the same host, or only 301 and
	 * 308. A redirect it refuses is the response. Same rules as {@link #followRedirect(boolean)}
	 * otherwise. The predicate runs on the poll thread and must not block.
	 */
	public HttpClient followRedirect(BiPredicate<? super HttpClientRequest, ? super HttpClientResponse> predicate) {
		return followRedirect(predicate, null);
	}

	/**
	 * {@link #followRedirect(BiPredicate)}, and {@code redirectRequestConsumer} runs on the request
	 * of each redirect the predicate accepted, as in {@link #followRedirect(boolean, Consumer)}.
	 */
	public HttpClient followRedirect(BiPredicate<? super HttpClientRequest, ? super HttpClientResponse> predicate,
			@Nullable Consumer<? super HttpClientRequest> redirectRequestConsumer) {
		Objects.requireNonNull(predicate, "predicate");
		return with(c -> {
			c.followRedirect = true;
			c.redirectPredicate = predicate;
			c.redirectRequestConsumer = redirectRequestConsumer;
		});
	}

	/** The longest redirect chain followed (default 10); longer ones fail with {@link TooManyRedirectsException}. */
	public HttpClient maxRedirects(int max) {
		if (max < 0) {
			throw new IllegalArgumentException("maxRedirects must be >= 0: " + max);
		}
		return with(c -> c.maxRedirects = max);
	}

	/**
	 * Fails the response with {@link ResponseTimeoutException} when no byte of it arrives for
	 * {@code timeout}: before the head, and between reads of the body while its subscriber has
	 * demand (a paused body does not time out). A large {@code Mono} request body is handed to
	 * the connection a slice at a time as the server reads it, and each slice counts as
	 * progress: the wait runs from about the end of the upload. Default: none.
	 */
	public HttpClient responseTimeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "responseTimeout");
		return with(c -> c.responseTimeout = checked);
	}

	/**
	 * Logs the bytes of every connection the client makes (Reactor Netty's
	 * {@code wiretap(true)}): logger {@code io.github.reactormongoose.http.client.HttpClient},
	 * level DEBUG, hex dumps. See {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public HttpClient wiretap(boolean enable) {
		return with(c -> c.wiretap = Wiretap.of(enable, HttpClient.class));
	}

	/**
	 * Logs the bytes of every connection the client makes, as {@code HttpServer.wiretap}:
	 * {@code ACTIVE} once connected, {@code READ}/{@code WRITE} per socket read and per write
	 * the socket took, with the bytes in {@code format}, {@code INACTIVE}. The bytes are the
	 * wire's (request heads, chunk sizes, a proxy's CONNECT, WebSocket frames); over TLS, before
	 * encryption. Pooled connections are shared only between clients with equal wiretap settings,
	 * so a tapped client never reuses an untapped connection.
	 */
	@Override
	public HttpClient wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		Wiretap w = Wiretap.of(category, level, format, charset);
		return with(c -> c.wiretap = w);
	}

	/** Fails with {@link ConnectTimeoutException} when a TCP connection takes longer (default 30 s). */
	public HttpClient connectTimeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "connectTimeout");
		return with(c -> c.connectTimeout = checked);
	}

	/**
	 * Connects only to addresses that {@code filter} accepts, as Spring Boot's
	 * {@code InetAddressFilter} does for its clients (a guard against requests that user input
	 * steers to internal hosts). Of the addresses a host name resolves to, the first accepted
	 * one is connected to; when none is, or for an IP literal that is refused, the request
	 * fails with {@link FilteredAddressException} and nothing is connected to. Every connection
	 * is checked: redirects and WebSocket upgrades too. Connections are only shared between
	 * clients with the same filter instance. The filter runs on the thread that resolved the
	 * host, a poll thread for IP literals: it must not block. Default: none (any address).
	 */
	public HttpClient addressFilter(Predicate<? super InetAddress> filter) {
		Objects.requireNonNull(filter, "filter");
		return with(c -> c.addressFilter = filter);
	}

	/**
	 * Connects through a proxy, as Reactor Netty's {@code proxy(...)}:
	 * {@code proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy.internal").port(3128))}.
	 * An HTTP proxy gets a {@code CONNECT} tunnel for {@code https}, {@code wss} and WebSocket
	 * upgrades (TLS runs end to end inside it, the server's chain and name are verified as
	 * without a proxy) and absolute-form requests for plain {@code http}; a SOCKS5 or SOCKS4 proxy
	 * tunnels everything. Hosts matching {@link ProxyProvider.Builder#nonProxyHosts} are
	 * connected to directly. With an {@link #addressFilter address filter}, the host is
	 * resolved here and the proxy is given the accepted address, never the name; the proxy's
	 * own address is not filtered. A refused tunnel fails the request with
	 * {@link ProxyConnectException}. Connections are shared only between clients with the
	 * same proxy instance. See {@link ProxyProvider}.
	 * @throws IllegalArgumentException when the type, the host or the port is missing or invalid
	 */
	public HttpClient proxy(Consumer<? super ProxyProvider.TypeSpec> proxyOptions) {
		Objects.requireNonNull(proxyOptions, "proxyOptions");
		ProxyProvider.Build b = ProxyProvider.builder();
		proxyOptions.accept(b);
		ProxyProvider p = b.build();
		ProxyProvider.Selection s = new ProxyProvider.Selection(p, p);
		return with(c -> c.proxies = s);
	}

	/**
	 * Uses the proxies the JVM's system properties name, read now (as the JDK's client does):
	 * {@code https.proxyHost}/{@code https.proxyPort} for https and wss,
	 * {@code http.proxyHost}/{@code http.proxyPort} for http and ws, {@code http.nonProxyHosts},
	 * else {@code socksProxyHost}/{@code socksProxyPort}; {@code http.proxyUser} and
	 * {@code http.proxyPassword}, {@code java.net.socks.username} and
	 * {@code java.net.socks.password} for credentials. A scheme none is named for connects
	 * directly; {@code java.net.useSystemProxies} is not read.
	 * @throws IllegalArgumentException for a port that is not a number or {@code socksProxyVersion=4}
	 */
	public HttpClient proxyWithSystemProperties() {
		ProxyProvider.Selection s = ProxyProvider.fromSystemProperties(System.getProperties());
		return with(c -> c.proxies = s.plain() == null && s.secure() == null ? null : s);
	}

	/** Direct connections: removes a proxy set before (the default). */
	public HttpClient noProxy() {
		return with(c -> c.proxies = null);
	}

	/**
	 * Records Micrometer meters in {@code Metrics.globalRegistry}, as Reactor Netty's
	 * {@code metrics(true, uriTagValue)}: {@code reactor.mongoose.http.client.connect.time},
	 * {@code .response.time}, {@code .data.sent}, {@code .data.received} and {@code .errors},
	 * tagged with the target's {@code remote.address}, the request path as {@code uri}, the
	 * {@code method} and the {@code status} (see docs/observability.md). Default off.
	 * @throws IllegalStateException when Micrometer is not on the class path
	 */
	public HttpClient metrics(boolean enable) {
		return metrics(enable, Function.identity());
	}

	/**
	 * {@link #metrics(boolean)}, with {@code uriTagValue} mapping each request path to the
	 * {@code uri} tag ({@code /users/42} to {@code /users/{id}}); at most 100 distinct values,
	 * later ones are recorded as {@code OTHER}. If it throws or returns {@code null}, the path is
	 * the tag and a WARN is logged: the exchange goes on.
	 */
	public HttpClient metrics(boolean enable, Function<String, String> uriTagValue) {
		Objects.requireNonNull(uriTagValue, "uriTagValue");
		HttpClientMetrics m = enable ? HttpClientMetrics.micrometer(uriTagValue) : HttpClientMetrics.NONE;
		return with(c -> c.metrics = m);
	}

	// ---- lifecycle hooks ----

	/**
	 * Runs {@code doOnRequest} before each request is written (once a connection is there),
	 * as Reactor Netty's {@code doOnRequest}: for logging, metrics, or headers computed at the
	 * last moment ({@code req.requestHeaders().set("X-Trace", ...)}, which is sent). Each
	 * request of a followed redirect is a new one; a WebSocket upgrade request is one too. Calls
	 * add up, in order. Hooks run on the poll thread and must not block. One that throws fails
	 * the request with its exception (nothing is written).
	 * <p>
	 * A method reference to a method overloaded with one and two parameters, such as
	 * {@code list::add} on a {@code List}, is ambiguous between this and
	 * {@link #doOnRequest(BiConsumer)} (Java does not choose for such a reference); write
	 * {@code req -> list.add(req)} or cast it to {@code Consumer<HttpClientRequest>}. Lambdas and
	 * references to a method of one shape ({@code set::add}, {@code this::onRequest}) compile.
	 */
	public HttpClient doOnRequest(Consumer<? super HttpClientRequest> doOnRequest) {
		Objects.requireNonNull(doOnRequest, "doOnRequest");
		return hooks(h -> new ClientHooks(ClientHooks.plus(h.onRequest(), doOnRequest), h.afterRequest(),
				h.onRequestError(), h.onResponse(), h.afterResponseSuccess(), h.onResponseError(), h.onRedirect()));
	}

	/**
	 * {@link #doOnRequest(Consumer)} with the connection the request goes on, as Reactor Netty's
	 * {@code doOnRequest((req, connection) -> ...)}: its {@link Connection#id()}, addresses (the
	 * proxy's, through one), {@code onClose()}, {@code close()} (after the request is written:
	 * its response then fails with {@link PrematureCloseException}). Its bytes are the
	 * client's: {@code send} and {@code receive} fail with {@link IllegalStateException}. Runs
	 * among the {@code doOnRequest} hooks, in the order they were added, with their rules.
	 */
	public HttpClient doOnRequest(BiConsumer<? super HttpClientRequest, ? super Connection> doOnRequest) {
		Objects.requireNonNull(doOnRequest, "doOnRequest");
		return doOnRequest(req -> doOnRequest.accept(req, Exchange.connectionOf(req)));
	}

	/**
	 * Runs {@code doOnConnected} with each new connection, as Reactor Netty's: once it is
	 * established (after its TLS handshake, and a proxy's tunnel), before the first request on
	 * it is written and before that request's {@code doOnRequest} hooks; not again when a
	 * kept-alive connection is reused. Connections are pooled per loop and server across the
	 * clients with the same pool settings and the same connection hooks ({@code doOnConnected},
	 * {@code doOnDisconnected}, compared by identity): a client with other hooks gets
	 * connections of its own, whose hooks are its own. The {@link Connection} is as
	 * {@link #doOnRequest(BiConsumer)}'s. Calls add up, in order; poll thread, must not block.
	 * One that throws closes the connection and fails that request with its exception.
	 */
	public HttpClient doOnConnected(Consumer<? super Connection> doOnConnected) {
		Objects.requireNonNull(doOnConnected, "doOnConnected");
		return with(c -> c.onConnected = ClientHooks.plus(c.onConnected, doOnConnected));
	}

	/**
	 * Runs {@code doOnDisconnected} once a connection that {@link #doOnConnected} would have
	 * seen has closed (the server closed it, an error, {@link #maxIdleTime idle} or too old, a
	 * response that leaves it unusable), with that connection, on its poll thread. Unlike
	 * Reactor Netty's, not when the connection goes back to the pool: only when it closes.
	 * Calls add up, in order; what one throws is logged.
	 */
	public HttpClient doOnDisconnected(Consumer<? super Connection> doOnDisconnected) {
		Objects.requireNonNull(doOnDisconnected, "doOnDisconnected");
		return with(c -> c.onDisconnected = ClientHooks.plus(c.onDisconnected, doOnDisconnected));
	}

	/**
	 * Runs {@code doAfterRequest} once the whole request, body included, was handed to the
	 * connection. Calls add up; poll thread; one that throws fails the request.
	 */
	public HttpClient doAfterRequest(Consumer<? super HttpClientRequest> doAfterRequest) {
		Objects.requireNonNull(doAfterRequest, "doAfterRequest");
		return hooks(h -> new ClientHooks(h.onRequest(), ClientHooks.plus(h.afterRequest(), doAfterRequest),
				h.onRequestError(), h.onResponse(), h.afterResponseSuccess(), h.onResponseError(), h.onRedirect()));
	}

	/**
	 * Runs {@code doOnRequestError} when a request fails before a response head arrived: no
	 * connection (refused, timed out, filtered, a proxy's refusal), a TLS failure, the
	 * connection closing, a response timeout, a malformed response, a hook's exception. It
	 * runs before the error reaches the subscriber; what it throws is added to the error as
	 * suppressed. Calls add up; poll thread.
	 */
	public HttpClient doOnRequestError(BiConsumer<? super HttpClientRequest, ? super Throwable> doOnRequestError) {
		Objects.requireNonNull(doOnRequestError, "doOnRequestError");
		return hooks(h -> new ClientHooks(h.onRequest(), h.afterRequest(),
				ClientHooks.plus(h.onRequestError(), doOnRequestError), h.onResponse(), h.afterResponseSuccess(),
				h.onResponseError(), h.onRedirect()));
	}

	/**
	 * Runs {@code doOnResponse} when a response head arrived, before the response is emitted
	 * (status and headers; the body follows). Each hop of a followed redirect has its own.
	 * Calls add up; poll thread; one that throws fails the response with its exception.
	 */
	public HttpClient doOnResponse(Consumer<? super HttpClientResponse> doOnResponse) {
		Objects.requireNonNull(doOnResponse, "doOnResponse");
		return hooks(h -> new ClientHooks(h.onRequest(), h.afterRequest(), h.onRequestError(),
				ClientHooks.plus(h.onResponse(), doOnResponse), h.afterResponseSuccess(), h.onResponseError(), h.onRedirect()));
	}

	/**
	 * Runs {@code doAfterResponseSuccess} when a response's body was received to its end (the
	 * place to record a request's duration). Calls add up; poll thread; one that throws fails
	 * the body with its exception.
	 */
	public HttpClient doAfterResponseSuccess(Consumer<? super HttpClientResponse> doAfterResponseSuccess) {
		Objects.requireNonNull(doAfterResponseSuccess, "doAfterResponseSuccess");
		return hooks(h -> new ClientHooks(h.onRequest(), h.afterRequest(), h.onRequestError(), h.onResponse(),
				ClientHooks.plus(h.afterResponseSuccess(), doAfterResponseSuccess), h.onResponseError(), h.onRedirect()));
	}

	/**
	 * Runs {@code doOnResponseError} when a response fails after its head arrived: the body
	 * cut short (the connection closed, a response timeout, malformed chunks or gzip) or a
	 * hook's exception. Calls add up; poll thread; what it throws is added to the error as suppressed.
	 */
	public HttpClient doOnResponseError(BiConsumer<? super HttpClientResponse, ? super Throwable> doOnResponseError) {
		Objects.requireNonNull(doOnResponseError, "doOnResponseError");
		return hooks(h -> new ClientHooks(h.onRequest(), h.afterRequest(), h.onRequestError(), h.onResponse(),
				h.afterResponseSuccess(), ClientHooks.plus(h.onResponseError(), doOnResponseError), h.onRedirect()));
	}

	/**
	 * Runs {@code doOnRedirect} with each redirect response that is about to be followed
	 * ({@link #followRedirect(boolean)}; Reactor Netty's {@code doOnRedirect}): its status and
	 * {@code Location} are there to log or count; its body is discarded. Not run for a redirect
	 * that is not followed (the predicate said no, or {@link #maxRedirects} was reached), which is
	 * the response. Calls add up, in order; they run on the poll thread and must not block. One
	 * that throws fails the request with its exception, and the redirect is not followed.
	 */
	public HttpClient doOnRedirect(Consumer<? super HttpClientResponse> doOnRedirect) {
		Objects.requireNonNull(doOnRedirect, "doOnRedirect");
		return hooks(h -> new ClientHooks(h.onRequest(), h.afterRequest(), h.onRequestError(), h.onResponse(),
				h.afterResponseSuccess(), h.onResponseError(), ClientHooks.plus(h.onRedirect(), doOnRedirect)));
	}

	/** {@link #doOnRequestError} and {@link #doOnResponseError} at once, as Reactor Netty's {@code doOnError}. */
	public HttpClient doOnError(BiConsumer<? super HttpClientRequest, ? super Throwable> doOnRequestError,
			BiConsumer<? super HttpClientResponse, ? super Throwable> doOnResponseError) {
		return doOnRequestError(doOnRequestError).doOnResponseError(doOnResponseError);
	}

	private HttpClient hooks(UnaryOperator<ClientHooks> change) {
		return with(c -> c.hooks = change.apply(c.hooks));
	}

	/** Runs every request on {@code loop} (which outlives the client). */
	public HttpClient runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return with(c -> {
			c.loop = loop;
			c.loops = null;
		});
	}

	/**
	 * Runs requests on {@code loops}: a request made on one of its poll threads (in a server
	 * handler) stays on that loop, others take the loops in turn.
	 */
	public HttpClient runOn(MongooseLoops loops) {
		Objects.requireNonNull(loops, "loops");
		return with(c -> {
			c.loops = loops;
			c.loop = null;
		});
	}

	/** The largest response head, and the largest trailer section, in bytes (default 8192). */
	public HttpClient maxHeaderSize(int bytes) {
		checkMaxHeaderSize(bytes);
		return with(c -> c.maxHeaderSize = bytes);
	}

	/**
	 * Turns off the one retry the client makes (as Reactor Netty's {@code disableRetry}): when a
	 * reused keep-alive connection turns out to have been closed by the server before any byte of
	 * the response arrived, a request with an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT,
	 * DELETE; RFC 9110 9.2.2) and without a streamed body is normally sent once more on another
	 * connection; a POST, PATCH or other method never is (it fails with
	 * {@link PrematureCloseException}: the server may have acted on it before it closed). With
	 * {@code true} no request is retried, for idempotent ones that must not reach the server twice
	 * either.
	 */
	public HttpClient disableRetry(boolean disable) {
		return with(c -> c.retry = !disable);
	}

	static void checkMaxHeaderSize(int bytes) {
		if (bytes < 64) {
			throw new IllegalArgumentException("maxHeaderSize must be >= 64: " + bytes);
		}
	}

	/**
	 * How response heads are read, as Reactor Netty's {@code httpResponseDecoder}: {@code options}
	 * gets a {@link HttpResponseDecoderSpec} with the current settings and returns it changed, e.g.
	 * {@code spec -> spec.maxHeaderSize(32 * 1024)} for a server with large response headers.
	 */
	public HttpClient httpResponseDecoder(Function<HttpResponseDecoderSpec, HttpResponseDecoderSpec> options) {
		Objects.requireNonNull(options, "options");
		HttpResponseDecoderSpec spec = Objects.requireNonNull(options.apply(new HttpResponseDecoderSpec(config)),
				"httpResponseDecoder's function returned null");
		return with(spec::applyTo);
	}

	/**
	 * The most header fields a response (and its trailer section) may have, default
	 * {@value #DEFAULT_MAX_HEADERS}; more fail the request with {@link HeadersTooLargeException}.
	 * The same setting as {@code httpResponseDecoder(spec -> spec.maxHeaderCount(n))}.
	 */
	public HttpClient maxHeaders(int count) {
		checkMaxHeaders(count);
		return with(c -> c.maxHeaders = count);
	}

	static void checkMaxHeaders(int count) {
		if (count < 1) {
			throw new IllegalArgumentException("maxHeaders must be >= 1: " + count);
		}
	}

	/**
	 * Asks for compressed responses and decodes them, as Reactor Netty's {@code compress(true)}:
	 * each request says {@code Accept-Encoding: gzip} (unless its headers set
	 * {@code Accept-Encoding} themselves), and a response with {@code Content-Encoding: gzip}
	 * is decoded as it streams; its {@code responseHeaders()} then have neither
	 * {@code Content-Encoding} nor {@code Content-Length} (both were about the encoded bytes).
	 * A corrupt or cut-off gzip body fails with {@link MalformedResponseException}. Off by
	 * default.
	 */
	public HttpClient compress(boolean compressionEnabled) {
		return with(c -> c.compress = compressionEnabled);
	}

	/** Whether connections are kept alive and reused (default {@code true}); else each request closes its own. */
	public HttpClient keepAlive(boolean keepAlive) {
		return with(c -> c.keepAlive = keepAlive);
	}

	/** The most connections per {@code host:port} and loop (default 500). */
	public HttpClient maxConnections(int max) {
		if (max < 1) {
			throw new IllegalArgumentException("maxConnections must be >= 1: " + max);
		}
		return with(c -> c.pool = new ConnectionPool.Limits(max, c.pool.pendingAcquireMaxCount(), c.pool.maxIdleTime(),
				c.pool.maxLifeTime()));
	}

	/**
	 * How many requests may wait while every connection of the pool is busy (default 1000); one
	 * more fails at once with {@link PoolAcquirePendingLimitException}. A request whose new
	 * connection is being made does not count. 0: never wait.
	 */
	public HttpClient pendingAcquireMaxCount(int max) {
		if (max < 0) {
			throw new IllegalArgumentException("pendingAcquireMaxCount must be >= 0: " + max);
		}
		return with(c -> c.pool = new ConnectionPool.Limits(c.pool.maxConnections(), max, c.pool.maxIdleTime(),
				c.pool.maxLifeTime()));
	}

	/** Idle pooled connections are closed after this long (default 30 s). */
	public HttpClient maxIdleTime(Duration maxIdleTime) {
		Duration checked = Checks.positive(maxIdleTime, "maxIdleTime");
		return with(c -> c.pool = new ConnectionPool.Limits(c.pool.maxConnections(), c.pool.pendingAcquireMaxCount(),
				checked, c.pool.maxLifeTime()));
	}

	/**
	 * Closes a pooled connection once it is older than {@code maxLifeTime} (counted from its
	 * connect), instead of reusing it: for servers and load balancers that drop long-lived
	 * connections, or to follow DNS changes. A connection in use finishes its exchange first.
	 * Default: none, as in Reactor Netty. Part of the pool's identity, like the other limits.
	 */
	public HttpClient maxLifeTime(Duration maxLifeTime) {
		Duration checked = Checks.positive(maxLifeTime, "maxLifeTime");
		return with(c -> c.pool = new ConnectionPool.Limits(c.pool.maxConnections(), c.pool.pendingAcquireMaxCount(),
				c.pool.maxIdleTime(), checked));
	}

	/**
	 * How long a request may wait for a connection while all {@link #maxConnections} to its
	 * host are busy; then it fails with {@link PoolAcquireTimeoutException} and nothing is sent.
	 * Making a new connection is bounded by {@link #connectTimeout} instead. Default 45 s, as
	 * in Reactor Netty.
	 */
	public HttpClient pendingAcquireTimeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "pendingAcquireTimeout");
		return with(c -> c.pendingAcquireTimeout = checked);
	}

	/**
	 * The TLS settings of {@code https://} and {@code wss://} requests, redirects and WebSocket
	 * sessions: the server's chain and host name ({@code serverName}, else the URI's host) are
	 * verified with the JDK's trust manager before the request is sent, and a
	 * {@link TlsSpec#keyCertificate(java.nio.file.Path, java.nio.file.Path) client certificate}
	 * goes to servers that ask. The URI's scheme decides the transport: {@code http://} and
	 * {@code ws://} stay plain text. Without this, https uses {@link TlsSpec#forClient()}.
	 * A failed handshake or check fails the response with a
	 * {@link io.github.reactormongoose.MongooseException} whose cause is a
	 * {@link javax.net.ssl.SSLHandshakeException} with the reason.
	 * @throws IllegalArgumentException for a server spec, or what the built-in TLS stack cannot
	 *         do (checked now, as {@code TcpClient.secure})
	 */
	public HttpClient secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (spec.isServer()) {
			throw new IllegalArgumentException("HttpClient.secure needs a client spec (TlsSpec.forClient()), "
					+ "not a server spec (TlsSpec.forServer)");
		}
		TlsAccess.config(spec).validate();
		return with(c -> {
			c.tls = spec;
			c.secure = true;
		});
	}

	/**
	 * TLS with the default client spec, {@link TlsSpec#forClient()}: the JDK's default trust
	 * store and the URI's host name. That is what {@code https://} uses anyway; this replaces a
	 * spec set before. Relative URIs on a {@link #host(String)}, {@link #port(int)} or
	 * {@link #remoteAddress} go to {@code https://} after this or {@code secure(spec)}.
	 */
	public HttpClient secure() {
		return with(c -> {
			c.tls = null;
			c.secure = true;
		});
	}

	/**
	 * Removes a spec set with {@link #secure(TlsSpec)} (as Reactor Netty's {@code noSSL()}):
	 * {@code https://} and {@code wss://} use the default client spec again. There is no other TLS
	 * to remove: the URI's scheme decides whether a request is encrypted. Relative URIs on a
	 * {@link #host(String)}, {@link #port(int)} or {@link #remoteAddress} go to {@code http://}
	 * again.
	 */
	public HttpClient noSSL() {
		return with(c -> {
			c.tls = null;
			c.secure = false;
		});
	}

	// ---- verbs ----

	/** A GET request. */
	public RequestSender get() {
		return request("GET");
	}

	/** A POST request. */
	public RequestSender post() {
		return request("POST");
	}

	/** A PUT request. */
	public RequestSender put() {
		return request("PUT");
	}

	/** A PATCH request. */
	public RequestSender patch() {
		return request("PATCH");
	}

	/** A DELETE request. */
	public RequestSender delete() {
		return request("DELETE");
	}

	/** A HEAD request: its response never has a body. */
	public RequestSender head() {
		return request("HEAD");
	}

	/** An OPTIONS request. */
	public RequestSender options() {
		return request("OPTIONS");
	}

	/** A request with any method (a token such as {@code PROPFIND}). */
	public RequestSender request(String method) {
		Objects.requireNonNull(method, "method");
		if (method.isEmpty() || !method.chars().allMatch(ch -> ch > ' ' && ch < 127 && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0)) {
			throw new IllegalArgumentException("invalid HTTP method: " + method);
		}
		return new Sender(this, method, null, null, false);
	}

	/**
	 * Loads the native library and starts the loops the client's requests will run on (the
	 * process-wide group by default), as Reactor Netty's {@code warmup()}, so that the first
	 * request does not pay for them. Runs on the subscribing thread, which waits while the
	 * library loads (once per process): do not subscribe on a poll thread.
	 */
	public Mono<Void> warmup() {
		return Mono.fromRunnable(() -> config.chooseLoop());
	}

	/**
	 * A WebSocket session: {@code websocket().uri("ws://host:port/path").handle((in, out) -> ...)}.
	 * The client's headers go with the upgrade request; {@code wss://} uses the client's
	 * {@link #secure(TlsSpec) TLS spec}.
	 */
	public WebsocketSender websocket() {
		return new WebsocketClient(this, null, java.util.List.of(), WebsocketClient.DEFAULT_MAX_PAYLOAD);
	}

	/**
	 * A WebSocket session set up by {@code spec}, as Reactor Netty's
	 * {@code websocket(WebsocketClientSpec)}: the same as {@link #websocket()} with the spec's
	 * sub-protocols, message limit, compression and PING handling.
	 */
	public WebsocketSender websocket(WebsocketClientSpec spec) {
		Objects.requireNonNull(spec, "spec");
		return spec.applyTo(websocket());
	}

	/** A WebSocket session being configured. */
	public interface WebsocketSender {

		/**
		 * The target: {@code ws://}, {@code wss://}, {@code http://} or {@code https://}, absolute
		 * or relative to the {@link HttpClient#baseUrl}.
		 */
		WebsocketSender uri(String uri);

		/**
		 * The target as a {@link URI}, as Reactor Netty's {@code uri(URI)}: absolute
		 * ({@link IllegalArgumentException} otherwise), so the {@link HttpClient#baseUrl} does
		 * not apply; sent as {@link URI#toASCIIString()}, its escapes as they are.
		 */
		default WebsocketSender uri(URI uri) {
			return uri(absolute(uri));
		}

		/**
		 * The target, resolved for each session, as {@link RequestSender#uri(Mono)} and Reactor
		 * Netty's {@code uri(Mono<String>)}: {@code uri} is subscribed when the {@link #handle}
		 * publisher is, and its value read as {@link #uri(String)} reads one; each subscription
		 * (a {@code retry()}, a {@code repeat()}) subscribes to it again, so a reconnecting
		 * client can ask for a fresh token or address each time. Its error fails the
		 * {@code handle} publisher with that error; completing empty fails it with
		 * {@link IllegalArgumentException}.
		 */
		WebsocketSender uri(Mono<String> uri);

		/** Sub-protocols offered, in order of preference ({@code Sec-WebSocket-Protocol}). */
		WebsocketSender protocols(String... protocols);

		/** The largest message accepted from the server (default 65536 bytes); larger ones close with 1009. */
		WebsocketSender maxFramePayloadLength(int bytes);

		/**
		 * Offers permessage-deflate (RFC 7692), as Reactor Netty's
		 * {@code WebsocketClientSpec.builder().compress(true)} does (default {@code false}). If the
		 * server accepts, its compressed messages are inflated (within
		 * {@link #maxFramePayloadLength}), and messages of 64 bytes or more are sent compressed
		 * when that makes them shorter, each on its own (if the server limits the client's
		 * window to n bits below 15, only messages of up to 2<sup>n</sup> bytes: the JDK's
		 * Deflater has a 32 KiB window, but a message compressed alone refers back only within
		 * itself). A server that declines leaves the session uncompressed; one that answers
		 * with terms that were not offered fails the upgrade.
		 */
		WebsocketSender compress(boolean compress);

		/**
		 * Leaves the server's PINGs to the handler, as Reactor Netty's
		 * {@code WebsocketClientSpec.handlePing(true)}: no PONG is sent for them; they arrive in
		 * {@code receiveFrames()} and the handler answers with
		 * {@code send(Mono.just(WebSocketFrame.pong(ping.payload())))} if it chooses. By default
		 * ({@code false}) every PING is answered at once with a PONG carrying its payload, and
		 * still shown by {@code receiveFrames()}.
		 */
		WebsocketSender handlePing(boolean handlePing);

		/**
		 * Whether a server may ask this client to compress each message on its own
		 * ({@code client_no_context_takeover} in its permessage-deflate answer), as Reactor
		 * Netty's {@code WebsocketClientSpec.compressionAllowClientNoContext}. This client always
		 * compresses each message on its own, so it can always grant that, and the default here
		 * is {@code true} (Reactor Netty's is {@code false}); {@code false} fails the upgrade with
		 * {@link WebSocketHandshakeException} when a server asks.
		 */
		WebsocketSender compressionAllowClientNoContext(boolean allow);

		/**
		 * Asks the server to compress each message on its own ({@code server_no_context_takeover}
		 * in the offer), as Reactor Netty's
		 * {@code WebsocketClientSpec.compressionRequestedServerNoContext} (default {@code false}):
		 * the server then keeps no compression context for the session. A server that accepts
		 * permessage-deflate without granting it fails the upgrade (RFC 7692 7.1.1.1); one that
		 * declines the offer leaves the session uncompressed.
		 */
		WebsocketSender compressionRequestedServerNoContext(boolean request);

		/**
		 * Connects when subscribed, runs {@code handler} once the server accepted the upgrade,
		 * and emits what the handler's publisher emits. When that publisher completes, the
		 * session is closed with 1000 (1011 if it failed); cancelling closes it too. Fails with
		 * {@link WebSocketHandshakeException} if the server refuses the upgrade.
		 */
		<V> Flux<V> handle(BiFunction<? super io.github.reactormongoose.http.websocket.WebsocketInbound,
				? super io.github.reactormongoose.http.websocket.WebsocketOutbound, ? extends Publisher<V>> handler);
	}

	// ---- the stages of a request ----

	/** Receives the response of a request. Each subscription sends the request again. */
	public interface ResponseReceiver {

		/** The response head; the body is read and dropped (so that the connection can be reused). */
		Mono<HttpClientResponse> response();

		/**
		 * The response head and body: {@code receiver} gets the head and the body pieces as they
		 * arrive (demand-driven: without demand, reading the socket pauses). A body that is not
		 * consumed is read and dropped once the returned publisher terminates. The body is a
		 * {@code Flux<ByteBuffer>} with Reactor Netty's conversions:
		 * {@code response((res, body) -> body.asString())}, {@code body.aggregate().asString()}.
		 */
		<V> Flux<V> response(BiFunction<? super HttpClientResponse, ? super ByteBufferFlux, ? extends Publisher<V>> receiver);

		/**
		 * The body pieces as they arrive; empty for a response without body. Demand-driven. With
		 * Reactor Netty's conversions: {@code responseContent().aggregate().asString()} (the whole
		 * body, an empty string for none), {@code responseContent().asString()} (text as it
		 * arrives, a character split between pieces decoded whole).
		 */
		ByteBufferFlux responseContent();

		/**
		 * The head and the whole body as one array ({@code byte[0]} when the response has none):
		 * {@code receiver} maps them to one value. The body is a {@code Mono<byte[]>} with Reactor
		 * Netty's conversions: {@code responseSingle((res, bytes) -> bytes.asString())} as well as
		 * {@code bytes.map(b -> new String(b, UTF_8))}. Gathered in memory, without a limit.
		 */
		<V> Mono<V> responseSingle(BiFunction<? super HttpClientResponse, ? super ByteArrayMono, ? extends Mono<V>> receiver);
	}

	/** A request being configured: where it goes and what it sends. */
	public interface RequestSender extends ResponseReceiver {

		/**
		 * The target: absolute ({@code http://host:port/path?q}, {@code https://host/path}) or
		 * relative to the {@link HttpClient#baseUrl}.
		 */
		RequestSender uri(String uri);

		/**
		 * The target as a {@link URI}, as Reactor Netty's {@code uri(URI)}: absolute
		 * ({@link IllegalArgumentException} otherwise), so the {@link HttpClient#baseUrl} does
		 * not apply; sent as {@link URI#toASCIIString()}, its escapes as they are.
		 */
		default RequestSender uri(URI uri) {
			return uri(absolute(uri));
		}

		/**
		 * The target, resolved for each subscription, as Reactor Netty's {@code uri(Mono<String>)}:
		 * {@code uri} is subscribed when the response publisher is (on the subscribing thread),
		 * and its value read as {@link #uri(String)} reads one; each subscription (a
		 * {@code retry()}, a {@code repeat()}) subscribes to it again. A request is sent only
		 * once it emitted. Its error fails the response publisher with that error; completing
		 * empty fails it with {@link IllegalArgumentException}.
		 */
		RequestSender uri(Mono<String> uri);

		/**
		 * The body. A {@link Mono} (one buffer) is sent with {@code Content-Length}; any other
		 * publisher as it emits, with chunked transfer coding, unless the client's
		 * {@link HttpClient#headers headers} set {@code Content-Length}: then with that length,
		 * and a body of another length fails the request with {@link IllegalArgumentException}.
		 */
		ResponseReceiver send(Publisher<? extends ByteBuffer> body);

		/** The body as UTF-8 text: a {@link Mono} with {@code Content-Length}, other publishers chunked. */
		ResponseReceiver sendString(Publisher<? extends String> body);

		/**
		 * A form as the body, with its {@code Content-Type} (and {@code Content-Length} when every
		 * part's length is known): {@code form} adds fields and files, and is called for each
		 * subscription. E.g. {@code sendForm(f -> f.attr("title", "Holiday").file("photo", path))}.
		 */
		ResponseReceiver sendForm(Consumer<? super HttpClientForm> form);

		/**
		 * The headers and body made by {@code sender}, as Reactor Netty's
		 * {@code send(BiFunction<HttpClientRequest, NettyOutbound, Publisher<Void>>)}:
		 * {@code send((req, out) -> { req.header("X-Sig", sig); return out.sendString(Mono.just(json)); })}.
		 * The function runs once for each request that sends the body: each subscription (so each
		 * {@code retry()}), and each followed redirect that keeps the method and body (307, 308,
		 * and 301 or 302 but after a POST; one that turns the request into a GET sends no body and
		 * does not run it). It runs before the request takes a
		 * connection, on the thread that subscribed (or where {@link #uri(Mono)} or
		 * {@code headersWhen} emitted), never on a poll thread: there (a redirect, whose
		 * response arrived on one, or a subscriber on one) it runs on
		 * {@code Schedulers.boundedElastic()}. {@code req} is the request as
		 * {@link HttpClient#doOnRequest} sees it, headers, cookies, trailers and response timeout
		 * open while the function runs (the client's own headers already in; its cookies,
		 * {@code doOnRequest} and the removal of credentials on a redirect to another origin
		 * come after). {@code out} records the body ({@link HttpClientOutbound}): the function
		 * returns the outbound whose body is sent ({@code return out;} for none, as
		 * {@code send(Mono.empty())}); a body of {@code Mono}s only goes with
		 * {@code Content-Length}, any other chunked, as {@link #send(Publisher)} sends it. A
		 * function that returns another publisher ({@code out.sendString(m).then()},
		 * {@code Mono.empty()}) has the last body its sends recorded sent once that publisher
		 * completed; its error fails the response publisher, as a function that throws does
		 * (with that exception; nothing is sent).
		 */
		ResponseReceiver send(
				BiFunction<? super HttpClientRequest, ? super HttpClientOutbound, ? extends Publisher<Void>> sender);
	}

	private static final class Sender implements RequestSender {

		private final HttpClient client;
		private final String method;
		private final @Nullable Mono<String> uri;
		private final @Nullable Publisher<? extends ByteBuffer> body;
		private final boolean sized;
		private final @Nullable Consumer<? super HttpClientForm> form;
		private final @Nullable SendFunction sender;

		Sender(HttpClient client, String method, @Nullable Mono<String> uri, @Nullable Publisher<? extends ByteBuffer> body,
				boolean sized) {
			this(client, method, uri, body, sized, null, null);
		}

		Sender(HttpClient client, String method, @Nullable Mono<String> uri, @Nullable Publisher<? extends ByteBuffer> body,
				boolean sized, @Nullable Consumer<? super HttpClientForm> form, @Nullable SendFunction sender) {
			this.client = client;
			this.method = method;
			this.uri = uri;
			this.body = body;
			this.sized = sized;
			this.form = form;
			this.sender = sender;
		}

		@Override
		public RequestSender uri(String uri) {
			Objects.requireNonNull(uri, "uri");
			return new Sender(client, method, Mono.just(uri), body, sized, form, sender);
		}

		@Override
		public RequestSender uri(Mono<String> uri) {
			Objects.requireNonNull(uri, "uri");
			return new Sender(client, method, uri, body, sized, form, sender);
		}

		@Override
		public ResponseReceiver send(Publisher<? extends ByteBuffer> body) {
			Objects.requireNonNull(body, "body");
			return new Sender(client, method, uri, body, body instanceof Mono);
		}

		@Override
		public ResponseReceiver sendString(Publisher<? extends String> body) {
			Objects.requireNonNull(body, "body");
			boolean mono = body instanceof Mono;
			Publisher<ByteBuffer> bytes = mono ? Mono.from(body).map(HttpClient::utf8) : Flux.from(body).map(HttpClient::utf8);
			return new Sender(client, method, uri, bytes, mono);
		}

		@Override
		public ResponseReceiver sendForm(Consumer<? super HttpClientForm> form) {
			Objects.requireNonNull(form, "form");
			return new Sender(client, method, uri, null, false, form, null);
		}

		@Override
		public ResponseReceiver send(
				BiFunction<? super HttpClientRequest, ? super HttpClientOutbound, ? extends Publisher<Void>> sender) {
			Objects.requireNonNull(sender, "sender");
			return new Sender(client, method, uri, null, false, null, new SendFunction(sender));
		}

		@Override
		public Mono<HttpClientResponse> response() {
			return execute().map(r -> {
				r.discard();
				return r;
			});
		}

		@Override
		public <V> Flux<V> response(
				BiFunction<? super HttpClientResponse, ? super ByteBufferFlux, ? extends Publisher<V>> receiver) {
			Objects.requireNonNull(receiver, "receiver");
			return execute().flatMapMany(r -> Flux.<V>from(receiver.apply(r, ByteBufferFlux.fromInbound(r.body())))
					.doFinally(s -> r.discard()));
		}

		@Override
		public ByteBufferFlux responseContent() {
			return ByteBufferFlux.fromInbound(execute().flatMapMany(ClientResponse::body));
		}

		@Override
		public <V> Mono<V> responseSingle(
				BiFunction<? super HttpClientResponse, ? super ByteArrayMono, ? extends Mono<V>> receiver) {
			Objects.requireNonNull(receiver, "receiver");
			return execute().flatMap(r -> Mono.<V>from(receiver.apply(r, ByteBufferFlux.fromInbound(r.body()).aggregate()))
					.doFinally(s -> r.discard()));
		}

		private Mono<ClientResponse> execute() {
			Mono<String> u = uri;
			if (u == null) {
				String base = client.config.baseUrl;
				u = base != null ? Mono.just(base)
						: Mono.error(() -> new IllegalStateException("No uri: call uri(...) or set a baseUrl"));
			}
			return nonEmpty(u).flatMap(this::execute);
		}

		/** The request to {@code u}, once per subscription (the form filled again for each, the send function run again). */
		private Mono<ClientResponse> execute(String u) {
			URI target = client.resolve(u);
			Consumer<? super HttpClientForm> f = form;
			if (f == null) {
				return client.exchange(method, target, target, body, sized, 0, h -> {
				}, sender);
			}
			HttpClientForm filled = new HttpClientForm();
			f.accept(filled);
			HttpClientForm.Body encoded = filled.encode();
			return client.exchange(method, target, target, encoded.content(), encoded.content() instanceof Mono, 0,
					encoded::headers, null);
		}
	}

	/** The target of {@code uri(URI)}: an absolute URI's ASCII form, as Reactor Netty refuses a relative one. */
	private static String absolute(URI uri) {
		Objects.requireNonNull(uri, "uri");
		if (!uri.isAbsolute()) {
			throw new IllegalArgumentException("URI is not absolute: " + uri);
		}
		return uri.toASCIIString();
	}

	private static final Pattern OTHER_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

	/** An absolute URI of {@code uri}, resolved against the base URL when relative. */
	URI resolve(String uri) {
		String full;
		if (uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8)
				|| uri.regionMatches(true, 0, "ws://", 0, 5) || uri.regionMatches(true, 0, "wss://", 0, 6)) {
			full = uri;
		}
		else if (OTHER_SCHEME.matcher(uri).lookingAt()) {
			// ftp://, file://...: not a path to put under the base URL
			throw new UnsupportedOperationException("Scheme " + uri.substring(0, uri.indexOf(':')) + " of " + uri
					+ " is not supported here: http, https, ws or wss only");
		}
		else {
			String base = config.baseUrl != null ? config.baseUrl : config.origin();
			if (base == null) {
				throw new IllegalArgumentException("Relative uri " + uri + " without a baseUrl, host, port or remoteAddress");
			}
			if (base.endsWith("/") && uri.startsWith("/")) {
				full = base + uri.substring(1);
			}
			else if (!base.endsWith("/") && !uri.startsWith("/") && !uri.isEmpty()) {
				full = base + "/" + uri;
			}
			else {
				full = base + uri;
			}
		}
		URI u = URI.create(full);
		if (!full.chars().allMatch(ch -> ch < 128)) {
			// characters outside ASCII are sent percent-encoded as UTF-8 (RFC 3986 2.1, 3.3): the
			// request line is bytes, and a Latin-1 '?' for each would change the request
			u = URI.create(u.toASCIIString());
		}
		if (u.getHost() == null) {
			throw new IllegalArgumentException("No host in " + full);
		}
		Checks.serverPort(u); // as port(int) refuses one
		return u;
	}

	/**
	 * Whether {@code to} has the origin of {@code from}: the same host, port and security (http
	 * and ws, https and wss), so that a redirect to it may carry the credentials set for
	 * {@code from} (Reactor Netty keeps them for the same endpoint too).
	 */
	static boolean sameOrigin(URI from, URI to) {
		boolean secureFrom = isSecure(from.getScheme());
		boolean secureTo = isSecure(to.getScheme());
		int defaultFrom = secureFrom ? 443 : 80;
		int defaultTo = secureTo ? 443 : 80;
		return secureFrom == secureTo && from.getHost() != null && from.getHost().equalsIgnoreCase(to.getHost())
				&& (from.getPort() == -1 ? defaultFrom : from.getPort()) == (to.getPort() == -1 ? defaultTo : to.getPort());
	}

	private static boolean isSecure(@Nullable String scheme) {
		return scheme != null && (scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("wss"));
	}

	/**
	 * One request and, when following redirects, the requests after it; {@code origin}: the URI
	 * of the first; {@code sender}: the send function that makes the body (then {@code body} is
	 * {@code null}), run again for a redirect that sends the body again.
	 */
	Mono<ClientResponse> exchange(String method, URI uri, URI origin, @Nullable Publisher<? extends ByteBuffer> body,
			boolean sized, int redirects, Consumer<HttpHeaders> bodyHeaders, @Nullable SendFunction sender) {
		Mono<byte[]> fixed = body == null || sender != null ? Mono.just(EMPTY) : sized ? aggregateBuffers(body) : Mono.just(EMPTY);
		Mono<ClientResponse> first = fixed.flatMap(bytes -> send(method, uri, origin, body == null || sized ? bytes : null,
				sized ? null : body, false, redirects, bodyHeaders, sender));
		if (!config.followRedirect) {
			return first;
		}
		return first.flatMap(r -> {
			int s = r.status();
			String location = r.responseHeaders().get("Location");
			if (location == null || (s != 301 && s != 302 && s != 303 && s != 307 && s != 308)) {
				return Mono.just(r);
			}
			BiPredicate<? super HttpClientRequest, ? super HttpClientResponse> p = config.redirectPredicate;
			if (p != null) {
				boolean follow;
				try {
					follow = p.test(r.exchange().request(), r);
				}
				catch (RuntimeException e) {
					r.discard();
					return Mono.error(e);
				}
				if (!follow) {
					return Mono.just(r);
				}
			}
			r.discard();
			if (redirects >= config.maxRedirects) {
				return Mono.error(new TooManyRedirectsException("More than " + config.maxRedirects + " redirects, last to "
						+ location + " from " + uri));
			}
			URI next;
			try {
				next = Locations.resolve(uri, location.strip());
			}
			catch (IllegalArgumentException e) {
				return Mono.error(new MalformedResponseException("Invalid Location in redirect from " + uri + ": " + location));
			}
			if (!config.hooks.onRedirect().isEmpty()) {
				try {
					ClientHooks.run(config.hooks.onRedirect(), r);
				}
				catch (RuntimeException e) {
					return Mono.error(e);
				}
			}
			boolean toGet = s == 303 ? !method.equals("HEAD") : (s == 301 || s == 302) && method.equals("POST");
			if (toGet) {
				// no content any more: the headers that described it go too (RFC 9110, 15.4)
				return exchange(method.equals("HEAD") ? "HEAD" : "GET", next, origin, null, false, redirects + 1,
						HttpClient::removeContentHeaders, null);
			}
			return exchange(method, next, origin, body, sized, redirects + 1, bodyHeaders, sender);
		});
	}

	/**
	 * One request on a pooled connection, with {@code extra} headers after the client's;
	 * {@code origin}: the URI of the first request when this one follows a redirect.
	 */
	Mono<ClientResponse> send(String method, URI uri, URI origin, byte @Nullable [] fixed,
			@Nullable Publisher<? extends ByteBuffer> stream, boolean upgrade, int redirects, Consumer<HttpHeaders> extra) {
		return send(method, uri, origin, fixed, stream, upgrade, redirects, extra, null);
	}

	/**
	 * As {@link #send(String, URI, URI, byte[], Publisher, boolean, int, Consumer)}, the body
	 * made by {@code sender} when there is one ({@code fixed} and {@code stream} unused then):
	 * it runs once the headers are the client's, before cookies and the credentials rule.
	 */
	private Mono<ClientResponse> send(String method, URI uri, URI origin, byte @Nullable [] fixed,
			@Nullable Publisher<? extends ByteBuffer> stream, boolean upgrade, int redirects, Consumer<HttpHeaders> extra,
			@Nullable SendFunction sender) {
		return Mono.defer(() -> {
			String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
			boolean http = scheme.equals("http") || scheme.equals("https");
			boolean ws = scheme.equals("ws") || scheme.equals("wss");
			if (!http && !(upgrade && ws)) {
				return Mono.error(new UnsupportedOperationException("Scheme " + scheme + " of " + uri
						+ " is not supported here: " + (upgrade ? "ws, wss, http or https" : "http or https") + " only"));
			}
			// the scheme decides the transport, also after a redirect: TLS for https and wss
			TlsSpec tls = config.tlsFor(scheme);
			int defaultPort = tls != null ? 443 : 80;
			String host = uri.getHost();
			int port = uri.getPort() == -1 ? defaultPort : uri.getPort();
			String hostHeader = host + (port == defaultPort ? "" : ":" + port);
			String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
					+ (uri.getRawQuery() != null ? "?" + uri.getRawQuery() : "");
			BiFunction<HttpHeaders, SendFunction.Prepared, Mono<ClientResponse>> connect = (headers, body) -> {
				if (redirects > 0 && !sameOrigin(origin, uri)) {
					// credentials stay with the origin (scheme, host, port) they were meant for
					headers.remove("Authorization");
					headers.remove("Proxy-Authorization");
					headers.remove("Cookie");
				}
				// the client's cookies without Domain do not follow a redirect to another host
				ClientCookies.addMatching(headers, config.cookies, uri, redirects == 0 || host.equalsIgnoreCase(origin.getHost()));
				CookieHandler jar = config.cookieHandler;
				if (jar != null) {
					try {
						ClientCookies.addFromHandler(headers, jar, uri);
					}
					catch (IOException | RuntimeException e) {
						return Mono.error(e);
					}
				}
				EventLoop el = config.chooseLoop();
				ProxyProvider proxy = config.proxies != null ? config.proxies.choose(tls != null, host) : null;
				// a tunnel for TLS, WebSocket and SOCKS; plain HTTP through an HTTP proxy in absolute form
				boolean tunnel = proxy != null && (tls != null || upgrade || proxy.type() != ProxyProvider.Proxy.HTTP);
				ConnectionPool pool = ConnectionPool.of(el, host, port, tls, config.pool, config.addressFilter, proxy,
						tunnel, config.wiretap, config.connectionHooks());
				Exchange.Request req = new Exchange.Request(method, uri.toString(), target, hostHeader, headers, body.fixed(),
						body.stream(), upgrade, redirects, body.responseTimeout(), body.trailers());
				Mono<ClientResponse> response = Mono.create(sink -> new Exchange(config, req, pool, sink).start());
				return jar == null ? response : response.handle((r, sink) -> {
					try {
						ClientCookies.store(jar, uri, r.responseHeaders());
						sink.next(r);
					}
					catch (IOException | RuntimeException e) {
						r.discard();
						sink.error(e);
					}
				});
			};
			Function<HttpHeaders, Mono<ClientResponse>> go = headers -> {
				extra.accept(headers);
				if (!headers.contains("User-Agent")) {
					// RFC 9110 10.1.5; as Reactor Netty's ReactorNetty/<version>
					headers.set("User-Agent", USER_AGENT);
				}
				if (!headers.contains("Accept")) {
					// RFC 9110 12.5.1: any media type, as Reactor Netty and curl say it
					headers.set("Accept", "*/*");
				}
				if (config.compress && !upgrade && !headers.contains("Accept-Encoding")) {
					headers.set("Accept-Encoding", "gzip");
				}
				if (sender == null) {
					return connect.apply(headers, new SendFunction.Prepared(fixed, stream, null, List.of()));
				}
				// send((req, out) -> ...): the function sets headers and makes the body, off the poll thread
				return sender.prepare(method, uri.toString(), headers, redirects).flatMap(body -> connect.apply(headers, body));
			};
			HttpHeaders headers = config.headers();
			if (config.headersWhen.isEmpty()) {
				return go.apply(headers);
			}
			Mono<HttpHeaders> resolved = Mono.just(headers);
			for (Function<? super HttpHeaders, ? extends Mono<? extends HttpHeaders>> f : config.headersWhen) {
				resolved = resolved.flatMap(h -> {
					Mono<? extends HttpHeaders> next = Objects.requireNonNull(f.apply(h), "headersWhen returned null");
					return next.<HttpHeaders>map(x -> x).defaultIfEmpty(h);
				});
			}
			return resolved.flatMap(go);
		});
	}

	/** The headers that describe a request's content: a redirect that drops the content drops them. */
	private static final String[] CONTENT_HEADERS = {"Content-Type", "Content-Length", "Transfer-Encoding", "Trailer",
		"Content-Encoding", "Content-Language", "Content-Location"};

	private static void removeContentHeaders(HttpHeaders headers) {
		for (String name : CONTENT_HEADERS) {
			headers.remove(name);
		}
	}

	/** A target given as a {@code Mono} ({@code uri(Mono<String>)}): one that completes empty fails. */
	static Mono<String> nonEmpty(Mono<String> uri) {
		return uri.switchIfEmpty(Mono.error(() -> new IllegalArgumentException("No uri: the uri Mono completed empty")));
	}

	private static ByteBuffer utf8(String s) {
		return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
	}

	private static Mono<byte[]> aggregateBuffers(Publisher<? extends ByteBuffer> body) {
		return ByteBufferFlux.fromInbound(body).aggregate();
	}

	@Override
	public String toString() {
		return "HttpClient[" + (config.baseUrl != null ? config.baseUrl : "no baseUrl") + "]";
	}
}
