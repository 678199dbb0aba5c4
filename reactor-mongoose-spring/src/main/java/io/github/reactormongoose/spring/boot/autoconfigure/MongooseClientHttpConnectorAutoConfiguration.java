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
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
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
 * {@code ReactiveHttpClientAutoConfiguration}. When it applies ({@link Chosen}):
 * <ul>
 * <li>{@code mongoose.webclient.enabled} unset: only where Boot would otherwise fall back to the
 * JDK client, that is without Reactor Netty's, Jetty's or Apache HttpComponents' client on the
 * class path (the usual reactor-mongoose application, which excludes Reactor Netty). An
 * application that keeps one of those keeps its client and the customizers written for it;</li>
 * <li>and not when the JVM is told to take the operating system's proxies
 * ({@code java.net.useSystemProxies=true}): Boot's JDK client asks the OS, the reactor-mongoose
 * client does not. The proxies of {@code http.proxyHost}, {@code https.proxyHost} and
 * {@code socksProxyHost} it uses itself ({@code HttpClient.proxyWithSystemProperties()});</li>
 * <li>{@code mongoose.webclient.enabled=true}: always; {@code false}: never;</li>
 * <li>never when {@code spring.http.clients.reactive.connector} names a connector, or the
 * application defines its own {@code ClientHttpConnectorBuilder} or {@code ClientHttpConnector}.</li>
 * </ul>
 * {@link ClientHttpConnectorBuilderCustomizer} beans for this builder type are applied.
 */
@AutoConfiguration(beforeName = "org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration",
		afterName = "org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration")
@ConditionalOnClass(value = { ClientHttpConnector.class, HttpClient.class, ClientHttpConnectorBuilder.class })
@Conditional(MongooseClientHttpConnectorAutoConfiguration.Chosen.class)
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

	/** Whether the reactor-mongoose connector is Boot's: see the class comment. */
	static final class Chosen extends SpringBootCondition {

		static final String ENABLED = "mongoose.webclient.enabled";

		static final String CONNECTOR = "spring.http.clients.reactive.connector";

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			String named = context.getEnvironment().getProperty(CONNECTOR);
			if (named != null && !named.isBlank()) {
				return ConditionOutcome.noMatch(CONNECTOR + " is " + named);
			}
			String enabled = context.getEnvironment().getProperty(ENABLED);
			if ("false".equalsIgnoreCase(enabled)) {
				return ConditionOutcome.noMatch(ENABLED + " is false");
			}
			if ("true".equalsIgnoreCase(enabled)) {
				return ConditionOutcome.match(ENABLED + " is true");
			}
			if (Boolean.getBoolean("java.net.useSystemProxies")) {
				return ConditionOutcome.noMatch("java.net.useSystemProxies is true: the reactor-mongoose HTTP client does "
						+ "not ask the operating system for proxies, Boot's own connector is kept");
			}
			ClientHttpConnectorBuilder<?> detected = ClientHttpConnectorBuilder.detect(context.getClassLoader());
			if (!(detected instanceof JdkClientHttpConnectorBuilder)) {
				return ConditionOutcome.noMatch("Boot detects " + detected.getClass().getSimpleName()
						+ " on the class path: its client is kept (" + ENABLED + "=true takes over)");
			}
			return ConditionOutcome.match("Boot would fall back to the JDK client");
		}
	}
}
