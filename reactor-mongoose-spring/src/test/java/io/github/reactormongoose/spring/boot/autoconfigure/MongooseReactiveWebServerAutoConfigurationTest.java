/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import java.time.Duration;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;
import io.github.reactormongoose.spring.boot.MongooseServerCustomizer;
import io.github.reactormongoose.spring.websocket.MongooseRequestUpgradeStrategy;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.config.WebFluxConfigurer;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;

import static org.assertj.core.api.Assertions.assertThat;

/** The auto-configuration: server factory, {@code server.*} properties, WebSocket service. */
class MongooseReactiveWebServerAutoConfigurationTest {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MongooseReactiveWebServerAutoConfiguration.class,
					MongooseWebSocketAutoConfiguration.class));

	@Test
	void createsTheFactoryAndAppliesServerProperties() {
		this.runner.withPropertyValues("server.port=0", "server.address=127.0.0.1", "server.shutdown=immediate",
				"server.max-http-request-header-size=32KB", "server.mongoose.max-request-body-size=8MB",
				"server.mongoose.max-websocket-frame-size=1MB", "server.mongoose.idle-timeout=30s",
				"server.mongoose.max-keep-alive-requests=100", "server.mongoose.max-connections=5000",
				"server.mongoose.read-timeout=15s", "server.mongoose.request-timeout=2m",
				"server.mongoose.lifecycle-timeout=10s", "server.mongoose.loops=3",
				"server.mongoose.request-header-timeout=5s", "server.mongoose.write-timeout=45s", "server.mongoose.metrics=true", "server.mongoose.access-log=true",
				"server.mongoose.error-log=true", "server.mongoose.max-initial-line-length=8KB", "server.mongoose.max-header-count=300",
				"server.mongoose.proxy-protocol=auto", "server.mongoose.date-header=false")
			.run(context -> {
				assertThat(context).hasNotFailed().hasSingleBean(ReactiveWebServerFactory.class);
				MongooseReactiveWebServerFactory factory = context.getBean(MongooseReactiveWebServerFactory.class);
				assertThat(factory.getPort()).isZero();
				assertThat(factory.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
				assertThat(factory.getShutdown()).isEqualTo(Shutdown.IMMEDIATE);
				assertThat(factory.getMaxHeaderSize()).isEqualTo(32 * 1024);
				assertThat(factory.getMaxRequestBodySize()).isEqualTo(8L * 1024 * 1024);
				assertThat(factory.getMaxWebsocketFrameSize()).isEqualTo(1024 * 1024);
				assertThat(factory.getIdleTimeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(factory.getMaxKeepAliveRequests()).isEqualTo(100);
				assertThat(factory.getMaxConnections()).isEqualTo(5000);
				assertThat(factory.getReadTimeout()).isEqualTo(Duration.ofSeconds(15));
				assertThat(factory.getRequestTimeout()).isEqualTo(Duration.ofMinutes(2));
				assertThat(factory.getLifecycleTimeout()).isEqualTo(Duration.ofSeconds(10));
				assertThat(factory.getLoops()).isEqualTo(3);
				assertThat(factory.getRequestHeaderTimeout()).isEqualTo(Duration.ofSeconds(5));
				assertThat(factory.getWriteTimeout()).isEqualTo(Duration.ofSeconds(45));
				assertThat(factory.isMetrics()).isTrue();
				assertThat(factory.isAccessLog()).isTrue();
				assertThat(factory.isErrorLog()).isTrue();
				assertThat(factory.getMaxInitialLineLength()).isEqualTo(8192);
				assertThat(factory.getMaxHeaderCount()).isEqualTo(300);
				assertThat(factory.getProxyProtocol()).isEqualTo(io.github.reactormongoose.ProxyProtocolSupportType.AUTO);
				assertThat(factory.isDateHeader()).isFalse();
			});
	}

	@Test
	void theDateHeaderIsOnByDefault() {
		this.runner.withPropertyValues("server.port=0").run(context -> assertThat(
				context.getBean(MongooseReactiveWebServerFactory.class).isDateHeader()).isTrue());
	}

	@Test
	void loopsDefaultToTheAvailableProcessors() {
		this.runner.withPropertyValues("server.port=0").run(context -> assertThat(
				context.getBean(MongooseReactiveWebServerFactory.class).getLoops())
			.isEqualTo(Runtime.getRuntime().availableProcessors()));
	}

	@Test
	void winsOverReactorNettyWhenBothAreOnTheClasspath() {
		new ReactiveWebApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(NettyReactiveWebServerAutoConfiguration.class,
						MongooseReactiveWebServerAutoConfiguration.class, MongooseWebSocketAutoConfiguration.class))
				.run(context -> {
					assertThat(context).hasNotFailed().hasSingleBean(ReactiveWebServerFactory.class);
					assertThat(context.getBean(ReactiveWebServerFactory.class))
							.isInstanceOf(MongooseReactiveWebServerFactory.class);
					WebSocketService service = context.getBean(MongooseWebSocketConfigurer.class).getWebSocketService();
					assertThat(((HandshakeWebSocketService) service).getUpgradeStrategy())
							.isInstanceOf(MongooseRequestUpgradeStrategy.class);
				});
	}

	@Test
	void forwardHeadersStrategyAsBootDecidesItForReactorNetty() {
		java.util.function.Function<String[], Boolean> use = props -> {
			boolean[] on = new boolean[1];
			this.runner.withPropertyValues(props).run(context -> on[0] = context
					.getBean(MongooseReactiveWebServerFactory.class).isUseForwardHeaders());
			return on[0];
		};
		assertThat(use.apply(new String[0])).isFalse();
		assertThat(use.apply(new String[] {"server.forward-headers-strategy=native"})).isTrue();
		// framework: Boot's ForwardedHeaderTransformer bean does it, not the server
		assertThat(use.apply(new String[] {"server.forward-headers-strategy=framework"})).isFalse();
		assertThat(use.apply(new String[] {"server.forward-headers-strategy=none"})).isFalse();
		// on a cloud platform behind its router, unless told otherwise
		assertThat(use.apply(new String[] {"spring.main.cloud-platform=kubernetes"})).isTrue();
		assertThat(use.apply(new String[] {"spring.main.cloud-platform=kubernetes", "server.forward-headers-strategy=none"}))
			.isFalse();
	}

	@Test
	void defaultsToGracefulShutdownLikeSpringBoot() {
		this.runner.run(context -> assertThat(context.getBean(MongooseReactiveWebServerFactory.class).getShutdown())
				.isEqualTo(Shutdown.GRACEFUL));
	}

	@Test
	void appliesServerCustomizerBeans() {
		this.runner.withUserConfiguration(CustomizerConfig.class).run(context -> {
			MongooseReactiveWebServerFactory factory = context.getBean(MongooseReactiveWebServerFactory.class);
			assertThat(factory.getServerCustomizers()).containsExactly(CustomizerConfig.CUSTOMIZER);
			factory.setPort(0);
			WebServer server = factory.getWebServer((req, res) -> res.setComplete());
			try {
				server.start();
				assertThat(server.getPort()).isPositive();
			}
			finally {
				server.stop();
			}
		});
	}

	@Test
	void backsOffWhenTheApplicationDefinesAServerFactory() {
		this.runner.withUserConfiguration(OwnFactoryConfig.class).run(context -> {
			assertThat(context).hasSingleBean(ReactiveWebServerFactory.class);
			assertThat(context.getBean(ReactiveWebServerFactory.class)).isSameAs(OwnFactoryConfig.FACTORY);
			assertThat(context).doesNotHaveBean(MongooseWebSocketConfigurer.class);
		});
	}

	@Test
	void notInANonReactiveApplication() {
		new ApplicationContextRunner()
				.withConfiguration(AutoConfigurations.of(MongooseReactiveWebServerAutoConfiguration.class))
				.run(context -> assertThat(context).doesNotHaveBean(MongooseReactiveWebServerFactory.class));
	}

	@Test
	void providesTheWebSocketService() {
		this.runner.run(context -> {
			WebSocketService service = context.getBean(MongooseWebSocketConfigurer.class).getWebSocketService();
			assertThat(service).isInstanceOf(HandshakeWebSocketService.class);
			assertThat(((HandshakeWebSocketService) service).getUpgradeStrategy())
					.isInstanceOf(MongooseRequestUpgradeStrategy.class);
		});
	}

	@Test
	void stepsAsideWhenTheApplicationProvidesAWebSocketService() {
		this.runner.withUserConfiguration(OwnWebSocketServiceConfig.class).run(context ->
				assertThat(context.getBean(MongooseWebSocketConfigurer.class).getWebSocketService()).isNull());
	}

	@Test
	void webSocketSupportCanBeSwitchedOff() {
		this.runner.withPropertyValues("server.mongoose.websocket.enabled=false")
				.run(context -> assertThat(context).doesNotHaveBean(MongooseWebSocketConfigurer.class)
						.hasSingleBean(MongooseReactiveWebServerFactory.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizerConfig {
		static final MongooseServerCustomizer CUSTOMIZER = server -> server.maxRequestBodySize(4096);

		@Bean
		MongooseServerCustomizer customizer() {
			return CUSTOMIZER;
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnFactoryConfig {
		static final ReactiveWebServerFactory FACTORY = handler -> null;

		@Bean
		ReactiveWebServerFactory myFactory() {
			return FACTORY;
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnWebSocketServiceConfig {
		@Bean
		WebFluxConfigurer mine() {
			return new WebFluxConfigurer() {
				@Override
				public WebSocketService getWebSocketService() {
					return new HandshakeWebSocketService(new MongooseRequestUpgradeStrategy());
				}
			};
		}
	}
}
