/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLHandshakeException;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.Nginx;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.test.StepVerifier;

/**
 * The HTTPS and WSS client against TLS servers nobody here wrote: the JDK's
 * {@code HttpsServer}, Reactor Netty's secure server (JDK provider) and nginx (OpenSSL),
 * with certificates that openssl makes for the test run.
 */
class HttpsClientInteropTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Interop Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	private static TlsSpec trusting() {
		return TlsSpec.forClient().trustedCertificates(pki.ca());
	}

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
	}

	/**
	 * openssl s_server on 127.0.0.1 with {@code args}, its output in the file {@code logName}
	 * of the test directory; listening when returned, stopped by close.
	 */
	private static SServer sServer(String logName, String... args) throws Exception {
		Path log = dir.resolve(logName);
		io.github.reactormongoose.testing.Commands.assumeExecutable(Path.of("/usr/bin/openssl"), "openssl",
				"HttpsClientInteropTest (openssl s_server)");
		int port = io.github.reactormongoose.testing.Nginx.freePort();
		List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + port));
		cmd.addAll(List.of(args));
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		SServer server = new SServer(p, port);
		try {
			io.github.reactormongoose.testing.Commands.awaitListening(p, port, "openssl s_server", log);
		}
		catch (Exception | AssertionError e) {
			server.close();
			throw e;
		}
		return server;
	}

	private record SServer(Process process, int port) implements AutoCloseable {
		@Override
		public void close() throws InterruptedException {
			io.github.reactormongoose.testing.Commands.stop(process);
		}
	}

	/**
	 * openssl s_server -www answers HTTP/1.0 without a length, then ends its side with a TLS
	 * close_notify and keeps TCP open: the body ends at the close_notify, as at a FIN (it was
	 * waited for until the timeout).
	 */
	@Test
	void aBodyReadUntilTheCloseEndsAtTheCloseNotifyOfOpensslSServer() throws Exception {
		try (SServer server = sServer("s_server.log", "-cert", localhost.chain().toString(), "-key",
				localhost.key().toString(), "-www", "-tls1_3")) {
			int port = server.port();
			HttpClient c = HttpClient.create().secure(trusting()).responseTimeout(Duration.ofSeconds(20));
			for (int i = 0; i < 3; i++) {
				long t0 = System.nanoTime();
				String page = c.get().uri("https://localhost:" + port + "/")
						.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
				assertThat(page).startsWith("200 <HTML>").contains("</HTML>");
				assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
			}
		}
	}

	/**
	 * RFC 8446 5.1: a handshake message may span several records. openssl s_server with
	 * {@code -max_send_frag 512} sends its Certificate (an RSA-4096 certificate and an
	 * intermediate, about 1.4 KB) and its other messages in records of at most 512 bytes; the
	 * handshake failed ("invalid certificate chain length") while the stack read each record on
	 * its own.
	 */
	@Test
	void aServerThatSplitsItsHandshakeMessagesOverRecords() throws Exception {
		TestPki issuing = pki.intermediate("Split Records Issuing CA");
		TestPki.Issued big = issuing.server("localhost", TestPki.KeyType.RSA_4096);
		assertThat(Files.size(big.chain())).as("PEM of the chain, several 512-byte records").isGreaterThan(1_500);
		try (SServer server = sServer("s_server-split.log", "-cert", big.cert().toString(), "-cert_chain",
				issuing.ca().toString(), "-key", big.key().toString(), "-www", "-tls1_3", "-max_send_frag", "512")) {
			int port = server.port();
			HttpClient c = HttpClient.create().secure(trusting()).responseTimeout(Duration.ofSeconds(20));
			for (int i = 0; i < 3; i++) {
				assertThat(text(c.get().uri("https://localhost:" + port + "/"))).startsWith("200 <HTML>").contains("</HTML>");
			}
		}
	}

	/**
	 * Our ClientHello offers ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256 and rsa_pkcs1_sha256
	 * only, so a server whose own key is EC P-384 finds no scheme to sign with and answers with
	 * an alert (s_server: "no suitable signature algorithm"). The error says why it may be; it
	 * said only "TLS error alert".
	 */
	@Test
	void aServerWithAnEcP384KeyFailsWithAHintAtTheSignatureSchemes() throws Exception {
		TestPki.Issued p384 = pki.server("localhost-p384", TestPki.KeyType.EC_P384); // SANs localhost, 127.0.0.1
		try (SServer server = sServer("s_server-p384.log", "-cert", p384.chain().toString(), "-key",
				p384.key().toString(), "-www", "-tls1_3")) {
			int port = server.port();
			HttpClient c = HttpClient.create().secure(trusting());
			StepVerifier.create(c.get().uri("https://localhost:" + port + "/").responseSingle((res, b) -> b))
				.expectErrorSatisfies(e -> {
					assertThat(e).isInstanceOf(MongooseException.class).hasCauseInstanceOf(SSLHandshakeException.class);
					assertThat(e.getMessage()).contains("TLS error alert")
						.contains("may need a signature scheme the built-in stack does not offer");
				})
				.verify(TIMEOUT);
		}
	}

	/**
	 * The built-in stack reads at most 6 certificates from a server (mg_tls_recv_cert keeps
	 * certs[8] and stops at the 7th): its own and 5 intermediates work, 6 intermediates fail
	 * with "too many certificates in the chain" (docs/tls.md).
	 */
	@Test
	void aServerChainOfSixCertificatesIsReadAndOneOfSevenIsNot() throws Exception {
		TestPki ca = pki;
		HttpClient c = HttpClient.create().secure(trusting());
		for (int intermediates = 1; intermediates <= 6; intermediates++) {
			ca = ca.intermediate("Long Chain CA " + intermediates);
			if (intermediates < 5) {
				continue;
			}
			TestPki.Issued leaf = ca.server("localhost-long-" + intermediates, TestPki.KeyType.EC_P256);
			String chain = Files.readString(leaf.chain());
			Path tail = Files.writeString(dir.resolve("long-tail-" + intermediates + ".pem"),
					chain.substring(chain.indexOf("-----END CERTIFICATE-----") + 26));
			try (SServer server = sServer("s_server-long-" + intermediates + ".log", "-cert", leaf.cert().toString(),
					"-cert_chain", tail.toString(), "-key", leaf.key().toString(), "-www", "-tls1_3")) {
				int port = server.port();
				if (intermediates == 5) {
					assertThat(text(c.get().uri("https://localhost:" + port + "/"))).startsWith("200 <HTML>");
				}
				else {
					assertThatThrownBy(() -> text(c.get().uri("https://localhost:" + port + "/")))
						.hasMessageContaining("too many certificates in the chain");
				}
			}
		}
	}

	/**
	 * RFC 8446 4.4.2: a client SHOULD take a chain with certificates out of order or one that
	 * does not belong (a root sent along, a stale intermediate), as the JDK and curl do. The
	 * stack required each certificate to sign the one before it ("failed to verify certificate
	 * chain") before the JDK's PKIX check, which builds the path from whatever was sent, ran.
	 */
	@Test
	void aChainOutOfOrderOrWithAnUnrelatedCertificateIsTaken() throws Exception {
		TestPki issuing = pki.intermediate("Unordered Issuing CA");
		TestPki.Issued leaf = issuing.server("localhost", TestPki.KeyType.EC_P256);
		TestPki stranger = TestPki.root(dir, "Unrelated Root CA");
		Path rootFirst = Files.writeString(dir.resolve("root-then-intermediate.pem"),
				Files.readString(pki.ca()) + Files.readString(issuing.ca()));
		Path strangerFirst = Files.writeString(dir.resolve("stranger-then-intermediate.pem"),
				Files.readString(stranger.ca()) + Files.readString(issuing.ca()));
		for (Path chain : List.of(rootFirst, strangerFirst)) {
			try (SServer server = sServer("s_server-" + chain.getFileName() + ".log", "-cert",
					leaf.cert().toString(), "-cert_chain", chain.toString(), "-key", leaf.key().toString(), "-www",
					"-tls1_3")) {
				int port = server.port();
				HttpClient c = HttpClient.create().secure(trusting()).responseTimeout(Duration.ofSeconds(20));
				assertThat(text(c.get().uri("https://localhost:" + port + "/"))).as("chain %s", chain.getFileName())
						.startsWith("200 <HTML>");
				// a chain that does not lead to the trusted root is still refused, by the JDK
				HttpClient other = HttpClient.create().secure(TlsSpec.forClient().trustedCertificates(stranger.ca()));
				assertThatThrownBy(() -> text(other.get().uri("https://localhost:" + port + "/")))
						.hasRootCauseInstanceOf(SSLHandshakeException.class);
			}
		}
	}

	@Test
	void jdkHttpsServer() throws Exception {
		Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
		HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		s.setHttpsConfigurator(new HttpsConfigurator(TestPki.serving(localhost)));
		s.createContext("/fixed", ex -> {
			clientPorts.add(ex.getRemoteAddress().getPort());
			byte[] b = "fixed over jdk tls".getBytes(UTF_8);
			ex.sendResponseHeaders(200, b.length);
			ex.getResponseBody().write(b);
			ex.close();
		});
		s.createContext("/echo", ex -> {
			clientPorts.add(ex.getRemoteAddress().getPort());
			byte[] in = ex.getRequestBody().readAllBytes();
			ex.getResponseHeaders().add("X-Chunked",
					String.valueOf("chunked".equalsIgnoreCase(ex.getRequestHeaders().getFirst("Transfer-Encoding"))));
			ex.sendResponseHeaders(200, 0); // chunked
			try (OutputStream o = ex.getResponseBody()) {
				o.write(in);
			}
		});
		s.start();
		try {
			HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting())
					.baseUrl("https://localhost:" + s.getAddress().getPort());
			for (int i = 0; i < 5; i++) {
				assertThat(text(c.get().uri("/fixed"))).isEqualTo("200 fixed over jdk tls");
			}
			String streamed = Flux.range(0, 200).map(i -> "piece " + i + ";").reduce("", String::concat).block();
			String[] chunked = new String[1];
			String echoed = c.post().uri("/echo").sendString(Flux.range(0, 200).map(i -> "piece " + i + ";"))
					.responseSingle((res, b) -> {
						chunked[0] = res.responseHeaders().get("X-Chunked");
						return b.map(x -> new String(x, UTF_8));
					}).block(TIMEOUT);
			assertThat(echoed).isEqualTo(streamed);
			assertThat(chunked[0]).isEqualTo("true");
			assertThat(text(c.get().uri("/fixed"))).isEqualTo("200 fixed over jdk tls");
			assertThat(clientPorts).as("one kept-alive TLS connection").hasSize(1);
			// the JDK's default trust store does not know the test CA
			assertThatThrownBy(() -> text(HttpClient.create().get().uri("https://localhost:" + s.getAddress().getPort() + "/fixed")))
					.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
					.hasMessageContaining("untrusted server certificate");
		}
		finally {
			s.stop(0);
		}
	}

	@Test
	void reactorNettySecureServer() throws Exception {
		SslContext ctx = SslContextBuilder.forServer(localhost.chain().toFile(), localhost.key().toFile())
				.sslProvider(SslProvider.JDK).build();
		Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
		DisposableServer s = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.secure(spec -> spec.sslContext(ctx))
				.route(r -> r.get("/hello", (req, res) -> {
							clientPorts.add(((InetSocketAddress) req.remoteAddress()).getPort());
							return res.sendString(Mono.just("hello from netty over " + req.scheme()));
						})
						.post("/echo", (req, res) -> res.send(req.receive().retain()))
						.ws("/ws", (in, out) -> out.sendString(in.receive().asString())))
				.bindNow();
		try {
			MongooseLoop loop = newLoop();
			HttpClient c = HttpClient.create().runOn(loop).secure(trusting()).baseUrl("https://localhost:" + s.port());
			for (int i = 0; i < 5; i++) {
				assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello from netty over https");
			}
			assertThat(clientPorts).hasSize(1);
			byte[] big = new byte[3 << 20];
			new Random(11).nextBytes(big);
			Flux<ByteBuffer> up = Flux.range(0, 3 * 64).map(i -> ByteBuffer.wrap(big, i * 16384, 16384));
			byte[] got = c.post().uri("/echo").send(up).responseSingle((res, b) -> b).block(TIMEOUT);
			assertThat(got).isEqualTo(big);
			StepVerifier.create(c.websocket().uri("wss://localhost:" + s.port() + "/ws")
							.handle((in, out) -> out.sendString(Flux.just("over", "wss"))
									.thenMany(in.receiveText().take(2))))
					.expectNext("over", "wss")
					.expectComplete()
					.verify(TIMEOUT);
		}
		finally {
			s.disposeNow();
		}
	}

	@Test
	void nginxWithAndWithoutClientCertificates() throws Exception {
		Nginx.assumeInstalled("HttpsClientInteropTest.nginx");
		TestPki.Issued client = pki.client("nginx-client", TestPki.KeyType.EC_P256);
		Path d = Files.createTempDirectory(dir, "nginx");
		Path www = Files.createDirectories(d.resolve("www"));
		byte[] big = new byte[2 << 20];
		new Random(5).nextBytes(big);
		Files.write(www.resolve("big.bin"), big);
		int port = Nginx.freePort();
		int mtlsPort = Nginx.freePort();
		int optionalPort = Nginx.freePort();
		try (Nginx n = Nginx.start(d, List.of("  types { application/octet-stream bin; }",
				"  ssl_certificate " + localhost.chain() + ";", "  ssl_certificate_key " + localhost.key() + ";",
				"  ssl_protocols TLSv1.3;",
				"  server {", "    listen 127.0.0.1:" + port + " ssl;", "    root " + www + ";",
				"    location = /who { return 200 \"$ssl_protocol $ssl_cipher $connection\"; }",
				"  }",
				"  server {", "    listen 127.0.0.1:" + mtlsPort + " ssl;",
				"    ssl_verify_client on;", "    ssl_client_certificate " + pki.ca() + ";",
				"    location = /who { return 200 \"$ssl_client_verify $ssl_client_s_dn\"; }",
				"  }",
				"  server {", "    listen 127.0.0.1:" + optionalPort + " ssl;",
				"    ssl_verify_client optional;", "    ssl_client_certificate " + pki.ca() + ";",
				"    location = /who { return 200 \"$ssl_client_verify $ssl_client_s_dn\"; }",
				"  }"), port, mtlsPort, optionalPort)) {
			HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting());
			String who = text(c.get().uri("https://localhost:" + port + "/who"));
			assertThat(who).startsWith("200 TLSv1.3 TLS_AES_128_GCM_SHA256 ");
			for (int i = 0; i < 3; i++) {
				byte[] got = c.get().uri("https://localhost:" + port + "/big.bin").responseSingle((res, b) -> b).block(TIMEOUT);
				assertThat(got).isEqualTo(big);
			}
			// the same nginx connection ($connection) answers again: kept alive over TLS
			assertThat(text(c.get().uri("https://localhost:" + port + "/who"))).isEqualTo(who);

			String mtls = "https://localhost:" + mtlsPort + "/who";
			assertThat(text(c.secure(trusting().keyCertificate(client.cert(), client.key())).get().uri(mtls)))
					.isEqualTo("200 SUCCESS CN=nginx-client");
			// without a certificate the client sends an empty Certificate message (RFC 8446 4.4.2);
			// nginx completes the handshake and answers 400, as it does curl without --cert
			assertThat(text(c.get().uri(mtls))).startsWith("400 ").contains("No required SSL certificate was sent");
			// ssl_verify_client optional: served without one, named with one
			String optional = "https://localhost:" + optionalPort + "/who";
			assertThat(text(c.get().uri(optional))).isEqualTo("200 NONE ");
			assertThat(text(c.secure(trusting().keyCertificate(client.cert(), client.key())).get().uri(optional)))
					.isEqualTo("200 SUCCESS CN=nginx-client");
		}
	}
}
