/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

/**
 * A client of one service whose instances come and go: it asks a discovery service where the
 * service is <em>for every attempt</em>, and tries again, with a new answer, when the instance
 * it was given cannot be reached or says it is unavailable (503).
 * <ul>
 * <li>The target is a {@code Mono<String>}, the discovery call itself
 * ({@code responseSingle((res, body) -> body.asString())}), given to
 * {@link HttpClient.RequestSender#uri(Mono) uri(Mono)} and
 * {@link HttpClient.WebsocketSender#uri(Mono) websocket().uri(Mono)}: each subscription, so
 * each {@code retryWhen} attempt, subscribes to it again and asks discovery again, as with
 * Reactor Netty.</li>
 * <li>Bodies are read with the idioms of Reactor Netty's {@code ByteBufFlux} and
 * {@code ByteBufMono}: {@link #text} with {@code responseSingle((res, body) -> body.asString())},
 * {@link #post} with {@code responseContent().aggregate().asString()}, {@link #config} parses a
 * properties file from {@code body.asInputStream()}.</li>
 * <li>An order is signed as Reactor Netty users sign a request, with
 * {@code send((req, out) -> { req.header(SIGNATURE, sign(json)); return out.sendString(Mono.just(json)); })}
 * ({@link #post}): the function runs for every attempt, before the request takes a connection
 * (its run is logged, {@code signed POST <uri>}), and the instance refuses an order whose
 * HMAC-SHA256 signature does not match (401).</li>
 * <li>The connection lifecycle is logged with the client's hooks ({@link #events()}):
 * {@code doOnConnected} for a new connection, {@code doOnRequest((req, connection) -> ...)} for
 * every request and the connection it goes on (it also stamps the request with its attempt),
 * {@code doOnDisconnected} once a connection has closed. A kept-alive connection is reused
 * without a new "connected".</li>
 * </ul>
 * {@link #startInstance} is an instance of the service ({@code GET /hello}, {@code GET /config},
 * {@code POST /orders} read with {@code req.receive().aggregate().asString()}, a WebSocket
 * {@code /ticks}); {@link #startDiscovery} a discovery service that answers the instances in
 * turn.
 */
public final class ServiceCaller {

	/** Attempts per call: the first and two retries, each with a new lookup. */
	public static final int ATTEMPTS = 3;

	/** The header that carries the attempt (1, 2, 3) of a request, set by the doOnRequest hook. */
	public static final String ATTEMPT = "X-Attempt";

	/** The header that carries an order's signature: HMAC-SHA256 of its body with the shared {@code ORDER_KEY}, in hex. */
	public static final String SIGNATURE = "X-Signature";

	/** The key caller and instances share to sign orders (a demo key: keep a real one out of the code). */
	static final byte[] ORDER_KEY = "demo-order-key".getBytes(StandardCharsets.UTF_8);

	private final Mono<String> target;
	private final HttpClient client;
	/** The last 1000 events, replayed to each subscriber of {@link #events()}. */
	private final Sinks.Many<String> events = Sinks.many().replay().limit(1000);

	/** A 503 from an instance: it is there but cannot serve now (draining, starting); another may. */
	public static final class UnavailableException extends RuntimeException {
		private static final long serialVersionUID = 1L;

		UnavailableException(String uri) {
			super(uri + " answered 503");
		}
	}

	/**
	 * A caller of {@code service}, found by asking {@code discoveryUrl + "/services/" + service}
	 * (its answer: the base URL of an instance, {@code http://host:port}).
	 */
	public ServiceCaller(String discoveryUrl, String service) {
		HttpClient discovery = HttpClient.create().baseUrl(discoveryUrl).responseTimeout(Duration.ofSeconds(2));
		// not run here: a Mono that asks discovery each time it is subscribed
		this.target = discovery.get().uri("/services/" + service)
				.responseSingle((res, body) -> res.status() == 200 ? body.asString()
						: Mono.error(new IllegalStateException(service + " is not registered (" + res.status() + ")")))
				.map(String::strip)
				.doOnNext(base -> log("resolved " + base));
		this.client = HttpClient.create()
				.headers(h -> h.set("User-Agent", "service-caller"))
				.responseTimeout(Duration.ofSeconds(2))
				.doOnConnected(c -> log("connected " + c.id() + " to " + hostPort(c.remoteAddress())))
				.doOnRequest((req, c) -> {
					// the call's attempt counter travels in the Reactor context (see call)
					req.currentContextView().<AtomicInteger>getOrEmpty(ATTEMPT)
							.ifPresent(n -> req.header(ATTEMPT, String.valueOf(n.get())));
					log(req.method() + " " + req.uri() + " on " + c.id());
				})
				.doOnDisconnected(c -> log("disconnected " + c.id()));
	}

	/** The base URL for this attempt, with {@code path}; counts the attempt in the call's counter. */
	private Mono<String> uri(String path) {
		return Mono.deferContextual(ctx -> target.map(base -> base + path)
				.doOnNext(u -> ctx.<AtomicInteger>getOrEmpty(ATTEMPT).ifPresent(AtomicInteger::incrementAndGet)));
	}

	/** {@code call} with an attempt counter of its own in its context, which its retries share. */
	private static <T> Mono<T> call(Mono<T> call) {
		return call.contextWrite(ctx -> ctx.put(ATTEMPT, new AtomicInteger()));
	}

	/** Unreachable instances, and those that answer 503, are retried; the rest is the answer. */
	private static final Retry RETRY = Retry.backoff(ATTEMPTS - 1, Duration.ofMillis(20))
			.filter(e -> e instanceof ConnectException || e instanceof UnavailableException)
			.onRetryExhaustedThrow((spec, signal) -> signal.failure());

	/** Only instances that could not be reached are retried (a request that reached one is not sent again). */
	private static final Retry UNREACHABLE_ONLY = Retry.max(ATTEMPTS - 1).filter(ConnectException.class::isInstance)
			.onRetryExhaustedThrow((spec, signal) -> signal.failure());

	/** GETs {@code path} and gives its body as text, whatever its status but 503. */
	public Mono<String> text(String path) {
		return call(client.get().uri(uri(path))
				.responseSingle((res, body) -> res.status() == 503 ? Mono.<String>error(new UnavailableException(res.uri()))
						: body.asString())
				.retryWhen(RETRY));
	}

	/**
	 * POSTs {@code json} to {@code path}, signed, and gives the answer's body. The headers and
	 * body are made by {@code send((req, out) -> ...)}, as with Reactor Netty: for each attempt,
	 * before it takes a connection. Only a connection that could not be made is retried: a POST
	 * that reached an instance is not sent again.
	 */
	public Mono<String> post(String path, String json) {
		return call(client.post().uri(uri(path))
				.send((req, out) -> {
					req.header("Content-Type", "application/json").header(SIGNATURE, sign(json));
					log("signed " + req.method() + " " + req.uri());
					return out.sendString(Mono.just(json));
				})
				.responseContent().aggregate().asString()
				.retryWhen(UNREACHABLE_ONLY));
	}

	/** HMAC-SHA256 of {@code body} (UTF-8) with {@code ORDER_KEY}, in hex. */
	static String sign(String body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(ORDER_KEY, "HmacSHA256"));
			return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("HmacSHA256 is not available", e);
		}
	}

	/** Whether {@code signature} is {@code body}'s (compared in constant time). */
	static boolean signed(String body, @Nullable String signature) {
		return signature != null && MessageDigest.isEqual(sign(body).getBytes(StandardCharsets.US_ASCII),
				signature.getBytes(StandardCharsets.US_ASCII));
	}

	/** GETs {@code path}, a properties file, and parses it from the body's {@code InputStream}. */
	public Mono<Properties> config(String path) {
		return call(client.get().uri(uri(path))
				.responseSingle((res, body) -> res.status() == 503 ? Mono.<Properties>error(new UnavailableException(res.uri()))
						: body.asInputStream().map(ServiceCaller::load))
				.retryWhen(RETRY));
	}

	/**
	 * The messages of the WebSocket at {@code path} until the instance ends the session; the
	 * target is looked up for each session, so a connection refused is tried again elsewhere.
	 */
	public Flux<String> watch(String path) {
		return client.websocket()
				.uri(uri(path).map(u -> u.replaceFirst("^http", "ws"))) // http: -> ws:, https: -> wss:
				.handle((in, out) -> in.receiveText())
				.retryWhen(UNREACHABLE_ONLY)
				.contextWrite(ctx -> ctx.put(ATTEMPT, new AtomicInteger()));
	}

	/**
	 * The lifecycle as it happened (the last 1000 events), and as it goes on: {@code resolved <base URL>},
	 * {@code connected <id> to <host:port>}, {@code <METHOD> <uri> on <id>},
	 * {@code disconnected <id>}.
	 */
	public Flux<String> events() {
		return events.asFlux();
	}

	private void log(String event) {
		// hooks of several loops may log at once: retry the emission instead of failing it
		events.emitNext(event, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
	}

	private static Properties load(InputStream in) {
		Properties p = new Properties();
		try (in) {
			p.load(in);
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		return p;
	}

	private static String hostPort(java.net.InetSocketAddress a) {
		return a.getHostString() + ":" + a.getPort();
	}

	/**
	 * An instance of the service named {@code name}, on {@code 127.0.0.1:port} (0: a free port):
	 * {@code GET /hello} ({@code hello from <name>, attempt <X-Attempt>}), {@code GET /config}
	 * (a properties file), {@code POST /orders} (the order back, with the instance's name:
	 * {@code req.receive().aggregate().asString()}; 401 when its {@link #SIGNATURE} does not
	 * match), and the WebSocket {@code /ticks} (three messages, then it closes).
	 */
	public static DisposableServer startInstance(String name, int port) {
		return HttpServer.create().host("127.0.0.1").port(port)
				.route(r -> r
						.get("/hello", (req, res) -> res.sendString(Mono.just("hello from " + name
								+ ", attempt " + req.requestHeaders().get(ATTEMPT))))
						.get("/config", (req, res) -> res.header("Content-Type", "text/plain; charset=ISO-8859-1")
								.sendString(Mono.just("# " + name + "\ninstance=" + name + "\ntimeout.ms=1500\n")))
						.post("/orders", (req, res) -> req.receive().aggregate().asString()
								.flatMap(order -> signed(order, req.requestHeaders().get(SIGNATURE))
										? res.header("Content-Type", "application/json")
												.sendString(Mono.just("{\"accepted\":" + order + ",\"by\":\"" + name + "\"}")).then()
										: res.status(401).sendString(Mono.just("bad signature")).then()))
						.ws("/ticks", (in, out) -> out.sendString(Flux.just(name + " 1", name + " 2", name + " 3"))))
				.bindNow(Duration.ofSeconds(10));
	}

	/**
	 * A discovery service on {@code 127.0.0.1} (a free port) that answers
	 * {@code GET /services/<any>} with the next of {@code instances} (base URLs) in turn, and
	 * counts the lookups in {@code lookups}.
	 */
	public static DisposableServer startDiscovery(List<String> instances, AtomicInteger lookups) {
		return HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/services/{name}", (req, res) -> res.sendString(Mono.just(
						instances.get(Math.floorMod(lookups.getAndIncrement(), instances.size()))))))
				.bindNow(Duration.ofSeconds(10));
	}

	/**
	 * Runs a discovery service in front of a gone instance and a live one, and calls the
	 * service through it, printing the lifecycle: the first lookup names the gone instance, and
	 * the retry asks again.
	 */
	public static void main(String[] args) {
		DisposableServer gone = startInstance("gone", 0);
		gone.disposeNow();
		DisposableServer live = startInstance("live", 0);
		DisposableServer discovery = startDiscovery(List.of("http://127.0.0.1:" + gone.port(),
				"http://127.0.0.1:" + live.port()), new AtomicInteger());
		try {
			ServiceCaller caller = new ServiceCaller("http://127.0.0.1:" + discovery.port(), "greeter");
			caller.events().subscribe(e -> System.out.println("  " + e));
			System.out.println(caller.text("/hello").block(Duration.ofSeconds(10)));
		}
		finally {
			live.disposeNow();
			discovery.disposeNow();
		}
	}
}
