/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.websocket.PerMessageDeflate;
import io.github.reactormongoose.testing.JavaFuzz;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's parsers of what a client sends, fuzzed ({@link JavaFuzz}): form bodies
 * (urlencoded and multipart, fed in pieces), and the request header values read in Java
 * ({@code Accept-Encoding}, {@code Range}, {@code Cookie}, {@code Forwarded} and
 * {@code X-Forwarded-*}, a WebSocket upgrade's {@code Sec-WebSocket-Extensions}). Each input
 * either parses or fails with the documented exception.
 */
class ServerParsersFuzzTest {

	@TempDir
	Path dir;

	private static final List<byte[]> FORMS = JavaFuzz.latin1(
		"a=1&b=hello+world&c=%41%42%e2%82%ac&d&=e&&f=",
		"--bb\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\n"
				+ "one\r\n--b line\r\n--bb\r\nContent-Disposition: form-data; name=x; filename*=UTF-8''caf%C3%A9\r\n"
				+ " folded: yes\r\n\r\ntwo\r\n--bb--\r\nepilogue",
		"preamble\r\n--bb  \r\n\r\n\r\n--bb--",
		"--bb\r\nContent-Disposition: form-data; name=\"q\\\"uote\"\r\n\r\n\r\n--bb--\r\n");

	@Test
	void formDecoder() {
		JavaFuzz.run("FormDecoder", 3_000, FORMS, (input, r) -> {
			String type = r.nextBoolean() ? "multipart/form-data; boundary=bb" : "application/x-www-form-urlencoded; charset=UTF-8";
			FormDecoderSpec spec = new FormDecoderSpec().baseDirectory(dir).maxInMemorySize(r.nextBoolean() ? 1 << 20 : 4)
					.maxHeaderSize(r.nextBoolean() ? 8192 : 16).maxParts(r.nextBoolean() ? -1 : 2);
			FormDecoder.TempFiles files = new FormDecoder.TempFiles();
			FormDecoder d = FormDecoder.of(HttpHeaders.received(List.of("Content-Type"), List.of(type)), spec, files);
			try {
				for (byte[] piece : JavaFuzz.pieces(input, r)) {
					d.feed(ByteBuffer.wrap(piece).asReadOnlyBuffer());
				}
				d.finish();
			}
			catch (FormDecodingException e) {
				assertThat(e.status()).isIn(400, 413);
			}
			finally {
				d.close();
				files.release();
			}
			try (var left = Files.list(dir)) {
				assertThat(left).as("no temporary file left").isEmpty();
			}
		});
	}

	@Test
	void requestHeaderValues() {
		List<byte[]> seeds = JavaFuzz.latin1(
			"gzip;q=0.5, deflate, br;q=1.0, *;q=0",
			"bytes=0-99", "bytes=-500", "bytes=9500-",
			"a=1; b=\"two\"; c=; =d; e",
			"for=\"[2001:db8:cafe::17]:4711\";proto=https;host=example.com:8443, for=192.0.2.43",
			"203.0.113.195:41237, 70.41.3.18",
			"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate");
		InetSocketAddress remote = new InetSocketAddress("127.0.0.1", 40000);
		InetSocketAddress local = new InetSocketAddress("127.0.0.1", 8080);
		JavaFuzz.run("RequestHeaderValues", 20_000, seeds, (input, r) -> {
			String v = new String(input, ISO_8859_1); // a header value holds a character per byte received
			StaticFiles.acceptsGzip(v);
			long[] range = StaticFiles.parseRange(v, r.nextInt(3) * 1000L);
			if (range != null && range.length == 2) {
				assertThat(range[0]).isBetween(0L, range[1]);
			}
			Cookie.parseRequest(List.of(v));
			ForwardedInfo.of(HttpHeaders.received(List.of("Forwarded"), List.of(v)), remote, "http", local);
			ForwardedInfo.of(HttpHeaders.received(List.of("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Port"),
					List.of(v, v, v)), remote, "http", local);
			PerMessageDeflate.negotiate(List.of(v), r.nextBoolean()); // terms or null
		});
	}
}
