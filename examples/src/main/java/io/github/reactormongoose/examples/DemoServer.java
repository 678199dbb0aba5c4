/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.server.HttpServer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The demo server behind {@code ./run-demo.sh}: one {@link HttpServer} with
 * <ul>
 *   <li>{@code GET /}: an HTML page that uses the endpoints below with plain JavaScript;</li>
 *   <li>{@code GET /hello}: {@code Hello, World!} as {@code text/plain};</li>
 *   <li>{@code POST /echo}: the body back as JSON (a body that is not JSON is wrapped as
 *       {@code {"echo": "..."}});</li>
 *   <li>{@code GET /visits}: counts the caller's visits in a cookie ({@code addCookie}, {@code cookie});</li>
 *   <li>{@code GET /sse/clock}: Server-Sent Events, one {@code tick} per second with the time;</li>
 *   <li>{@code ws /ws/echo}: a WebSocket that sends every message back.</li>
 * </ul>
 * Bodies of 1 KiB and more (the page), and streams (the clock), are gzipped for clients that
 * accept it.
 * Run it with {@code java ... io.github.reactormongoose.examples.DemoServer [PORT]}; the
 * system properties {@code host} (default {@code 127.0.0.1}) and {@code port} (default 8000)
 * also choose the address.
 */
public final class DemoServer {

	/** Default address of {@link #main(String[])}. */
	public static final String DEFAULT_HOST = "127.0.0.1";
	public static final int DEFAULT_PORT = 8000;

	static final String INDEX_RESOURCE = "/demo/index.html";

	/**
	 * Jackson with its strict defaults (RFC 8259: no comments, single quotes, trailing commas,
	 * NaN or leading zeros; nesting limited by its stream read constraints), and nothing may
	 * follow the value.
	 */
	static final ObjectMapper JSON = JsonMapper.builder()
			.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
			.build();

	private DemoServer() {
	}

	/**
	 * Binds the demo on {@code host:port} (port 0 picks a free one) and returns at once.
	 * The server runs on loops of its own, one per available processor (threads
	 * {@code demo-server-<i>}, all accepting on the port), until disposed.
	 */
	public static DisposableServer start(String host, int port) {
		byte[] index = resource(INDEX_RESOURCE);
		return HttpServer.create()
				.host(host)
				.port(port)
				.loopName("demo-server")
				.loops(MongooseLoops.defaultSize())
				.compress(1024)
				.route(routes -> routes
						.get("/", (req, res) -> res
								.header("Content-Type", "text/html; charset=utf-8")
								.sendByteArray(Mono.just(index)))
						.get("/hello", (req, res) -> res
								.header("Content-Type", "text/plain")
								.sendString(Mono.just("Hello, World!")))
						.post("/echo", (req, res) -> res
								.header("Content-Type", "application/json")
								.sendString(req.receiveString().map(DemoServer::echoJson)))
						.get("/visits", (req, res) -> {
							int n = visits(req.cookie("visits")) + 1;
							return res.header("Content-Type", "text/plain")
									.addCookie(Cookie.of("visits", Integer.toString(n)).path("/").httpOnly(true)
											.sameSite("Lax").maxAge(Duration.ofDays(30)))
									.sendString(Mono.just("Visit number " + n));
						})
						.get("/sse/clock", (req, res) -> res.sendSse(clock()))
						// each text or binary message goes back as it came
						.ws("/ws/echo", (in, out) -> out.send(in.receive())))
				.bindNow();
	}

	/** The count in a {@code visits} cookie: 0 if absent or not a count (the client may send anything). */
	static int visits(@Nullable String cookie) {
		if (cookie == null || cookie.isEmpty() || cookie.length() > 9 || !cookie.chars().allMatch(Character::isDigit)) {
			return 0;
		}
		return Integer.parseInt(cookie);
	}

	/** The request body if it is a JSON text, else {@code {"echo":"<body>"}}. */
	static String echoJson(String body) {
		if (isJson(body)) {
			return body;
		}
		try {
			return JSON.writeValueAsString(Map.of("echo", body));
		}
		catch (JsonProcessingException e) {
			throw new IllegalStateException("cannot write a map of one string as JSON", e);
		}
	}

	/** Whether {@code text} is exactly one JSON value, optionally surrounded by whitespace. */
	static boolean isJson(String text) {
		try {
			// no content at all reads as a MissingNode
			return !JSON.readTree(text).isMissingNode();
		}
		catch (JsonProcessingException e) {
			return false;
		}
	}

	/** One {@code tick} at once, then one per second; ids count from 0. */
	static Flux<ServerSentEvent> clock() {
		return Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
				.map(i -> ServerSentEvent.builder()
						.id(Long.toString(i))
						.event("tick")
						.data(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
						.build());
	}

	private static byte[] resource(String name) {
		try (InputStream in = DemoServer.class.getResourceAsStream(name)) {
			if (in == null) {
				throw new IllegalStateException("missing class path resource " + name);
			}
			return in.readAllBytes();
		}
		catch (IOException e) {
			throw new UncheckedIOException("cannot read class path resource " + name, e);
		}
	}

	/** The URL of a bound server, with IPv6 hosts in brackets. */
	static String url(String scheme, DisposableServer server) {
		String host = server.host();
		return scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
	}

	/**
	 * Starts the demo and blocks until it is disposed (Ctrl-C disposes it).
	 * @param args optional: the port (overrides {@code -Dport})
	 */
	public static void main(String[] args) {
		String host = System.getProperty("host", DEFAULT_HOST);
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", Integer.toString(DEFAULT_PORT)));
		DisposableServer server = start(host, port);
		Runtime.getRuntime().addShutdownHook(new Thread(
				// SSE streams never end on their own: give exchanges 1 s, then close them
				() -> server.disposeNow(Duration.ofSeconds(1)), "demo-server-shutdown"));
		System.out.println("Demo server listening on " + url("http", server));
		server.onDispose().block();
	}
}
