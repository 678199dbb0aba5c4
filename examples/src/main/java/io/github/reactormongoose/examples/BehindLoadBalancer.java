/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.http.server.HttpServer;
import reactor.core.publisher.Mono;

/**
 * An HTTP server behind a TCP load balancer that speaks the PROXY protocol (HAProxy with
 * {@code send-proxy-v2}, nginx's {@code stream} module with {@code proxy_protocol on}, an AWS
 * Network Load Balancer): the balancer starts each connection with a header naming the client,
 * and {@code remoteAddress()} is that client, not the balancer. With
 * {@link ProxyProtocolSupportType#AUTO AUTO} the port also takes connections that come
 * directly (health checks, operators on the host); use {@code ON} where only the balancer can
 * reach the port.
 * <p>
 * Clients on a block list are refused by the address the balancer names, before a byte of their
 * request is read ({@code doOnConnection}, closing the connection): a block list by the
 * socket's peer would only ever see the balancer.
 * <p>
 * {@code java -cp ... io.github.reactormongoose.examples.BehindLoadBalancer [port]}, then
 * {@code curl --haproxy-protocol http://127.0.0.1:8092/} (curl sends a version 1 header).
 */
public final class BehindLoadBalancer {

	private BehindLoadBalancer() {
	}

	/** Starts on {@code host:port} (0: a free port), taking connections with and without a header. */
	public static DisposableServer start(String host, int port) {
		return start(host, port, Set.of());
	}

	/** The same, refusing the clients whose addresses are in {@code blocked} (e.g. {@code 198.51.100.23}). */
	public static DisposableServer start(String host, int port, Set<String> blocked) {
		return HttpServer.create().host(host).port(port)
				.proxyProtocol(ProxyProtocolSupportType.AUTO)
				.doOnConnection(connection -> {
					if (blocked.contains(connection.remoteAddress().getAddress().getHostAddress())) {
						connection.close();
					}
				})
				.accessLog(true) // the access log names the client too
				.handle((req, res) -> {
					InetSocketAddress client = req.remoteAddress();
					return res.header("Content-Type", "text/plain")
							.sendString(Mono.just("client " + client.getAddress().getHostAddress() + " port " + client.getPort() + "\n"));
				})
				.bindNow(Duration.ofSeconds(10));
	}

	public static void main(String[] args) {
		DisposableServer server = start("127.0.0.1", args.length > 0 ? Integer.parseInt(args[0]) : 8092,
				Set.of("198.51.100.23"));
		System.out.println("Behind a load balancer on http://127.0.0.1:" + server.port() + "/ (PROXY protocol: AUTO)");
		server.onDispose().block();
	}
}
