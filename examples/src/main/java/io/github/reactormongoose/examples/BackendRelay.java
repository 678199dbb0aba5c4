/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerResponse;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * An HTTP front for a line-based TCP backend, with what one needs to debug such a relay:
 * {@code GET /ask/{question}} opens a connection to the backend ({@link TcpClient}), sends the
 * question as one line and answers with the backend's line.
 * <ul>
 * <li><b>Wire logging</b>: with {@code wiretap}, every byte of both hops is logged as text at
 * INFO on the logger {@link #WIRE_LOG} (Reactor Netty's {@code wiretap(category, level,
 * AdvancedByteBufFormat.TEXTUAL)}): the HTTP request and response as they crossed the socket,
 * and the line exchanged with the backend, each with its connection's id and addresses.</li>
 * <li><b>A connect timeout</b>: a backend that does not accept (down behind a firewall that
 * drops SYNs, its backlog full) fails the connect after {@code connectTimeout}, and the client
 * gets a 504 at once instead of waiting for the kernel's two minutes.</li>
 * </ul>
 * Each answer says in {@code X-Relay-Ms} how long it took since the request arrived
 * ({@code HttpServerRequest.timestamp()}, the time the poll that read it returned).
 * {@link #startBackend(int)} is a backend for trying it: it answers each line upper-cased.
 */
public final class BackendRelay implements Disposable {

	/** The logger of the wire lines of both hops. */
	public static final String WIRE_LOG = "examples.relay.wire";

	private final DisposableServer server;

	private BackendRelay(DisposableServer server) {
		this.server = server;
	}

	/**
	 * Starts the relay on {@code 127.0.0.1:port} (0: a free port) for the backend at
	 * {@code backendHost:backendPort}, with wire logging when {@code wiretap} is set.
	 */
	public static BackendRelay start(int port, String backendHost, int backendPort, Duration connectTimeout,
			boolean wiretap) {
		TcpClient backend = TcpClient.create().host(backendHost).port(backendPort).connectTimeout(connectTimeout);
		HttpServer http = HttpServer.create().port(port);
		if (wiretap) {
			backend = backend.wiretap(WIRE_LOG, LogLevel.INFO, AdvancedByteBufFormat.TEXTUAL);
			http = http.wiretap(WIRE_LOG, LogLevel.INFO, AdvancedByteBufFormat.TEXTUAL);
		}
		TcpClient client = backend;
		DisposableServer server = http
				.route(r -> r.get("/ask/{question}", (req, res) -> ask(client, req.param("question"))
						.flatMap(answer -> res.header("Content-Type", "text/plain; charset=utf-8")
								// how long the answer took since the request arrived (HttpServerRequest.timestamp())
								.header("X-Relay-Ms", String.valueOf(
										System.currentTimeMillis() - req.timestamp().toInstant().toEpochMilli()))
								.sendString(Mono.just(answer + "\n")).then())
						.onErrorResume(e -> failed(res, e))))
				.bindNow(Duration.ofSeconds(10));
		return new BackendRelay(server);
	}

	/** One question, one connection: the question's line out, the answer's line back. */
	static Mono<String> ask(TcpClient backend, String question) {
		return Mono.usingWhen(backend.connect(),
				c -> c.send((question + "\n").getBytes(StandardCharsets.UTF_8)).then(firstLine(c)),
				c -> Mono.fromRunnable(c::close));
	}

	private static Mono<String> firstLine(Connection c) {
		return c.receive().map(b -> StandardCharsets.UTF_8.decode(b).toString())
				.scan(String::concat)
				.filter(s -> s.indexOf('\n') >= 0)
				.next()
				.map(s -> s.substring(0, s.indexOf('\n')))
				.switchIfEmpty(Mono.error(new IllegalStateException("the backend closed without an answer")));
	}

	private static Mono<Void> failed(HttpServerResponse res, Throwable e) {
		boolean timedOut = e.getCause() instanceof SocketTimeoutException;
		return res.status(timedOut ? 504 : 502).header("Content-Type", "text/plain; charset=utf-8")
				.sendString(Mono.just((timedOut ? "backend timeout: " : "backend failed: ") + e.getMessage() + "\n"))
				.then();
	}

	/** A backend on {@code 127.0.0.1:port} (0: a free port) answering each line upper-cased. */
	public static DisposableServer startBackend(int port) {
		return TcpServer.create().port(port)
				.handle((in, out) -> out.sendString(in.receiveString()
						.map(line -> line.strip().toUpperCase(Locale.ROOT) + "\n")))
				.bindNow(Duration.ofSeconds(10));
	}

	public int port() {
		return server.port();
	}

	@Override
	public void dispose() {
		server.disposeNow(Duration.ofSeconds(5));
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	/**
	 * Runs a backend and the relay until interrupted, wiretap on (the lines go to Reactor's
	 * logger: SLF4J when present, else the console).
	 * @param args optional: the relay's port (default 8080)
	 */
	public static void main(String[] args) {
		int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
		DisposableServer backend = startBackend(0);
		BackendRelay relay = start(port, "127.0.0.1", backend.port(), Duration.ofSeconds(2), true);
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			relay.dispose();
			backend.disposeNow(Duration.ofSeconds(5));
		}, "relay-shutdown"));
		System.out.println("Relay on http://127.0.0.1:" + relay.port() + "/ask/hello (backend tcp://127.0.0.1:"
				+ backend.port() + "); wire lines on the logger " + WIRE_LOG);
		backend.onDispose().block();
	}
}
