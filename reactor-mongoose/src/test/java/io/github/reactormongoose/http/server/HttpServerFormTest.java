/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@link HttpServerRequest#receiveForm()} over real sockets, fed by encoders nobody here wrote:
 * curl's {@code -F} and {@code --data-urlencode}, Reactor Netty's {@code sendForm} (Netty's
 * {@code HttpPostRequestEncoder}) and the JDK client with a chunked body. Checks the decoded
 * names, file names and bytes, the statuses of refused forms, that keep-alive survives them,
 * and that no temporary file is left.
 */
class HttpServerFormTest extends BaseHttpTest {

	@TempDir
	Path tmp;

	@TempDir
	Path files;

	private DisposableServer server(UnaryOperator<HttpServer> config) {
		return bind(config.apply(HttpServer.create().httpFormDecoder(s -> s.baseDirectory(tmp))).route(r -> r
				.post("/form", (req, res) -> req.receiveForm().concatMap(HttpServerFormTest::describe).collectList()
						.flatMap(lines -> res.sendString(Mono.just(String.join("\n", lines)))))
				.post("/save", (req, res) -> req.receiveForm(s -> s.maxInMemorySize(0))
						.concatMap(p -> p.transferTo(files.resolve(p.name())).thenReturn(p.name())).collectList()
						.flatMap(names -> res.sendString(Mono.just(String.join(",", names)))))
				.post("/first", (req, res) -> req.receiveForm().next()
						.flatMap(p -> res.sendString(Mono.just(p.name() + "=" + p.string()))))));
	}

	/** One line per part: name|filename|type|size|sha-256 of content()|in memory|decoded off the poll thread. */
	static Mono<String> describe(FormPart p) {
		boolean offLoop = !Thread.currentThread().getName().startsWith("mongoose");
		return p.content().reduce(sha(), (md, b) -> {
			md.update(b);
			return md;
		}).map(md -> p.name() + "|" + p.filename() + "|" + p.contentType() + "|" + p.size() + "|"
				+ HexFormat.of().formatHex(md.digest()) + "|" + p.isInMemory() + "|" + offLoop);
	}

	private static MessageDigest sha() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (Exception e) {
			throw new IllegalStateException(e);
		}
	}

	private static String hex(byte[] b) {
		return HexFormat.of().formatHex(sha().digest(b));
	}

	private void assertNoTemporaryFileLeft() throws Exception {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (true) {
			try (Stream<Path> left = Files.list(tmp)) {
				List<Path> l = left.toList();
				if (l.isEmpty()) {
					return;
				}
				if (System.nanoTime() > deadline) {
					assertThat(l).as("temporary files left").isEmpty();
				}
			}
			Thread.sleep(20);
		}
	}

	private Path randomFile(String name, int size, long seed) throws Exception {
		byte[] b = new byte[size];
		new Random(seed).nextBytes(b);
		return Files.write(files.resolve(name), b);
	}

	@Test
	void curlMultipartFieldsAndFilesAreDecodedByteForByte() throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = server(h -> h);
		Path small = Files.writeString(files.resolve("notes.txt"), "plain text\r\n--not a boundary\r\n");
		Path big = randomFile("big.bin", 3 * 1024 * 1024 + 17, 1);
		Curl.Result r = Curl.run("-F", "title=Grüße & more", "-F", "notes=@" + small + ";type=text/plain", "-F",
				"big=@" + big, "http://127.0.0.1:" + s.port() + "/form");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		String[] lines = new String(r.stdout().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).split("\n");
		assertThat(lines).containsExactly(
				"title|null|null|" + "Grüße & more".getBytes(StandardCharsets.UTF_8).length + "|"
						+ hex("Grüße & more".getBytes(StandardCharsets.UTF_8)) + "|true|true",
				"notes|notes.txt|text/plain|" + Files.size(small) + "|" + hex(Files.readAllBytes(small)) + "|true|true",
				"big|big.bin|application/octet-stream|" + Files.size(big) + "|" + hex(Files.readAllBytes(big)) + "|false|true");
		assertNoTemporaryFileLeft();
	}

	@Test
	void curlUrlencodedFieldsAreDecoded() throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = server(h -> h);
		Curl.Result r = Curl.run("--data-urlencode", "q=a b&c=d", "--data-urlencode", "euro=€ 100%", "-d", "empty=",
				"http://127.0.0.1:" + s.port() + "/form");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		String out = new String(r.stdout().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
		assertThat(out.split("\n")).containsExactly(
				"q|null|null|7|" + hex("a b&c=d".getBytes()) + "|true|true",
				"euro|null|null|" + "€ 100%".getBytes(StandardCharsets.UTF_8).length + "|"
						+ hex("€ 100%".getBytes(StandardCharsets.UTF_8)) + "|true|true",
				"empty|null|null|0|" + hex(new byte[0]) + "|true|true");
	}

	@Test
	void reactorNettysFormEncoderIsUnderstood() throws Exception {
		DisposableServer s = server(h -> h);
		Path file = randomFile("upload.dat", 200_000, 2);
		ConnectionProvider provider = ConnectionProvider.create("rmg-form-test", 1);
		try {
			reactor.netty.http.client.HttpClient client = reactor.netty.http.client.HttpClient.create(provider)
					.baseUrl("http://127.0.0.1:" + s.port());
			String multipart = client.post().uri("/form")
					.sendForm((req, form) -> form.multipart(true).attr("a", "1").attr("b", "two words")
							.file("f", "upload.dat", file.toFile(), "application/x-test"))
					.responseContent().aggregate().asString().block(TIMEOUT);
			assertThat(multipart.split("\n")).hasSize(3);
			assertThat(multipart.split("\n")[0]).startsWith("a|null|").contains("|1|" + hex("1".getBytes()));
			assertThat(multipart.split("\n")[1]).startsWith("b|null|").contains("|9|" + hex("two words".getBytes()));
			assertThat(multipart.split("\n")[2]).isEqualTo("f|upload.dat|application/x-test|200000|"
					+ hex(Files.readAllBytes(file)) + "|false|true");
			String urlencoded = client.post().uri("/form")
					.sendForm((req, form) -> form.multipart(false).attr("x", "ü=&+").attr("y", ""))
					.responseContent().aggregate().asString().block(TIMEOUT);
			assertThat(urlencoded.split("\n")).containsExactly(
					"x|null|null|5|" + hex("ü=&+".getBytes(StandardCharsets.UTF_8)) + "|true|true",
					"y|null|null|0|" + hex(new byte[0]) + "|true|true");
		}
		finally {
			provider.disposeLater().block(TIMEOUT);
		}
		assertNoTemporaryFileLeft();
	}

	@Test
	void aChunkedBodyWithBoundaryLookalikesFromTheJdkClient() throws Exception {
		DisposableServer s = server(h -> h);
		Random rnd = new Random(9);
		List<FormDecoderTest.Expected> parts = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			parts.add(new FormDecoderTest.Expected("p" + i, i % 2 == 0 ? "p" + i + ".bin" : null, null,
					FormDecoderTest.content(rnd, 1 + rnd.nextInt(300_000), "XbX", true)));
		}
		byte[] body = FormDecoderTest.multipart("XbX", parts, rnd, "ignored preamble\r\n", "ignored epilogue");
		HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/form"))
						.header("Content-Type", "multipart/form-data; boundary=XbX")
						.POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))) // chunked
						.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		String[] lines = r.body().split("\n");
		assertThat(lines).hasSize(5);
		for (int i = 0; i < 5; i++) {
			FormDecoderTest.Expected e = parts.get(i);
			assertThat(lines[i]).isEqualTo(e.name() + "|" + e.filename() + "|null|" + e.content().length + "|"
					+ hex(e.content()) + "|" + (e.content().length <= 16 * 1024) + "|true");
		}
		assertNoTemporaryFileLeft();
	}

	@Test
	void refusedFormsGetTheirStatusAndTheConnectionStaysUsable() throws Exception {
		DisposableServer s = server(h -> h.httpFormDecoder(f -> f.maxPartSize(1000).maxParts(3)));
		byte[] tooBig = ("--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n" + "x".repeat(1001)
				+ "\r\n--b--\r\n").getBytes(StandardCharsets.US_ASCII);
		byte[] tooMany = "a=1&b=2&c=3&d=4".getBytes(StandardCharsets.US_ASCII);
		byte[] malformed = "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(form("multipart/form-data; boundary=b", tooBig));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(413);
			c.write(form("application/x-www-form-urlencoded", tooMany));
			assertThat(c.read().status()).isEqualTo(413);
			c.write(form("multipart/form-data; boundary=b", malformed));
			assertThat(c.read().status()).isEqualTo(400);
			c.write(form("application/json", "{}".getBytes()));
			assertThat(c.read().status()).isEqualTo(415);
			c.write(form("application/x-www-form-urlencoded", "a=1&b=%41".getBytes()));
			RawHttp.Response ok = c.read();
			assertThat(ok.status()).isEqualTo(200);
			assertThat(ok.bodyString()).contains("b|null|null|1|" + hex("A".getBytes()));
		}
		assertNoTemporaryFileLeft();
	}

	private static byte[] form(String type, byte[] body) {
		byte[] head = ("POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type + "\r\nContent-Length: "
				+ body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
		byte[] all = new byte[head.length + body.length];
		System.arraycopy(head, 0, all, 0, head.length);
		System.arraycopy(body, 0, all, head.length, body.length);
		return all;
	}

	@Test
	void transferToKeepsTheFileAfterTheExchange() throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = server(h -> h);
		Path src = randomFile("src.bin", 100_000, 3);
		Curl.Result r = Curl.run("-F", "kept=@" + src, "-F", "field=short", "http://127.0.0.1:" + s.port() + "/save");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("kept,field");
		assertThat(Files.readAllBytes(files.resolve("kept"))).isEqualTo(Files.readAllBytes(src));
		assertThat(Files.readString(files.resolve("field"))).isEqualTo("short");
		assertNoTemporaryFileLeft();
	}

	@Test
	void aClientLeavingMidUploadLeavesNoFileAndTheServerServesOn() throws Exception {
		DisposableServer s = server(h -> h);
		try (RawHttp c = RawHttp.connect(s.port())) {
			byte[] part = ("--b\r\nContent-Disposition: form-data; name=f; filename=x\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
			c.write(("POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
					+ "Content-Length: 10000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			c.write(part);
			c.write(new byte[500_000]);
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (true) { // the part's file exists: its content is past the in-memory limit
				try (Stream<Path> l = Files.list(tmp)) {
					if (l.findAny().isPresent() || System.nanoTime() > deadline) {
						break;
					}
				}
				Thread.sleep(10);
			}
		}
		assertNoTemporaryFileLeft();
		Curl.assumeInstalled();
		Curl.Result r = Curl.run("-d", "a=b", "http://127.0.0.1:" + s.port() + "/first");
		assertThat(r.stdout()).isEqualTo("a=b");
	}

	@Test
	void aHandlerThatReadsOnlyTheFirstPartAnswersAndTheRestIsDiscarded() throws Exception {
		DisposableServer s = server(h -> h);
		byte[] body = "first=1&second=2&third=3".getBytes(StandardCharsets.US_ASCII);
		try (RawHttp c = RawHttp.connect(s.port())) {
			for (int i = 0; i < 3; i++) {
				c.write(("POST /first HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
						+ "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				c.write(body);
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.bodyString()).isEqualTo("first=1");
			}
		}
	}

	@Test
	void aSecondReadOfTheBodyIsRefused() {
		DisposableServer s = bind(HttpServer.create().route(r -> r.post("/twice", (req, res) -> req.receiveForm().then(
				req.receiveForm().then()).onErrorResume(IllegalStateException.class,
						e -> res.status(409).sendString(Mono.just(e.getMessage())).then()))));
		HttpResponse<String> r;
		try {
			r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/twice"))
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString("a=1")).build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception e) {
			throw new AssertionError(e);
		}
		assertThat(r.statusCode()).isEqualTo(409);
		assertThat(r.body()).contains("consumed once");
	}

	@Test
	void formConfigurationIsCopiedNotShared() {
		HttpServer a = HttpServer.create();
		HttpServer b = a.httpFormDecoder(f -> f.maxParts(5).maxInMemorySize(0));
		assertThat(a.configuration().formDecoder().maxParts()).isEqualTo(FormDecoderSpec.DEFAULT_MAX_PARTS);
		assertThat(b.configuration().formDecoder().maxParts()).isEqualTo(5);
		b.configuration().formDecoder().maxParts(7); // a copy
		assertThat(b.configuration().formDecoder().maxParts()).isEqualTo(5);
	}
}
