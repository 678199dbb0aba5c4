/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.tls.TlsFailures;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.TestPki;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.publisher.Mono;

/**
 * A server with client authentication checks the client's chain with the JDK's PKIX trust
 * manager of its one CA, as the JDK's {@code HttpsServer} with {@code needClientAuth} and
 * {@code openssl verify -purpose sslclient} do; the built-in stack checks only the CA flags,
 * signatures and dates, and served chains that break RFC 5280: a chain longer than an
 * intermediate's pathLenConstraint (6.1.4), a client certificate with an unknown critical
 * extension (4.2) or one whose keyUsage leaves out digitalSignature (4.2.1.3). Each is refused
 * in the handshake, before any request or handler, by {@code HttpServer} and {@code TcpServer};
 * a good chain through an intermediate is served.
 */
class ClientChainPkixTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki root;
	static TestPki.Issued server;
	static TestPki.Issued good;
	static TestPki.Issued tooDeep;
	static TestPki.Issued criticalExtension;
	static TestPki.Issued noDigitalSignature;

	@BeforeAll
	static void pki() throws Exception {
		root = TestPki.root(dir, "Pkix Root CA");
		server = root.server("localhost", TestPki.KeyType.EC_P256);
		good = root.intermediate("Pkix Issuing CA").client("pkix-device", TestPki.KeyType.EC_P256);
		// pathlen:0: this CA may issue end-entity certificates only, not another CA
		TestPki pathLen0 = root.intermediate("PathLen0 CA",
				"basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
		tooDeep = pathLen0.intermediate("Below PathLen0 CA").client("too-deep", TestPki.KeyType.EC_P256);
		criticalExtension = root.client("critical-extension", "basicConstraints=critical,CA:false\n"
				+ "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
				+ "1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:unknown\n");
		noDigitalSignature = root.client("no-digital-signature", "basicConstraints=critical,CA:false\n"
				+ "keyUsage=critical,keyAgreement\nextendedKeyUsage=clientAuth\n");
	}

	enum Bad {
		PATH_LEN_EXCEEDED, UNKNOWN_CRITICAL_EXTENSION, NO_DIGITAL_SIGNATURE;

		TestPki.Issued issued() {
			return switch (this) {
				case PATH_LEN_EXCEEDED -> tooDeep;
				case UNKNOWN_CRITICAL_EXTENSION -> criticalExtension;
				case NO_DIGITAL_SIGNATURE -> noDigitalSignature;
			};
		}

		/** The server's log line of the refusal. */
		String refusal() {
			String cn = issued().cert().getFileName().toString().replace(".pem", "");
			return "untrusted client certificate (CN=" + cn + ")";
		}
	}

	private static String subjects(List<X509Certificate> chain) {
		return chain.stream().map(c -> c.getSubjectX500Principal().toString()).collect(Collectors.joining("|"));
	}

	private TlsSpec spec(TlsSpec.ClientAuth auth) {
		return TlsSpec.forServer(server.chain(), server.key()).clientAuth(auth).trustedCertificates(root.ca());
	}

	private DisposableServer http(TlsSpec spec, AtomicInteger requests) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).secure(spec)
			.route(r -> r.get("/who", (req, res) -> {
				requests.incrementAndGet();
				return res.sendString(Mono.just(subjects(req.peerCertificates())));
			})));
	}

	/** A GET of /who by the JDK's client, presenting {@code presenting}'s chain unless null. */
	private static HttpResponse<String> who(DisposableServer s, TestPki.@Nullable Issued presenting) throws Exception {
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newBuilder()
			.sslContext(presenting != null ? TestPki.presenting(presenting, root.ca()) : TestPki.trusting(root.ca()))
			.build();
		return jdk.send(HttpRequest.newBuilder(URI.create("https://localhost:" + s.port() + "/who")).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@ParameterizedTest
	@EnumSource(value = TlsSpec.ClientAuth.class, names = { "REQUIRE", "OPTIONAL" })
	void httpServerRefusesChainsThatBreakRfc5280AndServesAGoodOne(TlsSpec.ClientAuth auth) throws Exception {
		AtomicInteger requests = new AtomicInteger();
		DisposableServer s = http(spec(auth), requests);
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			for (Bad bad : Bad.values()) {
				assertThatThrownBy(() -> who(s, bad.issued())).as(bad.name()).isInstanceOf(IOException.class);
				HttpsServerTest.awaitLine(log, bad.refusal());
			}
		}
		assertThat(requests).hasValue(0);
		assertThat(who(s, good).body()).isEqualTo("CN=pkix-device|CN=Pkix Issuing CA");
		if (auth == TlsSpec.ClientAuth.OPTIONAL) {
			assertThat(who(s, null).body()).isEmpty(); // no certificate is still fine
		}
		assertThat(requests).hasValue(auth == TlsSpec.ClientAuth.OPTIONAL ? 2 : 1);
	}

	@Test
	void tcpServerRefusesChainsThatBreakRfc5280AndServesAGoodOne() throws Exception {
		AtomicInteger handlers = new AtomicInteger();
		DisposableServer s = track(TcpServer.create().host("127.0.0.1").port(0).secure(spec(TlsSpec.ClientAuth.REQUIRE))
				.handle((in, out) -> {
					handlers.incrementAndGet();
					return out.sendString(Mono.just("hello " + subjects(in.connection().peerCertificates()) + "\n"))
							.then(out.send(in.receive()));
				})
				.bindNow(TIMEOUT));
		try (LogCapture log = LogCapture.of(TlsFailures.LOGGER)) {
			for (Bad bad : Bad.values()) {
				try (SSLSocket socket = (SSLSocket) TestPki.presenting(bad.issued(), root.ca()).getSocketFactory()
						.createSocket("localhost", s.port())) {
					// TLS 1.3: the client's handshake ends before the server has read its chain;
					// the server then closes without a word
					String line;
					try {
						line = firstLine(socket);
					}
					catch (IOException e) {
						line = null;
					}
					assertThat(line).as(bad.name()).isNull();
				}
				HttpsServerTest.awaitLine(log, bad.refusal());
			}
		}
		assertThat(handlers).hasValue(0);
		try (SSLSocket socket = (SSLSocket) TestPki.presenting(good, root.ca()).getSocketFactory()
				.createSocket("localhost", s.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello CN=pkix-device|CN=Pkix Issuing CA");
		}
		assertThat(handlers).hasValue(1);
	}

	private static String firstLine(SSLSocket socket) throws IOException {
		socket.setSoTimeout(10_000);
		return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
	}
}
