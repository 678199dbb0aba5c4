/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.spring.websocket.MongooseRequestUpgradeStrategy;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;

/**
 * Supplies WebFlux with a {@link HandshakeWebSocketService} using the
 * {@link MongooseRequestUpgradeStrategy}, unless another {@link WebFluxConfigurer} of the
 * application supplies a {@link WebSocketService} itself (WebFlux accepts only one).
 */
public class MongooseWebSocketConfigurer implements WebFluxConfigurer {

	private final ObjectProvider<WebFluxConfigurer> configurers;

	public MongooseWebSocketConfigurer(ObjectProvider<WebFluxConfigurer> configurers) {
		this.configurers = configurers;
	}

	@Override
	public @Nullable WebSocketService getWebSocketService() {
		boolean provided = this.configurers.orderedStream()
				.anyMatch(c -> c != this && c.getWebSocketService() != null);
		return provided ? null : new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy());
	}
}
