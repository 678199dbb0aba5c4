/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.WebSocketSession;

/**
 * A WebSocket endpoint, mapped the usual WebFlux way. No WebSocket service is configured
 * here: reactor-mongoose-spring's auto-configuration provides one for this server.
 */
@Configuration(proxyBeanMethods = false)
public class WebSocketConfig {

	@Bean
	HandlerMapping webSocketMapping() {
		return new SimpleUrlHandlerMapping(Map.of("/ws/echo", new EchoHandler()), -1);
	}

	/** Echoes text messages in upper case and binary messages as they are. */
	static final class EchoHandler implements WebSocketHandler {

		@Override
		public Mono<Void> handle(WebSocketSession session) {
			return session.send(session.receive().map(message -> toReply(session, message)));
		}

		private static WebSocketMessage toReply(WebSocketSession session, WebSocketMessage message) {
			if (message.getType() == WebSocketMessage.Type.TEXT) {
				return session.textMessage("echo: " + message.getPayloadAsText());
			}
			byte[] bytes = new byte[message.getPayload().readableByteCount()];
			message.getPayload().read(bytes);
			return session.binaryMessage(factory -> factory.wrap(bytes));
		}
	}
}
