/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.test.StepVerifier;

/** Request decoding without a server: the event payload, percent-encoding and query strings. */
@ExtendWith(NativeLeakCheck.class)
class RequestDecoderTest {

	/** A payload in the layout of {@code rmg_emit_request}, at {@code offset} in a native-order buffer. */
	private static ByteBuffer payload(int offset, String method, String uri, String query, String proto,
			List<String> headers, byte[] body) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		ByteBuffer i = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
		i.putInt(0, headers.size() / 2);
		out.writeBytes(i.array());
		for (String s : List.of(method, uri, query, proto)) {
			put(out, s.getBytes(StandardCharsets.ISO_8859_1));
		}
		for (String h : headers) {
			put(out, h.getBytes(StandardCharsets.ISO_8859_1));
		}
		put(out, body);
		ByteBuffer b = ByteBuffer.allocate(offset + out.size()).order(ByteOrder.nativeOrder());
		b.put(offset, out.toByteArray());
		return b;
	}

	private static void put(ByteArrayOutputStream out, byte[] s) {
		ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
		len.putInt(0, s.length);
		out.writeBytes(len.array());
		out.writeBytes(s);
	}

	@Test
	void decodesTheRequestLineHeadersAndBody() {
		byte[] body = {'a', 0, 'b'};
		ByteBuffer b = payload(16, "POST", "/p%C3%A4th", "x=1&y=%20", "HTTP/1.1",
				List.of("Host", "h", "X-Multi", "1", "x-multi", "2"), body);
		RequestView r = RequestDecoder.decode(null, 3, b, 16, b.capacity() - 16, 0, null);
		assertThat(r.method()).isEqualTo("POST");
		assertThat(r.uri()).isEqualTo("/p%C3%A4th?x=1&y=%20");
		assertThat(r.path()).isEqualTo("/päth");
		assertThat(r.query()).isEqualTo("x=1&y=%20");
		assertThat(r.queryParam("y")).isEqualTo(" ");
		assertThat(r.protocol()).isEqualTo("HTTP/1.1");
		assertThat(r.requestHeaders().getAll("X-MULTI")).containsExactly("1", "2");
		assertThat(r.clientKeepAlive()).isTrue();
		assertThat(r.isHead()).isFalse();
		StepVerifier.create(r.receiveBytes()).assertNext(a -> assertThat(a).containsExactly(body)).verifyComplete();
	}

	@Test
	void commonStringsAndTheirNearMissesDecodeToWhatWasSent() {
		// common strings are decoded without allocating; the same lengths with other bytes must not match them
		List<String> headers = List.of("Host", "h", "Hosu", "x", "host", "y", "Accept", "*/*", "Accepu", "*/+",
				"Connection", "keep-alive", "Connection", "keep-alivf", "X-\u00e9t\u00e9", "\u00ff\u00fe", "Content-Type",
				"application/json");
		for (String method : List.of("GET", "GEU", "DELETE", "DELETF", "OPTIONS", "M-SEARCH")) {
			for (String proto : List.of("HTTP/1.1", "HTTP/1.0", "HTTP/1.2")) {
				ByteBuffer b = payload(3, method, "/", "", proto, headers, new byte[0]);
				RequestView r = RequestDecoder.decode(null, 1, b, 3, b.capacity() - 3, 0, null);
				assertThat(r.method()).isEqualTo(method);
				assertThat(r.protocol()).isEqualTo(proto);
				assertThat(r.query()).isEmpty();
				List<String> seen = new java.util.ArrayList<>();
				r.requestHeaders().forEach(e -> {
					seen.add(e.getKey());
					seen.add(e.getValue());
				});
				assertThat(seen).containsExactlyElementsOf(headers);
			}
		}
	}

	@Test
	void keepAliveIsRefusedByHttp10OrConnectionClose() {
		ByteBuffer http10 = payload(0, "GET", "/", "", "HTTP/1.0", List.of(), new byte[0]);
		assertThat(RequestDecoder.decode(null, 1, http10, 0, http10.capacity(), 0, null).clientKeepAlive()).isFalse();
		ByteBuffer close = payload(0, "GET", "/", "", "HTTP/1.1", List.of("Connection", "Close"), new byte[0]);
		assertThat(RequestDecoder.decode(null, 1, close, 0, close.capacity(), 0, null).clientKeepAlive()).isFalse();
		ByteBuffer http11 = payload(0, "HEAD", "/", "", "HTTP/1.1", List.of(), new byte[0]);
		RequestView r = RequestDecoder.decode(null, 1, http11, 0, http11.capacity(), 0, null);
		assertThat(r.clientKeepAlive()).isTrue();
		assertThat(r.isHead()).isTrue();
	}

	@Test
	void percentDecodingIsUtf8AndStrict() {
		assertThat(RequestDecoder.percentDecode("/plain", false)).isEqualTo("/plain");
		assertThat(RequestDecoder.percentDecode("a+b%2Bc", false)).isEqualTo("a+b+c");
		assertThat(RequestDecoder.percentDecode("a+b%2Bc", true)).isEqualTo("a b+c");
		assertThat(RequestDecoder.percentDecode("%e2%82%ac", false)).isEqualTo("€");
		assertThat(RequestDecoder.percentDecode("/caf\u00c3\u00a9", false)).as("raw UTF-8 bytes, one char each").isEqualTo("/café");
		assertThatThrownBy(() -> RequestDecoder.percentDecode("/a%2", false)).isInstanceOf(BadRequestException.class);
		assertThatThrownBy(() -> RequestDecoder.percentDecode("/a%zz", false)).isInstanceOf(BadRequestException.class);
	}

	@Test
	void queryParametersKeepOrderAndRepeatsAndAreReadOnly() {
		Map<String, List<String>> q = RequestDecoder.queryParams("b=2&a=1&&b=3&flag&sp=a+b");
		assertThat(q.keySet()).containsExactly("b", "a", "flag", "sp");
		assertThat(q.get("b")).containsExactly("2", "3");
		assertThat(q.get("flag")).containsExactly("");
		assertThat(q.get("sp")).containsExactly("a b");
		assertThat(RequestDecoder.queryParams("")).isEmpty();
		assertThatThrownBy(() -> q.get("b").add("4")).isInstanceOf(UnsupportedOperationException.class);
		assertThatThrownBy(() -> q.put("c", List.of())).isInstanceOf(UnsupportedOperationException.class);
	}
}
