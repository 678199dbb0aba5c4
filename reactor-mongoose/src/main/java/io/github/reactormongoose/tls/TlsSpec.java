/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

import io.github.reactormongoose.internal.tls.Pem;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.internal.tls.TlsConfig;
import org.jspecify.annotations.Nullable;

/**
 * How one side of a connection does TLS: immutable, every option returns a new spec.
 * <pre>{@code
 * TlsSpec server = TlsSpec.forServer(Path.of("chain.pem"), Path.of("key.pem"))
 *         .clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(Path.of("ca.pem"));
 * TlsSpec client = TlsSpec.forClient()              // trusts the JDK's default trust store
 *         .trustedCertificates(Path.of("ca.pem"))    // replaces it
 *         .serverName("example.org")                 // SNI and host name check
 *         .keyCertificate(Path.of("client.pem"), Path.of("client-key.pem"));
 * }</pre>
 * The backend is Mongoose's built-in TLS 1.3 stack. Everything it cannot do is refused when
 * the spec is built or applied ({@code secure(...)}), with an {@link IllegalArgumentException}
 * that says why; the table is in {@code docs/tls.md}. Files are read when a spec is built (to
 * check them) and again when a server binds or a client connects; the private key bytes are
 * wiped from Java arrays and native memory after use. A client verifies the server's chain
 * and host name with the JDK's trust manager before any application data is read.
 */
public final class TlsSpec {

	static {
		TlsAccess.install(s -> s.config());
	}

	/** Whether a server asks for client certificates. */
	public enum ClientAuth {
		/** No client certificate (the default). */
		NONE,
		/** Ask, and accept clients without one; a certificate that is sent must pass as with {@link #REQUIRE}. */
		OPTIONAL,
		/** Require a certificate issued by the {@link #trustedCertificates(Path) trusted} CA. */
		REQUIRE
	}

	/** Default handshake timeout: 10 s, as Reactor Netty. */
	public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

	private final TlsConfig config;

	private TlsSpec(TlsConfig config) {
		this.config = config;
	}

	/**
	 * A server with a PEM certificate chain (its own certificate first, then intermediates)
	 * and a PEM private key (PKCS#8, SEC1 {@code EC PRIVATE KEY} or PKCS#1 {@code RSA PRIVATE
	 * KEY}; EC P-256 or RSA). Both files are read now to check them, and again at every bind.
	 */
	public static TlsSpec forServer(Path certChainPem, Path privateKeyPem) {
		Objects.requireNonNull(certChainPem, "certChainPem");
		Objects.requireNonNull(privateKeyPem, "privateKeyPem");
		return server(TlsConfig.pem(() -> Pem.read(certChainPem, "certificate chain"),
				() -> Pem.read(privateKeyPem, "private key"), "server"));
	}

	/** A server with PEM text in bytes (copied; the copies stay in this spec). */
	public static TlsSpec forServer(byte[] certChainPem, byte[] privateKeyPem) {
		byte[] chain = certChainPem.clone();
		byte[] key = privateKeyPem.clone();
		return server(TlsConfig.pem(chain::clone, key::clone, "server"));
	}

	/** A server with PEM text. */
	public static TlsSpec forServer(String certChainPem, String privateKeyPem) {
		return forServer(certChainPem.getBytes(StandardCharsets.US_ASCII),
				privateKeyPem.getBytes(StandardCharsets.US_ASCII));
	}

	/**
	 * A server with the key entry {@code alias} of a key store (PKCS#12 or JKS, loaded by the
	 * caller); the key is converted to the form the built-in stack reads at every bind.
	 */
	public static TlsSpec forServer(KeyStore keyStore, String alias, char[] password) {
		Objects.requireNonNull(keyStore, "keyStore");
		Objects.requireNonNull(alias, "alias");
		Objects.requireNonNull(password, "password");
		return server(TlsConfig.keyStore(keyStore, alias, password));
	}

	/** A client that trusts the JDK's default trust store and checks the host name of the URL. */
	public static TlsSpec forClient() {
		return new TlsSpec(TlsConfig.of(false, null, DEFAULT_HANDSHAKE_TIMEOUT));
	}

	/**
	 * Server: whether clients present a certificate. {@link ClientAuth#REQUIRE}: every client
	 * must, issued by the one CA of {@link #trustedCertificates(Path)}; {@link ClientAuth#OPTIONAL}:
	 * the server asks, a client without one is served too (its requests have no
	 * {@code peerCertificates()}), a client that sends one must pass the same check.
	 */
	public TlsSpec clientAuth(ClientAuth clientAuth) {
		Objects.requireNonNull(clientAuth, "clientAuth");
		if (!config.server()) {
			throw new IllegalArgumentException("clientAuth applies to a server spec");
		}
		return new TlsSpec(config.withClientAuth(TlsConfig.Auth.valueOf(clientAuth.name())));
	}

	/**
	 * PEM certificates to trust. Client: the CAs (any number) that replace the JDK's trust
	 * store. Server: the one CA that issues client certificates ({@link ClientAuth#REQUIRE} and {@link ClientAuth#OPTIONAL}).
	 */
	public TlsSpec trustedCertificates(Path caPem) {
		Objects.requireNonNull(caPem, "caPem");
		return trusting(() -> Pem.certificates(Pem.read(caPem, "trusted certificates"), "trusted certificates"));
	}

	/** PEM (or one DER) certificates to trust, as bytes. */
	public TlsSpec trustedCertificates(byte[] caPem) {
		byte[] copy = caPem.clone();
		return trusting(() -> Pem.certificates(copy, "trusted certificates"));
	}

	/** PEM certificates to trust, as text. */
	public TlsSpec trustedCertificates(String caPem) {
		return trustedCertificates(caPem.getBytes(StandardCharsets.US_ASCII));
	}

	/** The certificate entries of a trust store (PKCS#12 or JKS, loaded by the caller). */
	public TlsSpec trustedCertificates(KeyStore trustStore) {
		Objects.requireNonNull(trustStore, "trustStore");
		List<X509Certificate> certs = TlsConfig.certificates(trustStore);
		return trusting(() -> certs);
	}

	private TlsSpec trusting(Supplier<List<X509Certificate>> source) {
		source.get(); // read and check now: refuse at configuration time
		return checked(new TlsSpec(config.withTrusted(source)));
	}

	/** Client: the name sent as SNI and checked against the certificate (default: the host connected to). */
	public TlsSpec serverName(String serverName) {
		Objects.requireNonNull(serverName, "serverName");
		if (config.server()) {
			throw new IllegalArgumentException("serverName applies to a client spec");
		}
		if (serverName.isEmpty() || serverName.length() > 252) {
			throw new IllegalArgumentException("serverName must have 1..252 characters: " + serverName);
		}
		return new TlsSpec(config.withServerName(serverName));
	}

	/** Client: a certificate (chain) and private key to present when the server asks for one. */
	public TlsSpec keyCertificate(Path certPem, Path keyPem) {
		Objects.requireNonNull(certPem, "certPem");
		Objects.requireNonNull(keyPem, "keyPem");
		return clientKey(TlsConfig.pem(() -> Pem.read(certPem, "client certificate"),
				() -> Pem.read(keyPem, "client private key"), "client"));
	}

	/** Client certificate and key as PEM bytes (copied). */
	public TlsSpec keyCertificate(byte[] certPem, byte[] keyPem) {
		byte[] c = certPem.clone();
		byte[] k = keyPem.clone();
		return clientKey(TlsConfig.pem(c::clone, k::clone, "client"));
	}

	/** Client certificate and key as PEM text, like {@link #forServer(String, String)}. */
	public TlsSpec keyCertificate(String certPem, String keyPem) {
		return keyCertificate(certPem.getBytes(StandardCharsets.US_ASCII), keyPem.getBytes(StandardCharsets.US_ASCII));
	}

	/** Client certificate and key from a key store entry (PKCS#12 or JKS). */
	public TlsSpec keyCertificate(KeyStore keyStore, String alias, char[] password) {
		return clientKey(TlsConfig.keyStore(keyStore, alias, password));
	}

	private TlsSpec clientKey(TlsConfig.KeySource source) {
		if (config.server()) {
			throw new IllegalArgumentException("keyCertificate applies to a client spec; a server's key is given to forServer");
		}
		return checked(new TlsSpec(config.withKey(source)));
	}

	/** How long a handshake may take before the connection is closed (default 10 s). */
	public TlsSpec handshakeTimeout(Duration timeout) {
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("handshakeTimeout must be positive: " + timeout);
		}
		return new TlsSpec(config.withHandshakeTimeout(timeout));
	}

	/** Whether this is a server spec. */
	public boolean isServer() {
		return config.server();
	}

	/** Server: whether clients must present a certificate. */
	public ClientAuth clientAuth() {
		return ClientAuth.valueOf(config.clientAuth().name());
	}

	/** Client: the configured server name, or null (the host connected to). */
	public @Nullable String serverName() {
		return config.serverName();
	}

	/** The handshake timeout. */
	public Duration handshakeTimeout() {
		return config.handshakeTimeout();
	}

	private TlsConfig config() {
		return config;
	}

	private static TlsSpec server(TlsConfig.KeySource key) {
		return checked(new TlsSpec(TlsConfig.of(true, key, DEFAULT_HANDSHAKE_TIMEOUT)));
	}

	private static TlsSpec checked(TlsSpec spec) {
		spec.config.validate();
		return spec;
	}

	@Override
	public String toString() {
		return "TlsSpec[" + (config.server() ? "server" : "client") + ", clientAuth=" + config.clientAuth()
				+ ", serverName=" + config.serverName() + ", trusted=" + (config.hasTrusted() ? "given" : "default")
				+ ", handshakeTimeout=" + config.handshakeTimeout() + "]";
	}
}
