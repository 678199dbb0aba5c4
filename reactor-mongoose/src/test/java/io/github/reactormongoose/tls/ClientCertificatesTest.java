/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.stream.Collectors;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * {@code HttpServerRequest.peerCertificates()}: the chain a client authenticated with on a
 * server with {@code clientAuth(REQUIRE)}, as the JDK's client, curl and our own client send
 * it (leaf and intermediate, EC and RSA keys), and nothing where no certificate was asked for.
 */
class ClientCertificatesTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki root;
	static TestPki issuing;
	static TestPki.Issued server;

	@BeforeAll
	static void pki() throws Exception {
		root = TestPki.root(dir, "Client Cert Root CA");
		issuing = root.intermediate("Devices Issuing CA");
		server = root.server("localhost", TestPki.KeyType.EC_P256);
	}

	/** The subjects of the request's peer certificates, "|"-separated, and the scheme. */
	private static String who(HttpServerRequest req) {
		return req.scheme() + " " + req.peerCertificates().stream()
			.map(X509Certificate::getSubjectX500Principal)
			.map(Object::toString)
			.collect(Collectors.joining("|"));
	}

	private DisposableServer server(TlsSpec spec) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).secure(spec)
			.route(r -> r.get("/who", (req, res) -> res.sendString(Mono.just(who(req))))));
	}

	private TlsSpec requiring() {
		return TlsSpec.forServer(server.chain(), server.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
			.trustedCertificates(root.ca());
	}

	@Test
	void theJdkClientsChainWithItsIntermediate() throws Exception {
		TestPki.Issued device = issuing.client("device-7", TestPki.KeyType.EC_P256);
		DisposableServer s = server(requiring());
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
			.sslContext(TestPki.presenting(device, root.ca())).build();
		for (int i = 0; i < 2; i++) { // the second on the same connection
			HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + s.port() + "/who"))
				.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("https CN=device-7|CN=Devices Issuing CA");
		}
	}

	@Test
	void curlsCertificateAndOurClientsRsaCertificate() throws Exception {
		DisposableServer s = server(requiring());
		String url = "https://localhost:" + s.port() + "/who";
		TestPki.Issued rsa = root.client("rsa-device", TestPki.KeyType.RSA_2048);
		HttpClient ours = HttpClient.create().runOn(newLoop())
			.secure(TlsSpec.forClient().trustedCertificates(root.ca()).keyCertificate(rsa.cert(), rsa.key()));
		assertThat(ours.get().uri(url).responseSingle((res, b) -> b.map(x -> new String(x, java.nio.charset.StandardCharsets.UTF_8)))
			.block(TIMEOUT)).isEqualTo("https CN=rsa-device");
		Curl.assumeInstalled();
		TestPki.Issued device = root.client("curl-device", TestPki.KeyType.EC_P256);
		Curl.Result r = Curl.run("-s", "--cacert", root.ca().toString(), "--cert", device.cert().toString(), "--key",
				device.key().toString(), url);
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		// as sent: OpenSSL completes the chain from its trust store, so the root CA comes along
		assertThat(r.stdout()).isEqualTo("https CN=curl-device|CN=Client Cert Root CA");
	}

	@Test
	void optionalServesClientsWithAndWithoutACertificateAndRefusesABadOne() throws Exception {
		DisposableServer s = server(TlsSpec.forServer(server.chain(), server.key()).clientAuth(TlsSpec.ClientAuth.OPTIONAL)
			.trustedCertificates(root.ca()));
		URI who = URI.create("https://localhost:" + s.port() + "/who");
		// without a certificate: served, none to show (JDK, curl, our client)
		java.net.http.HttpClient anonymous = java.net.http.HttpClient.newBuilder().sslContext(TestPki.trusting(root.ca()))
			.build();
		for (int i = 0; i < 3; i++) {
			assertThat(anonymous.send(HttpRequest.newBuilder(who).build(), HttpResponse.BodyHandlers.ofString()).body())
				.isEqualTo("https ");
		}
		HttpClient ours = HttpClient.create().runOn(newLoop()).secure(TlsSpec.forClient().trustedCertificates(root.ca()));
		assertThat(ours.get().uri(who.toString()).responseSingle((res, b) -> b.map(x -> new String(x,
				java.nio.charset.StandardCharsets.UTF_8))).block(TIMEOUT)).isEqualTo("https ");
		// with one from the CA: named
		TestPki.Issued device = issuing.client("device-9", TestPki.KeyType.EC_P256);
		java.net.http.HttpClient named = java.net.http.HttpClient.newBuilder()
			.sslContext(TestPki.presenting(device, root.ca())).build();
		assertThat(named.send(HttpRequest.newBuilder(who).build(), HttpResponse.BodyHandlers.ofString()).body())
			.isEqualTo("https CN=device-9|CN=Devices Issuing CA");
		// with one from another CA: refused in the handshake, as with REQUIRE
		TestPki other = TestPki.root(dir, "Other Root CA");
		java.net.http.HttpClient stranger = java.net.http.HttpClient.newBuilder()
			.sslContext(TestPki.presenting(other.client("mallory", TestPki.KeyType.EC_P256), root.ca())).build();
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> stranger.send(HttpRequest.newBuilder(who).build(),
				HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
		Curl.assumeInstalled();
		Curl.Result r = Curl.run("-s", "--cacert", root.ca().toString(), who.toString());
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("https ");
	}

	@Test
	void noCertificatesWhereNoneWasAskedFor() throws Exception {
		DisposableServer tls = server(TlsSpec.forServer(server.chain(), server.key()));
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
			.sslContext(TestPki.presenting(root.client("unasked", TestPki.KeyType.EC_P256), root.ca())).build();
		assertThat(jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + tls.port() + "/who")).build(),
				HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("https ");
		DisposableServer plain = bind(HttpServer.create().host("127.0.0.1").port(0)
			.route(r -> r.get("/who", (req, res) -> res.sendString(Mono.just(who(req))))));
		assertThat(java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
				URI.create("http://127.0.0.1:" + plain.port() + "/who")).build(), HttpResponse.BodyHandlers.ofString()).body())
			.isEqualTo("http ");
	}
}
