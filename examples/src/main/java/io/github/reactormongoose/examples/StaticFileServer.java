/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.nio.file.Path;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.StaticFileOptions;
import reactor.core.publisher.Mono;

/**
 * A static file server: {@code route.directory("/", root)} serves a directory tree, with
 * {@code index.html} for directories, validators and 304s, byte ranges, precompressed
 * {@code .gz} siblings and {@code sendfile(2)}; {@code /health} is an ordinary route beside it.
 * With {@code listing}, a directory without {@code index.html} is answered with a listing.
 */
public final class StaticFileServer {

	private final DisposableServer server;

	private StaticFileServer(DisposableServer server) {
		this.server = server;
	}

	/**
	 * Serves {@code root} on {@code host:port} (port 0 picks a free one), waiting up to 10 s
	 * until it is bound.
	 */
	public static StaticFileServer start(String host, int port, Path root, boolean listing) {
		StaticFileOptions options = StaticFileOptions.defaults()
				.directoryListing(listing)
				.cacheControl("no-cache"); // revalidate each time: the ETag makes that a 304
		DisposableServer server = HttpServer.create()
				.host(host)
				.port(port)
				.route(r -> r.get("/health", (req, res) -> res.sendString(Mono.just("ok")))
						.directory("/", root, options))
				.bindNow(Duration.ofSeconds(10));
		return new StaticFileServer(server);
	}

	public int port() {
		return server.port();
	}

	/** Stops and waits up to 1 s for open connections. */
	public void disposeNow() {
		server.disposeNow(Duration.ofSeconds(1));
	}

	/**
	 * Serves a directory until interrupted (Ctrl-C).
	 * @param args the directory (default: the working directory), optionally {@code --listing};
	 *        {@code -Dport} (default 8080) and {@code -Dhost} (default 127.0.0.1)
	 */
	public static void main(String[] args) {
		Path root = Path.of(".");
		boolean listing = false;
		for (String a : args) {
			if (a.equals("--listing")) {
				listing = true;
			}
			else {
				root = Path.of(a);
			}
		}
		String host = System.getProperty("host", "127.0.0.1");
		int port = Integer.getInteger("port", 8080);
		StaticFileServer s = start(host, port, root, listing);
		Runtime.getRuntime().addShutdownHook(new Thread(s::disposeNow, "static-shutdown"));
		System.out.println("Serving " + root.toAbsolutePath().normalize() + " on http://" + host + ":" + s.port() + "/");
		s.server.onDispose().block();
	}
}
