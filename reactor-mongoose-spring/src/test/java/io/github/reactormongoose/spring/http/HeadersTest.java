/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Spring's request and response headers are views of the native ones: what a client sent is
 * seen as sent (case-insensitive names, repeated names in order, read-only), and what the
 * application sets is what goes on the wire, refused at once if it could split the response.
 */
class HeadersTest extends AbstractAdapterTest {

	private static Mono<Void> text(org.springframework.http.server.reactive.ServerHttpResponse response, String text) {
		return response.writeWith(Mono.just(response.bufferFactory().wrap(text.getBytes())));
	}

	@Test
	void requestHeadersAreTheReceivedOnesAndReadOnly() throws Exception {
		start((request, response) -> {
			HttpHeaders h = request.getHeaders();
			String refused;
			try {
				h.add("X-Added", "v");
				refused = "no";
			}
			catch (UnsupportedOperationException ex) {
				refused = "yes";
			}
			ServerHttpRequest mutated = request.mutate().header("X-Added", "v").build();
			List<String> names = new ArrayList<>(h.headerNames());
			return text(response, String.join("\n",
					"multi=" + h.get("x-MULTI"),
					"first=" + h.getFirst("X-MULTI"),
					"other=" + h.containsHeader("x-other") + " " + h.getFirst("x-other"),
					"absent=" + h.get("X-Absent") + " " + h.containsHeader("X-Absent"),
					"names=" + names,
					"size=" + h.size(),
					"length=" + h.getContentLength(),
					"refused=" + refused,
					"mutated=" + mutated.getHeaders().getFirst("x-added") + " " + mutated.getHeaders().get("X-Multi"),
					"original=" + h.getFirst("X-Added")));
		});
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET / HTTP/1.1\r\nHost: h\r\nX-Multi: one\r\nX-Other: a b\r\nx-multi: two\r\n\r\n");
			RawHttp.Response r = http.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo(String.join("\n",
					"multi=[one, two]",
					"first=one",
					"other=true a b",
					"absent=null false",
					"names=[Host, X-Multi, X-Other]",
					"size=3",
					"length=-1",
					"refused=yes",
					"mutated=v [one, two]",
					"original=null"));
		}
	}

	@Test
	void responseHeadersGoOnTheWireAsSetAndTheServerKeepsTheFraming() throws Exception {
		start((request, response) -> {
			HttpHeaders h = response.getHeaders();
			h.add("X-Multi", "a");
			h.add("x-multi", "b");
			h.set("X-Single", "1");
			h.set("x-single", "2");
			h.add("X-Gone", "soon");
			h.remove("X-GONE");
			h.setContentType(MediaType.TEXT_PLAIN);
			// the server chooses the framing: an application's Transfer-Encoding is dropped
			h.set("Transfer-Encoding", "chunked");
			if (request.getURI().getPath().equals("/close")) {
				h.set("Connection", "close");
			}
			return text(response, "body " + h.get("X-Multi") + " " + h.getFirst("X-Single"));
		});
		try (RawHttp http = RawHttp.connect(port())) {
			http.write("GET /keep HTTP/1.1\r\nHost: h\r\n\r\n");
			RawHttp.Response r = http.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.headers("X-Multi")).containsExactly("a", "b");
			assertThat(r.headers("X-Single")).containsExactly("2");
			assertThat(r.header("X-Gone")).isNull();
			assertThat(r.header("Content-Type")).isEqualTo("text/plain");
			assertThat(r.header("Transfer-Encoding")).isNull();
			assertThat(r.header("Content-Length")).isEqualTo(String.valueOf("body [a, b] 2".length()));
			assertThat(r.bodyString()).isEqualTo("body [a, b] 2");
			http.write("GET /close HTTP/1.1\r\nHost: h\r\n\r\n");
			RawHttp.Response closing = http.read();
			assertThat(closing.bodyString()).isEqualTo("body [a, b] 2");
			assertThat(closing.headers("Connection")).containsExactly("close");
			assertThat(http.isClosedByPeer()).isTrue();
		}
	}

	/**
	 * Headers copied from an upstream response (a gateway) may carry both Content-Length and
	 * Transfer-Encoding: chunked. Chunked wins, as with Reactor Netty: the streamed body goes out
	 * whole, and a length it does not match cannot cut it or put the connection out of step.
	 */
	@Test
	void copiedChunkedAndLengthHeadersStreamTheBodyChunked() throws Exception {
		start((request, response) -> {
			HttpHeaders h = response.getHeaders();
			h.set("Content-Length", "3");
			h.set("Transfer-Encoding", "chunked");
			return response.writeWith(reactor.core.publisher.Flux.just("hel", "lo ", "upstream")
					.map(t -> response.bufferFactory().wrap(t.getBytes())));
		});
		try (RawHttp http = RawHttp.connect(port())) {
			for (int i = 0; i < 2; i++) {
				http.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
				RawHttp.Response r = http.read();
				assertThat(r.isChunked()).isTrue();
				assertThat(r.header("Content-Length")).isNull();
				assertThat(r.bodyString()).isEqualTo("hello upstream");
			}
		}
	}

	@Test
	void aHeaderThatWouldSplitTheResponseFailsWhereItIsSetAndGets500() throws Exception {
		start((request, response) -> {
			response.getHeaders().set("X-Before", "set before the failure");
			try {
				response.getHeaders().set("X-Bad", "a\r\nInjected: yes");
			}
			catch (IllegalArgumentException ex) {
				return Mono.error(ex);
			}
			return text(response, "not reached");
		});
		try (RawHttp http = RawHttp.connect(port())) {
			for (int i = 0; i < 2; i++) { // the connection stays usable
				http.write("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
				RawHttp.Response r = http.read();
				assertThat(r.status()).isEqualTo(500);
				assertThat(r.header("Injected")).isNull();
				assertThat(r.header("X-Bad")).isNull();
				// a response Spring never committed hands none of its headers to the error answer
				assertThat(r.header("X-Before")).isNull();
			}
		}
	}

	@Test
	void theViewBehavesAsAMultiValueMap() {
		io.github.reactormongoose.http.HttpHeaders nativeHeaders = new io.github.reactormongoose.http.HttpHeaders();
		MongooseHeadersAdapter map = new MongooseHeadersAdapter(nativeHeaders);
		assertThat(map).isEmpty();
		map.add("Accept", "a");
		map.addAll("accept", List.of("b", "c"));
		map.set("X-One", "1");
		map.put("X-List", List.of("x", "y"));
		assertThat(map.get("ACCEPT")).containsExactly("a", "b", "c");
		assertThat(map.getFirst("accept")).isEqualTo("a");
		assertThat(map.size()).isEqualTo(3);
		assertThat(map.keySet()).containsExactly("Accept", "X-One", "X-List");
		assertThat(map.toSingleValueMap()).containsExactly(Map.entry("Accept", "a"), Map.entry("X-One", "1"),
				Map.entry("X-List", "x"));
		assertThat(map.put("x-list", List.of("z"))).containsExactly("x", "y");
		assertThat(map.remove("x-one")).containsExactly("1");
		assertThat(map.remove("x-one")).isNull();
		Iterator<Map.Entry<String, List<String>>> it = map.entrySet().iterator();
		Map.Entry<String, List<String>> first = it.next();
		assertThat(first.getKey()).isEqualTo("Accept");
		first.setValue(List.of("only"));
		it.remove();
		assertThat(map.containsKey("accept")).isFalse();
		// put replaces the name too, as LinkedCaseInsensitiveMap does
		assertThat(nativeHeaders.toString()).isEqualTo("[x-list: z]");
		assertThatThrownBy(() -> map.add("X-Bad", "a\nb")).isInstanceOf(IllegalArgumentException.class);
		map.clear();
		assertThat(nativeHeaders.isEmpty()).isTrue();
		assertThat(map.get("X-List")).isNull();
	}
}
