/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;

import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.core.Ordered;

/**
 * Applies {@code server.max-http-request-header-size} and the {@code server.mongoose.*}
 * properties to a {@link MongooseReactiveWebServerFactory}. The generic {@code server.*}
 * properties (port, address, shutdown) are applied by Spring Boot's own
 * {@code ReactiveWebServerFactoryCustomizer}.
 */
public class MongooseReactiveWebServerFactoryCustomizer
		implements WebServerFactoryCustomizer<MongooseReactiveWebServerFactory>, Ordered {

	private final ServerProperties serverProperties;

	private final MongooseServerProperties mongooseProperties;

	public MongooseReactiveWebServerFactoryCustomizer(ServerProperties serverProperties,
			MongooseServerProperties mongooseProperties) {
		this.serverProperties = serverProperties;
		this.mongooseProperties = mongooseProperties;
	}

	@Override
	public int getOrder() {
		return 0;
	}

	@Override
	public void customize(MongooseReactiveWebServerFactory factory) {
		factory.setMaxHeaderSize(Math.toIntExact(this.serverProperties.getMaxHttpRequestHeaderSize().toBytes()));
		factory.setMaxRequestBodySize(this.mongooseProperties.getMaxRequestBodySize().toBytes());
		factory.setMaxWebsocketFrameSize(Math.toIntExact(this.mongooseProperties.getMaxWebsocketFrameSize().toBytes()));
		if (this.mongooseProperties.getIdleTimeout() != null) {
			factory.setIdleTimeout(this.mongooseProperties.getIdleTimeout());
		}
		if (this.mongooseProperties.getLoops() != null) {
			factory.setLoops(this.mongooseProperties.getLoops());
		}
		factory.setRequestHeaderTimeout(this.mongooseProperties.getRequestHeaderTimeout());
		factory.setMetrics(this.mongooseProperties.isMetrics());
		factory.setAccessLog(this.mongooseProperties.isAccessLog());
		if (this.mongooseProperties.getLifecycleTimeout() != null) {
			factory.setLifecycleTimeout(this.mongooseProperties.getLifecycleTimeout());
		}
	}
}
