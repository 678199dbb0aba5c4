/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.netty.channel.epoll.Epoll;
import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Reactor Netty {@code HttpServer} with default settings (default event-loop count, native
 * epoll transport when available).
 * {@code java -cp benchmarks.jar io.github.reactormongoose.benchmarks.NettyServer PORT SCENARIO}
 */
public final class NettyServer {

	private NettyServer() {
	}

	public static void main(String[] argv) {
		Object[] a = Workloads.args(argv, "NettyServer");
		int port = (Integer) a[0];
		Workloads.Scenario scenario = (Workloads.Scenario) a[1];
		HttpServer server = HttpServer.create().host("127.0.0.1").port(port);
		server = switch (scenario) {
			case HELLO -> server.handle((req, res) -> res.sendString(Mono.just(Workloads.HELLO)));
			case BIG -> server.handle((req, res) -> res.sendByteArray(Mono.just(Workloads.BODY_64K)));
			case ECHO -> server.handle((req, res) -> res
					.header(HttpHeaderNames.CONTENT_LENGTH, req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH))
					.send(req.receive().retain()));
			case FIB -> server.handle((req, res) -> res.sendString(
					Mono.just(Workloads.FIB_N).publishOn(Schedulers.boundedElastic()).map(n -> Workloads.fibText())));
			// computed right here, on the event loop of the connection
			case SHA -> server.handle((req, res) -> res.sendString(Mono.just(Workloads.sha256Hex())));
			case SHA_OFFLOAD -> server.handle((req, res) -> res.sendString(
					Mono.fromCallable(Workloads::sha256Hex).subscribeOn(Schedulers.boundedElastic())));
			case UPLOAD -> server.handle((req, res) -> res.sendString(req.receive()
					.reduce(new Workloads.Upload(), (u, b) -> u.add(b.readableBytes())).map(Workloads.Upload::result)));
		};
		DisposableServer bound = server.bindNow();
		System.out.println("READY reactor-netty " + scenario.id + " port " + bound.port() + " (native epoll: "
				+ Epoll.isAvailable() + ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(bound::disposeNow));
		bound.onDispose().block();
	}
}
