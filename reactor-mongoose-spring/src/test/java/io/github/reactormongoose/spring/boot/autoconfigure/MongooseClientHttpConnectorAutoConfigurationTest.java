/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.http.client.FilteredAddressException;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.github.reactormongoose.spring.boot.MongooseClientHttpConnectorBuilder;
import io.github.reactormongoose.spring.http.client.MongooseClientHttpConnector;
import io.github.reactormongoose.testing.ProxyPeers;
import io.github.reactormongoose.testing.TestPki;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpCookieHandling;
import org.springframework.boot.http.client.InetAddressFilter;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.JdkClientHttpConnectorBuilder;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/**
 * The WebClient auto-configuration: Boot's {@code WebClient.Builder} runs on reactor-mongoose,
 * with Boot's {@code spring.http.clients.*} settings, against Reactor Netty servers on 127.0.0.1
 * (plain and TLS).
 */
class MongooseClientHttpConnectorAutoConfigurationTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static DisposableServer server;

	private static DisposableServer tlsServer;

	private static Path ca;

	/**
	 * The servers' own event loops: Boot's ReactorResourceFactory (in every context here, since
	 * Reactor Netty is on the class path) disposes Reactor Netty's global ones when a context closes.
	 */
	private static final LoopResources loops = LoopResources.create("test-server", 1, true);

	/** The remote ports of the connections the plain server accepted. */
	private static final Set<Integer> connections = ConcurrentHashMap.newKeySet();

	/** The configurations, with every class of this module's test class path. */
	private final ApplicationContextRunner withReactorNetty = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MongooseClientHttpConnectorAutoConfiguration.class,
				SslAutoConfiguration.class, HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
				WebClientAutoConfiguration.class));

	/**
	 * As in the usual reactor-mongoose application, which excludes Reactor Netty: its client is
	 * hidden from the context (the test servers still use it).
	 */
	private final ApplicationContextRunner runner = this.withReactorNetty
		.withClassLoader(new FilteredClassLoader(reactor.netty.http.client.HttpClient.class));

	@BeforeAll
	static void start(@TempDir Path dir) throws Exception {
		server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0).runOn(loops)
			.doOnConnection(c -> connections.add(((InetSocketAddress) c.channel().remoteAddress()).getPort()))
			.route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("Hello " + req.requestHeaders().get("X-Client", "-"))))
				.get("/moved", (req, res) -> res.sendRedirect("/hello"))
				.get("/login", (req, res) -> res.addCookie(new DefaultCookie("session", "boot-1")).sendString(Mono.just("in")))
				.get("/whoami", (req, res) -> res.sendString(Mono.just("Cookie " + req.requestHeaders().get("Cookie", "-"))))
				.get("/via", (req, res) -> res.sendString(Mono.just("Via " + req.requestHeaders().get("Via", "-"))))
				.get("/slow", (req, res) -> res.sendString(Mono.just("late").delayElement(Duration.ofSeconds(5)))))
			.bindNow();
		TestPki.assumeOpenssl();
		TestPki pki = TestPki.root(dir, "WebClient Test Root CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		ca = pki.ca();
		tlsServer = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0).runOn(loops)
			.secure(spec -> spec.sslContext(Http11SslContextSpec.forServer(localhost.cert().toFile(),
					localhost.key().toFile())))
			.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("Hello over TLS"))))
			.bindNow();
	}

	@AfterAll
	static void stop() {
		if (server != null) {
			server.disposeNow();
		}
		if (tlsServer != null) {
			tlsServer.disposeNow();
		}
		loops.disposeLater().block(TIMEOUT);
	}

	private static String get(WebClient.Builder builder, String url) {
		return builder.build().get().uri(url).retrieve().bodyToMono(String.class)
			.map(body -> body + " on " + Thread.currentThread().getName())
			.block(TIMEOUT);
	}

	private static String url(String path) {
		return "http://127.0.0.1:" + server.port() + path;
	}

	@Test
	void theAutoConfiguredWebClientBuilderRunsOnReactorMongoose() {
		this.runner.run(context -> {
			assertThat(context).hasNotFailed().hasSingleBean(ClientHttpConnector.class);
			assertThat(context.getBean(ClientHttpConnectorBuilder.class)).isInstanceOf(MongooseClientHttpConnectorBuilder.class);
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(MongooseClientHttpConnector.class);
			// the body was read on a poll thread of the shared default loops
			assertThat(get(context.getBean(WebClient.Builder.class), url("/hello"))).matches("Hello - on mongoose-\\d+");
			// Boot's default is to follow redirects
			assertThat(get(context.getBean(WebClient.Builder.class), url("/moved"))).startsWith("Hello - on");
		});
	}

	@Test
	void springHttpClientsSettingsApply() {
		this.runner.withPropertyValues("spring.http.clients.read-timeout=300ms", "spring.http.clients.redirects=dont-follow",
				"spring.http.clients.connect-timeout=2s")
			.run(context -> {
				WebClient web = context.getBean(WebClient.Builder.class).build();
				assertThat(web.get().uri(url("/moved")).exchangeToMono(r -> Mono.just(r.statusCode().value())).block(TIMEOUT))
					.isEqualTo(302);
				assertThatThrownBy(() -> web.get().uri(url("/slow")).retrieve().bodyToMono(String.class).block(TIMEOUT))
					.isInstanceOf(WebClientRequestException.class)
					.hasCauseInstanceOf(ResponseTimeoutException.class);
			});
	}

	@Test
	void anInetAddressFilterBeanKeepsTheClientFromRefusedAddresses() {
		this.runner.withUserConfiguration(NoLoopback.class).run(context -> {
			int before = connections.size();
			assertThatThrownBy(() -> get(context.getBean(WebClient.Builder.class), url("/hello")))
				.isInstanceOf(WebClientRequestException.class)
				.hasCauseInstanceOf(FilteredAddressException.class)
				.hasMessageContaining("Filtered host '127.0.0.1'");
			assertThat(connections).hasSize(before);
		});
	}

	@Test
	void anSslBundleGivesTheTrustedCertificates() {
		String https = "https://localhost:" + tlsServer.port() + "/hello";
		this.runner.withPropertyValues("spring.ssl.bundle.pem.test.truststore.certificate=" + ca.toUri(),
				"spring.http.clients.ssl.bundle=test")
			.run(context -> assertThat(get(context.getBean(WebClient.Builder.class), https))
				.matches("Hello over TLS on mongoose-\\d+"));
		// without the bundle the JDK's default trust store does not know the test CA
		this.runner.run(context -> assertThatThrownBy(() -> get(context.getBean(WebClient.Builder.class), https))
			.isInstanceOf(WebClientRequestException.class)
			.hasRootCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class));
	}

	@Test
	void customizersOfThisBuilderApplyAndOthersAreSkipped() {
		this.runner.withUserConfiguration(Customizers.class)
			.run(context -> assertThat(get(context.getBean(WebClient.Builder.class), url("/hello")))
				.matches("Hello customized on mongoose-\\d+"));
	}

	@Test
	void backsOffWhenTheApplicationChoosesAnotherConnector() {
		this.runner.withPropertyValues("spring.http.clients.reactive.connector=jdk").run(context -> {
			assertThat(context.getBean(ClientHttpConnectorBuilder.class)).isInstanceOf(JdkClientHttpConnectorBuilder.class);
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(JdkClientHttpConnector.class);
		});
		this.runner.withPropertyValues("mongoose.webclient.enabled=false").run(context -> {
			// Boot's own detection: without Reactor Netty, the JDK client
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(JdkClientHttpConnector.class);
			assertThat(get(context.getBean(WebClient.Builder.class), url("/hello"))).doesNotContain("mongoose-");
		});
		this.runner.withUserConfiguration(OwnBuilder.class).run(context -> {
			assertThat(context).hasSingleBean(ClientHttpConnectorBuilder.class);
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(JdkClientHttpConnector.class);
		});
		// the JVM is told to ask the operating system for proxies: Boot's own connector (which does) is kept
		System.setProperty("java.net.useSystemProxies", "true");
		try {
			this.runner.run(context -> {
				assertThat(context).doesNotHaveBean(MongooseClientHttpConnectorBuilder.class);
				assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(JdkClientHttpConnector.class);
			});
		}
		finally {
			System.clearProperty("java.net.useSystemProxies");
		}
		// without Boot's http-client module (a servlet application, say) it stays out of the way
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MongooseClientHttpConnectorAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(ClientHttpConnectorBuilder.class))
			.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(MongooseClientHttpConnectorBuilder.class));
	}

	@Test
	void theProxyTheJvmIsToldToUseIsUsed(@TempDir Path dir) throws Exception {
		try (ProxyPeers proxy = ProxyPeers.tinyproxy(dir, null, null)) {
			System.setProperty("http.proxyHost", "127.0.0.1");
			System.setProperty("http.proxyPort", String.valueOf(proxy.port()));
			System.setProperty("http.nonProxyHosts", "none.invalid"); // the JDK's default spares 127.*
			try {
				this.runner.run(context -> {
					assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(MongooseClientHttpConnector.class);
					// tinyproxy's Via header: the request went through it
					assertThat(get(context.getBean(WebClient.Builder.class), url("/via")))
						.matches("Via .*tinyproxy.* on mongoose-\\d+");
				});
			}
			finally {
				System.clearProperty("http.proxyHost");
				System.clearProperty("http.proxyPort");
				System.clearProperty("http.nonProxyHosts");
			}
			// without the properties: a direct connection
			this.runner.run(context -> assertThat(get(context.getBean(WebClient.Builder.class), url("/via")))
				.matches("Via - on mongoose-\\d+"));
		}
	}

	@Test
	void anApplicationThatKeepsReactorNettyKeepsItsClientUnlessItAsks() {
		// Boot detects Reactor Netty's client: it stays, with the customizers written for it
		this.withReactorNetty.run(context -> {
			assertThat(context).doesNotHaveBean(MongooseClientHttpConnectorBuilder.class);
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(ReactorClientHttpConnector.class);
		});
		this.withReactorNetty.withPropertyValues("mongoose.webclient.enabled=true").run(context -> {
			assertThat(context.getBean(ClientHttpConnector.class)).isInstanceOf(MongooseClientHttpConnector.class);
			assertThat(get(context.getBean(WebClient.Builder.class), url("/hello"))).matches("Hello - on mongoose-\\d+");
		});
	}

	@Test
	void cookieHandlingKeepsTheServersCookiesForTheConnectorsRequests() {
		this.runner.withPropertyValues("spring.http.clients.cookie-handling=enable").run(context -> {
			WebClient web = context.getBean(WebClient.Builder.class).build();
			assertThat(web.get().uri(url("/whoami")).retrieve().bodyToMono(String.class).block(TIMEOUT)).isEqualTo("Cookie -");
			assertThat(web.get().uri(url("/login")).retrieve().bodyToMono(String.class).block(TIMEOUT)).isEqualTo("in");
			// the connector's cookie store sends it back, beside a cookie of the request itself
			assertThat(web.get().uri(url("/whoami")).retrieve().bodyToMono(String.class).block(TIMEOUT))
				.isEqualTo("Cookie session=boot-1");
			assertThat(web.get().uri(url("/whoami")).cookie("lang", "en").retrieve().bodyToMono(String.class).block(TIMEOUT))
				.isEqualTo("Cookie lang=en; session=boot-1");
		});
		// Boot's default: no store
		this.runner.run(context -> {
			WebClient web = context.getBean(WebClient.Builder.class).build();
			assertThat(web.get().uri(url("/login")).retrieve().bodyToMono(String.class).block(TIMEOUT)).isEqualTo("in");
			assertThat(web.get().uri(url("/whoami")).retrieve().bodyToMono(String.class).block(TIMEOUT)).isEqualTo("Cookie -");
		});
		MongooseClientHttpConnectorBuilder builder = new MongooseClientHttpConnectorBuilder();
		for (HttpCookieHandling handling : HttpCookieHandling.values()) {
			assertThat(builder.build(HttpClientSettings.defaults().withCookieHandling(handling))).isNotNull();
		}
	}

	@Test
	void settingsTheClientCannotHonourFailTheBuild() throws Exception {
		MongooseClientHttpConnectorBuilder builder = new MongooseClientHttpConnectorBuilder();
		SslStoreBundle stores = new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(ca.toUri().toString()));
		SslBundle tls12 = SslBundle.of(stores, SslBundleKey.NONE, SslOptions.of(null, new String[] {"TLSv1.2"}));
		assertThatThrownBy(() -> builder.build(HttpClientSettings.ofSslBundle(tls12)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("protocols [TLSv1.2]")
			.hasMessageContaining("TLSv1.3 only");
		SslBundle cbc = SslBundle.of(stores, SslBundleKey.NONE,
				SslOptions.of(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}, null));
		assertThatThrownBy(() -> builder.build(HttpClientSettings.ofSslBundle(cbc)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("TLS_AES_128_GCM_SHA256 only");
		SslBundle storeless = SslBundle.of(SslStoreBundle.NONE);
		assertThatThrownBy(() -> builder.build(HttpClientSettings.ofSslBundle(storeless)))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("neither a trust store nor a key store");
		// a bundle that allows TLS 1.3 among others is fine
		SslBundle tls13 = SslBundle.of(stores, SslBundleKey.NONE,
				SslOptions.of(null, new String[] {"TLSv1.2", "TLSv1.3"}));
		assertThat(builder.build(HttpClientSettings.ofSslBundle(tls13))).isNotNull();
	}

	@Configuration(proxyBeanMethods = false)
	static class NoLoopback {

		@Bean
		InetAddressFilter noLoopback() {
			return address -> !address.isLoopbackAddress();
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class Customizers {

		@Bean
		ClientHttpConnectorBuilderCustomizer<MongooseClientHttpConnectorBuilder> mongooseCustomizer() {
			return builder -> builder.withHttpClientCustomizer(c -> c.headers(h -> h.set("X-Client", "customized")));
		}

		@Bean
		ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> reactorCustomizer() {
			return builder -> {
				throw new AssertionError("a Reactor Netty customizer was applied to the reactor-mongoose builder");
			};
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnBuilder {

		@Bean
		ClientHttpConnectorBuilder<?> ownBuilder() {
			return ClientHttpConnectorBuilder.jdk();
		}
	}
}
