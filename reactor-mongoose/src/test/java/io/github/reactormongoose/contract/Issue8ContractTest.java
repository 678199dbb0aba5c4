/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRoutes;
import io.github.reactormongoose.http.server.RequestBodyTooLargeException;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Issue 8 ("Streamed bodies both ways, static directories, and lean connections"):
 * {@code request.receive()} streams Content-Length and chunked bodies with no default limit,
 * {@code receiveBytes}/{@code receiveString} aggregate under their own limit, the server-level
 * {@code maxRequestBodySize} stays, and {@code route.directory(prefix, Path)} and
 * {@code route.file(...)} serve files with validators, ranges and no path traversal.
 */
class Issue8ContractTest extends BaseHttpTest {

	@TempDir
	Path root;

	private static final int UPLOAD = 24 * 1024 * 1024; // over every limit the old defaults had

	private final AtomicReference<Throwable> aggregationError = new AtomicReference<>();

	private DisposableServer server(HttpServer s) {
		return bind(s.route(r -> r
				.post("/count", (request, res) -> {
					Flux<ByteBuffer> body = request.receive();
					return res.sendString(body.map(ByteBuffer::remaining).reduce(0L, Long::sum).map(n -> n + " bytes"));
				})
				.post("/bytes", (request, res) -> res.sendString(request.receiveBytes().map(b -> b.length + " bytes")
						.doOnError(aggregationError::set)))
				.post("/string", (request, res) -> res.sendString(request.receiveString()))));
	}

	@Test
	void receiveStreamsContentLengthAndChunkedBodiesWithoutADefaultLimit() throws Exception {
		assertThat(HttpServer.create().maxRequestBodySize()).isEqualTo(Long.MAX_VALUE);
		DisposableServer s = server(HttpServer.create());
		byte[] piece = new byte[64 * 1024];
		try (RawHttp c = RawHttp.connect(s.port())) {
			OutputStream out = c.socket().getOutputStream();
			out.write(("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: " + UPLOAD + "\r\n\r\n").getBytes(UTF_8));
			for (int sent = 0; sent < UPLOAD; sent += piece.length) {
				out.write(piece);
			}
			out.flush();
			assertThat(c.read().bodyString()).isEqualTo(UPLOAD + " bytes");
			// chunked, then a pipelined request on the same connection
			out.write("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(UTF_8));
			for (int sent = 0; sent < UPLOAD; sent += piece.length) {
				out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(UTF_8));
				out.write(piece);
				out.write("\r\n".getBytes(UTF_8));
			}
			out.write("0\r\n\r\n".getBytes(UTF_8));
			out.write(RawHttp.request("POST", "/string", "after".getBytes(UTF_8)));
			out.flush();
			assertThat(c.read().bodyString()).isEqualTo(UPLOAD + " bytes");
			assertThat(c.read().bodyString()).isEqualTo("after");
		}
	}

	@Test
	void aggregationHasItsOwnConfigurableLimitAndMaxRequestBodySizeStays() throws Exception {
		assertThat(HttpServer.create().maxAggregatedBodySize()).isEqualTo(HttpServer.DEFAULT_MAX_AGGREGATED_BODY);
		DisposableServer s = server(HttpServer.create().maxAggregatedBodySize(1000).maxRequestBodySize(4000));
		try (RawHttp c = RawHttp.connect(s.port())) {
			assertThat(c.write(RawHttp.request("POST", "/bytes", new byte[1000])).read().bodyString()).isEqualTo("1000 bytes");
			RawHttp.Response over = c.write(RawHttp.request("POST", "/bytes", new byte[1001])).read();
			assertThat(over.status()).isEqualTo(413);
		}
		try (RawHttp c = RawHttp.connect(s.port())) {
			// streaming is bound by maxRequestBodySize only
			assertThat(c.write(RawHttp.request("POST", "/count", new byte[4000])).read().bodyString()).isEqualTo("4000 bytes");
			assertThat(c.write(RawHttp.request("POST", "/count", new byte[4001])).read().status()).isEqualTo(413);
		}
		assertThat(aggregationError.get()).isInstanceOf(RequestBodyTooLargeException.class);
	}

	@Test
	void routeDirectoryAndRouteFile() throws Exception {
		Path site = Files.createDirectories(root.resolve("site"));
		Files.writeString(site.resolve("index.html"), "<h1>index</h1>");
		Files.writeString(site.resolve("a.txt"), "0123456789");
		Files.writeString(root.resolve("secret.txt"), "secret");
		Path single = Files.writeString(root.resolve("single.txt"), "one file");
		DisposableServer s = bind(HttpServer.create().route((HttpServerRoutes route) -> route
				.directory("/static", site)
				.file("/one", single)));
		try (RawHttp c = RawHttp.connect(s.port())) {
			RawHttp.Response a = c.write(RawHttp.get("/static/a.txt")).read();
			assertThat(a.status()).isEqualTo(200);
			assertThat(a.header("Content-Type")).startsWith("text/plain");
			assertThat(a.bodyString()).isEqualTo("0123456789");
			String etag = a.header("ETag");
			assertThat(etag).isNotNull();
			assertThat(a.header("Last-Modified")).isNotNull();
			assertThat(c.write("GET /static/a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n").read().status())
					.isEqualTo(304);
			RawHttp.Response range = c.write("GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n").read();
			assertThat(range.status()).isEqualTo(206);
			assertThat(range.bodyString()).isEqualTo("234");
			assertThat(c.write("GET /static/a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=50-60\r\n\r\n").read().status())
					.isEqualTo(416);
			assertThat(c.write(RawHttp.get("/static/")).read().bodyString()).isEqualTo("<h1>index</h1>");
			assertThat(c.write(RawHttp.get("/static/nope.txt")).read().status()).isEqualTo(404);
			assertThat(c.write(RawHttp.get("/static/%2e%2e/secret.txt")).read().status()).isEqualTo(404);
			assertThat(c.write(RawHttp.get("/one")).read().bodyString()).isEqualTo("one file");
			RawHttp.Response head = c.write("HEAD /one HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
			assertThat(head.header("Content-Length")).isEqualTo("8");
		}
	}

	@Test
	void sendFileSendsAFile() throws Exception {
		Path f = Files.write(root.resolve("big.bin"), new byte[3 * 1024 * 1024 + 7]);
		DisposableServer s = bind(HttpServer.create().handle((req, res) -> res.sendFile(f)));
		try (RawHttp c = RawHttp.connect(s.port())) {
			RawHttp.Response r = c.write(RawHttp.get("/")).read();
			assertThat(r.header("Content-Length")).isEqualTo(Long.toString(Files.size(f)));
			assertThat(r.body()).hasSize(3 * 1024 * 1024 + 7);
		}
	}
}
