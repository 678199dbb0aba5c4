/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.cloud.CloudPlatform;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

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

	private final @Nullable Environment environment;

	public MongooseReactiveWebServerFactoryCustomizer(ServerProperties serverProperties,
			MongooseServerProperties mongooseProperties) {
		this(serverProperties, mongooseProperties, null);
	}

	/** With the {@code environment}, a detected cloud platform turns forwarded headers on, as for Reactor Netty. */
	public MongooseReactiveWebServerFactoryCustomizer(ServerProperties serverProperties,
			MongooseServerProperties mongooseProperties, @Nullable Environment environment) {
		this.serverProperties = serverProperties;
		this.mongooseProperties = mongooseProperties;
		this.environment = environment;
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
		factory.setMaxKeepAliveRequests(this.mongooseProperties.getMaxKeepAliveRequests());
		factory.setMaxConnections(this.mongooseProperties.getMaxConnections());
		if (this.mongooseProperties.getReadTimeout() != null) {
			factory.setReadTimeout(this.mongooseProperties.getReadTimeout());
		}
		if (this.mongooseProperties.getRequestTimeout() != null) {
			factory.setRequestTimeout(this.mongooseProperties.getRequestTimeout());
		}
		if (this.mongooseProperties.getLoops() != null) {
			factory.setLoops(this.mongooseProperties.getLoops());
		}
		factory.setRequestHeaderTimeout(this.mongooseProperties.getRequestHeaderTimeout());
		factory.setWriteTimeout(this.mongooseProperties.getWriteTimeout());
		if (this.mongooseProperties.getMaxInitialLineLength() != null) {
			factory.setMaxInitialLineLength(Math.toIntExact(this.mongooseProperties.getMaxInitialLineLength().toBytes()));
		}
		factory.setMaxHeaderCount(this.mongooseProperties.getMaxHeaderCount());
		factory.setMetrics(this.mongooseProperties.isMetrics());
		factory.setAccessLog(this.mongooseProperties.isAccessLog());
		factory.setErrorLog(this.mongooseProperties.isErrorLog());
		factory.setDateHeader(this.mongooseProperties.isDateHeader());
		factory.setProxyProtocol(this.mongooseProperties.getProxyProtocol());
		if (this.mongooseProperties.getLifecycleTimeout() != null) {
			factory.setLifecycleTimeout(this.mongooseProperties.getLifecycleTimeout());
		}
		factory.setUseForwardHeaders(useForwardHeaders());
	}

	/**
	 * {@code server.forward-headers-strategy=native}; unset, whether the cloud platform Boot
	 * detects sits behind a proxy that sets them (as Boot decides for Reactor Netty, Tomcat and
	 * Jetty). {@code framework} is Boot's own {@code ForwardedHeaderTransformer} bean, not this.
	 */
	private boolean useForwardHeaders() {
		ServerProperties.ForwardHeadersStrategy strategy = this.serverProperties.getForwardHeadersStrategy();
		if (strategy == null) {
			CloudPlatform platform = this.environment != null ? CloudPlatform.getActive(this.environment) : null;
			return platform != null && platform.isUsingForwardHeaders();
		}
		return strategy == ServerProperties.ForwardHeadersStrategy.NATIVE;
	}
}
