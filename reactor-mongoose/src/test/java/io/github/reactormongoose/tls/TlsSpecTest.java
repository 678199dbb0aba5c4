/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/** What a spec accepts (every common key form, key stores) and what it refuses at configuration time. */
class TlsSpecTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Spec Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	private void servesWith(TlsSpec spec) throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = bind(HttpServer.create().secure(spec)
				.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("ok")))));
		Curl.Result r = Curl.run("--cacert", pki.ca().toString(), "https://localhost:" + s.port() + "/");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("ok");
	}

	private static Path openssl(String name, String... args) throws Exception {
		Path out = dir.resolve(name);
		List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
		cmd.addAll(List.of(args));
		cmd.addAll(List.of("-out", out.toString()));
		TestPki.run(cmd, dir);
		return out;
	}

	@Test
	void pkcs8Sec1AndStringInputs() throws Exception {
		servesWith(TlsSpec.forServer(localhost.chain(), localhost.key())); // openssl req writes PKCS#8
		Path sec1 = openssl("sec1.key", "ec", "-in", localhost.key().toString());
		assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
		servesWith(TlsSpec.forServer(localhost.chain(), sec1));
		Path withParams = dir.resolve("with-params.key"); // openssl ecparam -genkey style: EC PARAMETERS first
		Files.writeString(withParams, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
				+ Files.readString(sec1));
		servesWith(TlsSpec.forServer(localhost.chain(), withParams));
		servesWith(TlsSpec.forServer(Files.readString(localhost.chain()), Files.readString(localhost.key())));
	}

	@Test
	void pkcs12AndJksKeyStores() throws Exception {
		Path p12 = openssl("server.p12", "pkcs12", "-export", "-in", localhost.cert().toString(), "-inkey",
				localhost.key().toString(), "-name", "server", "-passout", "pass:secret");
		KeyStore ks = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(p12)) {
			ks.load(in, "secret".toCharArray());
		}
		servesWith(TlsSpec.forServer(ks, "server", "secret".toCharArray()));
		KeyStore jks = KeyStore.getInstance("JKS");
		jks.load(null, null);
		jks.setKeyEntry("server", ks.getKey("server", "secret".toCharArray()), "other".toCharArray(),
				ks.getCertificateChain("server"));
		servesWith(TlsSpec.forServer(jks, "server", "other".toCharArray()));
	}

	@Test
	void rsaKeysAreAcceptedInEveryFormAndSmallOnesRefused() throws Exception {
		TestPki.Issued rsa = pki.server("rsa", TestPki.KeyType.RSA_2048);
		TlsSpec.forServer(rsa.chain(), rsa.key());
		Path pkcs1 = openssl("rsa1.key", "rsa", "-traditional", "-in", rsa.key().toString());
		TlsSpec.forServer(rsa.chain(), pkcs1);
		TestPki.Issued small = pki.server("rsa-small", TestPki.KeyType.RSA_1024);
		assertThatThrownBy(() -> TlsSpec.forServer(small.chain(), small.key())).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("RSA key of 1024 bits");
	}

	@Test
	void p384KeysAreRefused() throws Exception {
		TestPki.Issued p384 = pki.server("p384", TestPki.KeyType.EC_P384);
		assertThatThrownBy(() -> TlsSpec.forServer(p384.chain(), p384.key()))
				.hasMessageContaining("secp384r1").hasMessageContaining("P-256");
		Path sec1 = openssl("p384-sec1.key", "ec", "-in", p384.key().toString());
		assertThatThrownBy(() -> TlsSpec.forServer(p384.chain(), sec1)).hasMessageContaining("P-256");
	}

	@Test
	void encryptedKeysAndMismatchedKeysAreRefused() throws Exception {
		Path enc = openssl("enc.key", "pkcs8", "-topk8", "-in", localhost.key().toString(), "-passout", "pass:x");
		assertThatThrownBy(() -> TlsSpec.forServer(localhost.chain(), enc)).hasMessageContaining("encrypted");
		TestPki.Issued other = pki.server("other", TestPki.KeyType.EC_P256);
		assertThatThrownBy(() -> TlsSpec.forServer(localhost.chain(), other.key()))
				.hasMessageContaining("does not belong to the first certificate");
		assertThatThrownBy(() -> TlsSpec.forServer(dir.resolve("missing.pem"), localhost.key()))
				.hasMessageContaining("cannot read");
		assertThatThrownBy(() -> TlsSpec.forServer("not pem", "not pem")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void clientAuthThatTheStackCannotDoIsRefused() throws Exception {
		TlsSpec server = TlsSpec.forServer(localhost.chain(), localhost.key());
		assertThatThrownBy(() -> HttpServer.create().secure(server.clientAuth(TlsSpec.ClientAuth.REQUIRE)))
				.hasMessageContaining("trustedCertificates");
		assertThatThrownBy(() -> HttpServer.create().secure(server.clientAuth(TlsSpec.ClientAuth.OPTIONAL)))
				.hasMessageContaining("clientAuth(OPTIONAL) needs trustedCertificates");
		TestPki other = TestPki.root(dir, "Second Root CA");
		Path two = Files.writeString(dir.resolve("two-cas.pem"), Files.readString(pki.ca()) + Files.readString(other.ca()));
		assertThatThrownBy(() -> server.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(two))
				.hasMessageContaining("exactly one CA");
		// a CA whose basicConstraints is not critical cannot be parsed by the stack
		Path loose = dir.resolve("loose-ca.pem");
		TestPki.run(List.of("openssl", "req", "-x509", "-new", "-key", localhost.key().toString(), "-out", loose.toString(),
				"-days", "2", "-subj", "/CN=Loose CA", "-addext", "basicConstraints=CA:true"), dir);
		assertThatThrownBy(() -> server.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(loose))
				.hasMessageContaining("not critical");
	}

	@Test
	void sideSpecificOptionsAreChecked() {
		TlsSpec server = TlsSpec.forServer(localhost.chain(), localhost.key());
		assertThatThrownBy(() -> server.serverName("x")).hasMessageContaining("client spec");
		assertThatThrownBy(() -> server.keyCertificate(localhost.cert(), localhost.key())).hasMessageContaining("client spec");
		assertThatThrownBy(() -> TlsSpec.forClient().clientAuth(TlsSpec.ClientAuth.REQUIRE)).hasMessageContaining("server spec");
		assertThatThrownBy(() -> HttpServer.create().secure(TlsSpec.forClient())).hasMessageContaining("server spec");
		assertThatThrownBy(() -> server.handshakeTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
		assertThat(server.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(TlsSpec.forClient().serverName("example.org").serverName()).isEqualTo("example.org");
		assertThat(server.toString()).contains("server").doesNotContain("PRIVATE");
	}
}
