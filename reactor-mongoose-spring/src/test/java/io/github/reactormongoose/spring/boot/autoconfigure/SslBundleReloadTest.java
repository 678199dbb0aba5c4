/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import reactor.core.publisher.Mono;

/**
 * {@code server.ssl.bundle} with {@code reload-on-update}: a certificate renewed on disk (as
 * certbot renews one) is served to new connections without a restart, while open connections
 * keep working, and Boot no longer warns that the bundle "may be in use by a technology that
 * doesn't support SSL reloading". Boot's own bundles and file watching
 * ({@link SslAutoConfiguration}), the factory set up as Boot's customizer sets it up.
 */
class SslBundleReloadTest {

	@TempDir
	Path dir;

	@Test
	void aCertificateRenewedOnDiskIsServedToNewConnections() throws Exception {
		TestPki pki = TestPki.root(this.dir, "Reload Root CA");
		TestPki.Issued first = pki.server("first", TestPki.KeyType.EC_P256);
		TestPki.Issued renewed = pki.server("renewed", TestPki.KeyType.EC_P256);
		SSLContext trusting = TestPki.trusting(pki.ca());
		Path live = Files.createDirectories(this.dir.resolve("live"));
		install(live, first);
		// Boot's registry logs through commons-logging, here java.util.logging
		List<String> warnings = new CopyOnWriteArrayList<>();
		Logger registry = Logger.getLogger("org.springframework.boot.ssl.DefaultSslBundleRegistry");
		Handler handler = new Handler() {
			@Override
			public void publish(LogRecord r) {
				warnings.add(r.getLevel() + " " + r.getMessage());
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		registry.addHandler(handler);
		try {
			// Boot's SSL bundles as the application gets them (file watching included), and the
			// server factory as Boot's customizer sets it up: server.ssl.bundle=web
			new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class))
				.withPropertyValues("spring.ssl.bundle.pem.web.keystore.certificate=" + live.resolve("fullchain.pem").toUri(),
						"spring.ssl.bundle.pem.web.keystore.private-key=" + live.resolve("privkey.pem").toUri(),
						"spring.ssl.bundle.pem.web.reload-on-update=true",
						"spring.ssl.bundle.watch.file.quiet-period=20ms")
				.run(context -> {
					MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
					factory.setAddress(InetAddress.getLoopbackAddress());
					factory.setLoops(2);
					Ssl ssl = new Ssl();
					ssl.setBundle("web");
					factory.setSsl(ssl);
					factory.setSslBundles(context.getBean(SslBundles.class));
					WebServer server = factory.getWebServer((request, response) -> {
						response.getHeaders().setContentLength(5);
						return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes(StandardCharsets.US_ASCII))));
					});
					server.start();
					try {
						renew(trusting, server.getPort(), live, first, renewed, warnings);
					}
					finally {
						server.stop();
					}
				});
		}
		finally {
			registry.removeHandler(handler);
		}
	}

	private static void renew(SSLContext trusting, int port, Path live, TestPki.Issued first, TestPki.Issued renewed,
			List<String> warnings) throws Exception {
		try (SSLSocket before = open(trusting, port)) {
			RawHttp in = RawHttp.wrap(before);
			assertThat(get(in)).isEqualTo("200 hello");
			assertThat(served(before)).isEqualTo(cert(first));

			install(live, renewed);
			X509Certificate now = cert(first);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (now.equals(cert(first)) && System.nanoTime() < deadline) {
				Thread.sleep(25); // Boot's file watcher, then its quiet period
				now = newConnection(trusting, port);
			}
			assertThat(warnings).noneMatch(w -> w.contains("doesn't support SSL reloading"));
			assertThat(now.getSubjectX500Principal().getName()).isEqualTo("CN=renewed");
			assertThat(now).isEqualTo(cert(renewed));
			for (int i = 0; i < 3; i++) { // every loop's listener has it
				assertThat(newConnection(trusting, port)).isEqualTo(cert(renewed));
			}
			// the connection opened before still works, with the certificate it started with
			assertThat(get(in)).isEqualTo("200 hello");
			assertThat(served(before)).isEqualTo(cert(first));
		}
	}

	/**
	 * An updated bundle the built-in stack cannot use (its key does not belong to its
	 * certificate) is logged with the reason, and the server keeps serving the certificate it had
	 * until an update it can use.
	 */
	@Test
	void anUpdateTheStackCannotUseKeepsThePreviousCertificate() throws Exception {
		TestPki pki = TestPki.root(this.dir, "Refusal Root CA");
		TestPki.Issued first = pki.server("first", TestPki.KeyType.EC_P256);
		TestPki.Issued renewed = pki.server("renewed", TestPki.KeyType.EC_P256);
		SSLContext trusting = TestPki.trusting(pki.ca());
		DefaultSslBundleRegistry bundles = new DefaultSslBundleRegistry("web", bundle(first.chain(), first.key()));
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(InetAddress.getLoopbackAddress());
		Ssl ssl = new Ssl();
		ssl.setBundle("web");
		factory.setSsl(ssl);
		factory.setSslBundles(bundles);
		List<String> errors = new CopyOnWriteArrayList<>();
		Logger log = Logger.getLogger(MongooseReactiveWebServerFactory.class.getName());
		Handler handler = new Handler() {
			@Override
			public void publish(LogRecord r) {
				errors.add(r.getLevel() + " " + r.getMessage());
			}

			@Override
			public void flush() {
			}

			@Override
			public void close() {
			}
		};
		WebServer server = factory.getWebServer((request, response) -> {
			response.getHeaders().setContentLength(5);
			return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes(StandardCharsets.US_ASCII))));
		});
		server.start();
		log.addHandler(handler);
		try {
			bundles.updateBundle("web", bundle(first.chain(), renewed.key())); // Boot calls the handlers at once
			assertThat(errors).anyMatch(e -> e.startsWith("SEVERE SSL bundle 'web' has been updated but cannot be used")
					&& e.contains("does not belong to the first certificate"));
			assertThat(newConnection(trusting, server.getPort())).isEqualTo(cert(first));

			bundles.updateBundle("web", bundle(renewed.chain(), renewed.key()));
			assertThat(newConnection(trusting, server.getPort())).isEqualTo(cert(renewed));
		}
		finally {
			log.removeHandler(handler);
			server.stop();
		}
	}

	private static SslBundle bundle(Path chain, Path key) {
		return SslBundle.of(new PemSslStoreBundle(PemSslStoreDetails.forCertificate(chain.toUri().toString())
				.withPrivateKey(key.toUri().toString()), null));
	}

	/** The files of the bundle, replaced in place as certbot's renewal replaces them. */
	private static void install(Path live, TestPki.Issued issued) throws IOException {
		Files.copy(issued.key(), live.resolve("privkey.pem"), StandardCopyOption.REPLACE_EXISTING);
		Files.copy(issued.chain(), live.resolve("fullchain.pem"), StandardCopyOption.REPLACE_EXISTING);
	}

	private static X509Certificate cert(TestPki.Issued issued) throws Exception {
		try (var in = Files.newInputStream(issued.cert())) {
			return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
		}
	}

	private static SSLSocket open(SSLContext trusting, int port) throws IOException {
		SSLSocket s = (SSLSocket) trusting.getSocketFactory().createSocket("localhost", port);
		s.setSoTimeout(10_000);
		s.startHandshake();
		return s;
	}


	private static X509Certificate served(SSLSocket s) throws IOException {
		return (X509Certificate) s.getSession().getPeerCertificates()[0];
	}

	/** The certificate a new connection is served, after one request on it. */
	private static X509Certificate newConnection(SSLContext trusting, int port) throws IOException {
		try (SSLSocket s = open(trusting, port)) {
			assertThat(get(RawHttp.wrap(s))).isEqualTo("200 hello");
			return served(s);
		}
	}

	/** One GET /hello on a keep-alive connection: its status and body ("200 hello"). */
	private static String get(RawHttp c) throws IOException {
		RawHttp.Response r = c.write(RawHttp.get("/hello")).read();
		return r.status() + " " + r.bodyString();
	}
}
