/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.time.Duration;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.testing.FullBacklog;
import reactor.core.publisher.Mono;

/**
 * The child JVM of {@link HttpClientNextAddressTest}, started with a hosts file in which
 * {@code multi.test} is 127.0.0.2 first, then 127.0.0.1 (the JDK's {@code jdk.net.hosts.file})
 * for the refusals, and {@code slow.test} 127.0.0.1 then 127.0.0.2 for the timeout: servers on
 * one of them, then calls to the names, one line each.
 */
public final class NextAddressMain {

	private NextAddressMain() {
	}

	public static void main(String[] args) {
		DisposableServer server = HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/where", (req, res) -> res.sendString(Mono.just("served on " + req.hostAddress()))))
				.bindNow(Duration.ofSeconds(10));
		try {
			String url = "http://multi.test:" + server.port() + "/where";
			print("plain", HttpClient.create(), url);
			// a filter that admits both addresses: tried in the same order
			print("filtered", HttpClient.create().addressFilter(a -> a.isLoopbackAddress()), url);
			// a filter that admits only the address that refuses: the refusal is the answer
			print("only-refusing", HttpClient.create().addressFilter(a -> a.getHostAddress().equals("127.0.0.2")), url);
			// TcpClient (and MongooseLoop.connect, MqttClient: the same helper) to the same name
			Connection tcp = TcpClient.create().host("multi.test").port(server.port()).connectNow(Duration.ofSeconds(20));
			System.out.println("tcp: connected to " + tcp.remoteAddress());
			tcp.close();
		}
		finally {
			server.disposeNow(Duration.ofSeconds(10));
		}
		// the first address takes no connection at all (a full backlog on 127.0.0.1): after the
		// connect timeout, the second (a server on 127.0.0.2, the same port) is tried
		try (FullBacklog silent = FullBacklog.open()) {
			DisposableServer second = HttpServer.create().host("127.0.0.2").port(silent.port())
					.route(r -> r.get("/where", (req, res) -> res.sendString(Mono.just("served on " + req.hostAddress()))))
					.bindNow(Duration.ofSeconds(10));
			try {
				long start = System.nanoTime();
				print("after-timeout", HttpClient.create().connectTimeout(Duration.ofMillis(500)),
						"http://slow.test:" + silent.port() + "/where");
				System.out.println("after-timeout-ms: " + (System.nanoTime() - start) / 1_000_000);
			}
			finally {
				second.disposeNow(Duration.ofSeconds(10));
			}
		}
		catch (java.io.IOException | org.opentest4j.TestAbortedException e) {
			System.out.println("after-timeout: skipped (" + e + ")");
		}
		System.out.println("done");
	}

	private static void print(String name, HttpClient client, String url) {
		String result;
		try {
			result = client.get().uri(url).responseSingle((res, body) -> body.map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8)).defaultIfEmpty(""))
					.block(Duration.ofSeconds(20));
		}
		catch (RuntimeException e) {
			Throwable t = reactor.core.Exceptions.unwrap(e);
			result = t.getClass().getSimpleName() + ": " + t.getMessage();
		}
		System.out.println(name + ": " + result);
	}
}
