/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.spring.http.MongooseHttpHandlerAdapter;
import io.netty.channel.epoll.Epoll;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;

/**
 * The same Spring WebFlux functional application served by reactor-mongoose
 * ({@link MongooseHttpHandlerAdapter} on {@code io.github.reactormongoose.http.server.HttpServer})
 * or by Reactor Netty (Spring's {@link ReactorHttpHandlerAdapter} on
 * {@code reactor.netty.http.server.HttpServer}), both with default settings.
 * {@code java -cp benchmarks.jar io.github.reactormongoose.benchmarks.WebFluxServer PORT SCENARIO ENGINE}
 * with ENGINE {@code reactor-mongoose} or {@code reactor-netty}, and for reactor-mongoose an
 * optional {@code loops=N}: {@code HttpServer.loops(N)}, N loops of its own listening on the port
 * (without it: one loop of its own, poll thread {@code mongoose-bench}).
 * <p>Scenario {@code hello}: {@code GET /} answers "Hello, World!" (13 bytes) with an explicit
 * {@code Content-Type: text/plain}, so a response has a few more header bytes than those of the
 * plain servers. Scenario {@code download}: {@code GET /} answers {@link Workloads#DOWNLOAD_BYTES}
 * with {@code Content-Length}, as a {@code Flux<DataBuffer>} of {@code DefaultDataBuffer}s
 * wrapping views of {@link Workloads#DOWNLOAD_SLICE} (what a handler streaming a body it holds
 * in memory writes).
 */
public final class WebFluxServer {

	private static final String USAGE = "usage: WebFluxServer PORT hello|download reactor-mongoose|reactor-netty [loops=N]";

	private WebFluxServer() {
	}

	static RouterFunction<ServerResponse> router(String scenario) {
		if ("download".equals(scenario)) {
			return RouterFunctions.route()
					.GET("/", req -> ServerResponse.ok().contentLength(Workloads.DOWNLOAD_BYTES)
							.body(BodyInserters.fromDataBuffers(Flux.<DataBuffer>generate(s -> s.next(
									DefaultDataBufferFactory.sharedInstance.wrap(Workloads.DOWNLOAD_SLICE.duplicate())))
									.take(Workloads.downloadSlices()))))
					.build();
		}
		return RouterFunctions.route()
				.GET("/", req -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(Workloads.HELLO))
				.build();
	}

	public static void main(String[] argv) {
		if (argv.length < 3 || argv.length > 4 || !("hello".equals(argv[1]) || "download".equals(argv[1]))
				|| !("reactor-mongoose".equals(argv[2]) || "reactor-netty".equals(argv[2]))
				|| (argv.length == 4 && !("reactor-mongoose".equals(argv[2]) && argv[3].matches("loops=[1-9][0-9]*")))) {
			System.err.println(USAGE);
			System.exit(2);
		}
		int port = Integer.parseInt(argv[0]);
		String engine = argv[2];
		int loops = argv.length == 4 ? Integer.parseInt(argv[3].substring("loops=".length())) : 0;
		String scenario = argv[1];
		HttpHandler httpHandler = RouterFunctions.toHttpHandler(router(scenario));
		if ("reactor-mongoose".equals(engine)) {
			io.github.reactormongoose.http.server.HttpServer server = io.github.reactormongoose.http.server.HttpServer
					.create().host("127.0.0.1").port(port).loopName("mongoose-bench");
			if (loops > 0) {
				server = server.loops(loops);
			}
			io.github.reactormongoose.DisposableServer bound = server.handle(new MongooseHttpHandlerAdapter(httpHandler))
					.bindNow();
			ready("webflux-reactor-mongoose", scenario, bound.port(),
					"Mongoose " + MongooseLoop.mongooseVersion() + (loops > 0 ? ", loops " + loops : ""));
			Runtime.getRuntime().addShutdownHook(new Thread(bound::dispose));
			bound.onDispose().block();
		}
		else {
			reactor.netty.DisposableServer bound = reactor.netty.http.server.HttpServer.create()
					.host("127.0.0.1").port(port)
					.handle(new ReactorHttpHandlerAdapter(httpHandler)).bindNow();
			ready("webflux-reactor-netty", scenario, bound.port(), "native epoll: " + Epoll.isAvailable());
			Runtime.getRuntime().addShutdownHook(new Thread(bound::disposeNow));
			bound.onDispose().block();
		}
	}

	private static void ready(String server, String scenario, int port, String detail) {
		System.out.println("READY " + server + " " + scenario + " port " + port + " (" + detail + ")");
		System.out.flush();
	}
}
