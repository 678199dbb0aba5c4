/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;


/**
 * Certificates made by the test run with {@code openssl req} and {@code openssl ca} in a
 * temporary folder (no private key is ever committed): a root CA, optionally an intermediate,
 * and server and client certificates with EC P-256 or RSA 2048 keys.
 */
public final class TestPki {

	/** Key types the tests make. */
	public enum KeyType {
		EC_P256("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
		EC_P384("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"),
		RSA_2048("-newkey", "rsa:2048"),
		RSA_3072("-newkey", "rsa:3072"),
		RSA_4096("-newkey", "rsa:4096"),
		RSA_1024("-newkey", "rsa:1024");

		final List<String> args;

		KeyType(String... args) {
			this.args = List.of(args);
		}
	}

	/** A certificate and its key (PKCS#8 PEM as openssl writes it) in files. */
	public record Issued(Path cert, Path key, Path chain) {
	}

	private final Path dir;
	private final String name;
	private final Path caCert;
	private final Path caKey;
	private final Path chainTail; // the issuer's chain up to (excluding) the root

	private TestPki(Path dir, String name, Path caCert, Path caKey, Path chainTail) {
		this.dir = dir;
		this.name = name;
		this.caCert = caCert;
		this.caKey = caKey;
		this.chainTail = chainTail;
	}

	/** Skips the test with a notice when openssl is missing. */
	public static void assumeOpenssl() {
		Commands.assumeAvailable("openssl", "version");
	}

	/** A client SSLContext of the JDK that trusts the CA certificate in {@code caPem}. */
	public static SSLContext trusting(Path caPem) throws Exception {
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, trustManagers(caPem), null);
		return ctx;
	}

	/**
	 * A server SSLContext of the JDK with {@code issued}'s chain and its key (the PKCS#8 PEM
	 * that {@code openssl req} writes), for peers such as the JDK's {@code HttpsServer}.
	 */
	public static SSLContext serving(Issued issued) throws Exception {
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(keyManagers(issued), null, null);
		return ctx;
	}

	/**
	 * A client SSLContext of the JDK that presents {@code issued}'s chain (client
	 * authentication) and trusts the CA certificate in {@code caPem}.
	 */
	public static SSLContext presenting(Issued issued, Path caPem) throws Exception {
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(keyManagers(issued), trustManagers(caPem), null);
		return ctx;
	}

	/**
	 * As {@link #presenting}, but the JDK signs its CertificateVerify with {@code signer}'s key
	 * (of the same type), not the key of {@code issued}'s certificate: a signature that does not
	 * verify with the certificate sent.
	 */
	public static SSLContext presentingWithWrongKey(Issued issued, Issued signer, Path caPem) throws Exception {
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(keyManagers(new Issued(issued.cert(), signer.key(), issued.chain())), trustManagers(caPem), null);
		return ctx;
	}

	/** A client SSLContext of the JDK that trusts {@code ca} (a CA or a self-signed server certificate). */
	public static SSLContext trusting(Certificate ca) throws Exception {
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(null, trustManagers(ca), null);
		return ctx;
	}

	private static TrustManager[] trustManagers(Path caPem) throws Exception {
		try (InputStream in = Files.newInputStream(caPem)) {
			return trustManagers(CertificateFactory.getInstance("X.509").generateCertificate(in));
		}
	}

	private static TrustManager[] trustManagers(Certificate ca) throws Exception {
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		ks.setCertificateEntry("ca", ca);
		TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		tmf.init(ks);
		return tmf.getTrustManagers();
	}

	private static KeyManager[] keyManagers(Issued issued) throws Exception {
		String pem = Files.readString(issued.key(), StandardCharsets.US_ASCII);
		String b64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
		byte[] der = Base64.getDecoder().decode(b64);
		PrivateKey key = KeyFactory.getInstance(keyAlgorithm(der))
				.generatePrivate(new PKCS8EncodedKeySpec(der));
		List<Certificate> chain;
		try (InputStream in = Files.newInputStream(issued.chain())) {
			chain = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
		}
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		char[] pw = "test".toCharArray();
		ks.setKeyEntry("key", key, pw, chain.toArray(new Certificate[0]));
		KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		kmf.init(ks, pw);
		return kmf.getKeyManagers();
	}

	/** The key algorithm of a PKCS#8 key: EC or RSA. */
	private static String keyAlgorithm(byte[] pkcs8) {
		for (String alg : List.of("EC", "RSA")) {
			try {
				KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
				return alg;
			}
			catch (Exception e) {
				// try the next
			}
		}
		throw new IllegalArgumentException("neither an EC nor an RSA PKCS#8 key");
	}

	/** A self-signed root CA (EC P-256 unless given). */
	public static TestPki root(Path dir, String name) throws IOException, InterruptedException {
		return root(dir, name, KeyType.EC_P256);
	}

	public static TestPki root(Path dir, String name, KeyType type) throws IOException, InterruptedException {
		assumeOpenssl();
		Path d = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9.-]", "_")));
		Path key = d.resolve("ca.key");
		Path cert = d.resolve("ca.pem");
		List<String> cmd = new ArrayList<>(List.of("openssl", "req", "-x509", "-new"));
		cmd.addAll(type.args);
		cmd.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "3", "-subj",
				"/CN=" + name, "-addext", "basicConstraints=critical,CA:true", "-addext",
				"keyUsage=critical,keyCertSign,cRLSign"));
		run(cmd, d);
		Path empty = Files.writeString(d.resolve("empty-chain.pem"), "");
		return new TestPki(d, name, cert, key, empty);
	}

	/** An intermediate CA issued by this one. */
	public TestPki intermediate(String name) throws IOException, InterruptedException {
		return intermediate(name, "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n");
	}

	/**
	 * An intermediate CA issued by this one, with these extensions (openssl config lines), for
	 * example a pathLenConstraint: {@code basicConstraints=critical,CA:true,pathlen:0}.
	 */
	public TestPki intermediate(String name, String extensions) throws IOException, InterruptedException {
		Path d = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9.-]", "_")));
		Issued i = issue(name, KeyType.EC_P256, d, extensions, null);
		Path tail = Files.writeString(d.resolve("chain-tail.pem"),
				Files.readString(i.cert()) + Files.readString(chainTail));
		return new TestPki(d, name, i.cert(), i.key(), tail);
	}

	/** The CA certificate (PEM). */
	public Path ca() {
		return caCert;
	}

	/** A server certificate for {@code localhost} and 127.0.0.1 (or the given SANs). */
	public Issued server(String cn, KeyType type, String... sans) throws IOException, InterruptedException {
		String san = sans.length == 0 ? "DNS:localhost,IP:127.0.0.1" : String.join(",", sans);
		return issue(cn, type, dir, "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
				+ "extendedKeyUsage=serverAuth\nsubjectAltName=" + san + "\n", null);
	}

	/** A client certificate. */
	public Issued client(String cn, KeyType type) throws IOException, InterruptedException {
		return issue(cn, type, dir, "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
				+ "extendedKeyUsage=clientAuth\n", null);
	}

	/**
	 * A client certificate (EC P-256) with these extensions (openssl config lines) instead of
	 * the usual ones, for example a keyUsage without digitalSignature or an unknown critical
	 * extension ({@code 1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:x}).
	 */
	public Issued client(String cn, String extensions) throws IOException, InterruptedException {
		return issue(cn, KeyType.EC_P256, dir, extensions, null);
	}

	/** A server certificate that expired yesterday. */
	public Issued expiredServer(String cn) throws IOException, InterruptedException {
		return issue(cn, KeyType.EC_P256, dir, "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
				+ "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n", "expired");
	}

	/** A client certificate that expired in 2020. */
	public Issued expiredClient(String cn) throws IOException, InterruptedException {
		return issue(cn, KeyType.EC_P256, dir, "basicConstraints=critical,CA:false\nkeyUsage=critical,digitalSignature\n"
				+ "extendedKeyUsage=clientAuth\n", "expired");
	}

	private Issued issue(String cn, KeyType type, Path outDir, String extensions, String validity)
			throws IOException, InterruptedException {
		String base = cn.replaceAll("[^A-Za-z0-9.-]", "_");
		Path key = outDir.resolve(base + ".key");
		Path csr = outDir.resolve(base + ".csr");
		Path cert = outDir.resolve(base + ".pem");
		List<String> req = new ArrayList<>(List.of("openssl", "req", "-new"));
		req.addAll(type.args);
		req.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=" + cn));
		run(req, outDir);
		Path db = dir.resolve("db");
		Files.createDirectories(db.resolve("new"));
		Path index = db.resolve("index.txt");
		if (!Files.exists(index)) {
			Files.writeString(index, "");
			Files.writeString(db.resolve("serial"), String.format("%04X%n", 4096 + Math.abs(name.hashCode() % 4096)));
		}
		Path ext = outDir.resolve(base + ".ext");
		Files.writeString(ext, "[ext]\n" + extensions);
		Path conf = db.resolve("ca.cnf");
		Files.writeString(conf, "[ca]\ndefault_ca = c\n[c]\ndatabase = " + index + "\nnew_certs_dir = " + db.resolve("new")
				+ "\ncertificate = " + caCert + "\nprivate_key = " + caKey + "\ndefault_md = sha256\npolicy = p\n"
				+ "\nserial = " + db.resolve("serial") + "\nunique_subject = no\ncopy_extensions = none\n[p]\ncommonName = supplied\n");
		List<String> ca = new ArrayList<>(List.of("openssl", "ca", "-batch", "-config", conf.toString(), "-in",
				csr.toString(), "-out", cert.toString(), "-extfile", ext.toString(), "-extensions", "ext", "-notext"));
		if ("expired".equals(validity)) {
			ca.addAll(List.of("-startdate", "20200101000000Z", "-enddate", "20200102000000Z"));
		}
		else {
			ca.addAll(List.of("-days", "2"));
		}
		run(ca, outDir);
		Path chain = outDir.resolve(base + "-chain.pem");
		Files.writeString(chain, Files.readString(cert) + Files.readString(chainTail));
		return new Issued(cert, key, chain);
	}

	/** Runs a command in dir; fails with its output if it fails. */
	public static String run(List<String> cmd, Path dir) throws IOException, InterruptedException {
		Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
		byte[] out = p.getInputStream().readAllBytes();
		if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
			throw new AssertionError("failed: " + String.join(" ", cmd) + "\n" + new String(out, StandardCharsets.UTF_8));
		}
		return new String(out, StandardCharsets.UTF_8);
	}
}
