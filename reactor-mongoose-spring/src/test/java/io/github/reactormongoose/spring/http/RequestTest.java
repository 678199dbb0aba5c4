/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.http.HttpResponse;

import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.server.reactive.ServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/** What the Spring request exposes: URI, path, query, headers, addresses, id, native request. */
class RequestTest extends AbstractAdapterTest {

	private static Mono<Void> describe(ServerHttpRequest request, org.springframework.http.server.reactive.ServerHttpResponse response) {
		HttpServerRequest nativeRequest = ((MongooseServerHttpRequest) request).getNativeRequest();
		String text = String.join("\n",
				"method=" + request.getMethod(),
				"uri=" + request.getURI(),
				"path=" + request.getPath().pathWithinApplication().value(),
				"query=" + request.getQueryParams(),
				"x-multi=" + request.getHeaders().get("X-Multi"),
				"host=" + request.getHeaders().getFirst("HOST"),
				"remote=" + request.getRemoteAddress().getAddress().getHostAddress(),
				"local=" + request.getLocalAddress().getPort(),
				"id=" + request.getId().equals(nativeRequest.requestId()),
				"ssl=" + request.getSslInfo());
		return response.writeWith(Mono.just(response.bufferFactory().wrap(text.getBytes())));
	}

	@Test
	void exposesTheRequest() throws Exception {
		start(RequestTest::describe);
		HttpResponse<String> r = this.client.send(request("/a%20b/c?x=1&y=two%20words&x=3&flag")
				.header("X-Multi", "one").header("X-Multi", "two").GET().build(), HttpResponse.BodyHandlers.ofString());
		assertThat(r.body()).isEqualTo(String.join("\n",
				"method=GET",
				"uri=http://127.0.0.1:" + port() + "/a%20b/c?x=1&y=two%20words&x=3&flag",
				"path=/a%20b/c",
				"query={x=[1, 3], y=[two words], flag=[null]}",
				"x-multi=[one, two]",
				"host=127.0.0.1:" + port(),
				"remote=127.0.0.1",
				"local=" + port(),
				"id=true",
				"ssl=null"));
	}

	@Test
	void withoutHostHeaderTheLocalAddressIsUsed() throws Exception {
		start(RequestTest::describe);
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /p?q=1 HTTP/1.0\r\n\r\n");
			String body = http.read().bodyString();
			assertThat(body).contains("uri=http://127.0.0.1:" + port() + "/p?q=1");
		}
	}

	@Test
	void invalidRequestTargetGets400() throws Exception {
		start(RequestTest::describe);
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /a|b{c} HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(http.read().status()).isEqualTo(400);
			http.write("GET /fine HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response ok = http.read();
			assertThat(ok.status()).isEqualTo(200);
			assertThat(ok.bodyString()).contains("path=/fine");
		}
	}

	/**
	 * The authority of an absolute-form target is the URI's (the server makes it the request's
	 * Host, RFC 9112 3.2.2), and {@code OPTIONS *} reaches the application as {@code /*}: it got
	 * an empty 400 from the adapter, which wanted a target starting with '/'.
	 */
	@Test
	void absoluteFormAndAsteriskFormTargets() throws Exception {
		start(RequestTest::describe);
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET http://other.example:99/api/info?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
			assertThat(http.read().bodyString()).contains("uri=http://other.example:99/api/info?x=1", "host=other.example:99");
			http.write("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
			RawHttp.Response options = http.read();
			assertThat(options.status()).isEqualTo(200);
			assertThat(options.bodyString()).contains("method=OPTIONS", "uri=http://h/*", "path=/*");
		}
	}

	@Test
	void repeatedTargetsOnOneConnectionKeepTheirOwnUri() throws Exception {
		// the adapter reuses the URI it parsed for a target spelled the same way (RequestUris):
		// a different Host, a different target, an invalid one sent twice and more distinct
		// targets than the reuse keeps must each still get their own answer
		start(RequestTest::describe);
		try (RawHttp http = RawHttp.connect(port())) {
			for (int round = 0; round < 2; round++) {
				http.write("GET /same?q=1 HTTP/1.1\r\nHost: one.example\r\n\r\n");
				assertThat(http.read().bodyString()).contains("uri=http://one.example/same?q=1", "host=one.example");
				http.write("GET /same?q=1 HTTP/1.1\r\nHost: two.example:81\r\n\r\n");
				assertThat(http.read().bodyString()).contains("uri=http://two.example:81/same?q=1", "query={q=[1]}");
				http.write("GET /same?q=2 HTTP/1.1\r\nHost: one.example\r\n\r\n");
				assertThat(http.read().bodyString()).contains("uri=http://one.example/same?q=2", "query={q=[2]}");
				http.write("GET /a|b HTTP/1.1\r\nHost: one.example\r\n\r\n");
				assertThat(http.read().status()).isEqualTo(400);
			}
			for (int i = 0; i < RequestUris.MAX_ENTRIES + 10; i++) {
				http.write("GET /n/" + i + " HTTP/1.1\r\nHost: one.example\r\n\r\n");
				assertThat(http.read().bodyString()).contains("uri=http://one.example/n/" + i + "\n", "path=/n/" + i + "\n");
			}
			String longPath = "/" + "x".repeat(RequestUris.MAX_LENGTH);
			http.write("GET " + longPath + " HTTP/1.1\r\nHost: one.example\r\n\r\n");
			assertThat(http.read().bodyString()).contains("path=" + longPath + "\n");
		}
	}

	@Test
	void aTargetSpelledTheSameWayIsParsedOncePerThread() throws Exception {
		java.net.URI first = RequestUris.parse("http://h.example/reuse?x=1");
		assertThat(RequestUris.parse("http://h.example/reuse?x=1")).isSameAs(first);
		assertThat(RequestUris.parse("http://h.example/reuse?x=2")).isNotSameAs(first).hasToString("http://h.example/reuse?x=2");
		String tooLong = "http://h.example/" + "y".repeat(RequestUris.MAX_LENGTH);
		assertThat(RequestUris.parse(tooLong)).isNotSameAs(RequestUris.parse(tooLong)).isEqualTo(RequestUris.parse(tooLong));
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> RequestUris.parse("http://h.example/a|b"))
				.isInstanceOf(java.net.URISyntaxException.class);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> RequestUris.parse("http://h.example/a|b"))
				.isInstanceOf(java.net.URISyntaxException.class);
		Thread other = new Thread(() -> {
			try {
				assertThat(RequestUris.parse("http://h.example/reuse?x=1")).isNotSameAs(first).isEqualTo(first);
			}
			catch (java.net.URISyntaxException ex) {
				throw new IllegalStateException(ex);
			}
		});
		java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
		other.setUncaughtExceptionHandler((t, ex) -> failure.set(ex));
		other.start();
		other.join();
		assertThat(failure.get()).isNull();
	}
}
