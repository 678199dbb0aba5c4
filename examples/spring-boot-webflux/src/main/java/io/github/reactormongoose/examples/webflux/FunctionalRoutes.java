/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import io.github.reactormongoose.spring.websocket.MongooseWebSocketClient;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.WebSocketClient;

/**
 * Functional endpoints ({@code RouterFunction}), next to the annotated ones; one of them calls
 * another service with a {@code WebClient} that runs on reactor-mongoose too: Boot's
 * auto-configured {@code WebClient.Builder}, whose connector reactor-mongoose-spring provides
 * (no Reactor Netty in this application); another talks to a WebSocket endpoint with
 * {@link MongooseWebSocketClient}.
 */
@Configuration(proxyBeanMethods = false)
public class FunctionalRoutes {

	/** Spring's reactive WebSocket client on reactor-mongoose (Reactor Netty's is not on the class path). */
	@Bean
	WebSocketClient webSocketClient() {
		return new MongooseWebSocketClient();
	}

	@Bean
	RouterFunction<ServerResponse> fnRoutes(WebClient.Builder webClients, WebSocketClient webSocketClient) {
		WebClient webClient = webClients.build();
		return RouterFunctions.route()
				// calls /fn/hello of this server, as it would call another service
				.GET("/fn/relay", req -> webClient.get().uri(req.uri().resolve("/fn/hello?name=relay"))
						.retrieve().bodyToMono(String.class)
						.map(hello -> "relayed (" + Thread.currentThread().getName() + "): " + hello)
						.flatMap(s -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(s)))
				// sends ?text= to the WebSocket echo endpoint of this server and answers with the reply
				.GET("/fn/ws-relay", req -> {
					URI echo = URI.create("ws://" + req.uri().getRawAuthority() + "/ws/echo");
					String text = req.queryParam("text").orElse("hello");
					Sinks.One<String> reply = Sinks.one();
					return webSocketClient.execute(echo, session -> session.send(Mono.just(session.textMessage(text)))
							.thenMany(session.receive().take(1).map(WebSocketMessage::getPayloadAsText))
							.doOnNext(r -> reply.tryEmitValue(r + " (" + Thread.currentThread().getName() + ")"))
							.then())
						.then(reply.asMono())
						.flatMap(r -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(r));
				})
				.GET("/fn/hello", req -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
						.bodyValue("Hello from a router function, " + req.queryParam("name").orElse("stranger")))
				.GET("/fn/info", req -> ServerResponse.ok().bodyValue(Map.of(
						"server", "reactor-mongoose",
						"time", Instant.now().toString(),
						"path", req.path())))
				.POST("/fn/upper", req -> req.bodyToMono(String.class)
						.defaultIfEmpty("")
						.flatMap(s -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(s.toUpperCase(Locale.ROOT))))
				.GET("/fn/missing", req -> ServerResponse.notFound().build())
				.build();
	}
}
