/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.internal.jni.Errors;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.TlsContext;
import org.jspecify.annotations.Nullable;

/**
 * What a {@code TlsSpec} holds, and everything done with it: checks against what Mongoose's
 * built-in stack can do (at configuration time), the native context of a server (once per
 * bind: certificates and key read, converted, handed over and wiped), and the per-connection
 * pieces of a client (its native context and its {@link PeerVerifier}; the trust manager is
 * built once per spec).
 */
public final class TlsConfig {

	/** Largest Certificate message the built-in stack sends: one TLS record. */
	static final int MAX_CERTIFICATE_MESSAGE = 16384;
	private static final Set<String> CA_SIGNATURES = Set.of("1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3",
			"1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12");

	/** Certificate chain (leaf first) and its private key. */
	public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
	}

	/** Where key material comes from (read again at every bind, so files are read fresh). */
	public interface KeySource extends Supplier<KeyMaterial> {
	}

	public enum Auth {
		NONE, OPTIONAL, REQUIRE
	}

	private final boolean server;
	private final @Nullable KeySource key;
	private final @Nullable Supplier<List<X509Certificate>> trusted;
	private final Auth clientAuth;
	private final @Nullable String serverName;
	private final Duration handshakeTimeout;
	private volatile @Nullable X509TrustManager trustManager;

	private TlsConfig(boolean server, @Nullable KeySource key, @Nullable Supplier<List<X509Certificate>> trusted,
			Auth clientAuth, @Nullable String serverName, Duration handshakeTimeout) {
		this.server = server;
		this.key = key;
		this.trusted = trusted;
		this.clientAuth = clientAuth;
		this.serverName = serverName;
		this.handshakeTimeout = handshakeTimeout;
	}

	/** A server with this key material, or a client without a certificate (key null). */
	public static TlsConfig of(boolean server, @Nullable KeySource key, Duration handshakeTimeout) {
		return new TlsConfig(server, key, null, Auth.NONE, null, handshakeTimeout);
	}

	public TlsConfig withKey(KeySource key) {
		return new TlsConfig(server, key, trusted, clientAuth, serverName, handshakeTimeout);
	}

	public TlsConfig withTrusted(Supplier<List<X509Certificate>> trusted) {
		return new TlsConfig(server, key, trusted, clientAuth, serverName, handshakeTimeout);
	}

	public TlsConfig withClientAuth(Auth clientAuth) {
		return new TlsConfig(server, key, trusted, clientAuth, serverName, handshakeTimeout);
	}

	public TlsConfig withServerName(String serverName) {
		return new TlsConfig(server, key, trusted, clientAuth, serverName, handshakeTimeout);
	}

	public TlsConfig withHandshakeTimeout(Duration handshakeTimeout) {
		return new TlsConfig(server, key, trusted, clientAuth, serverName, handshakeTimeout);
	}

	public boolean server() {
		return server;
	}

	public Auth clientAuth() {
		return clientAuth;
	}

	public boolean hasTrusted() {
		return trusted != null;
	}

	public @Nullable String serverName() {
		return serverName;
	}

	public Duration handshakeTimeout() {
		return handshakeTimeout;
	}

	/** Refuses, with the reason, what the built-in stack cannot do with this configuration. */
	public void validate() {
		if (key != null) {
			KeyMaterial m = key.get();
			checkKeyMaterial(m);
		}
		if (server && clientAuth != Auth.NONE) {
			caForClients();
		}
	}

	/** The native context of one bound server (the caller releases it once listeners hold theirs). */
	public TlsContext serverContext() {
		KeyMaterial m = key().get();
		checkKeyMaterial(m);
		byte[] ca = null;
		X509TrustManager clientTrust = null;
		if (clientAuth != Auth.NONE) {
			X509Certificate c = caForClients();
			ca = Pem.encoded(c);
			clientTrust = trustManager(List.of(c)); // the JDK checks what the stack accepted
		}
		return TlsContext.create(false, chainBytes(m.chain()), KeyForms.toMongoosePem(m.key()), ca, null,
				handshakeTimeout, clientAuth == Auth.OPTIONAL, clientTrust);
	}

	/**
	 * Whether the trust manager of this client spec is built; the first build reads the
	 * trust store (the JDK's has about 150 certificates), which is for a thread that may block.
	 */
	public boolean clientPrepared() {
		return trustManager != null;
	}

	/** Builds the trust manager now (once per spec); call it off the poll thread. */
	public void prepareClient() {
		trustManager();
	}

	/** The native context and verifier of one client connection to host (a name or an IP literal). */
	public ClientHandshake clientHandshake(String host) {
		String name = serverName != null ? serverName : host;
		byte[] cert = null;
		byte[] keyPem = null;
		if (key != null) {
			KeyMaterial m = key.get();
			checkKeyMaterial(m);
			cert = chainBytes(m.chain());
			keyPem = KeyForms.toMongoosePem(m.key());
		}
		PeerVerifier verifier = new PeerVerifier(trustManager(), name);
		// no SNI for an IP literal (RFC 6066 3: a HostName is no address); the JDK checks the
		// certificate against it all the same
		String sni = isIpLiteral(name) ? null : name;
		return new ClientHandshake(TlsContext.create(true, cert, keyPem, null, sni, handshakeTimeout), verifier);
	}

	/** Whether {@code name} is an IPv4 or IPv6 address written out (no name to send as SNI). */
	static boolean isIpLiteral(String name) {
		return name.indexOf(':') >= 0 || name.matches("\\d{1,3}(\\.\\d{1,3}){3}");
	}

	/**
	 * The client side of one outbound connection: its native context and the verifier of the
	 * server's chain. The hook any client protocol uses (TcpClient today, the HTTP client
	 * later): right after {@code EventLoop.connect}, {@link #attach(Channel)}; the channel's
	 * handler implements {@code TlsHandshakeHandler}, hands the Certificate message to
	 * {@link PeerVerifier#certificates} and, at the end of the handshake, calls
	 * {@link PeerVerifier#verify()} before it reads or emits anything.
	 */
	public record ClientHandshake(TlsContext context, PeerVerifier verifier) {

		/** Starts TLS on the outbound channel (once connected) and drops this object's native reference. */
		public void attach(Channel channel) {
			try {
				int rc = channel.secure(context, false);
				if (rc < 0) {
					channel.close();
					throw Errors.toException(rc, "TLS on connection " + channel.id());
				}
			}
			finally {
				context.release(); // the connection holds its own reference
			}
		}
	}

	X509TrustManager trustManager() {
		X509TrustManager tm = trustManager;
		if (tm == null) {
			tm = trustManager(trusted != null ? trusted.get() : null);
			trustManager = tm;
		}
		return tm;
	}

	/** The JDK's PKIX trust manager of {@code cas}, or of its default trust store ({@code null}). */
	private static X509TrustManager trustManager(@Nullable List<X509Certificate> cas) {
		X509TrustManager tm = null;
		try {
			TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			if (cas == null) {
				f.init((KeyStore) null); // the JDK's default trust store
			}
			else {
				KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
				ks.load(null, null);
				int i = 0;
				for (X509Certificate c : cas) {
					ks.setCertificateEntry("trusted-" + i++, c);
				}
				f.init(ks);
			}
			for (TrustManager t : f.getTrustManagers()) {
				if (t instanceof X509TrustManager x) {
					tm = x;
				}
			}
		}
		catch (GeneralSecurityException | java.io.IOException e) {
			throw new IllegalStateException("cannot build the trust manager: " + e.getMessage(), e);
		}
		if (tm == null) {
			throw new IllegalStateException("no X509TrustManager available");
		}
		return tm;
	}

	private KeySource key() {
		if (key == null) {
			throw new IllegalStateException("a server spec needs a certificate chain and a private key");
		}
		return key;
	}

	/** The one CA that verifies client certificates, checked against what the stack can parse. */
	private X509Certificate caForClients() {
		if (trusted == null) {
			throw new IllegalArgumentException("clientAuth(" + clientAuth + ") needs trustedCertificates(...): "
					+ "the CA that issues the client certificates");
		}
		List<X509Certificate> cas = trusted.get();
		if (cas.size() != 1) {
			throw new IllegalArgumentException("trustedCertificates holds " + cas.size() + " certificates, but "
					+ "Mongoose's built-in TLS verifies client certificates against exactly one CA");
		}
		X509Certificate ca = cas.get(0);
		checkParsable(ca, "trusted CA " + ca.getSubjectX500Principal());
		return ca;
	}

	/** The certificate checks of the built-in stack's parser (mg_tls_parse_cert_der). */
	static void checkParsable(X509Certificate c, String what) {
		if (!CA_SIGNATURES.contains(c.getSigAlgOID())) {
			throw new IllegalArgumentException(what + ": signature algorithm " + c.getSigAlgName()
					+ " is not supported by Mongoose's built-in TLS (ECDSA or RSA with SHA-256 or SHA-384 only)");
		}
		PublicKey pk = c.getPublicKey();
		if (pk instanceof ECPublicKey ec) {
			int bits = ec.getParams().getOrder().bitLength();
			if (bits != 256 && bits != 384) {
				throw new IllegalArgumentException(what + ": EC key of " + bits + " bits (P-256 or P-384 only)");
			}
		}
		else if (pk instanceof RSAPublicKey rsa) {
			if (rsa.getModulus().bitLength() > KeyForms.MAX_RSA_BITS) {
				throw new IllegalArgumentException(what + ": RSA key larger than 4096 bits");
			}
		}
		else {
			throw new IllegalArgumentException(what + ": " + pk.getAlgorithm() + " keys are not supported");
		}
		Set<String> critical = c.getCriticalExtensionOIDs();
		if (c.getBasicConstraints() >= 0 || c.getExtensionValue("2.5.29.19") != null) {
			if (critical == null || !critical.contains("2.5.29.19")) {
				throw new IllegalArgumentException(what + ": its basicConstraints extension is not critical, and "
						+ "Mongoose's built-in TLS cannot parse such certificates (make it critical: "
						+ "basicConstraints = critical, CA:true)");
			}
		}
		if (c.getNotAfter().toInstant().equals(Instant.parse("9999-12-31T23:59:59Z"))) {
			throw new IllegalArgumentException(what + ": no well-defined expiry (99991231235959Z), which "
					+ "Mongoose's built-in TLS refuses");
		}
	}

	private void checkKeyMaterial(KeyMaterial m) {
		String who = server ? "server" : "client";
		KeyForms.checkSupported(m.key(), who + " private key");
		X509Certificate leaf = m.chain().get(0);
		if (!matches(m.key(), leaf.getPublicKey())) {
			throw new IllegalArgumentException(who + " private key does not belong to the first certificate of the "
					+ "chain (" + leaf.getSubjectX500Principal() + "); the chain must start with the "
					+ who + "'s own certificate");
		}
		int size = 8;
		for (X509Certificate c : m.chain()) {
			size += 3 + Pem.encoded(c).length + 2;
		}
		if (server && clientAuth != Auth.NONE && trusted != null && trusted.get().size() == 1) {
			size += 3 + Pem.encoded(trusted.get().get(0)).length + 2; // the stack sends its CA too
		}
		if (size > MAX_CERTIFICATE_MESSAGE) {
			throw new IllegalArgumentException("the certificate chain takes " + size + " bytes, but Mongoose's "
					+ "built-in TLS sends it in one record of at most " + MAX_CERTIFICATE_MESSAGE + " bytes");
		}
	}

	private static boolean matches(PrivateKey key, PublicKey pub) {
		if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
			return false;
		}
		try {
			String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
			byte[] probe = "reactor-mongoose key check".getBytes(StandardCharsets.US_ASCII);
			Signature s = Signature.getInstance(alg);
			s.initSign(key);
			s.update(probe);
			byte[] sig = s.sign();
			Signature v = Signature.getInstance(alg);
			v.initVerify(pub);
			v.update(probe);
			return v.verify(sig);
		}
		catch (GeneralSecurityException e) {
			return false;
		}
	}

	private static byte[] chainBytes(List<X509Certificate> chain) {
		return chain.size() == 1 ? Pem.encoded(chain.get(0)) : Pem.encode(chain);
	}

	/** Key material from PEM bytes (read by the supplier each time; wiped after parsing). */
	public static KeySource pem(Supplier<byte[]> chainPem, Supplier<byte[]> keyPem, String what) {
		return () -> {
			List<X509Certificate> chain = Pem.certificates(chainPem.get(), what + " certificate chain");
			byte[] k = keyPem.get();
			try {
				return new KeyMaterial(chain, KeyForms.read(k, what + " private key"));
			}
			finally {
				Arrays.fill(k, (byte) 0);
			}
		};
	}

	/** Key material from a key store entry (PKCS#12, JKS). */
	public static KeySource keyStore(KeyStore ks, String alias, char[] password) {
		char[] pw = password.clone();
		return () -> {
			try {
				if (!ks.isKeyEntry(alias)) {
					throw new IllegalArgumentException("key store has no private key entry '" + alias + "'");
				}
				PrivateKey k = (PrivateKey) ks.getKey(alias, pw);
				java.security.cert.Certificate[] chain = ks.getCertificateChain(alias);
				if (chain == null || chain.length == 0) {
					throw new IllegalArgumentException("key store entry '" + alias + "' has no certificate chain");
				}
				return new KeyMaterial(Arrays.stream(chain).map(X509Certificate.class::cast).toList(), k);
			}
			catch (GeneralSecurityException e) {
				throw new IllegalArgumentException("cannot read key store entry '" + alias + "': " + e.getMessage(), e);
			}
		};
	}

	/** Every certificate entry and the certificates of every key entry of a key store. */
	public static List<X509Certificate> certificates(KeyStore ks) {
		try {
			java.util.ArrayList<X509Certificate> out = new java.util.ArrayList<>();
			for (String a : java.util.Collections.list(ks.aliases())) {
				if (ks.isCertificateEntry(a) && ks.getCertificate(a) instanceof X509Certificate c) {
					out.add(c);
				}
			}
			if (out.isEmpty()) {
				throw new IllegalArgumentException("trust store holds no certificate entry");
			}
			return List.copyOf(out);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalArgumentException("cannot read trust store: " + e.getMessage(), e);
		}
	}
}
