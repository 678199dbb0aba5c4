/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;

/** Several exchanges on one connection, including one whose handler ignores the request body. */
class KeepAliveTest extends AbstractAdapterTest {

	@Test
	void threeRequestsOnOneConnectionIncludingAnIgnoredBody() throws Exception {
		start((request, response) -> {
			String path = request.getPath().value();
			if (path.equals("/echo")) {
				return response.writeWith(request.getBody());
			}
			// "/ignore" and "/hello" never subscribe to the body
			return response.writeWith(Mono.just(response.bufferFactory().wrap(("at " + path).getBytes())));
		});
		String big = "x".repeat(100_000);
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response first = http.read();
			assertThat(first.status()).isEqualTo(200);
			assertThat(first.bodyString()).isEqualTo("at /hello");
			assertThat(first.header("Connection")).isNull();

			http.write("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: " + big.length()
					+ "\r\n\r\n" + big);
			RawHttp.Response second = http.read();
			assertThat(second.status()).isEqualTo(200);
			assertThat(second.bodyString()).isEqualTo("at /ignore");

			http.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
			RawHttp.Response third = http.read();
			assertThat(third.bodyString()).isEqualTo("hello");

			http.write("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
			RawHttp.Response last = http.read();
			assertThat(last.bodyString()).isEqualTo("at /hello");
			assertThat(last.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(http.isClosedByPeer()).isTrue();
		}
	}

	@Test
	void pipelinedRequestsAreAnsweredInOrder() throws Exception {
		start((request, response) -> response.writeWith(Mono.just(response.bufferFactory()
				.wrap(request.getPath().value().getBytes()))));
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
					+ "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(http.read().bodyString()).isEqualTo("/a");
			assertThat(http.read().bodyString()).isEqualTo("/b");
			assertThat(http.read().bodyString()).isEqualTo("/c");
		}
	}

	@Test
	void applicationCanAskToCloseTheConnection() throws Exception {
		start((request, response) -> {
			response.getHeaders().setConnection("close");
			return response.writeWith(Mono.just(response.bufferFactory().wrap("bye".getBytes())));
		});
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response r = http.read();
			assertThat(r.bodyString()).isEqualTo("bye");
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(http.isClosedByPeer()).isTrue();
		}
	}

	@Test
	void aClientStallingInTheBodyGets408WithReadTimeout() throws Exception {
		// a functional WebFlux endpoint decoding the body: Spring's own error handling answers
		start(io.github.reactormongoose.http.server.HttpServer.create().readTimeout(java.time.Duration.ofMillis(500)),
				org.springframework.web.reactive.function.server.RouterFunctions.toHttpHandler(
						org.springframework.web.reactive.function.server.RouterFunctions.route()
							.POST("/length", req -> req.bodyToMono(String.class)
								.flatMap(b -> org.springframework.web.reactive.function.server.ServerResponse.ok()
									.bodyValue(String.valueOf(b.length()))))
							.build()));
		try (RawHttp http = RawHttp.connect(port()).soTimeout(8_000)) {
			http.write("POST /length HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n"
					+ "x".repeat(40_000));
			RawHttp.Response r = http.read();
			assertThat(r.status()).isEqualTo(408);
			assertThat(http.isClosedByPeer()).isTrue();
		}
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("POST /length HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 30000\r\n\r\n"
					+ "y".repeat(30_000));
			assertThat(http.read().bodyString()).isEqualTo("30000");
		}
	}
}
