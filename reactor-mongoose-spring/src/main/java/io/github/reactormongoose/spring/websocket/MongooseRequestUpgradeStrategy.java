/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.websocket;

import java.net.URI;
import java.util.Objects;
import java.util.function.Supplier;

import io.github.reactormongoose.http.server.HttpServerResponse;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.server.RequestUpgradeStrategy;
import org.springframework.web.server.ServerWebExchange;

/**
 * The WebSocket {@link RequestUpgradeStrategy} for reactor-mongoose. Spring's
 * {@code HandshakeWebSocketService} does not detect it by itself; register it with
 * <pre>{@code
 * @Configuration
 * class WebSocketConfig implements WebFluxConfigurer {
 *     @Override
 *     public WebSocketService getWebSocketService() {
 *         return new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy());
 *     }
 * }
 * }</pre>
 * (the Spring Boot auto-configuration of this module does it for you). As with Reactor Netty's
 * {@code ReactorNettyRequestUpgradeStrategy}, a supplier of {@link WebsocketServerSpec.Builder}
 * configures the handshake: {@code new MongooseRequestUpgradeStrategy(() ->
 * WebsocketServerSpec.builder().compress(true))} accepts permessage-deflate, and
 * {@code .maxFramePayloadLength(bytes)} sets the endpoint's message limit (the server's
 * {@code maxWebsocketFrameSize}, 64 KiB by default, without it). The sub-protocol is the one
 * Spring chose.
 */
public class MongooseRequestUpgradeStrategy implements RequestUpgradeStrategy {

	private final Supplier<WebsocketServerSpec.Builder> specBuilder;

	/** No compression. */
	public MongooseRequestUpgradeStrategy() {
		this(WebsocketServerSpec::builder);
	}

	/** Each handshake takes a builder from {@code specBuilder} (its protocols are replaced by Spring's choice). */
	public MongooseRequestUpgradeStrategy(Supplier<WebsocketServerSpec.Builder> specBuilder) {
		this.specBuilder = Objects.requireNonNull(specBuilder, "specBuilder");
	}

	/** The spec of a handshake that selected {@code subProtocol} (or none). */
	public WebsocketServerSpec spec(@Nullable String subProtocol) {
		return specBuilder.get().protocols(subProtocol).build();
	}

	@Override
	public Mono<Void> upgrade(ServerWebExchange exchange, WebSocketHandler handler, @Nullable String subProtocol,
			Supplier<HandshakeInfo> handshakeInfoFactory) {
		ServerHttpResponse response = exchange.getResponse();
		Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
		if (!(nativeResponse instanceof HttpServerResponse mongooseResponse)) {
			return Mono.error(new IllegalStateException("MongooseRequestUpgradeStrategy needs a reactor-mongoose "
					+ "response, got " + nativeResponse.getClass().getName()));
		}
		HandshakeInfo handshakeInfo = handshakeInfoFactory.get();
		DataBufferFactory bufferFactory = response.bufferFactory();
		URI uri = exchange.getRequest().getURI();
		String id = exchange.getRequest().getId();
		// Run WebFlux's pre-commit actions (and hand headers such as cookies to the native
		// response, which sends them with the 101), then upgrade.
		return response.setComplete()
				.then(Mono.defer(() -> {
					WebsocketServerSpec spec = spec(subProtocol);
					return mongooseResponse.sendWebsocket((in, out) -> {
						MongooseWebSocketSession session = new MongooseWebSocketSession(in, out, handshakeInfo,
								bufferFactory, id, spec.handlePing());
						return handler.handle(session).checkpoint(uri + " [MongooseRequestUpgradeStrategy]");
					}, spec);
				}));
	}
}
