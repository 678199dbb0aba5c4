/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import java.util.List;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.spring.boot.MongooseClientHttpConnectorBuilder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.client.reactive.ClientHttpConnector;

/**
 * Makes {@link MongooseClientHttpConnectorBuilder} Spring Boot's {@link ClientHttpConnectorBuilder},
 * so that the {@code ClientHttpConnector} bean, and with it the auto-configured
 * {@code WebClient.Builder}, runs on reactor-mongoose's {@link HttpClient} with the
 * {@code spring.http.clients.*} settings. Ordered before Boot's
 * {@code ReactiveHttpClientAutoConfiguration}, which would otherwise detect Reactor Netty, Jetty,
 * Apache HttpComponents or the JDK client. It backs off when the application defines its own
 * {@code ClientHttpConnectorBuilder} or {@code ClientHttpConnector} bean, names a connector with
 * {@code spring.http.clients.reactive.connector}, or sets {@code mongoose.webclient.enabled=false}.
 * {@link ClientHttpConnectorBuilderCustomizer} beans for this builder type are applied.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration",
		afterName = "org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration")
@ConditionalOnClass(value = { ClientHttpConnector.class, HttpClient.class, ClientHttpConnectorBuilder.class })
@ConditionalOnBooleanProperty(name = "mongoose.webclient.enabled", matchIfMissing = true)
@Conditional({ MongooseClientHttpConnectorAutoConfiguration.NoConnectorNamed.class,
		MongooseClientHttpConnectorAutoConfiguration.NoJvmProxy.class })
public final class MongooseClientHttpConnectorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean({ ClientHttpConnectorBuilder.class, ClientHttpConnector.class })
	ClientHttpConnectorBuilder<?> mongooseClientHttpConnectorBuilder(
			ObjectProvider<ClientHttpConnectorBuilderCustomizer<?>> customizers) {
		List<ClientHttpConnectorBuilderCustomizer<?>> all = customizers.orderedStream().toList();
		ClientHttpConnectorBuilder<?>[] builder = { new MongooseClientHttpConnectorBuilder() };
		// as Boot does for its own builders: a customizer applies when its type argument matches
		LambdaSafe.callbacks(ClientHttpConnectorBuilderCustomizer.class, all, builder[0])
			.invoke(customizer -> builder[0] = customizer.customize(builder[0]));
		return builder[0];
	}

	/** Matches unless {@code spring.http.clients.reactive.connector} chooses one of Boot's connectors. */
	static final class NoConnectorNamed extends SpringBootCondition {

		static final String PROPERTY = "spring.http.clients.reactive.connector";

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String named = context.getEnvironment().getProperty(PROPERTY);
			return named == null || named.isBlank() ? ConditionOutcome.match(PROPERTY + " is not set")
					: ConditionOutcome.noMatch(PROPERTY + " is " + named);
		}
	}

	/**
	 * Matches unless the JVM is told to use a proxy: Boot's JDK client honours those settings
	 * (its ProxySelector is the default one), the reactor-mongoose client has no proxy support,
	 * so taking over would send the application's requests around its proxy.
	 */
	static final class NoJvmProxy extends SpringBootCondition {

		private static final String[] PROPERTIES = { "http.proxyHost", "https.proxyHost", "socksProxyHost" };

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			for (String p : PROPERTIES) {
				String v = System.getProperty(p);
				if (v != null && !v.isBlank()) {
					return ConditionOutcome.noMatch(p + " is set: the reactor-mongoose HTTP client does not use proxies, "
							+ "Boot's own connector is kept");
				}
			}
			if (Boolean.getBoolean("java.net.useSystemProxies")) {
				return ConditionOutcome.noMatch("java.net.useSystemProxies is true: the reactor-mongoose HTTP client does "
						+ "not use proxies, Boot's own connector is kept");
			}
			return ConditionOutcome.match("no JVM proxy settings");
		}
	}
}
