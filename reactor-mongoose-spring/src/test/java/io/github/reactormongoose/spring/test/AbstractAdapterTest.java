/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.spring.http.MongooseHttpHandlerAdapter;
import org.junit.jupiter.api.AfterEach;

import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.reactive.function.client.WebClient;

/** A reactor-mongoose server on an ephemeral port running a Spring {@link HttpHandler}. */
public abstract class AbstractAdapterTest {

	protected static final Duration TIMEOUT = Duration.ofSeconds(10);

	protected DisposableServer server;

	protected final HttpClient client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(TIMEOUT)
			.build();

	protected void start(HttpHandler handler) {
		start(HttpServer.create(), handler);
	}

	protected void start(HttpServer base, HttpHandler handler) {
		this.server = base.port(0).handle(new MongooseHttpHandlerAdapter(handler)).bindNow();
	}

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.disposeNow(Duration.ofSeconds(1));
		}
	}

	protected int port() {
		return this.server.port();
	}

	protected URI uri(String path) {
		return URI.create("http://127.0.0.1:" + port() + path);
	}

	protected WebClient webClient() {
		return WebClient.builder()
				.clientConnector(new JdkClientHttpConnector(this.client))
				.baseUrl("http://127.0.0.1:" + port())
				.build();
	}

	protected HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
	}

	protected HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
	}
}
