/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import java.time.Duration;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The core's {@code ResponseShapesTest} through the WebFlux adapter: 1,200 random responses
 * made by Spring (status, framing and connection headers, Mono, Flux, failing and SSE bodies,
 * an unread request body), each with a request pipelined behind it, read by h11 (a strict
 * HTTP/1.1 parser; Debian's {@code python3-h11}, skipped with a notice without it).
 */
class ResponseShapesTest extends AbstractAdapterTest {

	private static Mono<ServerResponse> shape(MultiValueMap<String, String> q, Mono<String> requestBody) {
		ServerResponse.BodyBuilder b = ServerResponse.status(q.getFirst("status") != null
				? Integer.parseInt(q.getFirst("status")) : 200);
		if (q.getFirst("cl") != null) {
			b.header("Content-Length", q.getFirst("cl"));
		}
		if (q.getFirst("te") != null) {
			b.header("Transfer-Encoding", "chunked");
		}
		if (q.getFirst("conn") != null) {
			b.header("Connection", q.getFirst("conn"));
		}
		b.contentType(MediaType.TEXT_PLAIN);
		String body = q.getFirst("body") == null ? "none" : q.getFirst("body");
		return switch (body) {
			case "mono" -> b.bodyValue("hello mono");
			case "flux" -> b.body(Flux.just("hel", "lo ", "flux"), String.class);
			case "slowflux" -> b.body(Flux.just("a", "b", "c").delayElements(Duration.ofMillis(2)), String.class);
			case "emptyflux" -> b.body(Flux.empty(), String.class);
			case "errbefore" -> b.body(Flux.error(new IllegalStateException("before the head")), String.class);
			case "errafter" -> b.body(Flux.just("part").concatWith(Flux.error(new IllegalStateException("after"))),
					String.class);
			case "sse" -> b.contentType(MediaType.TEXT_EVENT_STREAM)
					.body(Flux.just(ServerSentEvent.builder("e1").build()), ServerSentEvent.class);
			case "readbody" -> b.body(requestBody.defaultIfEmpty("").map(x -> "got " + x.length()), String.class);
			default -> b.build();
		};
	}

	@Test
	void aStrictParserReadsEveryResponseShapeSpringMakes() throws Exception {
		String python = PythonPeers.pythonWith("h11", "python3-h11");
		RouterFunction<ServerResponse> routes = route()
				.route(RequestPredicates.path("/r"), req -> shape(req.queryParams(), req.bodyToMono(String.class)))
				.GET("/h", req -> ServerResponse.ok().bodyValue("hello"))
				.build();
		start(RouterFunctions.toHttpHandler(routes));
		String out = PythonPeers.run(python, "../reactor-mongoose/src/test/python/response_shapes.py", port(), 1200, 3);
		assertThat(counter(out, "rounds")).isEqualTo(1200);
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "followup_ok")).as(out).isGreaterThan(600);
	}
}
