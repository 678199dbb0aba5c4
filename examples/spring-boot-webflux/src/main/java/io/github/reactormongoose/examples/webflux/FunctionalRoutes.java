/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import io.github.reactormongoose.http.client.HttpClientRequest;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.github.reactormongoose.spring.boot.MongooseClientHttpConnectorBuilder;
import io.github.reactormongoose.spring.http.client.MongooseClientHttpConnector;
import io.github.reactormongoose.spring.websocket.MongooseWebSocketClient;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.client.WebSocketClient;

/**
 * Functional endpoints ({@code RouterFunction}), next to the annotated ones; one of them calls
 * another service with a {@code WebClient} that runs on reactor-mongoose too: Boot's
 * auto-configured {@code WebClient.Builder}, whose connector reactor-mongoose-spring provides
 * (no Reactor Netty in this application); another talks to a WebSocket endpoint with
 * {@link MongooseWebSocketClient}. A call may carry its own response timeout as the
 * {@value #CALL_TIMEOUT} attribute of the {@code WebClient} request: a customizer of Boot's
 * connector builder gives the client a hook that reads it.
 */
@Configuration(proxyBeanMethods = false)
public class FunctionalRoutes {

	/** The {@code WebClient} request attribute (a {@link Duration}) that sets one call's response timeout. */
	static final String CALL_TIMEOUT = "responseTimeout";

	/**
	 * Boot's auto-configured {@code WebClient.Builder} runs on reactor-mongoose's connector; its
	 * client gets a hook that takes a call's {@value #CALL_TIMEOUT} attribute (which the connector
	 * puts in the exchange's Reactor context) as that call's response timeout.
	 */
	@Bean
	ClientHttpConnectorBuilderCustomizer<MongooseClientHttpConnectorBuilder> perCallTimeouts() {
		return builder -> builder.withHttpClientCustomizer(client -> client.doOnRequest(FunctionalRoutes::callTimeout));
	}

	/** The query parameter {@code name} as milliseconds (0 to 60,000), else {@code otherwise}; 400 if it is not one. */
	private static Duration millis(ServerRequest req, String name, long otherwise) {
		String v = req.queryParam(name).orElse(null);
		if (v == null) {
			return Duration.ofMillis(otherwise);
		}
		if (!v.matches("[0-9]{1,5}") || Long.parseLong(v) > 60_000) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, name + " must be a number of milliseconds from 0 to 60000");
		}
		return Duration.ofMillis(Long.parseLong(v));
	}

	private static void callTimeout(HttpClientRequest request) {
		request.currentContextView().<Map<String, Object>>getOrEmpty(MongooseClientHttpConnector.ATTRIBUTES_KEY)
				.map(attributes -> attributes.get(CALL_TIMEOUT))
				.ifPresent(timeout -> request.responseTimeout((Duration) timeout));
	}

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
				// (wss:// when the request came over HTTPS, as with the https profile)
				.GET("/fn/ws-relay", req -> {
					String scheme = "https".equalsIgnoreCase(req.uri().getScheme()) ? "wss" : "ws";
					URI echo = URI.create(scheme + "://" + req.uri().getRawAuthority() + "/ws/echo");
					String text = req.queryParam("text").orElse("hello");
					Sinks.One<String> reply = Sinks.one();
					return webSocketClient.execute(echo, session -> session.send(Mono.just(session.textMessage(text)))
							.thenMany(session.receive().take(1).map(WebSocketMessage::getPayloadAsText))
							.doOnNext(r -> reply.tryEmitValue(r + " (" + Thread.currentThread().getName() + ")"))
							.then())
						.then(reply.asMono())
						.flatMap(r -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(r));
				})
				// calls /fn/slow?ms=delayMs of this server, waiting at most timeoutMs for its answer (504 after)
				.GET("/fn/relay-slow", req -> webClient.get()
						.uri(req.uri().resolve("/fn/slow?ms=" + millis(req, "delayMs", 0).toMillis()))
						.attribute(CALL_TIMEOUT, millis(req, "timeoutMs", 1000))
						.retrieve().bodyToMono(String.class)
						.flatMap(s -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("relayed: " + s))
						.onErrorResume(e -> e instanceof WebClientRequestException && e.getCause() instanceof ResponseTimeoutException,
								e -> ServerResponse.status(HttpStatus.GATEWAY_TIMEOUT).contentType(MediaType.TEXT_PLAIN)
										.bodyValue(String.valueOf(e.getCause().getMessage()))))
				.GET("/fn/slow", req -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN)
						.body(Mono.delay(millis(req, "ms", 0)).map(t -> "slow"), String.class))
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
