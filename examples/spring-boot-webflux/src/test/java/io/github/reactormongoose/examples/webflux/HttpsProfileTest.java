/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.spring.websocket.MongooseWebSocketClient;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.reactive.socket.client.WebSocketClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo application with the {@code https} profile: its SSL bundle's certificate and key
 * point at PEM files made by openssl for the test run (a test CA's certificate for localhost),
 * the JDK client calls it over HTTPS, and a certificate renewed in those files (as certbot
 * renews one) is served to new connections while a connection opened before keeps working.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("https")
class HttpsProfileTest {

	static Path dir;
	static TestPki pki;
	static TestPki.Issued first;
	static TestPki.Issued renewed;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void certificate(DynamicPropertyRegistry registry) throws IOException, InterruptedException {
		dir = Files.createTempDirectory("https-profile");
		pki = TestPki.root(dir, "Example CA");
		first = pki.server("first", TestPki.KeyType.EC_P256);
		renewed = pki.server("renewed", TestPki.KeyType.EC_P256);
		Path live = Files.createDirectories(dir.resolve("live"));
		install(first);
		registry.add("spring.ssl.bundle.pem.web.keystore.certificate", () -> live.resolve("cert.pem").toUri().toString());
		registry.add("spring.ssl.bundle.pem.web.keystore.private-key", () -> live.resolve("key.pem").toUri().toString());
		// the profile leaves Boot's 10 s; a test does not wait that long
		registry.add("spring.ssl.bundle.watch.file.quiet-period", () -> "20ms");
		registry.add("server.port", () -> "0");
	}

	/** The bundle's files, replaced in place as certbot's renewal replaces them. */
	private static void install(TestPki.Issued issued) throws IOException {
		Path live = dir.resolve("live");
		Files.copy(issued.key(), live.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
		Files.copy(issued.chain(), live.resolve("cert.pem"), StandardCopyOption.REPLACE_EXISTING);
	}

	@Test
	void greetingOverHttps() throws Exception {
		HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca())).build();
		HttpResponse<String> r = client.send(HttpRequest.newBuilder(
				URI.create("https://localhost:" + this.port + "/api/greetings/tls")).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).contains("Hello, tls!");
	}

	/**
	 * The application's own WebSocket client trusts the test CA, as an application would trust
	 * its certificate authority (the JDK's trust store knows no test CA).
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class TrustingWebSocketClient {

		@Bean
		@Primary
		WebSocketClient trustingWebSocketClient() {
			return new MongooseWebSocketClient(io.github.reactormongoose.http.client.HttpClient.create()
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())));
		}
	}

	/**
	 * {@code /fn/ws-relay} calls the server's own {@code /ws/echo} with the scheme of the request
	 * it relays: over HTTPS that is WSS. It called {@code ws://} on the HTTPS port, and Chromium
	 * got a 500 (the server logged "not a TLS record (plain text on a TLS port?)").
	 */
	@Test
	void theWebSocketRelayOverHttpsCallsWss() throws Exception {
		HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca())).build();
		HttpResponse<String> r = client.send(HttpRequest.newBuilder(
				URI.create("https://localhost:" + this.port + "/fn/ws-relay?text=secure")).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).startsWith("echo: secure");
	}

	@Test
	void aCertificateRenewedOnDiskIsServedToNewConnections() throws Exception {
		SSLContext trusting = TestPki.trusting(pki.ca());
		try (SSLSocket before = open(trusting)) {
			RawHttp in = RawHttp.wrap(before);
			assertThat(greet(in, "before")).isEqualTo("200 Hello, before!");
			assertThat(served(before)).isEqualTo(cert(first));

			install(renewed);
			X509Certificate now = cert(first);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (now.equals(cert(first)) && System.nanoTime() < deadline) {
				Thread.sleep(25); // Boot's file watcher, then its quiet period
				try (SSLSocket s = open(trusting)) {
					now = served(s);
				}
			}
			assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=renewed");
			assertThat(now).isEqualTo(cert(renewed));
			try (SSLSocket s = open(trusting)) {
				assertThat(greet(RawHttp.wrap(s), "after")).isEqualTo("200 Hello, after!");
			}
			// the connection opened before still works, with the certificate it started with
			assertThat(greet(in, "still")).isEqualTo("200 Hello, still!");
			assertThat(served(before)).isEqualTo(cert(first));
		}
	}

	private SSLSocket open(SSLContext trusting) throws IOException {
		SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", this.port);
		s.setSoTimeout(10_000);
		s.startHandshake();
		return s;
	}

	/** One greeting on a keep-alive connection: its status and message ("200 Hello, name!"). */
	private static String greet(RawHttp c, String name) throws IOException {
		RawHttp.Response r = c.write(RawHttp.get("/api/greetings/" + name)).read();
		Matcher m = Pattern.compile("\"message\":\"([^\"]*)\"").matcher(r.bodyString());
		return r.status() + " " + (m.find() ? m.group(1) : r.bodyString());
	}

	private static X509Certificate served(SSLSocket s) throws IOException {
		return (X509Certificate) s.getSession().getPeerCertificates()[0];
	}

	private static X509Certificate cert(TestPki.Issued issued) throws Exception {
		try (InputStream in = Files.newInputStream(issued.cert())) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}
}
