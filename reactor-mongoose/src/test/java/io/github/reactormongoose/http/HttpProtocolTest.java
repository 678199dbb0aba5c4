/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code protocol(HttpProtocol...)} on the server and the client: HTTP/1.1 is taken, HTTP/2 and
 * HTTP/3 refused at configuration; and what HTTP/2 clients get from the server: the JDK client's
 * h2c upgrade is ignored and answered in HTTP/1.1, a prior-knowledge HTTP/2 preface is refused.
 */
class HttpProtocolTest extends BaseHttpTest {

	@Test
	void http11IsTakenAndTheOthersAreRefusedWithAClearError() {
		assertThat(HttpServer.create().protocol(HttpProtocol.HTTP11)).isNotNull();
		assertThat(HttpClient.create().protocol(HttpProtocol.HTTP11, HttpProtocol.HTTP11)).isNotNull();
		assertThatThrownBy(() -> HttpServer.create().protocol(HttpProtocol.H2, HttpProtocol.HTTP11))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Only HTTP/1.1 is supported")
				.hasMessageContaining("[H2]");
		assertThatThrownBy(() -> HttpServer.create().protocol(HttpProtocol.H2C))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[H2C]");
		assertThatThrownBy(() -> HttpClient.create().protocol(HttpProtocol.HTTP3))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[HTTP3]");
		assertThatThrownBy(() -> HttpServer.create().protocol())
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("At least one");
	}

	@Test
	void anHttp2ClientIsServedInHttp11() throws Exception {
		DisposableServer s = bind(HttpServer.create().protocol(HttpProtocol.HTTP11)
				.handle((req, res) -> res.sendString(Mono.just("hello " + req.protocol()))));
		// the JDK client asks for h2c with an upgrade (Connection: Upgrade, HTTP2-Settings): ignored
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2)
				.build();
		for (int i = 0; i < 2; i++) {
			HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(uri(s, "/")).timeout(TIMEOUT).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_1_1);
			assertThat(r.body()).isEqualTo("hello HTTP/1.1");
		}
		// HTTP/2 with prior knowledge starts with its preface: refused, not misread
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isIn(400, 505);
			assertThat(c.isClosedByPeer()).isTrue();
		}
		// our client, HTTP/1.1 only, gets the same answer
		assertThat(HttpClient.create().protocol(HttpProtocol.HTTP11).get().uri("http://127.0.0.1:" + s.port() + "/")
				.responseSingle((res, b) -> b.map(x -> new String(x, StandardCharsets.UTF_8))).block(TIMEOUT))
				.isEqualTo("hello HTTP/1.1");
	}
}
