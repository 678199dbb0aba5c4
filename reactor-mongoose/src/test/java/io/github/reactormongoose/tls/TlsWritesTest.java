/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Over TLS the glue writes the records itself (Mongoose's stack makes them, rmg_send.c sends
 * them, one send per record while the socket takes them). What the socket does not take of a
 * record waits in the stack and must go out first and without waiting for an idle poll: the
 * server runs on a loop whose idle poll lasts 30 s, and every read here gives up after 10 s.
 * Readers are slow (the socket fills and the records are throttled), requests are pipelined,
 * a {@code Connection: close} answer must arrive whole before the close, and every body is
 * compared byte for byte.
 */
class TlsWritesTest extends BaseHttpTest {

	private static final int SIZE = 6 << 20;

	@TempDir
	static Path dir;

	static TestPki pki;

	static TestPki.Issued localhost;

	static byte[] big;

	static Path file;

	private DisposableServer server;

	@BeforeAll
	static void material() throws Exception {
		pki = TestPki.root(dir, "Test Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		big = new byte[SIZE];
		new Random(11).nextBytes(big);
		file = dir.resolve("big.bin");
		Files.write(file, big);
	}

	@BeforeEach
	void start() {
		MongooseLoop loop = track(MongooseLoop.builder().name("tls-long-poll").maxPollTime(Duration.ofSeconds(30)).build());
		server = bind(HttpServer.create().runOn(loop).secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.route(r -> r.get("/small", (req, res) -> res.sendString(Mono.just("small " + req.uri())))
						.get("/whole", (req, res) -> res.sendByteArray(Mono.just(big)))
						.get("/stream", (req, res) -> res.header("Content-Length", String.valueOf(SIZE))
								.sendStream(Flux.range(0, SIZE / 65536).map(i -> ByteBuffer.wrap(big, i * 65536, 65536))))
						.get("/chunked", (req, res) -> res.sendStream(Flux.range(0, SIZE / 4096)
								.map(i -> ByteBuffer.wrap(big, i * 4096, 4096))))
						.get("/file", (req, res) -> res.sendFile(file))));
	}

	/** A client with a small receive buffer, so that a slow reader fills the server's socket. */
	private SSLSocket connect() throws Exception {
		java.net.Socket tcp = new java.net.Socket();
		tcp.setReceiveBufferSize(32 * 1024);
		tcp.connect(new java.net.InetSocketAddress("localhost", server.port()), 5_000);
		SSLSocket s = (SSLSocket) TestPki.trusting(pki.ca()).getSocketFactory().createSocket(tcp, "localhost", server.port(), true);
		s.setSoTimeout(10_000);
		s.startHandshake();
		return s;
	}

	/** Reads a Content-Length body 32 KiB at a time with a pause after each read. */
	private static byte[] readSlowly(RawHttp http, RawHttp.Response head) throws Exception {
		int n = Integer.parseInt(head.header("Content-Length"));
		byte[] body = new byte[n];
		for (int off = 0; off < n;) {
			byte[] part = http.readExactly(Math.min(32 * 1024, n - off));
			System.arraycopy(part, 0, body, off, part.length);
			off += part.length;
			if ((off / part.length) % 4 == 0) {
				Thread.sleep(1);
			}
		}
		return body;
	}

	private static String get(String path, String extra) {
		return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
	}

	@Test
	void slowReadersGetEveryBodyWholeAndInOrderOnOneConnection() throws Exception {
		try (SSLSocket s = connect(); RawHttp http = RawHttp.wrap(s)) {
			for (String path : new String[] {"/whole", "/small", "/stream", "/file", "/whole"}) {
				http.write(get(path, ""));
				RawHttp.Response head = http.readHead();
				assertThat(head.status()).as(path).isEqualTo(200);
				if (path.equals("/small")) {
					assertThat(new String(http.readExactly(Integer.parseInt(head.header("Content-Length"))),
							StandardCharsets.UTF_8)).isEqualTo("small /small");
					continue;
				}
				assertThat(Arrays.equals(readSlowly(http, head), big)).as("%s identical", path).isTrue();
			}
		}
	}

	@Test
	void pipelinedRequestsAreAnsweredInOrder() throws Exception {
		try (SSLSocket s = connect(); RawHttp http = RawHttp.wrap(s)) {
			http.write(get("/small?1", "") + get("/whole", "") + get("/small?2", "") + get("/chunked", "")
					+ get("/small?3", "") + get("/file", "") + get("/small?4", ""));
			for (int i = 1; i <= 4; i++) {
				assertThat(http.read().bodyString()).isEqualTo("small /small?" + i);
				if (i < 4) {
					RawHttp.Response r = http.read();
					assertThat(r.status()).isEqualTo(200);
					assertThat(Arrays.equals(r.body(), big)).as("big body %d identical", i).isTrue();
				}
			}
		}
	}

	@Test
	void aConnectionCloseAnswerArrivesWholeBeforeTheClose() throws Exception {
		for (String path : new String[] {"/whole", "/stream", "/file", "/small"}) {
			try (SSLSocket s = connect(); RawHttp http = RawHttp.wrap(s)) {
				http.write(get(path, "Connection: close\r\n"));
				RawHttp.Response head = http.readHead();
				assertThat(head.status()).isEqualTo(200);
				byte[] body = readSlowly(http, head);
				if (path.equals("/small")) {
					assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("small /small");
				}
				else {
					assertThat(Arrays.equals(body, big)).as("%s identical", path).isTrue();
				}
				assertThat(http.readToEof()).as("nothing after the body, then the close").isEmpty();
			}
		}
	}

	@Test
	void concurrentDownloadsToTheJdkClient() throws Exception {
		HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca()))
				.version(HttpClient.Version.HTTP_1_1).build();
		List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			String path = new String[] {"/whole", "/stream", "/chunked", "/file"}[i % 4];
			all.add(client.sendAsync(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
					.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray()));
		}
		for (CompletableFuture<HttpResponse<byte[]>> f : all) {
			HttpResponse<byte[]> r = f.get();
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(Arrays.equals(r.body(), big)).as("%s identical", r.uri()).isTrue();
		}
	}
}
