/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our TLS clients tell a server they refuse why, with the fatal alert of RFC 8446 6.2, as
 * OpenSSL's and the JDK's clients do: a chain that leads to no trusted root (unknown_ca, sealed
 * with the client's application keys: the JDK checks it once the stack's handshake is done), a
 * certificate for another name (bad_certificate) and an expired one (certificate_expired), both
 * refused by the stack during the handshake (sealed with the client's handshake keys). The
 * server saw the connection close without a word. The server here is the JDK's, which names
 * the alert it received.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsClientAlertTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued stranger;
	static TestPki.Issued otherName;
	static TestPki.Issued expired;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Client Alert Root CA");
		stranger = TestPki.root(dir, "Client Alert Stranger CA").server("localhost", TestPki.KeyType.EC_P256);
		otherName = pki.server("elsewhere", TestPki.KeyType.EC_P256, "DNS:elsewhere.example");
		expired = pki.expiredServer("expired");
	}

	@ParameterizedTest(name = "http={0}")
	@ValueSource(booleans = {true, false})
	void theServerIsToldWhyItsCertificateIsRefused(boolean http) throws Exception {
		assertThat(serverSees(stranger, http)).contains("Received fatal alert: unknown_ca");
		assertThat(serverSees(otherName, http)).contains("Received fatal alert: bad_certificate");
		assertThat(serverSees(expired, http)).contains("Received fatal alert: certificate_expired");
	}

	/**
	 * A JDK server presenting {@code issued} to one of our clients (HttpClient or TcpClient,
	 * trusting {@code pki}'s root), which refuses it: what the server's handshake and first read
	 * end with.
	 */
	private static String serverSees(TestPki.Issued issued, boolean http) throws Exception {
		try (SSLServerSocket ss = (SSLServerSocket) TestPki.serving(issued).getServerSocketFactory()
				.createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
				try (SSLSocket s = (SSLSocket) ss.accept()) {
					s.setSoTimeout(5_000);
					s.startHandshake();
					return "read " + s.getInputStream().read();
				}
				catch (IOException e) {
					return e.toString();
				}
			});
			TlsSpec trusting = TlsSpec.forClient().trustedCertificates(pki.ca());
			int port = ss.getLocalPort();
			assertThatThrownBy(() -> {
				if (http) {
					HttpClient.create().secure(trusting).get().uri("https://localhost:" + port + "/")
						.responseSingle((res, body) -> body).block(TIMEOUT);
				}
				else {
					TcpClient.create().host("localhost").port(port).secure(trusting).connectNow(TIMEOUT);
				}
			}).isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class);
			return seen.get(10, TimeUnit.SECONDS);
		}
	}
}
