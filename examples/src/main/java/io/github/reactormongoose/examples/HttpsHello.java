/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.nio.file.Path;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.HttpProtocol;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tls.TlsSpec;
import reactor.core.publisher.Mono;

/**
 * An HTTPS server: {@code HttpServer.secure(TlsSpec.forServer(chain, key))}. The chain is PEM
 * (the server's certificate first, then intermediates), the key a PEM EC P-256 key or RSA key
 * (2,048 to 4,096 bits) in any form openssl writes. WebSocket routes are WSS on the same port.
 * Make a certificate as {@code docs/tls.md} shows.
 */
public final class HttpsHello {

	private HttpsHello() {
	}

	/** The server, configured and not bound: its routes, TLS with this chain and key. */
	public static HttpServer server(String host, int port, Path certChainPem, Path privateKeyPem) {
		return HttpServer.create()
				.host(host)
				.port(port)
				.secure(TlsSpec.forServer(certChainPem, privateKeyPem))
				// HTTP/1.1, the only version Mongoose serves (HttpProtocol.H2 would be refused here)
				.protocol(HttpProtocol.HTTP11)
				.route(r -> r.get("/hello", (req, res) -> res.header("Content-Type", "text/plain")
								.sendString(Mono.just("Hello over " + req.scheme() + "!")))
						.ws("/echo", (in, out) -> out.send(in.receive())));
	}

	/** Binds {@code host:port} (0: a free port) with TLS and waits up to 10 s. */
	public static DisposableServer start(String host, int port, Path certChainPem, Path privateKeyPem) {
		return server(host, port, certChainPem, privateKeyPem).bindNow(Duration.ofSeconds(10));
	}

	/**
	 * The same server in clear on {@code 127.0.0.1:port}, for local health checks and sidecars
	 * that do not speak TLS: the configured server with its spec taken off again
	 * ({@code noSSL()}), the routes unchanged.
	 */
	public static DisposableServer startLocalPlain(int port, Path certChainPem, Path privateKeyPem) {
		return server("127.0.0.1", port, certChainPem, privateKeyPem).noSSL().bindNow(Duration.ofSeconds(10));
	}

	/**
	 * Serves until interrupted.
	 * @param args the certificate chain and the private key (PEM files), optionally the port (default 8443);
	 *     {@code -DplainPort=N} serves the same routes in clear on 127.0.0.1:N too
	 */
	public static void main(String[] args) {
		if (args.length < 2) {
			System.err.println("usage: HttpsHello CHAIN.pem KEY.pem [PORT]");
			System.exit(2);
		}
		int port = args.length > 2 ? Integer.parseInt(args[2]) : 8443;
		DisposableServer server = start("127.0.0.1", port, Path.of(args[0]), Path.of(args[1]));
		Runtime.getRuntime().addShutdownHook(new Thread(server::disposeNow, "https-hello-shutdown"));
		Integer plainPort = Integer.getInteger("plainPort");
		if (plainPort != null) {
			DisposableServer plain = startLocalPlain(plainPort, Path.of(args[0]), Path.of(args[1]));
			Runtime.getRuntime().addShutdownHook(new Thread(plain::disposeNow, "https-hello-plain-shutdown"));
			System.out.println("and in clear on http://127.0.0.1:" + plain.port() + "/hello");
		}
		System.out.println("HTTPS on https://localhost:" + server.port() + "/hello (try: curl --cacert ca.pem ...)");
		server.onDispose().block();
	}
}
