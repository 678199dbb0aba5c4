/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.ProxyConnectException;
import io.github.reactormongoose.testing.ProxyPeers;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link HttpsHello} with the JDK HTTP client and with {@link HttpsCall}, and
 * {@link MutualTlsEcho}, {@link ClientCertificateHello}, {@link ProxiedCall} through tinyproxy, microsocks and Dante,
 * {@link RenewingHttpsServer} with its files replaced, with certificates made by openssl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsExamplesTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued server;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Examples Root CA");
		server = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	@Test
	void clientCertificateHelloNamesTheCaller() throws Exception {
		TestPki.Issued device = pki.client("device-1", TestPki.KeyType.EC_P256);
		DisposableServer s = ClientCertificateHello.start("127.0.0.1", 0, server.chain(), server.key(), pki.ca());
		try {
			io.github.reactormongoose.http.client.HttpClient ours = io.github.reactormongoose.http.client.HttpClient.create()
					.secure(io.github.reactormongoose.tls.TlsSpec.forClient().trustedCertificates(pki.ca())
							.keyCertificate(device.cert(), device.key()));
			assertThat(ours.get().uri("https://localhost:" + s.port() + "/whoami")
					.responseSingle((res, b) -> b.map(x -> new String(x, java.nio.charset.StandardCharsets.UTF_8)))
					.block(Duration.ofSeconds(10))).isEqualTo("Hello, CN=device-1");
			// without a certificate the handshake fails: no answer at all
			HttpClient jdk = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca())).build();
			assertThatThrownBy(() -> jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + s.port() + "/whoami"))
					.build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void httpsHelloAnswersTheJdkClientWithAnEcOrAnRsaKey() throws Exception {
		TestPki.Issued rsa = pki.server("rsa-hello", TestPki.KeyType.RSA_2048); // for localhost too
		for (TestPki.Issued issued : List.of(server, rsa)) {
			DisposableServer s = HttpsHello.start("127.0.0.1", 0, issued.chain(), issued.key());
			try {
				HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca())).build();
				HttpResponse<String> r = client.send(HttpRequest.newBuilder(
						URI.create("https://localhost:" + s.port() + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
				assertThat(r.statusCode()).isEqualTo(200);
				assertThat(r.body()).isEqualTo("Hello over https!");
				assertThat(r.sslSession().orElseThrow().getPeerCertificates()[0].getPublicKey().getAlgorithm())
						.isEqualTo(issued == rsa ? "RSA" : "EC");
			}
			finally {
				s.disposeNow(Duration.ofSeconds(5));
			}
		}
	}

	@Test
	void theSameServerInClearForLocalChecks() throws Exception {
		DisposableServer plain = HttpsHello.startLocalPlain(0, server.chain(), server.key());
		try {
			HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
					URI.create("http://127.0.0.1:" + plain.port() + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("Hello over http!");
		}
		finally {
			plain.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void httpsCallGetsAndEchoesOverWss() {
		DisposableServer s = HttpsHello.start("127.0.0.1", 0, server.chain(), server.key());
		try {
			HttpsCall call = new HttpsCall(pki.ca());
			assertThat(call.get("https://localhost:" + s.port() + "/hello").block(Duration.ofSeconds(10)))
					.isEqualTo("200 Hello over https!");
			assertThat(call.echo("wss://localhost:" + s.port() + "/echo", "one", "two").collectList()
					.block(Duration.ofSeconds(10))).containsExactly("one", "two");
			// the JDK's trust store does not know the test CA: the call fails before any request is sent
			assertThatThrownBy(() -> new HttpsCall(null).get("https://localhost:" + s.port() + "/hello")
					.block(Duration.ofSeconds(10)))
					.hasMessageContaining("untrusted server certificate")
					.hasRootCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class);
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void proxiedCallGoesThroughTinyproxyMicrosocksAndDante() throws Exception {
		DisposableServer s = HttpsHello.start("127.0.0.1", 0, server.chain(), server.key());
		try (ProxyPeers http = ProxyPeers.tinyproxy(dir, "alice", "s3cret");
				ProxyPeers socks = ProxyPeers.microsocks(dir, null, null)) {
			String url = "https://localhost:" + s.port() + "/hello";
			// credentials in the URL, as in HTTPS_PROXY
			ProxiedCall viaHttp = new ProxiedCall("http://alice:s3cret@127.0.0.1:" + http.port(), null, pki.ca());
			assertThat(viaHttp.get(url).block(Duration.ofSeconds(10))).isEqualTo("200 Hello over https!");
			String established = "Established connection to host \"localhost\"";
			assertThat(http.awaitLog(established)).contains(established);
			ProxiedCall viaSocks = new ProxiedCall("socks5://127.0.0.1:" + socks.port(), null, pki.ca());
			assertThat(viaSocks.get(url).block(Duration.ofSeconds(10))).isEqualTo("200 Hello over https!");
			// without the password, tinyproxy refuses the tunnel
			assertThatThrownBy(() -> new ProxiedCall("http://127.0.0.1:" + http.port(), null, pki.ca()).get(url)
					.block(Duration.ofSeconds(10)))
					.hasRootCauseInstanceOf(ProxyConnectException.class)
					.hasMessageContaining("407");
			// a host the proxy is not asked for: a proxy that is not there does not matter
			ProxiedCall bypass = new ProxiedCall("http://127.0.0.1:9", "localhost", pki.ca());
			assertThat(bypass.get(url).block(Duration.ofSeconds(10))).isEqualTo("200 Hello over https!");
			assertThatThrownBy(() -> new ProxiedCall("ftp://proxy:21", null, null))
					.isInstanceOf(IllegalArgumentException.class);
			// last, as it skips where Dante is missing. Dante speaks SOCKS 4 without 4a:
			// socks4:// resolves the name here, socks4a:// sends it and is refused
			try (ProxyPeers dante = ProxyPeers.dante(dir)) {
				ProxiedCall viaSocks4 = new ProxiedCall("socks4://reports@127.0.0.1:" + dante.port(), null, pki.ca());
				assertThat(viaSocks4.get(url).block(Duration.ofSeconds(10))).isEqualTo("200 Hello over https!");
				assertThatThrownBy(() -> new ProxiedCall("socks4a://127.0.0.1:" + dante.port(), null, pki.ca()).get(url)
						.block(Duration.ofSeconds(10)))
						.hasRootCauseInstanceOf(ProxyConnectException.class)
						.hasMessageContaining("status: 91");
			}
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void mutualTlsEchoWithAndWithoutTheRightCertificate() throws Exception {
		TestPki.Issued client = pki.client("example client", TestPki.KeyType.EC_P256);
		TestPki stranger = TestPki.root(dir, "Stranger CA");
		TestPki.Issued foreign = stranger.client("stranger", TestPki.KeyType.EC_P256);
		DisposableServer s = MutualTlsEcho.server(server.chain(), server.key(), pki.ca());
		try {
			assertThat(MutualTlsEcho.call(s.port(), pki.ca(), client.cert(), client.key(), "hello, mTLS"))
					.isEqualTo("hello CN=example client\nhello, mTLS");
			assertThatThrownBy(() -> MutualTlsEcho.call(s.port(), pki.ca(), foreign.cert(), foreign.key(), "no"))
					.isInstanceOf(IllegalStateException.class).hasMessageContaining("did not accept the client certificate");
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}

	@Test
	void renewingHttpsServerServesTheReplacedFilesToNewConnectionsAndKeepsOpenOnes() throws Exception {
		TestPki newCa = TestPki.root(dir, "Renewal CA"); // the renewal comes from another CA
		TestPki.Issued renewed = newCa.server("renewed", TestPki.KeyType.EC_P256); // for localhost too
		Path live = Files.createDirectories(dir.resolve("renewing-live"));
		replace(server.chain(), live.resolve("fullchain.pem"));
		replace(server.key(), live.resolve("privkey.pem"));
		RenewingHttpsServer s = RenewingHttpsServer.start("127.0.0.1", 0, live.resolve("fullchain.pem"),
				live.resolve("privkey.pem"), Duration.ofMillis(20));
		SSLContext trustingBoth = trusting(pki.ca(), newCa.ca());
		try (SSLSocket before = (SSLSocket) trustingBoth.getSocketFactory().createSocket("localhost", s.port())) {
			before.setSoTimeout(10_000);
			RawHttp in = RawHttp.wrap(before);
			assertThat(hello(in)).isEqualTo("200 Hello over https!");
			assertThat(subject(before.getSession().getPeerCertificates()[0])).isEqualTo("CN=localhost");

			// the new certificate before its key: refused, the old certificate still served
			replace(renewed.chain(), live.resolve("fullchain.pem"));
			assertThat(s.renewals().blockFirst(Duration.ofSeconds(10)))
					.satisfies(r -> assertThat(r.renewed()).isFalse())
					.satisfies(r -> assertThat(r.message()).contains("does not belong to the first certificate"));
			assertThat(newConnection(trustingBoth, s.port())).isEqualTo("CN=localhost");

			// then its key: renewed
			replace(renewed.key(), live.resolve("privkey.pem"));
			assertThat(s.renewals().filter(RenewingHttpsServer.Renewal::renewed).blockFirst(Duration.ofSeconds(10)))
					.isEqualTo(new RenewingHttpsServer.Renewal(true, "CN=renewed"));
			assertThat(newConnection(trustingBoth, s.port())).isEqualTo("CN=renewed");

			// the connection opened before still works, with the certificate it started with
			assertThat(hello(in)).isEqualTo("200 Hello over https!");
			assertThat(subject(before.getSession().getPeerCertificates()[0])).isEqualTo("CN=localhost");
		}
		finally {
			s.disposeNow(Duration.ofSeconds(5));
		}
	}

	/** Replaces {@code target} at once, as certbot does: a copy beside it, renamed over it. */
	private static void replace(Path source, Path target) throws IOException {
		Path next = target.resolveSibling(target.getFileName() + ".next");
		Files.copy(source, next, StandardCopyOption.REPLACE_EXISTING);
		Files.move(next, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	/** A client SSLContext of the JDK that trusts these CA certificates. */
	private static SSLContext trusting(Path... caPems) throws Exception {
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		for (Path ca : caPems) {
			try (InputStream in = Files.newInputStream(ca)) {
				ks.setCertificateEntry(ca.toString(), CertificateFactory.getInstance("X.509").generateCertificate(in));
			}
		}
		TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		tmf.init(ks);
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, tmf.getTrustManagers(), null);
		return ctx;
	}

	private static String subject(java.security.cert.Certificate cert) {
		return ((X509Certificate) cert).getSubjectX500Principal().getName();
	}

	/** GET /hello with the JDK client on a new connection (a new client: its own pool): the subject it was served. */
	private static String newConnection(SSLContext trusting, int port) throws Exception {
		HttpResponse<String> r = HttpClient.newBuilder().sslContext(trusting).build().send(HttpRequest.newBuilder(
				URI.create("https://localhost:" + port + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("Hello over https!");
		return subject(r.sslSession().orElseThrow().getPeerCertificates()[0]);
	}

	/** GET /hello on a keep-alive connection: its status and body. */
	private static String hello(RawHttp c) throws IOException {
		RawHttp.Response r = c.write(RawHttp.get("/hello")).read();
		return r.status() + " " + r.bodyString();
	}
}
