/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link ClientGateway} in front of a backend HttpServer, called by the JDK's HttpClient. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientGatewayTest {

	private DisposableServer backend;
	private ClientGateway gateway;
	private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@BeforeEach
	void start() {
		backend = HttpServer.create().host("127.0.0.1").port(0).compress(true).route(r -> r
				.get("/asked", (req, res) -> res.sendString(Mono.just("asked for " + req.requestHeaders().get("Accept-Encoding"))))
				.get("/user", (req, res) -> res.sendString(Mono.just("{\"name\":\"ada\",\"agent\":\""
						+ req.requestHeaders().get("User-Agent") + "\"}")))
				.get("/orders", (req, res) -> res.sendString(Mono.just("[1,2,3]").delayElement(Duration.ofMillis(50))))
				.get("/big", (req, res) -> res.header("Content-Type", "text/csv")
						.sendString(Flux.range(0, 20_000).map(i -> i + ",row\n")))
				.get("/slow", (req, res) -> res.sendString(Mono.never())))
				.bindNow(Duration.ofSeconds(10));
		gateway = ClientGateway.start("127.0.0.1", 0, "http://127.0.0.1:" + backend.port());
	}

	@AfterEach
	void stop() {
		gateway.disposeNow();
		backend.disposeNow();
	}

	private HttpResponse<String> get(String path) throws Exception {
		return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
				.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void aggregatesTwoBackendCalls() throws Exception {
		HttpResponse<String> r = get("/aggregate");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("{\"user\":{\"name\":\"ada\",\"agent\":\"reactor-mongoose-gateway\"},\"orders\":[1,2,3]}");
	}

	@Test
	void proxiesAStreamedBody() throws Exception {
		HttpResponse<String> r = get("/proxy/big");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/csv");
		assertThat(r.body().lines()).hasSize(20_000).startsWith("0,row").endsWith("19999,row");
		assertThat(get("/proxy/missing").statusCode()).isEqualTo(404);
		// the backend was asked for gzip and answered with it; the gateway's client got plain text
		assertThat(get("/proxy/asked").body()).isEqualTo("asked for gzip");
	}

	@Test
	void slowBackendGives504AndGoneBackendGives502() throws Exception {
		HttpResponse<String> slow = get("/proxy/slow");
		assertThat(slow.statusCode()).isEqualTo(504);
		backend.disposeNow();
		assertThat(get("/aggregate").statusCode()).isEqualTo(502);
	}
}
