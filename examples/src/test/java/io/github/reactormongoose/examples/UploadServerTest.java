/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link UploadServer}: streamed uploads from curl and the JDK client, and the aggregation limit. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UploadServerTest {

	private DisposableServer server;

	@TempDir
	Path uploads;

	@BeforeEach
	void start() {
		server = UploadServer.start("127.0.0.1", 0, uploads);
	}

	@AfterEach
	void stop() {
		server.disposeNow(Duration.ofSeconds(5));
	}

	private String url(String path) {
		return "http://127.0.0.1:" + server.port() + path;
	}

	private static String digest(byte[] data) throws Exception {
		return data.length + " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)) + "\n";
	}

	@Test
	void curlUploadsAFileWithContentLengthAndChunked(@TempDir Path dir) throws Exception {
		Curl.assumeInstalled();
		byte[] data = new byte[20 * 1024 * 1024 + 11];
		new Random(1).nextBytes(data);
		Path file = Files.write(dir.resolve("upload.bin"), data);
		Curl.Result plain = Curl.run("--data-binary", "@" + file, url("/upload"));
		assertThat(plain.exitCode()).as(plain.stderr()).isZero();
		assertThat(plain.stdout()).isEqualTo(digest(data));
		Curl.Result chunked = Curl.run("--data-binary", "@" + file, "-H", "Transfer-Encoding: chunked", url("/upload"));
		assertThat(chunked.exitCode()).as(chunked.stderr()).isZero();
		assertThat(chunked.stdout()).isEqualTo(digest(data));
	}

	@Test
	void theExamplesClientSendsTheDigestAsATrailer() throws Exception {
		byte[] data = new byte[300_000];
		new Random(4).nextBytes(data);
		assertThat(UploadServer.uploadWithDigest(io.github.reactormongoose.http.client.HttpClient.create(), url("/upload"), data)
				.block(Duration.ofSeconds(10))).isEqualTo("200 " + digest(data) + "the Digest-SHA256 trailer agrees\n");
	}

	@Test
	void aDigestTrailerOfAChunkedUploadIsChecked() throws Exception {
		byte[] data = new byte[300_000];
		new Random(3).nextBytes(data);
		String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
		String wrong = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[1]));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String trailer : new String[] { sha, sha.toUpperCase(), wrong }) {
				c.write("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: Digest-SHA256\r\n\r\n");
				c.write(Integer.toHexString(100_000) + "\r\n").write(java.util.Arrays.copyOf(data, 100_000)).write("\r\n");
				c.write(Integer.toHexString(200_000) + "\r\n").write(java.util.Arrays.copyOfRange(data, 100_000, 300_000));
				c.write("\r\n0\r\nDigest-SHA256: " + trailer + "\r\n\r\n");
				RawHttp.Response r = c.read();
				if (trailer.equals(wrong)) {
					assertThat(r.status()).isEqualTo(422);
					assertThat(r.bodyString()).isEqualTo("the Digest-SHA256 trailer says " + wrong + ", the body hashes to " + sha + "\n");
				}
				else {
					assertThat(r.status()).isEqualTo(200);
					assertThat(r.bodyString()).isEqualTo(digest(data) + "the Digest-SHA256 trailer agrees\n");
				}
			}
		}
	}

	@Test
	void echoSendsAStreamedBodyBackByteExact(@TempDir Path dir) throws Exception {
		Curl.assumeInstalled();
		byte[] data = new byte[8 * 1024 * 1024 + 5];
		new Random(2).nextBytes(data);
		Path file = Files.write(dir.resolve("echo.bin"), data);
		Path out = dir.resolve("echoed.bin");
		Curl.Result r = Curl.run("--data-binary", "@" + file, "-o", out.toString(), url("/echo"));
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(Files.readAllBytes(out)).isEqualTo(data);
		// with the framing kept (--raw), the echo ends with its SHA-256 as a trailer field
		Path raw = dir.resolve("raw.txt");
		Curl.Result framed = Curl.run("--raw", "--data-binary", "@" + file, "-o", raw.toString(), url("/echo"));
		assertThat(framed.exitCode()).as(framed.stderr()).isZero();
		String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
		assertThat(new String(Files.readAllBytes(raw), java.nio.charset.StandardCharsets.ISO_8859_1))
				.endsWith("\r\n0\r\nDigest-SHA256: " + sha + "\r\n\r\n");
	}

	@Test
	void ourClientChecksTheEchoAgainstItsDigestTrailer() throws Exception {
		// 24 MiB: sent 256 KiB at a time as the server reads, while the echo streams back at once
		byte[] data = new byte[24 * 1024 * 1024 + 7];
		new Random(3).nextBytes(data);
		io.github.reactormongoose.http.client.HttpClient client = io.github.reactormongoose.http.client.HttpClient.create();
		assertThat(UploadServer.verifiedEcho(client, url("/echo"), data).block(Duration.ofSeconds(30)))
				.isEqualTo(data.length);
		// a server whose trailer lies is caught
		DisposableServer liar = io.github.reactormongoose.http.server.HttpServer.create()
				.handle((req, res) -> res.header("Trailer", "Digest-SHA256")
						.trailerHeaders(t -> t.set("Digest-SHA256", "00"))
						.send(req.receive()))
				.bindNow(Duration.ofSeconds(10));
		try {
			assertThatThrownBy(() -> UploadServer.verifiedEcho(client, "http://127.0.0.1:" + liar.port() + "/echo", data)
					.block(Duration.ofSeconds(30)))
					.isInstanceOf(IllegalStateException.class).hasMessageContaining("trailer says 00");
		}
		finally {
			liar.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void smallBodiesAreAggregatedAndLargerOnesGet413() throws Exception {
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(url("/small")))
				.POST(HttpRequest.BodyPublishers.ofString("x".repeat(65_536))).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(ok.body()).isEqualTo("65536 characters\n");
		// aggregate().asString() decodes UTF-8: two bytes, one character
		HttpResponse<String> accents = client.send(HttpRequest.newBuilder(URI.create(url("/small")))
				.POST(HttpRequest.BodyPublishers.ofString("\u00e9".repeat(1000), java.nio.charset.StandardCharsets.UTF_8)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(accents.body()).isEqualTo("1000 characters\n");
		HttpResponse<String> tooLarge = client.send(HttpRequest.newBuilder(URI.create(url("/small")))
				.POST(HttpRequest.BodyPublishers.ofString("x".repeat(65_537))).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(tooLarge.statusCode()).isEqualTo(413);
	}

	@Test
	void aFormsFilesAreSavedUnderNamesOfTheServersOwn(@TempDir Path dir) throws Exception {
		Curl.assumeInstalled();
		byte[] photo = new byte[3 * 1024 * 1024];
		new Random(3).nextBytes(photo);
		Path file = Files.write(dir.resolve("photo.jpg"), photo);
		Path notes = Files.writeString(dir.resolve("notes.txt"), "short");
		Curl.Result r = Curl.run("-F", "title=Holiday", "-F", "photo=@" + file, "-F",
				"notes=@" + notes + ";filename=../../etc/passwd", url("/files"));
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		String[] lines = r.stdout().split("\n");
		assertThat(lines).hasSize(3);
		assertThat(lines[0]).isEqualTo("title = Holiday");
		assertThat(lines[1]).matches("photo: 3145728 bytes saved as [0-9a-f]+-photo\\.jpg");
		assertThat(lines[2]).matches("notes: 5 bytes saved as [0-9a-f]+-passwd");
		Path saved = uploads.resolve(lines[1].substring(lines[1].lastIndexOf(' ') + 1));
		assertThat(Files.readAllBytes(saved)).isEqualTo(photo);
		try (var all = Files.list(uploads)) {
			assertThat(all).hasSize(2); // both files inside the upload directory, nothing elsewhere
		}
		assertThat(UploadServer.safeName("..\\..\\win.ini")).matches("[0-9a-f]+-win\\.ini");
		assertThat(UploadServer.safeName("...")).matches("[0-9a-f]+-upload");
	}

	@Test
	void aFormOverItsLimitsGets413() throws Exception {
		Curl.assumeInstalled();
		String[] args = new String[42];
		for (int i = 0; i < 21; i++) {
			args[2 * i] = "-F";
			args[2 * i + 1] = "f" + i + "=x";
		}
		String[] all = java.util.Arrays.copyOf(args, 46);
		all[42] = "-o";
		all[43] = "/dev/null";
		all[44] = "-w";
		all[45] = "%{http_code}";
		Curl.Result r = Curl.run(java.util.stream.Stream.concat(java.util.Arrays.stream(all), java.util.stream.Stream.of(url("/files")))
				.toArray(String[]::new));
		assertThat(r.stdout()).isEqualTo("413");
	}

	@Test
	void formUploadSendsFilesAndFieldsTheServerSaves(@TempDir Path dir) throws Exception {
		byte[] a = new byte[5 * 1024 * 1024 + 1];
		new Random(4).nextBytes(a);
		Path first = Files.write(dir.resolve("first.bin"), a);
		Path second = Files.writeString(dir.resolve("second.txt"), "second");
		String out = FormUpload.upload(io.github.reactormongoose.http.client.HttpClient.create(), url("/files"),
				java.util.Map.of("title", "Holiday"), java.util.List.of(first, second)).block(Duration.ofSeconds(30));
		String[] lines = out.split("\n");
		assertThat(lines).hasSize(3);
		assertThat(lines[0]).isEqualTo("200 title = Holiday");
		assertThat(lines[1]).matches("file: 5242881 bytes saved as [0-9a-f]+-first\\.bin");
		assertThat(lines[2]).matches("file2: 6 bytes saved as [0-9a-f]+-second\\.txt");
		assertThat(Files.readAllBytes(uploads.resolve(lines[1].substring(lines[1].lastIndexOf(' ') + 1)))).isEqualTo(a);
	}

	/**
	 * {@code main} in a child JVM ({@code bindUntilJavaShutdown}): a SIGTERM during a paced upload
	 * lets the upload finish and be answered, then the JVM exits.
	 */
	@Test
	void mainFinishesAnUploadInProgressOnSigterm(@TempDir Path dir) throws Exception {
		Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
		Path log = dir.resolve("child.log");
		Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
				UploadServer.class.getName(), "0").redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
			String line = null;
			while (line == null && System.nanoTime() < deadline) {
				line = Files.readAllLines(log).stream().filter(l -> l.startsWith("Upload server on ")).findFirst().orElse(null);
				Thread.sleep(20);
			}
			assertThat(line).as(Files.readString(log)).isNotNull();
			String base = line.substring("Upload server on ".length(), line.indexOf("/upload"));
			byte[] data = new byte[1_000_000];
			new Random(5).nextBytes(data);
			// 10 pieces, 100 ms apart: the upload is in progress when SIGTERM comes
			java.util.concurrent.Flow.Publisher<java.nio.ByteBuffer> paced = reactor.adapter.JdkFlowAdapter.publisherToFlowPublisher(
					reactor.core.publisher.Flux.range(0, 10).delayElements(Duration.ofMillis(100))
							.map(i -> java.nio.ByteBuffer.wrap(data, i * 100_000, 100_000)));
			java.util.concurrent.CompletableFuture<HttpResponse<String>> upload = HttpClient.newHttpClient().sendAsync(
					HttpRequest.newBuilder(URI.create(base + "/upload"))
							.POST(HttpRequest.BodyPublishers.fromPublisher(paced)).build(),
					HttpResponse.BodyHandlers.ofString());
			Thread.sleep(300);
			p.destroy(); // SIGTERM
			HttpResponse<String> r = upload.get(20, TimeUnit.SECONDS);
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo(digest(data));
			assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			p.destroyForcibly();
		}
	}
}
