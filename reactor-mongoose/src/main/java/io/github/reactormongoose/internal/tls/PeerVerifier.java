/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.X509TrustManager;

import io.github.reactormongoose.MongooseException;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a server's chain and host name with the JDK: the chain with the trust manager
 * (PKIX, the JDK's trust store unless the spec names certificates), the host name against
 * the leaf's subject alternative names (RFC 6125: DNS names with a wildcard only as the whole
 * left-most label, IP addresses exactly; the common name is not used). One per connection.
 */
public final class PeerVerifier {

	private final X509TrustManager trust;
	private final String host;
	private final List<X509Certificate> chain = new ArrayList<>();
	private @Nullable String parseError;
	private int alert = BAD_CERTIFICATE;

	PeerVerifier(X509TrustManager trust, String host) {
		this.trust = trust;
		this.host = host;
	}

	/**
	 * The error of a client whose TLS handshake with {@code target} failed: a
	 * {@link MongooseException} whose cause is an {@link SSLHandshakeException} with the reason.
	 */
	public static MongooseException handshakeFailed(String target, String reason) {
		return new MongooseException("TLS connect to " + target + " failed: " + reason, new SSLHandshakeException(reason));
	}

	/** A TLS 1.3 Certificate message: type, length, context, then the certificate list. */
	public void certificates(ByteBuffer b, int offset, int length) {
		chain.clear();
		try {
			chain.addAll(parse(b, offset, length));
		}
		catch (CertificateException | RuntimeException e) {
			parseError = "unreadable certificate from the server: " + e.getMessage();
		}
	}

	/** The server's chain as sent, its own certificate first (after {@link #certificates}). */
	public List<X509Certificate> chain() {
		return List.copyOf(chain);
	}

	/** RFC 8446 6.2 alert descriptions sent when a peer's chain is refused. */
	public static final int BAD_CERTIFICATE = 42;
	public static final int UNSUPPORTED_CERTIFICATE = 43;
	public static final int CERTIFICATE_EXPIRED = 45;
	public static final int UNKNOWN_CA = 48;

	/**
	 * A client's chain as the server checked it ({@link #clientChain}): the certificates, or,
	 * when refused, the fatal alert that tells the client why (an RFC 8446 6.2 description).
	 */
	public record ClientChain(List<X509Certificate> certificates, int alert) {

		/** Whether the chain may not authenticate the client: the connection closes with {@link #alert()}. */
		public boolean refused() {
			return alert != 0;
		}
	}

	/**
	 * A server's copy of its client's Certificate message: the chain as sent, own certificate
	 * first (empty when the client sent none). Refused, and logged for {@code remote} as a
	 * failed handshake, when the chain may not authenticate a client: the client's own
	 * certificate's extendedKeyUsage leaves out TLS client authentication (RFC 5280 4.2.1.12;
	 * a server's certificate presented as a client's, say: unsupported_certificate, as OpenSSL
	 * sends), or {@code trust} (the JDK's PKIX trust manager of the server's one CA) refuses the
	 * chain, as the JDK's {@code need} would: a pathLenConstraint exceeded, an unrecognised
	 * critical extension, a keyUsage without digitalSignature (RFC 5280 6.1.4, 4.2, 4.2.1.3),
	 * among others (bad_certificate; certificate_expired for an expired one, unknown_ca when no
	 * path leads to the CA). The built-in stack checks only the CA flags, signatures and dates.
	 * Also refused, with bad_certificate, a chain the JDK cannot read (so it cannot verify it).
	 * The caller then closes the connection with the alert.
	 */
	public static ClientChain clientChain(ByteBuffer b, int offset, int length, @Nullable InetSocketAddress remote,
			@Nullable X509TrustManager trust) {
		List<X509Certificate> chain;
		try {
			chain = List.copyOf(parse(b, offset, length));
		}
		catch (CertificateException | RuntimeException e) {
			TlsFailures.certificateUnreadable(remote, e.getMessage() + " (closing with the alert bad_certificate)");
			return new ClientChain(List.of(), BAD_CERTIFICATE);
		}
		return clientAuthRefusal(chain, trust, remote);
	}

	private static ClientChain refusal(@Nullable InetSocketAddress remote, String why, int alert) {
		TlsFailures.handshakeFailed(remote, why + " (closing with the alert " + alertName(alert) + ")");
		return new ClientChain(List.of(), alert);
	}

	/** The RFC 8446 name of one of the alerts above. */
	private static String alertName(int alert) {
		return switch (alert) {
			case UNSUPPORTED_CERTIFICATE -> "unsupported_certificate";
			case CERTIFICATE_EXPIRED -> "certificate_expired";
			case UNKNOWN_CA -> "unknown_ca";
			default -> "bad_certificate";
		};
	}

	/** {@code chain} accepted, or why it may not authenticate a client (see {@link #clientChain}), logged. */
	private static ClientChain clientAuthRefusal(List<X509Certificate> chain, @Nullable X509TrustManager trust,
			@Nullable InetSocketAddress remote) {
		if (chain.isEmpty()) {
			return new ClientChain(chain, 0);
		}
		X509Certificate own = chain.get(0);
		try {
			List<String> uses = own.getExtendedKeyUsage();
			if (uses != null && !uses.contains("1.3.6.1.5.5.7.3.2") && !uses.contains("2.5.29.37.0")) {
				return refusal(remote, "client certificate not for client authentication (extendedKeyUsage " + uses + ")",
						UNSUPPORTED_CERTIFICATE);
			}
		}
		catch (java.security.cert.CertificateParsingException e) {
			return refusal(remote, "client certificate with an unreadable extendedKeyUsage: " + e.getMessage(),
					BAD_CERTIFICATE);
		}
		if (trust != null) {
			try {
				// the authType of a client's chain is its key's type, as the JDK's server passes it
				trust.checkClientTrusted(chain.toArray(new X509Certificate[0]), own.getPublicKey().getAlgorithm());
			}
			catch (CertificateException | RuntimeException e) {
				String why = "untrusted client certificate (" + own.getSubjectX500Principal() + "): " + e.getMessage();
				return refusal(remote, why, pkixAlert(e));
			}
		}
		return new ClientChain(chain, 0);
	}

	/**
	 * The alert for a chain the PKIX trust manager refused (RFC 8446 6.2, as OpenSSL chooses):
	 * certificate_expired for an expired certificate, unknown_ca when no path leads to the
	 * trusted CA, else bad_certificate.
	 */
	static int pkixAlert(Throwable e) {
		for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (t instanceof java.security.cert.CertificateExpiredException) {
				return CERTIFICATE_EXPIRED;
			}
			if (t instanceof java.security.cert.CertPathValidatorException v
					&& v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED) {
				return CERTIFICATE_EXPIRED;
			}
			if (t instanceof java.security.cert.CertPathBuilderException) {
				return UNKNOWN_CA;
			}
		}
		return BAD_CERTIFICATE;
	}

	/**
	 * The certificates of a TLS 1.3 Certificate message (handshake header, request context,
	 * then the list, each certificate with its extensions), in the order sent: the peer's own
	 * first. An empty list gives an empty result.
	 * @throws CertificateException for a certificate the JDK cannot read
	 * @throws IllegalArgumentException for a list longer than its message
	 */
	public static List<X509Certificate> parse(ByteBuffer b, int offset, int length) throws CertificateException {
		List<X509Certificate> out = new ArrayList<>();
		int p = offset + 4;
		int end = offset + length;
		p += 1 + (b.get(p) & 0xff); // certificate_request_context
		int listEnd = p + 3 + u24(b, p);
		p += 3;
		if (listEnd > end) {
			throw new IllegalArgumentException("certificate list longer than its message");
		}
		CertificateFactory f = CertificateFactory.getInstance("X.509");
		while (p + 3 <= listEnd) {
			int n = u24(b, p);
			p += 3;
			byte[] der = new byte[n];
			b.get(p, der);
			p += n;
			out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
			p += 2 + (b.getShort(p) & 0xffff); // extensions
		}
		return out;
	}

	/**
	 * Why a handshake that the built-in stack failed with {@code message} failed: the JDK's
	 * reason when the server's certificates arrived and the JDK refuses them too (more precise
	 * than the stack's, such as "failed to verify hostname"), followed by the stack's message.
	 * An alert before any certificate (the server refused the ClientHello) gets a hint at the
	 * usual cause: a server key the stack's few signature schemes leave out (EC P-384, say).
	 */
	public String explain(String message) {
		boolean beforeCertificates = chain.isEmpty() && parseError == null;
		if (beforeCertificates && message.contains("TLS error alert")) {
			return message + " (the server may need a signature scheme the built-in stack does not offer: it offers "
					+ "ECDSA P-256, RSA-PSS and RSA PKCS#1 with SHA-256 only, so a server key of EC P-384, say, fails)";
		}
		String why = beforeCertificates ? null : verify();
		return why != null ? why + " (" + message + ")" : message;
	}

	/**
	 * Null when the chain is trusted and names the host, else why not; then {@link #alert()}
	 * is the fatal alert that tells the server.
	 */
	public @Nullable String verify() {
		alert = BAD_CERTIFICATE;
		if (parseError != null) {
			return parseError;
		}
		if (chain.isEmpty()) {
			return "the server sent no certificate";
		}
		X509Certificate[] certs = chain.toArray(new X509Certificate[0]);
		try {
			trust.checkServerTrusted(certs, "UNKNOWN");
		}
		catch (CertificateException | RuntimeException e) {
			alert = pkixAlert(e);
			return "untrusted server certificate (" + certs[0].getSubjectX500Principal() + "): " + e.getMessage();
		}
		if (!matchesHost(certs[0], host)) {
			return "the server certificate (" + certs[0].getSubjectX500Principal() + ") is not valid for " + host;
		}
		return null;
	}

	/**
	 * The RFC 8446 6.2 alert for the server's chain that {@link #verify()} refused, as OpenSSL
	 * chooses it: unknown_ca when no path leads to a trusted root, certificate_expired for an
	 * expired certificate, else bad_certificate (a host name it does not name, among others).
	 */
	public int alert() {
		return alert;
	}

	static boolean matchesHost(X509Certificate cert, String host) {
		Collection<List<?>> names;
		try {
			names = cert.getSubjectAlternativeNames();
		}
		catch (CertificateParsingException e) {
			return false;
		}
		if (names == null) {
			return false;
		}
		byte[] ip = ipLiteral(host);
		String h = host.toLowerCase(Locale.ROOT);
		if (h.endsWith(".")) {
			h = h.substring(0, h.length() - 1);
		}
		for (List<?> n : names) {
			int type = (Integer) n.get(0);
			String value = String.valueOf(n.get(1));
			if (ip != null && type == 7) {
				byte[] other = ipLiteral(value);
				if (other != null && java.util.Arrays.equals(ip, other)) {
					return true;
				}
			}
			else if (ip == null && type == 2 && dnsMatch(value.toLowerCase(Locale.ROOT), h)) {
				return true;
			}
		}
		return false;
	}

	static boolean dnsMatch(String pattern, String host) {
		if (pattern.endsWith(".")) {
			pattern = pattern.substring(0, pattern.length() - 1);
		}
		if (!pattern.startsWith("*.")) {
			return pattern.equals(host);
		}
		String suffix = pattern.substring(1); // ".example.org"
		if (suffix.indexOf('*') >= 0 || suffix.chars().filter(c -> c == '.').count() < 2) {
			return false; // no wildcard next to a public suffix-like single label
		}
		int dot = host.indexOf('.');
		return dot > 0 && host.substring(dot).equals(suffix);
	}

	static byte @Nullable [] ipLiteral(String s) {
		String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
		boolean v4 = t.chars().allMatch(c -> c == '.' || Character.isDigit(c)) && t.indexOf('.') > 0;
		if (!v4 && t.indexOf(':') < 0) {
			return null;
		}
		try {
			return InetAddress.getByName(t).getAddress(); // a literal: no lookup
		}
		catch (UnknownHostException e) {
			return null;
		}
	}

	private static int u24(ByteBuffer b, int p) {
		return ((b.get(p) & 0xff) << 16) | ((b.get(p + 1) & 0xff) << 8) | (b.get(p + 2) & 0xff);
	}
}
