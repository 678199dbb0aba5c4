/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;

/**
 * Streaming responses through {@code writeAndFlushWith}: Server-Sent Events and NDJSON from
 * endless sources must reach the client item by item (a buffering server would never answer).
 */
class StreamingTest extends AbstractAdapterTest {

	record Tick(long n, String label) {
	}

	private static RouterFunction<ServerResponse> routes() {
		return RouterFunctions
				.route(GET("/sse"), req -> ServerResponse.ok().contentType(MediaType.TEXT_EVENT_STREAM)
						.body(Flux.interval(Duration.ofMillis(50))
								.map(i -> ServerSentEvent.builder("tick " + i).id(String.valueOf(i)).event("tick").build()),
								ServerSentEvent.class))
				.andRoute(GET("/ndjson"), req -> ServerResponse.ok().contentType(MediaType.APPLICATION_NDJSON)
						.body(Flux.interval(Duration.ofMillis(50)).map(i -> new Tick(i, "t" + i)), Tick.class))
				.andRoute(GET("/json-array"), req -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
						.body(Flux.range(0, 5).map(i -> new Tick(i, "t" + i)), Tick.class))
				.andRoute(GET("/sse-finite"), req -> ServerResponse.ok()
						.body(Flux.range(0, 3).map(i -> ServerSentEvent.builder(Map.of("n", i)).build()),
								ServerSentEvent.class));
	}

	@Test
	void serverSentEventsArriveOneByOne() {
		start(RouterFunctions.toHttpHandler(routes()));
		Flux<ServerSentEvent<String>> events = webClient().get().uri("/sse")
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
				});
		StepVerifier.create(events.take(3))
				.assertNext(e -> {
					assertThat(e.data()).isEqualTo("tick 0");
					assertThat(e.id()).isEqualTo("0");
					assertThat(e.event()).isEqualTo("tick");
				})
				.assertNext(e -> assertThat(e.data()).isEqualTo("tick 1"))
				.assertNext(e -> assertThat(e.data()).isEqualTo("tick 2"))
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void sseHeadersAndFiniteStream() throws Exception {
		start(RouterFunctions.toHttpHandler(routes()));
		var r = get("/sse-finite");
		assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
		assertThat(r.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
		assertThat(r.body()).isEqualTo("data:{\"n\":0}\n\ndata:{\"n\":1}\n\ndata:{\"n\":2}\n\n");
	}

	@Test
	void streamingJsonIsFlushedPerItem() {
		start(RouterFunctions.toHttpHandler(routes()));
		Flux<Tick> ticks = webClient().get().uri("/ndjson").accept(MediaType.APPLICATION_NDJSON)
				.retrieve().bodyToFlux(Tick.class);
		StepVerifier.create(ticks.take(4))
				.expectNext(new Tick(0, "t0"), new Tick(1, "t1"), new Tick(2, "t2"), new Tick(3, "t3"))
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void jsonArrayOfAFlux() {
		start(RouterFunctions.toHttpHandler(routes()));
		StepVerifier.create(webClient().get().uri("/json-array").retrieve()
						.bodyToMono(new ParameterizedTypeReference<List<Tick>>() {
						}))
				.assertNext(l -> assertThat(l).hasSize(5).first().isEqualTo(new Tick(0, "t0")))
				.expectComplete()
				.verify(TIMEOUT);
	}
}
