/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.HttpHeadResponseDecorator;

import static org.assertj.core.api.Assertions.assertThat;

/** HEAD requests: the handler runs as for GET, the body is dropped, Content-Length is kept. */
class HeadTest extends AbstractAdapterTest {

	@Test
	void headGetsTheHeadersOfGetWithoutTheBody() throws Exception {
		start((request, response) -> {
			if (request.getMethod() == HttpMethod.HEAD) {
				assertThat(response).isInstanceOf(HttpHeadResponseDecorator.class);
			}
			response.getHeaders().add("X-Method", request.getMethod().name());
			if (request.getPath().value().equals("/flux")) {
				return response.writeWith(Flux.just("a", "b").map(s -> response.bufferFactory().wrap(s.getBytes())));
			}
			return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
		});
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("HEAD /mono HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response head = http.read(true);
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("Content-Length")).isEqualTo("5");
			assertThat(head.header("X-Method")).isEqualTo("HEAD");

			http.write("HEAD /flux HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response headFlux = http.read(true);
			assertThat(headFlux.status()).isEqualTo(200);
			// the length of a Flux body is unknown: no framing header is sent for it
			assertThat(headFlux.header("Content-Length")).isNull();
			assertThat(headFlux.header("Transfer-Encoding")).isNull();

			// nothing was written after the HEAD responses: the next response follows directly
			http.write("GET /mono HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response get = http.read();
			assertThat(get.bodyString()).isEqualTo("hello");
			assertThat(get.header("X-Method")).isEqualTo("GET");
		}
	}
}
