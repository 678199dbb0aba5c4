/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.io.IOException;
import java.net.http.HttpResponse;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Handler failures: 500 before the commit, a closed connection after it; the server keeps serving. */
class ErrorHandlerTest extends AbstractAdapterTest {

	@Test
	void exceptionsBecome500AndTheServerKeepsServing() throws Exception {
		start((request, response) -> switch (request.getPath().value()) {
			case "/throw" -> throw new IllegalStateException("boom (thrown)");
			case "/error-signal" -> Mono.error(new IllegalStateException("boom (signal)"));
			case "/error-body" -> {
				response.getHeaders().setContentLength(1000);
				yield response.writeWith(Mono.error(new IllegalStateException("boom (body)")));
			}
			case "/error-flux" -> response.writeWith(Flux.error(new IllegalStateException("boom (flux)")));
			default -> response.writeWith(Mono.just(response.bufferFactory().wrap("fine".getBytes())));
		});
		for (String path : new String[] {"/throw", "/error-signal", "/error-body", "/error-flux"}) {
			HttpResponse<String> r = get(path);
			assertThat(r.statusCode()).as(path).isEqualTo(500);
			assertThat(r.body()).as(path).isEqualTo("Internal Server Error\n");
			HttpResponse<String> ok = get("/ok");
			assertThat(ok.statusCode()).isEqualTo(200);
			assertThat(ok.body()).isEqualTo("fine");
		}
	}

	@Test
	void errorAfterCommitClosesTheConnection() throws Exception {
		start((request, response) -> {
			if (request.getPath().value().equals("/ok")) {
				return response.writeWith(Mono.just(response.bufferFactory().wrap("fine".getBytes())));
			}
			Flux<DataBuffer> body = Flux.concat(Mono.just(response.bufferFactory().wrap("partial".getBytes())),
					Mono.error(new IllegalStateException("boom after commit")));
			return response.writeWith(body);
		});
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
			// status line and first chunk arrived, then the connection is cut before the last chunk
			assertThatThrownBy(http::read).isInstanceOf(IOException.class);
		}
		assertThat(get("/ok").body()).isEqualTo("fine");
	}
}
