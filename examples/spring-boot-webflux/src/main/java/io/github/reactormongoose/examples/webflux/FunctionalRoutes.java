/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Functional endpoints ({@code RouterFunction}), next to the annotated ones; one of them calls
 * another service with a {@code WebClient} that runs on reactor-mongoose too: Boot's
 * auto-configured {@code WebClient.Builder}, whose connector reactor-mongoose-spring provides
 * (no Reactor Netty in this application).
 */
@Configuration(proxyBeanMethods = false)
public class FunctionalRoutes {

	@Bean
	RouterFunction<ServerResponse> fnRoutes(WebClient.Builder webClients) {
		WebClient webClient = webClients.build();
		return RouterFunctions.route()
				// calls /fn/hello of this server, as it would call another service
				.GET("/fn/relay", req -> webClient.get().uri(req.uri().resolve("/fn/hello?name=relay"))
						.retrieve().bodyToMono(String.class)
						.map(hello -> "relayed (" + Thread.currentThread().getName() + "): " + hello)
						.flatMap(s -> ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue(s)))
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
