/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.websocket.PerMessageDeflate;
import io.github.reactormongoose.testing.JavaFuzz;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * The HTTP client's parsers of what a server or proxy sends, fuzzed ({@link JavaFuzz}): the
 * response parser fed in pieces (whole, byte by byte, at random points), the gzip decoder, the
 * proxy handshake (HTTP {@code CONNECT}, SOCKS5 with and without a password, SOCKS4), and the
 * response header values the client reads ({@code Sec-WebSocket-Extensions}, {@code Set-Cookie},
 * {@code Location}). Each input either parses or fails with the parser's documented exception.
 */
class ClientParsersFuzzTest {

	// ---- the response parser ----

	private static final List<byte[]> RESPONSES = JavaFuzz.latin1(
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nTrailer: X-Sum\r\n\r\n1\r\na\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 204 No Content\r\nConnection: keep-alive, close\r\n\r\n",
		"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil the connection closes",
		"HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nX-Folded: a\r\n b\r\n\r\nabc",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffff\r\nabc");

	private static final class Order implements ResponseParser.Listener {
		boolean head;
		boolean ended;

		@Override
		public void onHead(int status, String version, String reason, HttpHeaders headers) {
			assertThat(head).as("one head").isFalse();
			assertThat(status).isBetween(100, 999);
			head = true;
		}

		@Override
		public void onBody(ByteBuffer buf, int offset, int length) {
			assertThat(head && !ended).as("a body between head and end").isTrue();
			assertThat(length).isNotNegative();
		}

		@Override
		public void onEnd() {
			assertThat(head && !ended).as("one end after the head").isTrue();
			ended = true;
		}
	}

	@Test
	void responseParser() {
		JavaFuzz.run("ResponseParser", 20_000, RESPONSES, (input, r) -> {
			ResponseParser p = new ResponseParser();
			Order order = new Order();
			String method = r.nextInt(8) == 0 ? "HEAD" : "GET";
			p.expect(method, r.nextBoolean(), r.nextBoolean() ? 8192 : 64 + r.nextInt(256), r.nextInt(3) == 0 ? 20 : 0,
					r.nextBoolean() ? 100 : 2, r.nextBoolean(), order);
			try {
				for (byte[] piece : JavaFuzz.pieces(input, r)) {
					int used = p.feed(ByteBuffer.wrap(piece), 0, piece.length);
					assertThat(used).isBetween(0, piece.length);
					if (used < piece.length) {
						assertThat(p.isDone()).as("stops early only at the response's end").isTrue();
						return;
					}
				}
				p.eof();
				assertThat(order.ended || !order.head || method.equals("HEAD")).isTrue();
			}
			catch (MalformedResponseException | PrematureCloseException expected) {
				// the documented failures
			}
		});
	}

	// ---- the gzip decoder ----

	private static byte[] gzip(byte[] data) throws Exception {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (GZIPOutputStream z = new GZIPOutputStream(b)) {
			z.write(data);
		}
		return b.toByteArray();
	}

	/** A member with every optional header field (extra, name, comment, header CRC). */
	private static byte[] gzipWithAllFields(byte[] data) throws Exception {
		byte[] plain = gzip(data);
		ByteArrayOutputStream h = new ByteArrayOutputStream();
		h.write(new byte[] { 0x1f, (byte) 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3 });
		h.write(new byte[] { 4, 0, 'a', 'b', 2, 0 });
		h.write("name.txt\0a comment\0".getBytes(ISO_8859_1));
		CRC32 crc = new CRC32();
		crc.update(h.toByteArray());
		h.write((int) crc.getValue() & 0xff);
		h.write((int) (crc.getValue() >> 8) & 0xff);
		h.write(plain, 10, plain.length - 10);
		return h.toByteArray();
	}

	@Test
	void gzipDecoder() throws Exception {
		byte[] text = "hello hello hello, a body that compresses well, well, well".repeat(20).getBytes(UTF_8);
		byte[] one = gzip(text);
		ByteArrayOutputStream two = new ByteArrayOutputStream();
		two.write(one);
		two.write(gzip("second member".getBytes(UTF_8)));
		List<byte[]> seeds = List.of(one, gzipWithAllFields(text), two.toByteArray(), gzip(new byte[0]));
		JavaFuzz.run("GzipDecoder", 2_000, seeds, (input, r) -> {
			List<ByteBuffer> pieces = JavaFuzz.pieces(input, r).stream().map(ByteBuffer::wrap).toList();
			try {
				List<ByteBuffer> out = GzipDecoder.decode(Flux.fromIterable(pieces)).collectList().block();
				long n = out.stream().mapToLong(ByteBuffer::remaining).sum();
				assertThat(n).isLessThanOrEqualTo(1032L * input.length + 64 * 1024); // deflate's largest ratio
			}
			catch (MalformedResponseException expected) {
				// the documented failure
			}
		});
	}

	// ---- the proxy handshake ----

	private static ProxyProvider proxy(ProxyProvider.Proxy type, boolean password) {
		ProxyProvider.Build b = ProxyProvider.builder();
		b.type(type).host("127.0.0.1").port(1080);
		if (password) {
			b.username("user").password(u -> "secret");
		}
		return b.build();
	}

	@Test
	void proxyHandshake() {
		List<byte[]> seeds = new ArrayList<>(JavaFuzz.latin1(
			"HTTP/1.1 200 Connection established\r\n\r\n",
			"HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n<html>"));
		seeds.add(new byte[] { 5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80 });
		seeds.add(new byte[] { 5, 2, 1, 0, 5, 0, 0, 3, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 80 });
		seeds.add(new byte[] { 5, 0, 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, (byte) 0xbb });
		seeds.add(new byte[] { 5, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0 });
		seeds.add(new byte[] { 0, 90, 0, 80, 127, 0, 0, 1 });
		seeds.add(new byte[] { 0, 91, 0, 0, 0, 0, 0, 0 });
		List<ProxyProvider> proxies = List.of(proxy(ProxyProvider.Proxy.HTTP, false), proxy(ProxyProvider.Proxy.HTTP, true),
				proxy(ProxyProvider.Proxy.SOCKS5, false), proxy(ProxyProvider.Proxy.SOCKS5, true),
				proxy(ProxyProvider.Proxy.SOCKS4, false));
		JavaFuzz.run("ProxyHandshake", 20_000, seeds, (input, r) -> {
			ProxyProvider p = proxies.get(r.nextInt(proxies.size()));
			ProxyHandshake h = new ProxyHandshake(p, r.nextBoolean() ? "example.com" : "192.0.2.1", 443);
			try {
				h.start();
				for (byte[] piece : JavaFuzz.pieces(input, r)) {
					h.onRead(ByteBuffer.wrap(piece), 0, piece.length);
				}
			}
			catch (ProxyConnectException expected) {
				// the documented failure
			}
		});
	}

	// ---- response header values ----

	@Test
	void responseHeaderValues() {
		List<byte[]> seeds = JavaFuzz.latin1(
			"permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
			"permessage-deflate; server_max_window_bits=\"12\"; client_no_context_takeover",
			"sid=31d4; Path=/; Domain=.example.com; Max-Age=3600; Secure; HttpOnly; SameSite=Lax; Partitioned",
			"lang=\"en-US\"; Expires=Wed, 09 Jun 2021 10:18:14 GMT",
			"/a/b/../c?q=1#frag", "http://[::1]:8080/x", "//other.example:99/./p", "?page=2", "caf\u00e9/../..");
		URI base = URI.create("http://example.com/dir/page?x=1");
		JavaFuzz.run("ResponseHeaderValues", 20_000, seeds, (input, r) -> {
			String v = new String(input, ISO_8859_1); // a header value holds a character per byte received
			try {
				PerMessageDeflate.clientTerms(v);
			}
			catch (IllegalArgumentException expected) {
				// fails the handshake with WebSocketHandshakeException
			}
			Cookie.parseSetCookie(v); // a cookie or null
			try {
				Locations.resolve(base, v.strip());
			}
			catch (IllegalArgumentException expected) {
				// fails the redirect with MalformedResponseException
			}
		});
	}
}
