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
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo application with the {@code https} profile: {@code server.ssl.certificate} and
 * {@code certificate-private-key} point at a certificate openssl makes for the test run, and
 * the JDK client calls it over HTTPS.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("https")
class HttpsProfileTest {

	static Path dir;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void certificate(DynamicPropertyRegistry registry) throws IOException, InterruptedException {
		dir = Files.createTempDirectory("https-profile");
		Path cert = dir.resolve("cert.pem");
		Path key = dir.resolve("key.pem");
		Process p = new ProcessBuilder(List.of("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
				"ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
				"-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext",
				"basicConstraints=critical,CA:true")).redirectErrorStream(true).start();
		p.getInputStream().readAllBytes();
		if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
			throw new IllegalStateException("openssl req failed (is openssl installed?)");
		}
		registry.add("server.ssl.certificate", () -> cert.toUri().toString());
		registry.add("server.ssl.certificate-private-key", () -> key.toUri().toString());
		registry.add("server.port", () -> "0");
	}

	@Test
	void greetingOverHttps() throws Exception {
		KeyStore trust = KeyStore.getInstance("PKCS12");
		trust.load(null, null);
		try (InputStream in = Files.newInputStream(dir.resolve("cert.pem"))) {
			trust.setCertificateEntry("self", CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
		TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		tmf.init(trust);
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, tmf.getTrustManagers(), null);
		HttpClient client = HttpClient.newBuilder().sslContext(ctx).build();
		HttpResponse<String> r = client.send(HttpRequest.newBuilder(
				URI.create("https://localhost:" + this.port + "/api/greetings/tls")).timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).contains("Hello, tls!");
	}
}
