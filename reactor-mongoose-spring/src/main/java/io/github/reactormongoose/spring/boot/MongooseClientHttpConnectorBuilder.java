/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.net.CookieManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.spring.http.client.MongooseClientHttpConnector;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpCookieHandling;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.boot.http.client.InetAddressFilter;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslOptions;

/**
 * Spring Boot's {@link ClientHttpConnectorBuilder} for {@link MongooseClientHttpConnector}: what
 * {@code ReactorClientHttpConnectorBuilder} is for Reactor Netty. It turns Boot's
 * {@link HttpClientSettings} ({@code spring.http.clients.*}, {@code WebClientSsl}) into a
 * reactor-mongoose {@link HttpClient}:
 * <ul>
 * <li>connect timeout: {@link HttpClient#connectTimeout}; read timeout:
 * {@link HttpClient#responseTimeout};</li>
 * <li>redirects: followed unless {@link HttpRedirects#DONT_FOLLOW} (Boot's default is to follow);</li>
 * <li>an SSL bundle: its trust store and its key store (client certificate) as a {@link TlsSpec};</li>
 * <li>an {@link InetAddressFilter}: {@link HttpClient#addressFilter};</li>
 * <li>proxies: the JVM's {@code http.proxyHost}, {@code https.proxyHost}, {@code socksProxyHost}
 * and their companions ({@link HttpClient#proxyWithSystemProperties()}), as Boot's JDK client
 * honours them; read by the default factory only, so a
 * {@link #withHttpClientFactory(Supplier) factory} of the application decides for itself;</li>
 * <li>cookie handling ({@code spring.http.clients.cookie-handling}): {@link HttpCookieHandling#ENABLE}
 * and {@link HttpCookieHandling#ENABLE_WHEN_POSSIBLE} give each connector its own
 * {@link CookieManager} ({@link HttpClient#cookieHandler}), as Boot does for the JDK client (Boot's
 * Reactor Netty builder refuses {@code ENABLE}: that client keeps no cookies);
 * {@link HttpCookieHandling#DISABLE} and no setting: none.</li>
 * </ul>
 * The auto-configuration ({@code MongooseClientHttpConnectorAutoConfiguration}) makes it the
 * builder of Boot's {@code ClientHttpConnector} bean, which the auto-configured
 * {@code WebClient.Builder} uses, where Boot would otherwise fall back to the JDK client.
 * Instances are immutable: every {@code with...} method returns a new builder.
 */
public final class MongooseClientHttpConnectorBuilder implements ClientHttpConnectorBuilder<MongooseClientHttpConnector> {

	private final List<Consumer<MongooseClientHttpConnector>> customizers;

	private final Supplier<HttpClient> factory;

	private final UnaryOperator<HttpClient> httpClientCustomizer;

	/**
	 * A builder over {@link HttpClient#create()} (the shared default loops) with the proxies the
	 * JVM's system properties name ({@link HttpClient#proxyWithSystemProperties()}).
	 */
	public MongooseClientHttpConnectorBuilder() {
		this(List.of(), () -> HttpClient.create().proxyWithSystemProperties(), UnaryOperator.identity());
	}

	private MongooseClientHttpConnectorBuilder(List<Consumer<MongooseClientHttpConnector>> customizers,
			Supplier<HttpClient> factory, UnaryOperator<HttpClient> httpClientCustomizer) {
		this.customizers = customizers;
		this.factory = factory;
		this.httpClientCustomizer = httpClientCustomizer;
	}

	@Override
	public MongooseClientHttpConnectorBuilder withCustomizer(Consumer<MongooseClientHttpConnector> customizer) {
		return withCustomizers(List.of(customizer));
	}

	@Override
	public MongooseClientHttpConnectorBuilder withCustomizers(
			Collection<Consumer<MongooseClientHttpConnector>> customizers) {
		Objects.requireNonNull(customizers, "customizers");
		List<Consumer<MongooseClientHttpConnector>> all = new ArrayList<>(this.customizers);
		for (Consumer<MongooseClientHttpConnector> c : customizers) {
			all.add(Objects.requireNonNull(c, "customizers must not contain null"));
		}
		return new MongooseClientHttpConnectorBuilder(List.copyOf(all), this.factory, this.httpClientCustomizer);
	}

	/**
	 * The client the settings are applied to, made anew for every {@link #build}: for example
	 * {@code () -> HttpClient.create().runOn(loops).maxConnections(64)}.
	 */
	public MongooseClientHttpConnectorBuilder withHttpClientFactory(Supplier<HttpClient> factory) {
		Objects.requireNonNull(factory, "factory");
		return new MongooseClientHttpConnectorBuilder(this.customizers, factory, this.httpClientCustomizer);
	}

	/** Changes the client after the settings were applied (so it can override them). */
	public MongooseClientHttpConnectorBuilder withHttpClientCustomizer(UnaryOperator<HttpClient> customizer) {
		Objects.requireNonNull(customizer, "customizer");
		UnaryOperator<HttpClient> before = this.httpClientCustomizer;
		return new MongooseClientHttpConnectorBuilder(this.customizers, this.factory,
				c -> customizer.apply(before.apply(c)));
	}

	/**
	 * A connector over a new client with {@code settings} applied ({@code null}: Boot's defaults).
	 * @throws IllegalArgumentException for settings the client cannot honour: an SSL bundle without stores or limited to protocols or ciphers
	 *         that Mongoose's TLS stack does not speak
	 */
	@Override
	public MongooseClientHttpConnector build(@Nullable HttpClientSettings settings) {
		HttpClientSettings s = settings != null ? settings : HttpClientSettings.defaults();
		HttpClient client = Objects.requireNonNull(this.factory.get(), "the HttpClient factory returned null");
		HttpCookieHandling cookies = s.cookieHandling();
		if (cookies == HttpCookieHandling.ENABLE || cookies == HttpCookieHandling.ENABLE_WHEN_POSSIBLE) {
			client = client.cookieHandler(new CookieManager());
		}
		Duration connect = s.connectTimeout();
		if (connect != null) {
			client = client.connectTimeout(connect);
		}
		Duration read = s.readTimeout();
		if (read != null) {
			client = client.responseTimeout(read);
		}
		client = client.followRedirect(s.redirects() != HttpRedirects.DONT_FOLLOW);
		SslBundle bundle = s.sslBundle();
		if (bundle != null) {
			client = client.secure(tlsSpec(bundle));
		}
		InetAddressFilter filter = s.inetAddressFilter();
		if (filter != null) {
			client = client.addressFilter(filter::matches);
		}
		MongooseClientHttpConnector connector = new MongooseClientHttpConnector(this.httpClientCustomizer.apply(client));
		this.customizers.forEach(c -> c.accept(connector));
		return connector;
	}

	/** The bundle's trust store and key store as a client spec. */
	static TlsSpec tlsSpec(SslBundle bundle) {
		SslOptions options = bundle.getOptions();
		BundleKeys.requireSpoken("The SSL bundle", "protocols", options.getEnabledProtocols(), BundleKeys.PROTOCOL);
		BundleKeys.requireSpoken("The SSL bundle", "ciphers", options.getCiphers(), BundleKeys.CIPHER);
		KeyStore trust = bundle.getStores().getTrustStore();
		KeyStore keys = bundle.getStores().getKeyStore();
		if (trust == null && keys == null) {
			throw new IllegalArgumentException("The SSL bundle has neither a trust store nor a key store: the "
					+ "reactor-mongoose HTTP client takes certificates from the bundle's stores, not from its managers");
		}
		TlsSpec spec = TlsSpec.forClient();
		if (trust != null) {
			spec = spec.trustedCertificates(trust);
		}
		if (keys != null) {
			try {
				spec = spec.keyCertificate(keys, BundleKeys.alias(bundle, keys), BundleKeys.password(bundle));
			}
			catch (GeneralSecurityException e) {
				throw new IllegalArgumentException("The SSL bundle's key store cannot be read: " + e.getMessage(), e);
			}
		}
		return spec;
	}

	@Override
	public String toString() {
		return "MongooseClientHttpConnectorBuilder";
	}
}
