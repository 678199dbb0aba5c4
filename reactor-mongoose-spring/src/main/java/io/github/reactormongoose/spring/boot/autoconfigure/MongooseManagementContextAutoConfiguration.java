/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextFactory;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Actuator's management server on its own port ({@code management.server.port} different from
 * {@code server.port}) runs on reactor-mongoose too, as Reactor Netty's
 * {@code NettyReactiveManagementContextAutoConfiguration} does for Netty: Boot's child
 * management context gets a new {@link MongooseReactiveWebServerFactory}, which
 * {@code management.server.port}, {@code management.server.address} and
 * {@code management.server.ssl.*} configure, and serves the actuator endpoints with its own
 * poll loops. Without it, such an application failed to start (no
 * {@code ManagementContextFactory}). Applies only when the application's server is
 * reactor-mongoose's; primary over Reactor Netty's factory, which Boot registers whenever
 * Reactor Netty is on the class path.
 */
@AutoConfiguration(after = MongooseReactiveWebServerAutoConfiguration.class)
@ConditionalOnClass({ ManagementContextFactory.class, HttpServer.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
@ConditionalOnBean(MongooseReactiveWebServerFactory.class)
public final class MongooseManagementContextAutoConfiguration {

	@Bean
	@Primary
	static ManagementContextFactory mongooseManagementContextFactory() {
		return new ManagementContextFactory(WebApplicationType.REACTIVE, ReactiveWebServerFactory.class,
				MongooseReactiveWebServerAutoConfiguration.class);
	}
}
