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
import java.util.List;

import io.github.reactormongoose.spring.boot.MongooseWebServer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Starting and closing the application: {@code server.port=0}, {@code server.address}, shutdown. */
class ServerLifecycleTest {

	@Test
	void startsOnAFreePortAndStopsWhenTheContextCloses() throws Exception {
		ConfigurableApplicationContext app = new SpringApplicationBuilder(WebFluxDemoApplication.class)
				.run("--server.port=0", "--server.address=127.0.0.1", "--spring.main.banner-mode=off");
		int port;
		List<Thread> awaiting;
		try {
			var server = ((WebServerApplicationContext) app).getWebServer();
			assertThat(server).isInstanceOf(MongooseWebServer.class);
			port = server.getPort();
			assertThat(port).isPositive();
			assertThat(app.getEnvironment().getProperty("local.server.port")).isEqualTo(String.valueOf(port));
			HttpResponse<String> r = HttpClient.newHttpClient().send(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/fn/hello")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(200);
			awaiting = Thread.getAllStackTraces().keySet().stream()
					.filter(t -> t.getName().equals("server") && t.isAlive() && !t.isDaemon())
					.toList();
			assertThat(awaiting).isNotEmpty();
		}
		finally {
			app.close();
		}
		for (Thread t : awaiting) {
			t.join(5000);
		}
		assertThat(awaiting).noneMatch(Thread::isAlive);
		assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(IOException.class);
	}
}
