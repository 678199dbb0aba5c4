/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * {@code DisposableServer.updateTls}: a running server's certificate renewed, as certbot renews
 * one on disk. New connections get the new material on every loop, open ones keep theirs, and
 * material the stack cannot use is refused while the old one stays in use.
 */
class TlsUpdateTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued first;
	static TestPki.Issued renewed;
	static SSLContext trusting;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Update Root CA");
		first = pki.server("first", TestPki.KeyType.EC_P256);
		renewed = pki.server("renewed", TestPki.KeyType.EC_P256);
		trusting = TestPki.trusting(pki.ca());
	}

	/** The files a spec reads, which the test replaces as certbot does. */
	private static TlsSpec live(Path d, TestPki.Issued issued) throws IOException {
		Files.createDirectories(d);
		install(d, issued);
		return TlsSpec.forServer(d.resolve("fullchain.pem"), d.resolve("privkey.pem"));
	}

	private static void install(Path d, TestPki.Issued issued) throws IOException {
		Files.copy(issued.chain(), d.resolve("fullchain.pem"), StandardCopyOption.REPLACE_EXISTING);
		Files.copy(issued.key(), d.resolve("privkey.pem"), StandardCopyOption.REPLACE_EXISTING);
	}

	private DisposableServer hello(TlsSpec spec) {
		return bind(HttpServer.create().loops(2).secure(spec)
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
	}

	private static X509Certificate cert(TestPki.Issued issued) throws Exception {
		try (var in = Files.newInputStream(issued.cert())) {
			return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

	/** A new TLS connection (keep-alive) to the server, its handshake done. */
	private static SSLSocket open(DisposableServer server) throws IOException {
		SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", server.port());
		s.setSoTimeout((int) TIMEOUT.toMillis());
		s.startHandshake();
		return s;
	}

	private static X509Certificate served(SSLSocket s) throws IOException {
		return (X509Certificate) s.getSession().getPeerCertificates()[0];
	}

	/** One GET /hello on the keep-alive connection: its status and body ("200 hello"). */
	private static String get(RawHttp c) throws IOException {
		RawHttp.Response r = c.write(RawHttp.get("/hello")).read();
		return r.status() + " " + r.bodyString();
	}

	/** The certificate a new connection is served, after one request on it. */
	private static X509Certificate newConnection(DisposableServer server) throws IOException {
		try (SSLSocket s = open(server)) {
			assertThat(get(RawHttp.wrap(s))).isEqualTo("200 hello");
			return served(s);
		}
	}

	@Test
	void newConnectionsGetTheRenewedCertificateOnEveryLoopAndOpenOnesKeepTheirs() throws Exception {
		Path live = dir.resolve("live-http");
		TlsSpec spec = live(live, first);
		DisposableServer server = hello(spec);
		try (SSLSocket before = open(server)) {
			RawHttp in = RawHttp.wrap(before);
			assertThat(get(in)).isEqualTo("200 hello");
			assertThat(served(before)).isEqualTo(cert(first));

			install(live, renewed); // certbot's renewal: the same paths, new files
			server.updateTls(spec).block(TIMEOUT); // the files are read again
			// the kernel spreads connections over both loops' listeners: each must serve the new one
			for (int i = 0; i < 6; i++) {
				X509Certificate now = newConnection(server);
				assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=renewed");
				assertThat(now.getSerialNumber()).isEqualTo(cert(renewed).getSerialNumber());
			}
			// the connection opened before still works, with what it started with
			assertThat(get(in)).isEqualTo("200 hello");
			assertThat(served(before)).isEqualTo(cert(first));
		}
	}

	@Test
	void materialTheStackCannotUseIsRefusedAndTheOldOneStaysInUse() throws Exception {
		Path live = dir.resolve("live-bad");
		TlsSpec spec = live(live, first);
		DisposableServer server = hello(spec);

		// a key that does not belong to the certificate (the new key, the old certificate)
		Files.copy(renewed.key(), live.resolve("privkey.pem"), StandardCopyOption.REPLACE_EXISTING);
		assertThatThrownBy(() -> server.updateTls(spec)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("does not belong to the first certificate");
		assertThat(newConnection(server)).isEqualTo(cert(first));

		// a key file that is no key
		Files.writeString(live.resolve("privkey.pem"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
		assertThatThrownBy(() -> server.updateTls(spec)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("private key");
		assertThat(newConnection(server)).isEqualTo(cert(first));

		// a client spec
		assertThatThrownBy(() -> server.updateTls(TlsSpec.forClient())).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("server spec");
		assertThat(newConnection(server)).isEqualTo(cert(first));

		// a plain server has nothing to update
		DisposableServer plain = bind(HttpServer.create().route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		assertThatThrownBy(() -> plain.updateTls(TlsSpec.forServer(first.chain(), first.key())))
				.isInstanceOf(IllegalStateException.class).hasMessageContaining("not secure");
	}

	@Test
	void aTcpServerTooAndTheClientCaWithIt() throws Exception {
		TestPki other = TestPki.root(dir, "Other Client CA");
		TestPki.Issued alice = pki.client("alice", TestPki.KeyType.EC_P256);
		TestPki.Issued bob = other.client("bob", TestPki.KeyType.EC_P256);
		DisposableServer server = track(TcpServer.create().loops(2)
				.secure(TlsSpec.forServer(first.chain(), first.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
						.trustedCertificates(pki.ca()))
				.handle((in, out) -> out.send(in.receive())).bindNow(TIMEOUT));
		try (SSLSocket before = echoClient(server, alice)) {
			assertThat(echo(before, "one")).isEqualTo("one");
			assertThat(served(before)).isEqualTo(cert(first));

			server.updateTls(TlsSpec.forServer(renewed.chain(), renewed.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
					.trustedCertificates(other.ca())).block(TIMEOUT);
			for (int i = 0; i < 2; i++) {
				try (SSLSocket s = echoClient(server, bob)) { // the new CA's client
					assertThat(echo(s, "two")).isEqualTo("two");
					assertThat(served(s)).isEqualTo(cert(renewed));
				}
				try (SSLSocket s = echoClient(server, alice)) { // the old CA's, refused now
					String got;
					try {
						got = echo(s, "three");
					}
					catch (IOException e) {
						got = "refused: " + e;
					}
					assertThat(got).isNotEqualTo("three");
				}
			}
			assertThat(echo(before, "four")).isEqualTo("four");
		}
	}

	private static SSLSocket echoClient(DisposableServer server, TestPki.Issued client) throws Exception {
		SSLSocket s = (SSLSocket) TestPki.presenting(client, pki.ca()).getSocketFactory()
				.createSocket("localhost", server.port());
		s.setSoTimeout((int) TIMEOUT.toMillis());
		return s;
	}

	private static String echo(SSLSocket s, String text) throws IOException {
		s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
		s.getOutputStream().flush();
		byte[] b = s.getInputStream().readNBytes(text.length());
		return new String(b, StandardCharsets.US_ASCII);
	}

	@Test
	void updatesLeaveNoNativeMemoryBehind() throws Exception {
		DisposableServer server = hello(TlsSpec.forServer(first.chain(), first.key()));
		TlsSpec a = TlsSpec.forServer(first.chain(), first.key());
		TlsSpec b = TlsSpec.forServer(renewed.chain(), renewed.key());
		// nothing else allocates meanwhile: the server is idle
		long glue = NativeConstants.liveAllocations();
		long bytes = NativeConstants.liveBytes();
		for (int i = 0; i < 50; i++) {
			server.updateTls(i % 2 == 0 ? b : a).block(TIMEOUT);
		}
		// every old context was released, the last one is held by both listeners
		assertThat(NativeConstants.liveAllocations()).isEqualTo(glue);
		assertThat(NativeConstants.liveBytes()).isEqualTo(bytes);
		assertThat(newConnection(server)).isEqualTo(cert(first));
	}
}
