/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.spring.boot.MongooseWebServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Actuator on its own port, as on Kubernetes: {@code management.server.port} gets a second
 * reactor-mongoose server with the health endpoint, and the application's port does not serve it.
 */
class ManagementPortTest {

	private static HttpResponse<String> get(int port, String path) throws Exception {
		return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void healthIsServedOnTheManagementPortByASecondMongooseServer() throws Exception {
		Map<String, WebServer> servers = new ConcurrentHashMap<>();
		ApplicationListener<WebServerInitializedEvent> record = e -> servers.put(
				String.valueOf(e.getApplicationContext().getServerNamespace()), e.getWebServer());
		ConfigurableApplicationContext app = new SpringApplicationBuilder(WebFluxDemoApplication.class).listeners(record)
				.run("--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
						"--management.server.address=127.0.0.1", "--management.server.base-path=/manage",
						"--spring.main.banner-mode=off");
		int port;
		int management;
		try {
			port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
			management = Integer.parseInt(app.getEnvironment().getProperty("local.management.port"));
			assertThat(management).isPositive().isNotEqualTo(port);
			assertThat(servers).containsOnlyKeys("null", "management");
			assertThat(servers.values()).allSatisfy(s -> assertThat(s).isInstanceOf(MongooseWebServer.class));

			HttpResponse<String> health = get(management, "/manage/actuator/health");
			assertThat(health.statusCode()).isEqualTo(200);
			assertThat(health.body()).contains("\"status\":\"UP\"");
			assertThat(get(management, "/manage/actuator/health/liveness").body()).contains("\"status\":\"UP\"");
			// the application's port serves the application, not the actuator
			assertThat(get(port, "/actuator/health").statusCode()).isEqualTo(404);
			assertThat(get(port, "/fn/hello").statusCode()).isEqualTo(200);
		}
		finally {
			app.close();
		}
		// both servers stop with the application
		for (int p : new int[] { port, management }) {
			assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), p).close()).isInstanceOf(IOException.class);
		}
	}
}
