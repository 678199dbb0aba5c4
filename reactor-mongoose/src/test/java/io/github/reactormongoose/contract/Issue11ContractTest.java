/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Issue 11 ("TLS everywhere"): the {@code TlsSpec} sample of the issue and
 * {@code HttpServer.create().secure(server)}, with certificates made by openssl in the test
 * run. The client spec is exercised through {@code TcpClient.secure} (the HTTP client's
 * {@code secure} is its own piece of work); the JDK's HttpClient is the other peer.
 */
class Issue11ContractTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;
	static TestPki.Issued clientCert;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Issue 11 Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		clientCert = pki.client("issue-11-client", TestPki.KeyType.EC_P256);
	}

	private DisposableServer https(TlsSpec spec) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).secure(spec)
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just(req.scheme() + " hello")))));
	}

	/** One HTTP/1.1 request over a TLS connection of {@link TcpClient}, the answer's body. */
	private static String getOverTls(int port, TlsSpec client) {
		Connection c = TcpClient.create().host("127.0.0.1").port(port).secure(client).connectNow(TIMEOUT);
		try {
			c.send("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII))
					.block(TIMEOUT);
			String all = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).reduce(String::concat)
					.block(TIMEOUT);
			assertThat(all).startsWith("HTTP/1.1 200");
			return all.substring(all.indexOf("\r\n\r\n") + 4);
		}
		finally {
			c.close();
		}
	}

	@Test
	void theTlsSpecSampleOfTheIssue() throws Exception {
		Path certChainPem = localhost.chain();
		Path privateKeyPem = localhost.key();
		Path caPem = pki.ca();
		Path cert = clientCert.cert();
		Path key = clientCert.key();

		TlsSpec server = TlsSpec.forServer(certChainPem, privateKeyPem)   // io.github.reactormongoose.tls
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(caPem);
		TlsSpec client = TlsSpec.forClient()            // trusts the JDK's default trust store
				.trustedCertificates(caPem)              // replaces it
				.serverName("localhost")                 // SNI + host name check, default from the URL
				.keyCertificate(cert, key);              // client certificate
		DisposableServer s = https(server);

		// connected to 127.0.0.1, checked against the name given: the certificate names localhost
		assertThat(getOverTls(s.port(), client)).isEqualTo("https hello");
		// a name the certificate does not carry fails the check
		assertThatThrownBy(() -> getOverTls(s.port(), client.serverName("example.org")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
				.hasMessageContaining("example.org");
		// REQUIRE: the JDK client, trusting the CA but without a client certificate, is refused
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(TestPki.trusting(caPem)).build();
		assertThatThrownBy(() -> jdk.send(java.net.http.HttpRequest.newBuilder(URI.create("https://localhost:" + s.port() + "/hello"))
				.timeout(TIMEOUT).build(), java.net.http.HttpResponse.BodyHandlers.ofString()))
				.isInstanceOf(java.io.IOException.class);
	}

	@Test
	void clientAuthHasNoneOptionalAndRequire() throws Exception {
		assertThat(TlsSpec.ClientAuth.values()).containsExactly(TlsSpec.ClientAuth.NONE, TlsSpec.ClientAuth.OPTIONAL,
				TlsSpec.ClientAuth.REQUIRE);
		TlsSpec none = TlsSpec.forServer(localhost.chain(), localhost.key()).clientAuth(TlsSpec.ClientAuth.NONE);
		assertThat(none.clientAuth()).isEqualTo(TlsSpec.ClientAuth.NONE);
		// OPTIONAL asks for a certificate and serves a client without one (hook 20 of hook-mongoose.sh)
		TlsSpec optional = none.clientAuth(TlsSpec.ClientAuth.OPTIONAL).trustedCertificates(pki.ca());
		assertThat(optional.clientAuth()).isEqualTo(TlsSpec.ClientAuth.OPTIONAL);
		DisposableServer o = https(optional);
		java.net.http.HttpClient anonymous = java.net.http.HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca()))
				.build();
		assertThat(anonymous.send(java.net.http.HttpRequest.newBuilder(URI.create("https://localhost:" + o.port() + "/hello"))
				.timeout(TIMEOUT).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("https hello");
		DisposableServer s = https(none);
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca())).build();
		assertThat(jdk.send(java.net.http.HttpRequest.newBuilder(URI.create("https://localhost:" + s.port() + "/hello"))
				.timeout(TIMEOUT).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("https hello");
	}

	@Test
	void pemAsStringAndBytesAndKeyStoreInputs() throws Exception {
		String chain = Files.readString(localhost.chain());
		String key = Files.readString(localhost.key());
		String ca = Files.readString(pki.ca());
		TlsSpec fromStrings = TlsSpec.forServer(chain, key).clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(ca);
		TlsSpec clientFromStrings = TlsSpec.forClient().trustedCertificates(ca)
				.keyCertificate(Files.readString(clientCert.cert()), Files.readString(clientCert.key()));
		assertThat(getOverTls(https(fromStrings).port(), clientFromStrings)).isEqualTo("https hello");

		TlsSpec fromBytes = TlsSpec.forServer(chain.getBytes(StandardCharsets.US_ASCII), key.getBytes(StandardCharsets.US_ASCII));
		TlsSpec clientFromBytes = TlsSpec.forClient().trustedCertificates(ca.getBytes(StandardCharsets.US_ASCII));
		assertThat(getOverTls(https(fromBytes).port(), clientFromBytes)).isEqualTo("https hello");

		char[] password = "changeit".toCharArray();
		KeyStore keyStore = pkcs12("server", localhost, password);
		KeyStore trustStore = KeyStore.getInstance("PKCS12");
		trustStore.load(null, null);
		trustStore.setCertificateEntry("ca", certificate(pki.ca()));
		KeyStore clientStore = pkcs12("client", clientCert, password);
		TlsSpec fromKeyStore = TlsSpec.forServer(keyStore, "server", password).clientAuth(TlsSpec.ClientAuth.REQUIRE)
				.trustedCertificates(trustStore);
		TlsSpec clientFromKeyStore = TlsSpec.forClient().trustedCertificates(trustStore)
				.keyCertificate(clientStore, "client", password);
		assertThat(getOverTls(https(fromKeyStore).port(), clientFromKeyStore)).isEqualTo("https hello");
	}

	@Test
	void aHandshakeTimeoutOfTenSecondsByDefaultClosesAPeerThatStalls() throws Exception {
		TlsSpec spec = TlsSpec.forServer(localhost.chain(), localhost.key());
		assertThat(spec.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10)).isEqualTo(TlsSpec.DEFAULT_HANDSHAKE_TIMEOUT);
		DisposableServer s = https(spec.handshakeTimeout(Duration.ofMillis(300)));
		try (Socket stalled = new Socket()) {
			stalled.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
			stalled.setSoTimeout(5_000);
			stalled.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // the start of a record, then nothing
			long start = System.nanoTime();
			InputStream in = stalled.getInputStream();
			int r;
			do {
				r = in.read();
			}
			while (r != -1);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
		}
	}

	private static KeyStore pkcs12(String alias, TestPki.Issued issued, char[] password) throws Exception {
		String pem = Files.readString(issued.key());
		byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
		PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		ks.setKeyEntry(alias, key, password, new Certificate[] {certificate(issued.cert()), certificate(pki.ca())});
		return ks;
	}

	private static Certificate certificate(Path pem) throws Exception {
		try (InputStream in = Files.newInputStream(pem)) {
			return CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}
}
