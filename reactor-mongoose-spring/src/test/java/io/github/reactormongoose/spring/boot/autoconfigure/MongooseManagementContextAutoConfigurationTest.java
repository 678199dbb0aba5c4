/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.spring.boot.MongooseWebServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextFactory;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Actuator's management server on its own port, in an application that still has Reactor Netty
 * on its class path (this module's tests do): both servers are reactor-mongoose's, and
 * Reactor Netty's management context factory, which Boot registers too, does not get in the way.
 */
class MongooseManagementContextAutoConfigurationTest {

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class App {

		@Bean
		RouterFunction<ServerResponse> hello() {
			return RouterFunctions.route().GET("/hello", r -> ServerResponse.ok().bodyValue("hello")).build();
		}
	}

	private static HttpResponse<String> get(String port, String path) throws Exception {
		return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static ConfigurableApplicationContext start(Map<String, WebServer> servers, String... args) {
		ApplicationListener<WebServerInitializedEvent> record = e -> servers.put(
				String.valueOf(e.getApplicationContext().getServerNamespace()), e.getWebServer());
		return new SpringApplicationBuilder(App.class).listeners(record).run(args);
	}

	@Test
	void aSeparateManagementPortIsASecondMongooseServer() throws Exception {
		Map<String, WebServer> servers = new ConcurrentHashMap<>();
		try (ConfigurableApplicationContext app = start(servers, "--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--spring.main.banner-mode=off")) {
			assertThat(servers).containsOnlyKeys("null", "management");
			assertThat(servers.values()).allSatisfy(s -> assertThat(s).isInstanceOf(MongooseWebServer.class));
			String management = app.getEnvironment().getProperty("local.management.port");
			String port = app.getEnvironment().getProperty("local.server.port");
			assertThat(get(management, "/actuator/health").body()).contains("\"status\":\"UP\"");
			assertThat(get(port, "/actuator/health").statusCode()).isEqualTo(404);
			assertThat(get(port, "/hello").body()).isEqualTo("hello");
			assertThat(app.getBeansOfType(ManagementContextFactory.class)).hasSizeGreaterThanOrEqualTo(1)
				.containsKey("mongooseManagementContextFactory");
		}
	}

	@Test
	void onTheApplicationsPortTheActuatorNeedsNoSecondServer() throws Exception {
		Map<String, WebServer> servers = new ConcurrentHashMap<>();
		try (ConfigurableApplicationContext app = start(servers, "--server.port=0", "--server.address=127.0.0.1",
				"--spring.main.banner-mode=off")) {
			assertThat(servers).containsOnlyKeys("null");
			assertThat(servers.get("null")).isInstanceOf(MongooseWebServer.class);
			String port = app.getEnvironment().getProperty("local.server.port");
			assertThat(get(port, "/actuator/health").body()).contains("\"status\":\"UP\"");
			assertThat(app.getBeansOfType(ManagementContextFactory.class)).doesNotContainKey("mongooseManagementContextFactory");
		}
	}
}
