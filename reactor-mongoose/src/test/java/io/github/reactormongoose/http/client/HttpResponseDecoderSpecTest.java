/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import io.github.reactormongoose.http.server.BaseHttpTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link HttpClient#httpResponseDecoder}: a larger head limit for Reactor Netty's server with a
 * 20 KB header (the usual reason to call it), the status line limit, duplicate
 * {@code Content-Length} values, the settings it refuses.
 */
class HttpResponseDecoderSpecTest extends BaseHttpTest {

	private static Mono<String> body(HttpClient client, String url) {
		return client.get().uri(url).responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, StandardCharsets.UTF_8))
				.defaultIfEmpty(res.status() + " "));
	}

	@Test
	void aLargerHeadLimitTakesReactorNettysLargeHeaders() {
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.header("X-Large", "v".repeat(20_000)).sendString(Mono.just("big head")))
				.bindNow(TIMEOUT);
		try {
			String url = "http://127.0.0.1:" + netty.port() + "/";
			StepVerifier.create(body(HttpClient.create(), url)).expectError(HeadersTooLargeException.class).verify(TIMEOUT);
			assertThat(body(HttpClient.create().httpResponseDecoder(spec -> spec.maxHeaderSize(32 * 1024)), url).block(TIMEOUT))
					.isEqualTo("200 big head");
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	@Test
	void theStatusLineHasItsOwnLimit() throws Exception {
		String reason = "R".repeat(150); // "HTTP/1.1 200 " + 150: a 163-byte status line
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 " + reason + "\r\nContent-Length: 2\r\n\r\nok");
			c.awaitClientClose(5000);
		})) {
			assertThat(body(HttpClient.create().httpResponseDecoder(spec -> spec.maxInitialLineLength(163)), s.url("/"))
					.block(TIMEOUT)).isEqualTo("200 ok");
			StepVerifier.create(body(HttpClient.create().httpResponseDecoder(spec -> spec.maxInitialLineLength(162)), s.url("/")))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedStatusLineException.class)
							.hasMessage("Status line longer than 162 bytes"))
					.verify(TIMEOUT);
		}
		// the same line ended by a bare LF (which the client tolerates) is measured the same way
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 " + reason + "\nContent-Length: 2\n\nok");
			c.awaitClientClose(5000);
		})) {
			StepVerifier.create(body(HttpClient.create().httpResponseDecoder(spec -> spec.maxInitialLineLength(162)), s.url("/")))
					.expectError(MalformedStatusLineException.class).verify(TIMEOUT);
		}
		// a status line that never ends fails once it is past the limit, without waiting for more
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 " + "R".repeat(300));
			c.awaitClientClose(5000);
		})) {
			StepVerifier.create(body(HttpClient.create().httpResponseDecoder(spec -> spec.maxInitialLineLength(100)), s.url("/")))
					.expectError(MalformedStatusLineException.class).verify(TIMEOUT);
		}
	}

	@Test
	void equalContentLengthsAreOneUnlessDuplicatesAreRefused() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
			c.awaitClientClose(5000);
		})) {
			assertThat(body(HttpClient.create(), s.url("/")).block(TIMEOUT)).isEqualTo("200 abc");
			StepVerifier.create(body(HttpClient.create().httpResponseDecoder(spec -> spec.allowDuplicateContentLengths(false)),
							s.url("/")))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(AmbiguousFramingException.class)
							.hasMessageContaining("more than one Content-Length"))
					.verify(TIMEOUT);
		}
	}

	@Test
	void theSpecStartsFromTheClientsSettingsAndRefusesWhatCannotBeHonoured() {
		HttpClient base = HttpClient.create().maxHeaderSize(4096);
		base.httpResponseDecoder(spec -> {
			assertThat(spec.maxHeaderSize()).isEqualTo(4096);
			assertThat(spec.maxInitialLineLength()).isEqualTo(4096);
			assertThat(spec.allowDuplicateContentLengths()).isTrue();
			assertThat(spec.validateHeaders()).isTrue();
			return spec;
		});
		HttpClient changed = base.httpResponseDecoder(spec -> spec.maxInitialLineLength(1024).maxHeaderSize(16384)
				.validateHeaders(true).initialBufferSize(256).maxChunkSize(16384).failOnMissingResponse(true)
				.parseHttpAfterConnectRequest(false));
		changed.httpResponseDecoder(spec -> {
			assertThat(spec.maxInitialLineLength()).isEqualTo(1024);
			assertThat(spec.maxHeaderSize()).isEqualTo(16384);
			return spec;
		});
		assertThatThrownBy(() -> base.httpResponseDecoder(spec -> spec.validateHeaders(false)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("always validates");
		assertThatThrownBy(() -> base.httpResponseDecoder(spec -> spec.maxInitialLineLength(10)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64..1048576");
		assertThatThrownBy(() -> base.httpResponseDecoder(spec -> spec.maxHeaderSize(10)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 64");
		assertThatThrownBy(() -> base.httpResponseDecoder(spec -> null))
				.isInstanceOf(NullPointerException.class).hasMessageContaining("returned null");
	}
}
