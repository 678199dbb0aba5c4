/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.Nginx;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/** The client against servers nobody here wrote: Reactor Netty, the JDK's HttpServer, nginx. */
class ClientInteropTest extends BaseHttpTest {

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
	}

	@Test
	void reactorNettyServer() {
		DisposableServer s = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello from netty")))
						.post("/echo", (req, res) -> res.send(req.receive().retain()))
						.get("/stream", (req, res) -> res.sendString(Flux.range(0, 1000).map(i -> i + ",")))
						.get("/redirect", (req, res) -> res.sendRedirect("/hello")))
				.bindNow();
		try {
			MongooseLoop loop = newLoop();
			HttpClient c = HttpClient.create().runOn(loop).baseUrl("http://127.0.0.1:" + s.port());
			assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello from netty");
			assertThat(text(c.post().uri("/echo").sendString(Mono.just("fixed")))).isEqualTo("200 fixed");
			assertThat(text(c.post().uri("/echo").sendString(Flux.range(0, 100).map(i -> "c" + i))))
					.isEqualTo("200 " + String.join("", Flux.range(0, 100).map(i -> "c" + i).collectList().block()));
			assertThat(text(c.get().uri("/stream"))).startsWith("200 0,1,2,").endsWith("999,");
			assertThat(text(c.followRedirect(true).get().uri("/redirect"))).isEqualTo("200 hello from netty");
			assertThat(text(c.get().uri("/missing"))).startsWith("404");
		}
		finally {
			s.disposeNow();
		}
	}

	@Test
	void jdkHttpServer() throws Exception {
		HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		s.createContext("/fixed", ex -> {
			byte[] b = "fixed length".getBytes(UTF_8);
			ex.sendResponseHeaders(200, b.length);
			ex.getResponseBody().write(b);
			ex.close();
		});
		s.createContext("/chunked", ex -> {
			ex.getResponseHeaders().add("X-Method", ex.getRequestMethod());
			byte[] in = ex.getRequestBody().readAllBytes();
			ex.sendResponseHeaders(200, 0); // 0: chunked
			try (OutputStream o = ex.getResponseBody()) {
				for (int i = 0; i < 3; i++) {
					o.write(in);
					o.flush();
				}
			}
		});
		s.start();
		try {
			MongooseLoop loop = newLoop();
			HttpClient c = HttpClient.create().runOn(loop).baseUrl("http://127.0.0.1:" + s.getAddress().getPort());
			for (int i = 0; i < 3; i++) {
				assertThat(text(c.get().uri("/fixed"))).isEqualTo("200 fixed length");
				assertThat(text(c.put().uri("/chunked").sendString(Flux.just("x", "y")))).isEqualTo("200 xyxyxy");
			}
			assertThat(text(c.head().uri("/fixed"))).isEqualTo("200 ");
			assertThat(text(c.get().uri("/fixed"))).isEqualTo("200 fixed length");
		}
		finally {
			s.stop(0);
		}
	}

	@Test
	void nginx() throws Exception {
		Nginx.assumeInstalled("ClientInteropTest.nginx");
		Path dir = Files.createTempDirectory("nginx-client-test");
		Path www = Files.createDirectories(dir.resolve("www"));
		byte[] big = new byte[5 << 20];
		new Random(7).nextBytes(big);
		Files.write(www.resolve("big.bin"), big);
		Files.writeString(www.resolve("page.html"), "<html>" + "text ".repeat(2000) + "</html>");
		int port = Nginx.freePort();
		try (Nginx n = Nginx.start(dir, List.of(
				"  gzip on; gzip_types text/html; gzip_min_length 10;",
				"  types { text/html html; application/octet-stream bin; }",
				"  server {", "    listen 127.0.0.1:" + port + ";", "    root " + www + ";",
				"    location = /method { return 200 \"method=$request_method\"; }",
				"    location = /moved { return 301 /method; }",
				"    location = /small { client_max_body_size 1k; return 200 \"taken\"; }", "  }"), port)) {
			MongooseLoop loop = newLoop();
			HttpClient c = HttpClient.create().runOn(loop).baseUrl("http://127.0.0.1:" + port);
			assertThat(text(c.get().uri("/method"))).isEqualTo("200 method=GET");
			assertThat(text(c.delete().uri("/method"))).isEqualTo("200 method=DELETE");
			assertThat(text(c.followRedirect(true).get().uri("/moved"))).isEqualTo("200 method=GET");
			for (int i = 0; i < 3; i++) {
				byte[] got = c.get().uri("/big.bin").responseSingle((res, b) -> b).block(TIMEOUT);
				assertThat(sha(got)).isEqualTo(sha(big));
			}
			// gzip makes nginx answer with chunked coding
			HttpClientResponse[] head = new HttpClientResponse[1];
			byte[] gz = c.headers(h -> h.set("Accept-Encoding", "gzip")).get().uri("/page.html")
					.responseSingle((res, b) -> {
						head[0] = res;
						return b;
					}).block(TIMEOUT);
			assertThat(head[0].responseHeaders().get("Transfer-Encoding")).isEqualTo("chunked");
			assertThat(new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), UTF_8))
					.startsWith("<html>text ").endsWith("</html>");
			// compress(true) asks for gzip and decodes nginx's chunked gzip
			assertThat(c.compress(true).get().uri("/page.html").responseSingle((res, b) -> b.map(x ->
					res.responseHeaders().get("Content-Encoding") + "|" + new String(x, UTF_8))).block(TIMEOUT))
					.isEqualTo("null|<html>" + "text ".repeat(2000) + "</html>");
			assertThat(text(c.head().uri("/big.bin"))).isEqualTo("200 ");
			assertThat(text(c.get().uri("/nothing-here"))).startsWith("404 ");
			long received = c.get().uri("/big.bin").responseContent().map(ByteBuffer::remaining)
					.reduce(0L, (a, b) -> a + b).block(TIMEOUT);
			assertThat(received).isEqualTo(big.length);
			// a streamed body nginx refuses by its Content-Length: its 413 is the response (the
			// second body's source is slow, so that the answer comes before it could end)
			assertThat(text(c.headers(h -> h.set("Content-Length", String.valueOf(4 << 20))).post().uri("/small")
					.send(Flux.range(0, 512).map(x -> ByteBuffer.allocate(8192))))).startsWith("413 <html>");
			assertThat(text(c.headers(h -> h.set("Content-Length", String.valueOf(4 << 20))).post().uri("/small")
					.send(Flux.interval(java.time.Duration.ofMillis(20)).map(x -> ByteBuffer.allocate(16))))).startsWith("413 <html>");
			assertThat(text(c.get().uri("/method"))).isEqualTo("200 method=GET");
		}
	}

	private static String sha(byte[] b) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
	}
}
