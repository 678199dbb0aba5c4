/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.tls.TlsFailures;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawTls13Client;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

/**
 * A server with {@code clientAuth(REQUIRE)} tells a client why it refuses it, with the fatal
 * alert of RFC 8446 4.4.2.4 and 6.2, sealed with the server's application traffic keys (the
 * client reads with them once it has the server's Finished), before it closes: no certificate
 * (certificate_required), one of another CA (unknown_ca), an expired one
 * (certificate_expired), a CertificateVerify that does not verify (decrypt_error), and one the
 * JDK's check refuses after the stack took it, a server's certificate (unsupported_certificate),
 * and a CertificateVerify in a signature scheme the server did not offer (illegal_parameter, at
 * once: the server waited for the handshake timeout).
 * The clients saw only the close (the JDK's SSLSocket read -1, or failed with "Broken pipe"
 * while it still wrote its handshake). The server goes on serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientAuthAlertTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;
	static TestPki.Issued good;
	static TestPki.Issued stranger;
	static TestPki.Issued expired;
	static TestPki.Issued serverOnly;

	private final List<DisposableServer> servers = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Alert Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		good = pki.client("good-client", TestPki.KeyType.EC_P256);
		stranger = TestPki.root(dir, "Alert Stranger CA").client("stranger", TestPki.KeyType.EC_P256);
		expired = pki.expiredClient("expired-client");
		serverOnly = pki.server("server-only", TestPki.KeyType.EC_P256); // extendedKeyUsage serverAuth
	}

	@AfterEach
	void dispose() {
		servers.forEach(s -> s.disposeNow(TIMEOUT));
	}

	private static TlsSpec requiring() {
		return TlsSpec.forServer(localhost.chain(), localhost.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
			.trustedCertificates(pki.ca());
	}

	/** An HTTP server that answers GET /who with its client's subject, or a TCP server that greets it. */
	private DisposableServer server(boolean http) {
		DisposableServer s = http
				? HttpServer.create().host("127.0.0.1").port(0).secure(requiring())
					.route(r -> r.get("/who", (req, res) -> res.sendString(Mono.just(
							"hello " + req.peerCertificates().get(0).getSubjectX500Principal() + "\n"))))
					.bindNow(TIMEOUT)
				: TcpServer.create().host("127.0.0.1").port(0).secure(requiring())
					.handle((in, out) -> out.sendString(Mono.just(
							"hello " + in.connection().peerCertificates().get(0).getSubjectX500Principal() + "\n")))
					.bindNow(TIMEOUT);
		servers.add(s);
		return s;
	}

	/** What the server says to a client of ctx: its first line, after a GET /who on HTTP. */
	private static String firstLine(SSLContext ctx, int port, boolean http) throws IOException {
		try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
			s.setSoTimeout(10_000);
			s.startHandshake();
			if (http) {
				s.getOutputStream().write("GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII));
			}
			String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
			return all.substring(all.lastIndexOf("hello ")).trim();
		}
	}

	/** A JDK client of ctx: its handshake ends, and its first read fails with the server's alert. */
	private static void refused(SSLContext ctx, int port, String alert) throws IOException {
		try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
			s.setSoTimeout(10_000);
			assertThatThrownBy(() -> {
				s.startHandshake(); // a TLS 1.3 client is done once its Finished is out
				throw new AssertionError("read " + s.getInputStream().read() + " instead of an alert");
			}).as(alert).isInstanceOf(SSLException.class).hasMessageContaining("Received fatal alert: " + alert);
		}
	}

	@ParameterizedTest(name = "http={0}")
	@ValueSource(booleans = {true, false})
	void theJdkClientIsToldWhyItsCertificateIsRefused(boolean http) throws Exception {
		int port = server(http).port();
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			refused(TestPki.trusting(pki.ca()), port, "certificate_required");
			refused(TestPki.presenting(stranger, pki.ca()), port, "unknown_ca");
			refused(TestPki.presenting(expired, pki.ca()), port, "certificate_expired");
			refused(TestPki.presentingWithWrongKey(good, stranger, pki.ca()), port, "decrypt_error");
			refused(TestPki.presenting(serverOnly, pki.ca()), port, "unsupported_certificate");
			assertThat(firstLine(TestPki.presenting(good, pki.ca()), port, http)).isEqualTo("hello CN=good-client");
			HttpsServerTest.awaitLine(log, "the client sent no certificate (sent the alert certificate_required)");
			HttpsServerTest.awaitLine(log, "failed to verify CA (sent the alert unknown_ca)");
			HttpsServerTest.awaitLine(log, "client certificate expired (notAfter 200102000000Z) (sent the alert certificate_expired)");
			HttpsServerTest.awaitLine(log, "(sent the alert decrypt_error)");
			HttpsServerTest.awaitLine(log, "not for client authentication (extendedKeyUsage [1.3.6.1.5.5.7.3.1]) "
					+ "(closing with the alert unsupported_certificate)");
		}
	}

	/**
	 * RFC 8446 4.4.3: the client's CertificateVerify must use a scheme of the CertificateRequest;
	 * one that does not is refused at once with illegal_parameter (as OpenSSL and the JDK do). The
	 * stack logged it and went on waiting, so the client heard nothing until the 10 s handshake
	 * timeout: the raw client's reads wait 3 s.
	 */
	@Test
	void aCertificateVerifyInASchemeNotOfferedIsRefusedAtOnce() throws Exception {
		int port = server(true).port();
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			// ecdsa_secp384r1_sha384: not offered, and the stack verifies no such signature
			try (RawTls13Client c = RawTls13Client.connect(port, presentingGood(0x0503), 3_000)) {
				assertThat(c.readApplicationData()).isNull();
				assertThat(c.alert()).as("illegal_parameter").isEqualTo(47);
			}
			HttpsServerTest.awaitLine(log, "client CertificateVerify scheme 0x0503 not offered (sent the alert illegal_parameter)");
		}
		// the same client, in the scheme offered, is served
		try (RawTls13Client c = RawTls13Client.connect(port, presentingGood(0x0403), 3_000)) {
			c.writeRecord(23, "GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
				.getBytes(StandardCharsets.US_ASCII));
			StringBuilder all = new StringBuilder();
			for (byte[] b; (b = c.readApplicationData()) != null;) {
				all.append(new String(b, StandardCharsets.US_ASCII));
			}
			assertThat(all).contains("hello CN=good-client");
		}
	}

	/**
	 * The CertificateRequest's signature_algorithms lists what the server verifies in a
	 * CertificateVerify, ECDSA P-256 and RSA-PSS with SHA-256, and its signature_algorithms_cert
	 * the certificate signatures the stack reads (RFC 8446 4.2.3). It carried the whole
	 * extension (type 13, its lengths) as three schemes, then rsa_pkcs1_sha256, which TLS 1.3
	 * does not allow in a CertificateVerify.
	 */
	@Test
	void theCertificateRequestListsTheSchemesTheServerVerifies() throws Exception {
		int port = server(false).port();
		try (RawTls13Client c = RawTls13Client.connect(port, presentingGood(0x0403), 3_000)) {
			int[][] schemes = c.certificateRequestSchemes();
			assertThat(schemes).isNotNull();
			assertThat(schemes[0]).as("signature_algorithms").containsExactly(0x0403, 0x0804);
			assertThat(schemes[1]).as("signature_algorithms_cert").containsExactly(0x0403, 0x0503, 0x0401, 0x0501);
			assertThat(new String(c.readApplicationData(), StandardCharsets.US_ASCII)).isEqualTo("hello CN=good-client\n");
		}
	}

	/** good's chain (DER) and key (EC P-256), its CertificateVerify naming {@code scheme}. */
	private static RawTls13Client.Presenting presentingGood(int scheme) throws Exception {
		List<byte[]> chain = new ArrayList<>();
		try (InputStream in = Files.newInputStream(good.chain())) {
			for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
				chain.add(c.getEncoded());
			}
		}
		String pem = Files.readString(good.key()).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
		PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
		return new RawTls13Client.Presenting(chain, key, scheme);
	}

	/** openssl's client names the alert too (curl, which uses OpenSSL, says the same). */
	@Test
	void opensslNamesTheAlert() throws Exception {
		TestPki.assumeOpenssl();
		int port = server(true).port();
		assertThat(sClient(port, "")).contains("alert certificate required").contains("SSL alert number 116");
		assertThat(sClient(port, "", "-cert", stranger.cert().toString(), "-key", stranger.key().toString()))
			.contains("alert unknown ca").contains("SSL alert number 48");
		assertThat(sClient(port, "GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "-cert",
				good.cert().toString(), "-key", good.key().toString()))
			.contains("hello CN=good-client").doesNotContain("SSL alert number");
	}

	/** openssl s_client's output (stdout and stderr) to the end of the connection, after it sent {@code input}. */
	private static String sClient(int port, String input, String... args) throws Exception {
		List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername",
				"localhost", "-CAfile", pki.ca().toString(), "-verify_return_error", "-ign_eof"));
		cmd.addAll(List.of(args));
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		try {
			p.getOutputStream().write(input.getBytes(StandardCharsets.US_ASCII));
			p.getOutputStream().close();
			String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
			return out;
		}
		finally {
			p.destroyForcibly();
		}
	}
}
