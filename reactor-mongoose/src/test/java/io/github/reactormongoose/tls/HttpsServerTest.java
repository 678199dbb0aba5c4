/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.loop.TlsContext;
import io.github.reactormongoose.internal.tls.TlsFailures;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** HTTPS and WSS served by the built-in stack, with peers nobody here wrote. */
class HttpsServerTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	@BeforeAll
	static void certificates() throws Exception {
		if (System.getenv("MG_DEBUG") != null) {
			io.github.reactormongoose.internal.jni.NativeConstants.logLevel(4);
		}
		pki = TestPki.root(dir, "Test Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	private DisposableServer hello(TlsSpec spec) {
		return bind(HttpServer.create().secure(spec)
				.route(r -> r.get("/hello", (req, res) -> res.header("Content-Type", "text/plain")
						.sendString(Mono.just("Hello, " + req.uri())))
						.get("/port", (req, res) -> res.sendString(Mono.just(String.valueOf(req.remoteAddress().getPort()))))
						.ws("/echo", (in, out) -> out.send(in.receive()))));
	}

	static SSLContext trusting(Path caPem) throws Exception {
		return TestPki.trusting(caPem);
	}


	/** {@code noSSL()} takes the spec off again: plain HTTP for the JDK client, and no handshake. */
	@Test
	void noSslServesPlainHttp() throws Exception {
		DisposableServer server = bind(HttpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.noSSL().route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("Hello over " + req.scheme())))));
		java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
				java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/hello"))
						.timeout(TIMEOUT).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("Hello over http");
		assertThat(HttpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key())).noSSL()
				.configuration().tls()).isNull();
	}

	@Test
	void curlOverKeepAlive() throws Exception {
		Curl.assumeInstalled();
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		String url = "https://localhost:" + server.port() + "/hello";
		Curl.Result r = Curl.run("-v", "--cacert", pki.ca().toString(), url + "?a", url + "?b");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("Hello, /hello?aHello, /hello?b");
		assertThat(r.stderr()).contains("TLSv1.3").contains("Re-using existing connection");
	}

	@Test
	void chainWithIntermediateVerifiedByCurlAgainstTheRoot() throws Exception {
		Curl.assumeInstalled();
		TestPki issuing = pki.intermediate("Test Issuing CA");
		TestPki.Issued s = issuing.server("localhost", TestPki.KeyType.EC_P256);
		DisposableServer server = hello(TlsSpec.forServer(s.chain(), s.key()));
		Curl.Result r = Curl.run("--cacert", pki.ca().toString(), "https://localhost:" + server.port() + "/hello");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("Hello, /hello");
	}

	@Test
	void opensslClientVerifiesAndSpeaksTls13() throws Exception {
		TestPki.assumeOpenssl();
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(), "-servername",
				"localhost", "-verify_hostname", "localhost", "-CAfile", pki.ca().toString(), "-verify_return_error",
				"-ign_eof").redirectErrorStream(true).start();
		try (OutputStream in = p.getOutputStream()) {
			in.write("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		}
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
		assertThat(out).contains("Verify return code: 0 (ok)").contains("TLSv1.3").contains("Hello, /hello");
	}

	@Test
	void jdkHttpClientKeepsTheConnection() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		HttpClient client = HttpClient.newBuilder().sslContext(trusting(pki.ca())).version(HttpClient.Version.HTTP_1_1).build();
		Set<String> ports = new HashSet<>();
		for (int i = 0; i < 5; i++) {
			HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/port"))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(200);
			ports.add(r.body());
		}
		assertThat(ports).hasSize(1); // one connection, five requests
	}

	@Test
	void largeBodiesOfEveryShapeArriveWholeOverTls() throws Exception {
		// whole, streamed and file bodies go through the TLS record layer, never around it
		// (over TLS the glue writes records made by the stack, never raw bytes; sendfile(2) is for plain connections only)
		byte[] big = new byte[4 << 20];
		new java.util.Random(7).nextBytes(big);
		Path file = dir.resolve("big.bin");
		java.nio.file.Files.write(file, big);
		DisposableServer server = bind(HttpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.route(r -> r.get("/whole", (req, res) -> res.sendByteArray(Mono.just(big)))
						.get("/stream", (req, res) -> res.sendStream(reactor.core.publisher.Flux.range(0, 64)
								.map(i -> java.nio.ByteBuffer.wrap(big, i * 65536, 65536))))
						.get("/file", (req, res) -> res.sendFile(file))));
		HttpClient client = HttpClient.newBuilder().sslContext(trusting(pki.ca())).version(HttpClient.Version.HTTP_1_1).build();
		for (String path : new String[] {"/whole", "/stream", "/file", "/whole"}) {
			HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + path))
					.build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(r.statusCode()).as(path).isEqualTo(200);
			assertThat(java.util.Arrays.equals(r.body(), big)).as("%s: %d bytes, identical", path, r.body().length).isTrue();
		}
	}

	@Test
	void reactorNettyClient() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		io.netty.handler.ssl.SslContext ctx = io.netty.handler.ssl.SslContextBuilder.forClient()
				.sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(pki.ca().toFile()).build();
		String body = reactor.netty.http.client.HttpClient.create().secure(s -> s.sslContext(ctx))
				.get().uri("https://localhost:" + server.port() + "/hello").responseContent().aggregate().asString()
				.block(TIMEOUT);
		assertThat(body).isEqualTo("Hello, /hello");
	}

	@Test
	void pythonSsl() throws Exception {
		Commands.assumeAvailable("python3", "--version");
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		String script = String.join("\n", "import socket, ssl, sys",
				"ctx = ssl.create_default_context(cafile=sys.argv[1])",
				"with socket.create_connection(('127.0.0.1', int(sys.argv[2]))) as s:",
				"    with ctx.wrap_socket(s, server_hostname='localhost') as t:",
				"        print(t.version())",
				"        t.sendall(b'GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n')",
				"        data = b''",
				"        while True:",
				"            d = t.recv(4096)",
				"            if not d: break",
				"            data += d",
				"        print(data.decode())");
		Process p = new ProcessBuilder("python3", "-c", script, pki.ca().toString(), String.valueOf(server.port()))
				.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
		assertThat(out).contains("TLSv1.3").contains("Hello, /hello");
	}

	@Test
	void wssEcho() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		HttpClient client = HttpClient.newBuilder().sslContext(trusting(pki.ca())).build();
		List<String> got = new ArrayList<>();
		CompletableFuture<Void> two = new CompletableFuture<>();
		WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + server.port() + "/echo"),
				new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
						got.add(data.toString());
						if (got.size() == 2) {
							two.complete(null);
						}
						w.request(1);
						return null;
					}
				}).get(10, TimeUnit.SECONDS);
		ws.sendText("over", true).get(10, TimeUnit.SECONDS);
		ws.sendText("tls", true).get(10, TimeUnit.SECONDS);
		two.get(10, TimeUnit.SECONDS);
		assertThat(got).containsExactly("over", "tls");
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
	}

	@Test
	void wssEchoOfLargeBinaryMessagesAcrossManyRecords() throws Exception {
		// 40 messages of 60 KiB (each spans four TLS records each way), sent without waiting for
		// the echoes, come back whole and in order
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		HttpClient client = HttpClient.newBuilder().sslContext(trusting(pki.ca())).build();
		java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
		CompletableFuture<Void> all = new CompletableFuture<>();
		int count = 40;
		int size = 60 * 1024;
		WebSocket ws = client.newWebSocketBuilder().buildAsync(URI.create("wss://localhost:" + server.port() + "/echo"),
				new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onBinary(WebSocket w, java.nio.ByteBuffer data, boolean last) {
						byte[] b = new byte[data.remaining()];
						data.get(b);
						got.writeBytes(b);
						if (got.size() == count * size) {
							all.complete(null);
						}
						w.request(1);
						return null;
					}
				}).get(10, TimeUnit.SECONDS);
		byte[] sent = new byte[count * size];
		new java.util.Random(3).nextBytes(sent);
		for (int i = 0; i < count; i++) {
			ws.sendBinary(java.nio.ByteBuffer.wrap(sent, i * size, size), true).get(10, TimeUnit.SECONDS);
		}
		all.get(20, TimeUnit.SECONDS);
		assertThat(java.util.Arrays.equals(got.toByteArray(), sent)).isTrue();
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
	}

	/** curl to {@code url} with {@code options} gets no handshake, and the server logs a bad client hello. */
	private Curl.Result refusedAsABadClientHello(String url, String... options) throws Exception {
		List<String> args = new ArrayList<>(List.of("--cacert", pki.ca().toString()));
		args.addAll(List.of(options));
		args.add(url);
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			Curl.Result r = Curl.run(args.toArray(new String[0]));
			assertThat(r.exitCode()).isNotZero();
			// told why (RFC 8446 6.2), where it saw the connection close ("unexpected eof")
			assertThat(r.stderr()).contains("alert handshake failure");
			awaitLine(log, "bad client hello (sent the alert handshake_failure)");
			return r;
		}
	}

	@Test
	void tls12OnlyClientFailsCleanlyWithALoggedReason() throws Exception {
		Curl.assumeInstalled();
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		String url = "https://localhost:" + server.port() + "/hello";
		refusedAsABadClientHello(url, "--tls-max", "1.2");
		try (SSLSocket s = (SSLSocket) trusting(pki.ca()).getSocketFactory().createSocket("localhost", server.port())) {
			s.setEnabledProtocols(new String[] {"TLSv1.2"});
			s.setSoTimeout(5000);
			org.assertj.core.api.Assertions.assertThatThrownBy(s::startHandshake)
					.isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
					.hasMessageContaining("Received fatal alert: handshake_failure"); // it saw only the close
		}
		Curl.Result ok = Curl.run("--cacert", pki.ca().toString(), url);
		assertThat(ok.stdout()).isEqualTo("Hello, /hello"); // the server is unharmed
	}

	/**
	 * A client that does not offer TLS_AES_128_GCM_SHA256, the one suite of the built-in stack,
	 * gets no handshake (it got that suite anyway, and curl failed on it as a wrong cipher).
	 */
	@Test
	void aClientWithoutTheServersCipherSuiteFailsCleanly() throws Exception {
		Curl.assumeInstalled();
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		String url = "https://localhost:" + server.port() + "/hello";
		assertThat(refusedAsABadClientHello(url, "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256").stderr())
				.doesNotContain("wrong cipher");
		Curl.Result ok = Curl.run("--cacert", pki.ca().toString(), "--tls13-ciphers",
				"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", url);
		assertThat(ok.stdout()).as(ok.stderr()).isEqualTo("Hello, /hello");
	}

	@Test
	void garbageInsteadOfAClientHelloIsClosed() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER); Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			s.setSoTimeout(5000);
			s.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(s.getInputStream().read()).isEqualTo(-1);
			awaitLine(log, "not a TLS record");
		}
		// a record header no TLS peer sends (longer than 2^14 + 256 bytes): at once too, not
		// after the handshake timeout (10 s)
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER); Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			s.setSoTimeout(5000);
			long t0 = System.nanoTime();
			s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, (byte) 0xff, (byte) 0xff, 0x01});
			assertThat(s.getInputStream().read()).isEqualTo(-1);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
			awaitLine(log, "its length is over");
		}
	}

	@Test
	void aPeerThatStopsMidHandshakeIsClosedByTheTimeout() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key())
				.handshakeTimeout(Duration.ofMillis(300)));
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER); Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			s.setSoTimeout(5000);
			s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01}); // half a ClientHello
			long t0 = System.nanoTime();
			assertThat(s.getInputStream().read()).isEqualTo(-1);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
			awaitLine(log, "TLS handshake timed out");
		}
	}

	@Test
	void mutualTlsRequiresAValidCertificateFromTheTrustedCa() throws Exception {
		Curl.assumeInstalled();
		TestPki.Issued client = pki.client("client-1", TestPki.KeyType.EC_P256);
		TestPki other = TestPki.root(dir, "Other Root CA");
		TestPki.Issued stranger = other.client("stranger", TestPki.KeyType.EC_P256);
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca()));
		String url = "https://localhost:" + server.port() + "/hello";
		Curl.Result ok = Curl.run("--cacert", pki.ca().toString(), "--cert", client.cert().toString(), "--key",
				client.key().toString(), url);
		assertThat(ok.exitCode()).as(ok.stderr()).isZero();
		assertThat(ok.stdout()).isEqualTo("Hello, /hello");
		TestPki.Issued expired = pki.expiredClient("expired-client");
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			Curl.Result old = Curl.run("--cacert", pki.ca().toString(), "--cert", expired.cert().toString(), "--key",
					expired.key().toString(), url);
			assertThat(old.exitCode()).isNotZero();
			assertThat(old.stdout()).doesNotContain("Hello");
			// curl names the server's alert (it saw a closed connection before the server sent any)
			assertThat(old.stderr()).contains("alert certificate expired");
			awaitLine(log, "client certificate expired (notAfter 200102000000Z) (sent the alert certificate_expired)");
			Curl.Result untrusted = Curl.run("--cacert", pki.ca().toString(), "--cert", stranger.cert().toString(),
					"--key", stranger.key().toString(), url);
			assertThat(untrusted.exitCode()).isNotZero();
			assertThat(untrusted.stdout()).doesNotContain("Hello");
			assertThat(untrusted.stderr()).contains("alert unknown ca");
			Curl.Result none = Curl.run("--cacert", pki.ca().toString(), url);
			assertThat(none.exitCode()).isNotZero();
			assertThat(none.stderr()).contains("alert certificate required");
			awaitLine(log, "failed to verify CA");
			// a certificate of the trusted CA made for servers only (extendedKeyUsage serverAuth),
			// the server's own, say: not a client's identity (RFC 5280 4.2.1.12; the JDK refuses it too)
			Curl.Result serverCert = Curl.run("--cacert", pki.ca().toString(), "--cert", localhost.cert().toString(),
					"--key", localhost.key().toString(), url);
			assertThat(serverCert.exitCode()).isNotZero();
			assertThat(serverCert.stdout()).doesNotContain("Hello");
			assertThat(serverCert.stderr()).contains("alert unsupported certificate");
			awaitLine(log, "not for client authentication");
		}
	}

	@Test
	void selfSignedWithoutTrustIsRefusedByTheClient() throws Exception {
		Curl.assumeInstalled();
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		Curl.Result r = Curl.run("https://localhost:" + server.port() + "/hello");
		assertThat(r.exitCode()).isEqualTo(60); // peer certificate cannot be authenticated
	}

	@Test
	@Timeout(value = 300, unit = TimeUnit.SECONDS) // about 10 s; minutes in the -Pasan build
	void thousandSequentialHandshakesDoNotGrowNativeAllocations() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(localhost.chain(), localhost.key()));
		javax.net.ssl.SSLSocketFactory f = trusting(pki.ca()).getSocketFactory();
		handshakes(f, server.port(), 50);
		long before = awaitSettled();
		handshakes(f, server.port(), 1000);
		long after = awaitSettled();
		assertThat(after).as("Mongoose blocks before %d, after 1000 handshakes %d", before, after).isEqualTo(before);
	}

	private static void handshakes(javax.net.ssl.SSLSocketFactory f, int port, int n) throws Exception {
		byte[] req = "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
		for (int i = 0; i < n; i++) {
			try (SSLSocket s = (SSLSocket) f.createSocket("localhost", port)) {
				s.setSoTimeout(5000);
				s.startHandshake();
				s.getOutputStream().write(req);
				String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
				assertThat(resp).endsWith("Hello, /hello");
			}
		}
	}

	/** Mongoose's live blocks once the closed connections are gone (they close asynchronously). */
	private static long awaitSettled() throws InterruptedException {
		long last = -1;
		for (int i = 0; i < 100; i++) {
			long now = TlsContext.mongooseAllocations();
			if (now == last) {
				return now;
			}
			last = now;
			Thread.sleep(50);
		}
		return last;
	}

	static void awaitLine(LogCapture log, String text) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (System.nanoTime() < deadline) {
			if (log.lines().stream().anyMatch(l -> l.contains(text))) {
				return;
			}
			Thread.sleep(20);
		}
		assertThat(log.lines()).as("log lines").anyMatch(l -> l.contains(text));
	}
}
