/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.FormPart;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code sendForm}: forms decoded by a server nobody here wrote (Reactor Netty's
 * {@code receiveForm}, Netty's {@code HttpPostRequestDecoder}) and by ours; framing (length or
 * chunked), redirects that resend the body, and files that cannot be read.
 */
class HttpClientFormTest extends BaseHttpTest {

	@TempDir
	Path dir;

	private static String sha(byte[] b) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	/** name|filename|type|size|sha of each part, as Netty decoded it, after the request's framing. */
	private static String describe(HttpData d) {
		try {
			byte[] content = d.get();
			if (d instanceof FileUpload f) {
				return d.getName() + "|" + f.getFilename() + "|" + f.getContentType() + "|" + content.length + "|" + sha(content);
			}
			return d.getName() + "|" + ((Attribute) d).getValue();
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
	}

	private reactor.netty.DisposableServer nettyServer() {
		return reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.post("/form", (req, res) -> res.sendString(req.receiveForm().map(HttpClientFormTest::describe)
						.collectList().map(l -> (req.requestHeaders().contains("Content-Length") ? "length" : "chunked")
								+ "\n" + String.join("\n", l)))))
				.bindNow();
	}

	@Test
	void nettyDecodesOurMultipartFormWithFilesFromDiskAndMemory() throws Exception {
		byte[] big = new byte[3 * 1024 * 1024 + 3];
		new Random(1).nextBytes(big);
		Path file = Files.write(dir.resolve("big.bin"), big);
		byte[] small = "small file\r\n--not a boundary".getBytes(UTF_8);
		reactor.netty.DisposableServer s = nettyServer();
		try {
			MongooseLoop loop = newLoop();
			String out = HttpClient.create().runOn(loop).baseUrl("http://127.0.0.1:" + s.port()).post().uri("/form")
					.sendForm(f -> f.attr("title", "Grüße").file("upload", file, "application/x-test")
							.file("note", "note.txt", small, "text/plain").attr("empty", ""))
					.responseSingle((res, b) -> b.map(x -> res.status() + "\n" + new String(x, UTF_8))).block(TIMEOUT);
			assertThat(out.split("\n")).containsExactly("200", "length", "title|Grüße",
					"upload|big.bin|application/x-test|" + big.length + "|" + sha(big),
					"note|note.txt|text/plain|" + small.length + "|" + sha(small), "empty|");
		}
		finally {
			s.disposeNow();
		}
	}

	@Test
	void nettyDecodesOurUrlencodedFormAndAPublisherPartIsChunked() {
		reactor.netty.DisposableServer s = nettyServer();
		try {
			HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port());
			String urlencoded = c.post().uri("/form").sendForm(f -> f.attr("q", "a b&c=d").attr("euro", "€ 100%"))
					.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
			assertThat(urlencoded.split("\n")).containsExactly("length", "q|a b&c=d", "euro|€ 100%");
			byte[] streamed = "0123456789".repeat(10_000).getBytes(UTF_8);
			String chunked = c.post().uri("/form")
					.sendForm(f -> f.attr("a", "1").file("s", "s.txt",
							Flux.range(0, 10).map(i -> ByteBuffer.wrap(streamed, i * 10_000, 10_000)), null))
					.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
			assertThat(chunked.split("\n")).containsExactly("chunked", "a|1",
					"s|s.txt|application/octet-stream|" + streamed.length + "|" + sha(streamed));
		}
		finally {
			s.disposeNow();
		}
	}

	@Test
	void ourServerGetsNamesEscapedAsBrowsersEscapeThem() {
		io.github.reactormongoose.DisposableServer s = bind(io.github.reactormongoose.http.server.HttpServer.create()
				.route(r -> r.post("/form", (req, res) -> res.sendString(req.receiveForm()
						.map(p -> p.name() + "|" + p.filename() + "|" + p.string()).collectList()
						.map(l -> String.join("\n", l))))));
		String out = HttpClient.create().runOn(newLoop()).post().uri("http://127.0.0.1:" + s.port() + "/form")
				.sendForm(f -> f.multipart(true).attr("say \"hi\"", "x").file("f", "a\r\nb\".txt", new byte[] { 'y' }, null))
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
		assertThat(out.split("\n")).containsExactly("say %22hi%22|null|x", "f|a%0D%0Ab%22.txt|y");
	}

	@Test
	void a307RedirectSendsTheFormAgainAndA303DropsIt() throws Exception {
		byte[] data = new byte[200_000];
		new Random(2).nextBytes(data);
		Path file = Files.write(dir.resolve("d.bin"), data);
		AtomicInteger formRequests = new AtomicInteger();
		io.github.reactormongoose.DisposableServer s = bind(io.github.reactormongoose.http.server.HttpServer.create()
				.route(r -> r.post("/old", (req, res) -> res.status(307).header("Location", "/form").send())
						.post("/see-other", (req, res) -> res.status(303).header("Location", "/get").send())
						.get("/get", (req, res) -> res.sendString(Mono.just("GET with " + req.requestHeaders().get("Content-Type"))))
						.post("/form", (req, res) -> {
							formRequests.incrementAndGet();
							return res.sendString(req.receiveForm().map(p -> p.name() + ":" + p.size() + ":" + sha(p.bytes()))
									.collectList().map(l -> String.join(",", l)));
						})));
		HttpClient c = HttpClient.create().runOn(newLoop()).followRedirect(true).baseUrl("http://127.0.0.1:" + s.port());
		String out = c.post().uri("/old").sendForm(f -> f.attr("k", "v").file("d", file))
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
		assertThat(out).isEqualTo("k:1:" + sha("v".getBytes()) + ",d:200000:" + sha(data));
		assertThat(formRequests).hasValue(1);
		String get = c.post().uri("/see-other").sendForm(f -> f.attr("k", "v"))
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
		assertThat(get).isEqualTo("GET with null");
	}

	@Test
	void aFileThatCannotBeReadFailsTheRequestWithItsName() {
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:9");
		Path missing = dir.resolve("missing.bin");
		assertThatThrownBy(() -> c.post().uri("/form").sendForm(f -> f.file("f", missing)).response().block(TIMEOUT))
				.isInstanceOf(UncheckedIOException.class).hasMessageContaining("missing.bin");
		assertThatThrownBy(() -> c.post().uri("/form").sendForm(f -> f.file("f", dir)).response().block(TIMEOUT))
				.isInstanceOf(UncheckedIOException.class).hasMessageContaining(dir.toString())
				.hasStackTraceContaining("a directory");
		assertThatThrownBy(() -> c.post().uri("/form").sendForm(f -> f.file("f", "x", new byte[0], "text/plain\r\nX: y"))
				.response().block(TIMEOUT)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CR, LF");
	}

	@Test
	void eachSubscriptionFillsTheFormAgain() {
		AtomicInteger n = new AtomicInteger();
		io.github.reactormongoose.DisposableServer s = bind(io.github.reactormongoose.http.server.HttpServer.create()
				.route(r -> r.post("/form", (req, res) -> res.sendString(req.receiveForm().map(FormPart::string)))));
		HttpClient.ResponseReceiver r = HttpClient.create().runOn(newLoop()).post().uri("http://127.0.0.1:" + s.port() + "/form")
				.sendForm(f -> f.attr("n", String.valueOf(n.incrementAndGet())));
		List<String> got = Flux.range(0, 3).concatMap(i -> r.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.collectList().block(TIMEOUT);
		assertThat(got).containsExactly("1", "2", "3");
	}
}
