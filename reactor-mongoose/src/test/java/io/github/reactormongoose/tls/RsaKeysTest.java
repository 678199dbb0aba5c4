/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Random;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.tls.KeyForms;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.Nginx;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * RSA keys sign the TLS 1.3 handshake (RSASSA-PSS with SHA-256, {@code rsa_pss_rsae_sha256}):
 * servers with RSA certificates of 2,048, 3,072 and 4,096 bits, verified by the JDK, OpenSSL
 * (curl) and nginx; client certificates with RSA keys, verified by nginx and by our server.
 * Mongoose's signer refused every RSA key before hook 17 of native/hook-mongoose.sh; every
 * handshake signs with a fresh random salt, so each test makes many.
 */
class RsaKeysTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;

	@BeforeAll
	static void ca() throws Exception {
		if (System.getenv("MG_DEBUG") != null) {
			io.github.reactormongoose.internal.jni.NativeConstants.logLevel(4);
		}
		pki = TestPki.root(dir, "RSA Test Root CA", TestPki.KeyType.RSA_2048);
	}

	private DisposableServer hello(TlsSpec spec) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).secure(spec)
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("Hello over RSA")))
						.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))));
	}

	/** One new JDK TLS connection: handshake, GET /hello, the whole answer (the server closes). */
	private static String jdkGet(SSLContext ctx, int port) throws Exception {
		try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
			s.setSoTimeout(10_000);
			s.setEnabledProtocols(new String[] {"TLSv1.3"});
			OutputStream out = s.getOutputStream();
			out.write("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
			out.flush();
			InputStream in = s.getInputStream();
			ByteArrayOutputStream got = new ByteArrayOutputStream();
			in.transferTo(got);
			return s.getSession().getPeerCertificates()[0].getPublicKey().getAlgorithm() + " "
					+ got.toString(ISO_8859_1);
		}
	}

	@Test
	void serversSignWithRsaKeysOf2048To4096Bits() throws Exception {
		SSLContext jdk = TestPki.trusting(pki.ca());
		for (TestPki.KeyType type : List.of(TestPki.KeyType.RSA_2048, TestPki.KeyType.RSA_3072, TestPki.KeyType.RSA_4096)) {
			TestPki.Issued rsa = pki.server("jdk-" + type, type);
			DisposableServer s = hello(TlsSpec.forServer(rsa.chain(), rsa.key()));
			for (int i = 0; i < 12; i++) { // each a new handshake, a new signature
				assertThat(jdkGet(jdk, s.port())).as(type + " handshake " + i)
					.startsWith("RSA HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nHello over RSA");
			}
			s.disposeNow();
		}
	}

	@Test
	void curlVerifiesTheSignatureToo() throws Exception {
		Curl.assumeInstalled(); // OpenSSL's check of RSASSA-PSS
		for (TestPki.KeyType type : List.of(TestPki.KeyType.RSA_2048, TestPki.KeyType.RSA_4096)) {
			TestPki.Issued rsa = pki.server("curl-" + type, type);
			DisposableServer s = hello(TlsSpec.forServer(rsa.chain(), rsa.key()));
			String url = "https://localhost:" + s.port() + "/hello";
			// two transfers on one connection, then a new connection (a second handshake)
			Curl.Result r = Curl.run("-s", "--tlsv1.3", "--cacert", pki.ca().toString(), url, url, "--next", "-s",
					"--tlsv1.3", "--cacert", pki.ca().toString(), "--no-keepalive", "-H", "Connection: close", url);
			assertThat(r.exitCode()).as(r.stderr()).isZero();
			assertThat(r.stdout()).isEqualTo("Hello over RSA".repeat(3));
			s.disposeNow();
		}
	}

	@Test
	void everyRsaKeyFormServes() throws Exception {
		TestPki.Issued rsa = pki.server("forms", TestPki.KeyType.RSA_2048);
		// PKCS#1 ("RSA PRIVATE KEY", what older openssl and many tools write) and a PKCS#12 key store
		Path pkcs1 = dir.resolve("pkcs1.key");
		TestPki.run(List.of("openssl", "rsa", "-traditional", "-in", rsa.key().toString(), "-out", pkcs1.toString()), dir);
		assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
		KeyStore p12 = KeyStore.getInstance("PKCS12");
		p12.load(null, null);
		List<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
			.generateCertificates(Files.newInputStream(rsa.chain())).stream().toList();
		p12.setKeyEntry("server", KeyForms.read(Files.readAllBytes(rsa.key()), "key"), "pw".toCharArray(),
				chain.toArray(new Certificate[0]));
		SSLContext jdk = TestPki.trusting(pki.ca());
		for (TlsSpec spec : List.of(TlsSpec.forServer(rsa.chain(), pkcs1), TlsSpec.forServer(p12, "server", "pw".toCharArray()))) {
			DisposableServer s = hello(spec);
			assertThat(jdkGet(jdk, s.port())).endsWith("Hello over RSA");
			s.disposeNow();
		}
	}

	@Test
	void primesInEitherOrderSign() throws Exception {
		// openssl and the JDK write p > q; a key with p < q (qInv = q^-1 mod p recomputed) signs too
		TestPki.Issued rsa = pki.server("swapped", TestPki.KeyType.RSA_2048);
		java.security.interfaces.RSAPrivateCrtKey k = (java.security.interfaces.RSAPrivateCrtKey) KeyForms
			.read(Files.readAllBytes(rsa.key()), "key");
		assertThat(k.getPrimeP()).isGreaterThan(k.getPrimeQ());
		java.math.BigInteger p = k.getPrimeQ(), q = k.getPrimeP();
		java.security.PrivateKey swapped = java.security.KeyFactory.getInstance("RSA")
			.generatePrivate(new java.security.spec.RSAPrivateCrtKeySpec(k.getModulus(), k.getPublicExponent(),
					k.getPrivateExponent(), p, q, k.getPrivateExponent().mod(p.subtract(java.math.BigInteger.ONE)),
					k.getPrivateExponent().mod(q.subtract(java.math.BigInteger.ONE)), q.modInverse(p)));
		KeyStore p12 = KeyStore.getInstance("PKCS12");
		p12.load(null, null);
		p12.setKeyEntry("server", swapped, "pw".toCharArray(), CertificateFactory.getInstance("X.509")
			.generateCertificates(Files.newInputStream(rsa.chain())).toArray(new Certificate[0]));
		DisposableServer s = hello(TlsSpec.forServer(p12, "server", "pw".toCharArray()));
		SSLContext jdk = TestPki.trusting(pki.ca());
		for (int i = 0; i < 8; i++) {
			assertThat(jdkGet(jdk, s.port())).endsWith("Hello over RSA");
		}
	}

	@Test
	void ourClientSignsWithAnRsaClientCertificate() throws Exception {
		TestPki.Issued server = pki.server("mtls-server", TestPki.KeyType.RSA_2048);
		TestPki.Issued device = pki.client("rsa-device", TestPki.KeyType.RSA_3072);
		TlsSpec trusting = TlsSpec.forClient().trustedCertificates(pki.ca());
		TlsSpec withCertificate = trusting.keyCertificate(device.cert(), device.key());
		// our server asks for and verifies it (the JDK checks the chain, Mongoose the signature)
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0)
				.secure(TlsSpec.forServer(server.chain(), server.key()).trustedCertificates(pki.ca())
					.clientAuth(TlsSpec.ClientAuth.REQUIRE))
				.route(r -> r.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))));
		byte[] body = new byte[200_000];
		new Random(17).nextBytes(body);
		for (int i = 0; i < 5; i++) {
			HttpClient c = HttpClient.create().runOn(newLoop()).secure(withCertificate); // a new connection each
			assertThat(c.post().uri("https://localhost:" + s.port() + "/echo").send(Mono.just(ByteBuffer.wrap(body)))
				.responseSingle((res, b) -> b).block(TIMEOUT)).isEqualTo(body);
		}
		// nginx (OpenSSL) checks the signature of the client's CertificateVerify
		Nginx.assumeInstalled("RsaKeysTest.nginx");
		Path d = Files.createTempDirectory(dir, "nginx");
		int port = Nginx.freePort();
		try (Nginx n = Nginx.start(d, List.of("  ssl_certificate " + server.chain() + ";",
				"  ssl_certificate_key " + server.key() + ";", "  ssl_protocols TLSv1.3;",
				"  server {", "    listen 127.0.0.1:" + port + " ssl;",
				"    ssl_verify_client on;", "    ssl_client_certificate " + pki.ca() + ";",
				"    location = /who { return 200 \"$ssl_client_verify $ssl_client_s_dn $ssl_protocol\"; }",
				"  }"), port)) {
			HttpClient c = HttpClient.create().runOn(newLoop()).secure(withCertificate);
			for (int i = 0; i < 3; i++) {
				assertThat(c.get().uri("https://localhost:" + port + "/who").responseSingle((res, b) -> b
					.map(t -> res.status() + " " + new String(t, ISO_8859_1))).block(TIMEOUT)).isEqualTo("200 SUCCESS CN=rsa-device TLSv1.3");
			}
		}
	}

	@Test
	void rsaKeysTheStackCannotSignWithAreRefusedWithTheReason() throws Exception {
		TestPki.Issued small = pki.server("small", TestPki.KeyType.RSA_1024);
		assertThatThrownBy(() -> TlsSpec.forServer(small.chain(), small.key())).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("RSA key of 1024 bits").hasMessageContaining("2048 to 4096 bits");
		assertThatThrownBy(() -> TlsSpec.forClient().keyCertificate(small.cert(), small.key()))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSA key of 1024 bits");
		// a key without its CRT parameters (only the modulus and the private exponent)
		TestPki.Issued rsa = pki.server("bare", TestPki.KeyType.RSA_2048);
		java.security.interfaces.RSAPrivateCrtKey crt = (java.security.interfaces.RSAPrivateCrtKey) KeyForms
			.read(Files.readAllBytes(rsa.key()), "key");
		java.security.PrivateKey bare = java.security.KeyFactory.getInstance("RSA")
			.generatePrivate(new java.security.spec.RSAPrivateKeySpec(crt.getModulus(), crt.getPrivateExponent()));
		assertThatThrownBy(() -> KeyForms.checkSupported(bare, "server private key"))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without its CRT parameters");
		// what the stack is given for an RSA key: PKCS#8
		assertThat(new String(KeyForms.toMongoosePem(crt), ISO_8859_1)).startsWith("-----BEGIN PRIVATE KEY-----\n");
	}
}
