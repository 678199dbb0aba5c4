/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.HttpServer;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * "reactor-mongoose HttpServer": the low-level server of this project, replying from the poll
 * thread. {@code java -cp benchmarks.jar io.github.reactormongoose.benchmarks.MongooseServer PORT SCENARIO}
 */
public final class MongooseServer {

	private MongooseServer() {
	}

	public static void main(String[] argv) {
		Object[] a = Workloads.args(argv, "MongooseServer");
		int port = (Integer) a[0];
		Workloads.Scenario scenario = (Workloads.Scenario) a[1];
		HttpServer server = HttpServer.create().host("127.0.0.1").port(port).loopName("mongoose-bench");
		server = switch (scenario) {
			case HELLO -> server.handle((req, res) -> res.sendString(Mono.just(Workloads.HELLO)));
			case BIG -> server.handle((req, res) -> res.sendByteArray(Mono.just(Workloads.BODY_64K)));
			case ECHO -> server.maxRequestBodySize(Workloads.MAX_ECHO_BODY)
					.handle((req, res) -> res.header("Content-Length", req.requestHeaders().get("Content-Length"))
							.send(req.receive()));
			case FIB -> server.handle((req, res) -> res.sendString(
					Mono.fromCallable(Workloads::fibText).subscribeOn(Schedulers.boundedElastic())));
		};
		DisposableServer bound = server.bindNow();
		System.out.println("READY reactor-mongoose " + scenario.id + " port " + bound.port() + " (Mongoose "
				+ MongooseLoop.mongooseVersion() + ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(bound::dispose));
		bound.onDispose().block();
	}
}
