/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.FilteredAddressException;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.HttpClientRequest;
import io.github.reactormongoose.http.client.HttpClientResponse;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * An HTTP server whose handlers call another service with {@link HttpClient}: the usual shape
 * of a reactive gateway.
 * <ul>
 * <li>{@code GET /aggregate} calls the backend's {@code /user} and {@code /orders} at the same
 * time and answers one JSON object with both;</li>
 * <li>{@code GET /proxy/<path>} streams the backend's {@code /<path>} through, status and
 * content type included, piece by piece as it arrives (the backend is read only as fast as
 * the gateway's client reads);</li>
 * <li>a backend that does not answer within 2 s gives 504, one that cannot be reached 502; a
 * caller may ask for a shorter wait with {@code X-Timeout-Ms: <1..2000>} (anything else in that
 * header is answered 400): the value travels in the Reactor context and the backend client's
 * {@link HttpClient#doOnRequest doOnRequest} hook sets it as that call's
 * {@linkplain io.github.reactormongoose.http.client.HttpClientRequest#responseTimeout response
 * timeout};</li>
 * <li>a caller's {@code Authorization} goes to the backend with its {@code /proxy/} call. The
 * backend client follows a redirect only when it stays on the backend (same scheme, host and
 * port: {@link HttpClient#followRedirect(java.util.function.BiPredicate, java.util.function.Consumer)
 * followRedirect(predicate, redirectRequestConsumer)}), and its redirect request consumer sends
 * the {@code Authorization} again, which the client drops from every redirect; a redirect
 * elsewhere is answered to the caller with its {@code Location}, and the credentials never left;</li>
 * <li>{@code GET /fetch?url=<http URL>} fetches a URL that the caller chooses, with a client whose
 * {@linkplain HttpClient#addressFilter address filter} only lets it reach public addresses: a URL
 * (or a redirect) that leads to loopback, a private network or the cloud metadata address
 * {@code 169.254.169.254} is answered 403 and never connected to.</li>
 * </ul>
 * The backend client takes response heads of up to 32 KiB ({@code httpResponseDecoder}).
 * The backend is asked for gzip ({@code compress(true)}): what comes from it compressed is
 * decoded as it streams, so the gateway's own clients get plain bodies. Every backend call
 * carries the {@code X-Request-Id} of the request that caused it (the caller's, else a new
 * one): the handlers put it in the Reactor context, and the backend client's
 * {@link HttpClient#doOnRequest doOnRequest} hook copies it into the outgoing headers. The
 * backend client records Micrometer meters ({@code reactor.mongoose.http.client.*}, in the
 * global registry: response time, bytes, errors per backend path).
 * The client calls run on the poll thread of the request that made them (the client stays on
 * the caller's loop), so nothing blocks and no thread is switched.
 */
public final class ClientGateway {

	private final DisposableServer server;

	private ClientGateway(DisposableServer server) {
		this.server = server;
	}

	/**
	 * Only public unicast addresses: not loopback, not the private networks (10/8, 172.16/12,
	 * 192.168/16, fc00::/7), not link-local (169.254/16, fe80::/10, where cloud metadata services
	 * live), not the wildcard or multicast.
	 */
	static final Predicate<InetAddress> PUBLIC_ONLY = a -> !(a.isLoopbackAddress() || a.isSiteLocalAddress()
			|| a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()
			|| (a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc));

	/** The correlation header, also the key of its value in the Reactor context. */
	static final String REQUEST_ID = "X-Request-Id";

	/** The caller's wait for a backend, in ms; also the key of its {@link Duration} in the Reactor context. */
	static final String TIMEOUT = "X-Timeout-Ms";

	/** The caller's credentials, forwarded to the backend only; also the key of their value in the Reactor context. */
	static final String AUTHORIZATION = "Authorization";

	/** The largest response head the backend client takes (Reactor Netty's default is 8 KiB, as this client's). */
	static final int BACKEND_MAX_HEAD = 32 * 1024;

	/** The backend client's own response timeout, which a caller may only shorten. */
	static final Duration BACKEND_TIMEOUT = Duration.ofSeconds(2);

	/**
	 * The Reactor context of the backend calls made for {@code req}: its request id, its
	 * {@code Authorization} if it has one, and, when the caller asked for one, its shorter timeout.
	 * @throws IllegalArgumentException if {@code X-Timeout-Ms} is not a whole number of
	 * milliseconds from 1 to 2000
	 */
	static Context callContext(HttpServerRequest req) {
		Context ctx = Context.of(REQUEST_ID, requestId(req));
		String credentials = req.requestHeaders().get(AUTHORIZATION);
		if (credentials != null) {
			ctx = ctx.put(AUTHORIZATION, credentials);
		}
		String wait = req.requestHeaders().get(TIMEOUT);
		if (wait == null) {
			return ctx;
		}
		String digits = wait.trim();
		long ms = digits.matches("[0-9]{1,9}") ? Long.parseLong(digits) : 0;
		if (ms < 1 || ms > BACKEND_TIMEOUT.toMillis()) {
			throw new IllegalArgumentException(TIMEOUT + " must be a number of milliseconds from 1 to "
					+ BACKEND_TIMEOUT.toMillis() + ", not '" + wait + "'");
		}
		return ctx.put(TIMEOUT, Duration.ofMillis(ms));
	}

	/** Runs {@code call} with the caller's context; a bad {@code X-Timeout-Ms} is answered 400 instead. */
	private static Publisher<Void> withCallContext(HttpServerRequest req, HttpServerResponse res, Supplier<Mono<Void>> call) {
		Context ctx;
		try {
			ctx = callContext(req);
		}
		catch (IllegalArgumentException e) {
			return res.status(400).sendString(Mono.just(e.getMessage()));
		}
		return call.get().contextWrite(ctx);
	}

	/** The caller's {@code X-Request-Id} when it sent a sane one, else a new one. */
	private static String requestId(HttpServerRequest req) {
		String id = req.requestHeaders().get(REQUEST_ID);
		return id != null && id.matches("[A-Za-z0-9._-]{1,64}") ? id : UUID.randomUUID().toString();
	}

	/** Starts the gateway on {@code host:port} (0: a free port) in front of {@code backendUrl}. */
	public static ClientGateway start(String host, int port, String backendUrl) {
		URI backendUri = URI.create(backendUrl);
		HttpClient backend = HttpClient.create()
				.baseUrl(backendUrl)
				.headers(h -> h.set("User-Agent", "reactor-mongoose-gateway"))
				// the correlation id of the incoming request, the caller's shorter wait and (on the
				// first request; for a redirect see below) its credentials, from the Reactor context
				.doOnRequest(call -> {
					call.currentContextView().<String>getOrEmpty(REQUEST_ID)
							.ifPresent(id -> call.requestHeaders().set(REQUEST_ID, id));
					call.currentContextView().<Duration>getOrEmpty(TIMEOUT).ifPresent(call::responseTimeout);
					if (call.redirects() == 0) {
						forwardCredentials(call);
					}
				})
				// a redirect is followed only if it stays on the backend; the client drops
				// Authorization from every redirect, and this one may have it back
				.followRedirect((call, res) -> staysOn(backendUri, call.uri(), res.responseHeaders().get("Location")),
						ClientGateway::forwardCredentials)
				.compress(true)
				// backends send large heads (cookies, tokens, security policies): 32 KiB, not 8
				.httpResponseDecoder(spec -> spec.maxHeaderSize(BACKEND_MAX_HEAD))
				.responseTimeout(BACKEND_TIMEOUT)
				.metrics(true);
		HttpClient outward = HttpClient.create()
				.followRedirect(true) // each redirect's address is checked too
				.responseTimeout(Duration.ofSeconds(5))
				.addressFilter(PUBLIC_ONLY);
		HttpServer gateway = HttpServer.create().host(host).port(port)
				.route(r -> r
						.get("/fetch", (req, res) -> {
							String url = req.queryParam("url");
							if (url == null || !url.startsWith("http://") && !url.startsWith("https://")) {
								return res.status(400).sendString(Mono.just("url=http://... or https://... expected"));
							}
							return outward.get().uri(URI.create(url).toString())
									.response((head, body) -> res.status(head.status())
											.header("Content-Type", contentType(head))
											.send(body))
									.then()
									.onErrorResume(e -> res.hasSentHeaders() ? Mono.error(e)
											: res.status(e instanceof FilteredAddressException ? 403 : status(e))
													.sendString(Mono.just(String.valueOf(e.getMessage()))));
						})
						.get("/aggregate", (req, res) -> withCallContext(req, res, () ->
								Mono.zip(text(backend, "/user"), text(backend, "/orders"))
										.flatMap(t -> res.header("Content-Type", "application/json")
												.sendString(Mono.just("{\"user\":" + t.getT1() + ",\"orders\":" + t.getT2() + "}")))
										.onErrorResume(e -> res.status(status(e)).sendString(Mono.just(String.valueOf(e.getMessage()))))))
						.get("/proxy/**", (req, res) -> withCallContext(req, res, () ->
								backend.get().uri(req.uri().substring("/proxy".length()))
										.response((head, body) -> location(head, res).status(head.status())
												.header("Content-Type", contentType(head))
												.send(body))
										.then()
										.onErrorResume(e -> res.hasSentHeaders() ? Mono.error(e)
												: res.status(status(e)).sendString(Mono.just(String.valueOf(e.getMessage())))))));
		// the loops and the native library are ready before the port opens: the first callers
		// wait for neither (Reactor Netty's warmup)
		Mono.when(gateway.warmup(), backend.warmup(), outward.warmup()).block(Duration.ofSeconds(10));
		return new ClientGateway(gateway.bindNow(Duration.ofSeconds(10)));
	}

	/** The caller's {@code Authorization}, from the Reactor context, on {@code call}. */
	private static void forwardCredentials(HttpClientRequest call) {
		call.currentContextView().<String>getOrEmpty(AUTHORIZATION)
				.ifPresent(credentials -> call.requestHeaders().set(AUTHORIZATION, credentials));
	}

	/**
	 * Whether a redirect to {@code location} from {@code requestUri} stays on {@code backend}:
	 * the location, resolved against the request's URI, has the backend's scheme, host and port
	 * (one that is not a URI does not).
	 */
	static boolean staysOn(URI backend, String requestUri, String location) {
		URI target;
		try {
			target = URI.create(requestUri).resolve(location.strip());
		}
		catch (IllegalArgumentException e) {
			return false;
		}
		return backend.getScheme().equalsIgnoreCase(String.valueOf(target.getScheme()))
				&& backend.getHost().equalsIgnoreCase(String.valueOf(target.getHost()))
				&& port(backend) == port(target);
	}

	private static int port(URI u) {
		return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
	}

	private static Mono<String> text(HttpClient client, String uri) {
		return client.get().uri(uri).responseSingle((res, bytes) -> res.status() == 200
				? bytes.map(b -> new String(b, UTF_8))
				: Mono.error(new IllegalStateException(uri + " answered " + res.status())));
	}

	/** {@code res}, with the {@code Location} of {@code head} (a redirect not followed) if it has one. */
	private static HttpServerResponse location(HttpClientResponse head, HttpServerResponse res) {
		String location = head.responseHeaders().get("Location");
		return location != null ? res.header("Location", location) : res;
	}

	private static String contentType(HttpClientResponse head) {
		String t = head.responseHeaders().get("Content-Type");
		return t != null ? t : "application/octet-stream";
	}

	private static int status(Throwable e) {
		return e instanceof ResponseTimeoutException ? 504 : 502;
	}

	public int port() {
		return server.port();
	}

	/** Stops the gateway and waits for it. */
	public void disposeNow() {
		server.disposeNow();
	}

	/**
	 * A backend for trying the gateway, on {@code 127.0.0.1:port} (0: a free port): {@code /user}
	 * (a JSON object with the caller's {@code User-Agent}) and {@code /orders} (a JSON array).
	 */
	public static DisposableServer startBackend(int port) {
		return HttpServer.create().host("127.0.0.1").port(port)
				.route(r -> r.get("/user", (req, res) -> res.header("Content-Type", "application/json")
						.sendString(Mono.just("{\"name\":\"ada\",\"agent\":\"" + req.requestHeaders().get("User-Agent") + "\"}")))
						.get("/orders", (req, res) -> res.header("Content-Type", "application/json").sendString(Mono.just("[1,2,3]"))))
				.bindNow(Duration.ofSeconds(10));
	}

	/**
	 * Runs the gateway until interrupted.
	 * @param args the backend's base URL (default: a {@link #startBackend backend} started here),
	 *        then the port (default 8080)
	 */
	public static void main(String[] args) {
		DisposableServer own = args.length > 0 ? null : startBackend(0);
		String backend = own == null ? args[0] : "http://127.0.0.1:" + own.port();
		int port = args.length > 1 ? Integer.parseInt(args[1]) : 8080;
		ClientGateway g = start("127.0.0.1", port, backend);
		System.out.println("Gateway on http://127.0.0.1:" + g.port() + "/aggregate and /proxy/... in front of " + backend);
		g.server.onDispose().block();
	}
}
