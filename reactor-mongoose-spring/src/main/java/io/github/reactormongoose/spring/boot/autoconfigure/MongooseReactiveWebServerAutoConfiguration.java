/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;
import io.github.reactormongoose.spring.boot.MongooseServerCustomizer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.boot.web.server.autoconfigure.reactive.ReactiveWebServerConfiguration;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.http.ReactiveHttpInputMessage;

/**
 * Auto-configures reactor-mongoose as the reactive web server. Ordered before the Reactor
 * Netty, Tomcat and Jetty server auto-configurations, so it wins when both reactor-mongoose
 * and one of them are on the classpath; an application bean of type
 * {@link ReactiveWebServerFactory} still takes precedence over it.
 */
@AutoConfiguration(beforeName = {
		"org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration",
		"org.springframework.boot.tomcat.autoconfigure.reactive.TomcatReactiveWebServerAutoConfiguration",
		"org.springframework.boot.jetty.autoconfigure.reactive.JettyReactiveWebServerAutoConfiguration" })
@ConditionalOnClass({ ReactiveHttpInputMessage.class, HttpServer.class })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(MongooseServerProperties.class)
@Import(ReactiveWebServerConfiguration.class)
public final class MongooseReactiveWebServerAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(ReactiveWebServerFactory.class)
	MongooseReactiveWebServerFactory mongooseReactiveWebServerFactory(
			ObjectProvider<MongooseServerCustomizer> serverCustomizers) {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory();
		factory.getServerCustomizers().addAll(serverCustomizers.orderedStream().toList());
		return factory;
	}

	@Bean
	MongooseReactiveWebServerFactoryCustomizer mongooseReactiveWebServerFactoryCustomizer(
			ServerProperties serverProperties, MongooseServerProperties mongooseProperties, Environment environment) {
		return new MongooseReactiveWebServerFactoryCustomizer(serverProperties, mongooseProperties, environment);
	}
}
