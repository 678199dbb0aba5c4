/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;

/**
 * Makes WebFlux WebSocket handlers work on reactor-mongoose: Spring's
 * {@code HandshakeWebSocketService} cannot detect reactor-mongoose by itself, so this
 * contributes a {@link WebFluxConfigurer} whose {@code getWebSocketService()} returns a
 * {@code HandshakeWebSocketService} with the {@code MongooseRequestUpgradeStrategy}. It steps
 * aside when another {@code WebFluxConfigurer} provides a WebSocket service, and can be
 * switched off with {@code server.mongoose.websocket.enabled=false}.
 */
@AutoConfiguration(after = MongooseReactiveWebServerAutoConfiguration.class)
@ConditionalOnClass({ HandshakeWebSocketService.class, WebFluxConfigurer.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnBean(MongooseReactiveWebServerFactory.class)
@ConditionalOnProperty(name = "server.mongoose.websocket.enabled", matchIfMissing = true)
public final class MongooseWebSocketAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MongooseWebSocketConfigurer mongooseWebSocketConfigurer(ObjectProvider<WebFluxConfigurer> configurers) {
		return new MongooseWebSocketConfigurer(configurers);
	}
}
