/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.util.DisconnectedClientHelper;

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

	/**
	 * A client that goes away during its response or its upload fails the handler with
	 * {@link AbortedException}, which Spring's DisconnectedClientHelper takes for a client that
	 * went away (as Reactor Netty's exception of that name): WebFlux and Boot then log it at
	 * debug level instead of as a server error with a stack trace, and render no 500.
	 */
	@Test
	void aClientThatGoesAwayIsADisconnectedClientToSpring() throws Exception {
		LinkedBlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
		start((request, response) -> switch (request.getPath().value()) {
			case "/download" -> response.writeWith(Mono.just(response.bufferFactory().wrap(new byte[16 << 20])))
					.doOnError(errors::add);
			default -> DataBufferUtils.join(request.getBody()).doOnError(errors::add).then(response.setComplete());
		});
		try (Socket s = new Socket("127.0.0.1", port())) {
			s.getOutputStream().write("GET /download HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(s.getInputStream().readNBytes(10)).hasSize(10);
			s.setSoLinger(true, 0); // a reset, as a browser tab that is closed
		}
		try (Socket s = new Socket("127.0.0.1", port())) {
			s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
					+ "u".repeat(100_000)).getBytes(StandardCharsets.US_ASCII));
			s.getOutputStream().flush();
			Thread.sleep(200);
		}
		for (int i = 0; i < 2; i++) {
			Throwable e = errors.poll(10, TimeUnit.SECONDS);
			assertThat(e).isInstanceOf(AbortedException.class);
			assertThat(DisconnectedClientHelper.isClientDisconnectedException(e)).as(e.toString()).isTrue();
		}
		assertThat(get("/ok").statusCode()).isEqualTo(200);
	}

	/**
	 * An interim status (1xx) set as the answer fails the commit; through WebFlux's
	 * HttpWebHandlerAdapter, which then ends the exchange itself, the client gets a 500, not the
	 * default 200.
	 */
	@Test
	void anInterimStatusFromAWebFluxHandlerIsA500() throws Exception {
		start(org.springframework.web.server.adapter.WebHttpHandlerBuilder.webHandler(exchange -> {
			if (exchange.getRequest().getPath().value().equals("/ok")) {
				return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap("fine".getBytes())));
			}
			exchange.getResponse().setStatusCode(org.springframework.http.HttpStatusCode.valueOf(102));
			return exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory().wrap("body".getBytes())));
		}).build());
		for (int i = 0; i < 2; i++) {
			assertThat(get("/processing").statusCode()).isEqualTo(500);
			assertThat(get("/ok").body()).isEqualTo("fine");
		}
	}
}
