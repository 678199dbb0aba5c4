/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * "reactor-mongoose HttpServer": the low-level server of this project, replying from the poll
 * thread. {@code java -cp benchmarks.jar io.github.reactormongoose.benchmarks.MongooseServer PORT SCENARIO [loops=N]}
 * <p>Without {@code loops=N}: one loop of its own, poll thread {@code mongoose-bench}. With
 * {@code loops=N}: {@code HttpServer.loops(N)}, N loops of its own ({@code mongoose-bench-<i>}),
 * all listening on the port; the server then also counts the requests and connections each poll
 * thread served and answers {@code GET /__spread} with those counts (then resets them).
 */
public final class MongooseServer {

	private MongooseServer() {
	}

	public static void main(String[] argv) {
		Object[] a = Workloads.args(argv, "MongooseServer", "[loops=N]");
		int port = (Integer) a[0];
		Workloads.Scenario scenario = (Workloads.Scenario) a[1];
		int loops = Workloads.loopsOption((String) a[2], "MongooseServer", 0);
		HttpServer server = HttpServer.create().host("127.0.0.1").port(port).loopName("mongoose-bench");
		if (loops > 0) {
			server = server.loops(loops);
		}
		BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler = switch (scenario) {
			case HELLO -> (req, res) -> res.sendString(Mono.just(Workloads.HELLO));
			case BIG -> (req, res) -> res.sendByteArray(Mono.just(Workloads.BODY_64K));
			case ECHO -> (req, res) -> res.header("Content-Length", req.requestHeaders().get("Content-Length"))
					.send(req.receive());
			case FIB -> (req, res) -> res.sendString(
					Mono.fromCallable(Workloads::fibText).subscribeOn(Schedulers.boundedElastic()));
			// computed right here, on the poll thread of the connection's loop
			case SHA -> (req, res) -> res.sendString(Mono.just(Workloads.sha256Hex()));
			case SHA_OFFLOAD -> (req, res) -> res.sendString(
					Mono.fromCallable(Workloads::sha256Hex).subscribeOn(Schedulers.boundedElastic()));
			// default limits: the body streams and is counted piece by piece
			case UPLOAD -> (req, res) -> res.sendString(req.receive()
					.reduce(new Workloads.Upload(), (u, b) -> u.add(b.remaining())).map(Workloads.Upload::result));
		};
		if (scenario == Workloads.Scenario.ECHO) {
			server = server.maxRequestBodySize(Workloads.MAX_ECHO_BODY);
		}
		if (loops > 0) {
			LoopSpread spread = new LoopSpread();
			BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> inner = handler;
			handler = (req, res) -> {
				if (req.uri().startsWith(LoopSpread.PATH)) {
					return res.sendString(Mono.fromSupplier(spread::drain));
				}
				spread.count(req.connectionId());
				return inner.apply(req, res);
			};
		}
		DisposableServer bound = server.handle(handler).bindNow();
		System.out.println("READY reactor-mongoose " + scenario.id + " port " + bound.port() + " (Mongoose "
				+ MongooseLoop.mongooseVersion() + (loops > 0 ? ", loops " + loops + ", " + LoopSpread.PATH : "")
				+ ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(bound::dispose));
		bound.onDispose().block();
	}
}
