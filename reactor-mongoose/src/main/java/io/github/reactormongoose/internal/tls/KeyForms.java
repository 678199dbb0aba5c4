/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;


/**
 * Private keys: read from every PEM form common tools write (PKCS#8 {@code PRIVATE KEY}, SEC1
 * {@code EC PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}), checked against what Mongoose's
 * built-in stack can sign with (ECDSA P-256, and RSA of 2,048 to 4,096 bits with the fix of
 * hook 17 in native/hook-mongoose.sh), and written in the form it parses (SEC1 for EC, PKCS#8
 * for RSA). Intermediate arrays are wiped.
 */
public final class KeyForms {

	/** OID 1.2.840.10045.3.1.7 (secp256r1), DER content bytes. */
	private static final byte[] P256_OID = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
	static final int MAX_RSA_BITS = 4096; // largest RSA key in a certificate the stack verifies, or signs with
	/** Smallest RSA key the stack signs with: its CRT signer wants primes of at least 128 bytes. */
	static final int MIN_RSA_BITS = 2048;
	private static final int MIN_RSA_FACTOR_BYTES = 128;
	private static final int MAX_RSA_FACTOR_BYTES = (MAX_RSA_BITS + 64) / 2 / 8; // BearSSL's BR_MAX_RSA_FACTOR

	private KeyForms() {
	}

	/** The private key of a PEM text (other blocks, such as EC PARAMETERS, are skipped). */
	public static PrivateKey read(byte[] pem, String what) {
		List<Pem.Block> blocks = Pem.blocks(pem);
		try {
			for (Pem.Block b : blocks) {
				byte[] der = b.der();
				try {
					switch (b.label()) {
						case "PRIVATE KEY":
							return pkcs8(der, what);
						case "EC PRIVATE KEY":
							return sec1(der, what);
						case "RSA PRIVATE KEY":
							return pkcs1(der, what);
						case "ENCRYPTED PRIVATE KEY":
							throw new IllegalArgumentException(what + ": the key is encrypted; decrypt it first, "
									+ "for example: openssl pkey -in key.pem -out plain.pem");
						default:
							break;
					}
				}
				finally {
					Arrays.fill(der, (byte) 0);
				}
			}
		}
		catch (GeneralSecurityException | RuntimeException e) {
			if (e instanceof IllegalArgumentException) {
				throw (IllegalArgumentException) e;
			}
			throw new IllegalArgumentException(what + ": not a readable private key: " + e.getMessage(), e);
		}
		throw new IllegalArgumentException(what + ": no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found");
	}

	/** Refuses keys the built-in stack cannot sign with. */
	public static void checkSupported(PrivateKey key, String what) {
		if (key instanceof ECPrivateKey ec) {
			if (!isP256(ec.getParams())) {
				throw new IllegalArgumentException(what + ": EC key on curve " + curveName(ec.getParams())
						+ " is not supported by Mongoose's built-in TLS, which signs with P-256 (secp256r1, "
						+ "prime256v1) only; make one with: openssl ecparam -name prime256v1 -genkey");
			}
			return;
		}
		if (key instanceof RSAPrivateCrtKey rsa) {
			int bits = rsa.getModulus().bitLength();
			if (bits < MIN_RSA_BITS - 7 || bits > MAX_RSA_BITS) { // the stack wants 256 to 512 bytes of modulus
				throw new IllegalArgumentException(what + ": RSA key of " + bits + " bits; Mongoose's built-in TLS "
						+ "signs with RSA keys of " + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits");
			}
			int p = (rsa.getPrimeP().bitLength() + 7) / 8;
			int q = (rsa.getPrimeQ().bitLength() + 7) / 8;
			if (p < MIN_RSA_FACTOR_BYTES || q < MIN_RSA_FACTOR_BYTES || p > MAX_RSA_FACTOR_BYTES
					|| q > MAX_RSA_FACTOR_BYTES) {
				throw new IllegalArgumentException(what + ": RSA key whose primes have " + p + " and " + q
						+ " bytes; Mongoose's built-in TLS signs with primes of " + MIN_RSA_FACTOR_BYTES + " to "
						+ MAX_RSA_FACTOR_BYTES + " bytes each (what openssl and keytool make for 2,048 to 4,096 bits)");
			}
			return;
		}
		if (key instanceof RSAPrivateKey) {
			throw new IllegalArgumentException(what + ": an RSA key without its CRT parameters (the primes p and q "
					+ "and their exponents) cannot sign in Mongoose's built-in TLS; keys that openssl, certbot and "
					+ "keytool write have them");
		}
		throw new IllegalArgumentException(what + ": " + key.getAlgorithm()
				+ " keys are not supported by Mongoose's built-in TLS (EC P-256 only)");
	}

	/**
	 * The PEM the built-in stack parses: SEC1 for an EC P-256 key, PKCS#8 for an RSA key (with
	 * its CRT parameters, which the stack signs with). Wipe it after use.
	 */
	public static byte[] toMongoosePem(PrivateKey key) {
		checkSupported(key, "private key");
		if (key instanceof RSAPrivateCrtKey) {
			byte[] der = key.getEncoded(); // PKCS#8 PrivateKeyInfo around PKCS#1 RSAPrivateKey
			try {
				return pem("PRIVATE KEY", der);
			}
			finally {
				Arrays.fill(der, (byte) 0);
			}
		}
		ECPrivateKey ec = (ECPrivateKey) key;
		byte[] der = new byte[39]; // SEQUENCE { INTEGER 1, OCTET STRING (32) d }: what mg_tls_init reads
		der[0] = 0x30;
		der[1] = 37;
		der[2] = 0x02;
		der[3] = 0x01;
		der[4] = 0x01;
		der[5] = 0x04;
		der[6] = 0x20;
		byte[] d = ec.getS().toByteArray();
		int n = Math.min(d.length, 32);
		System.arraycopy(d, d.length - n, der, 7 + 32 - n, n);
		Arrays.fill(d, (byte) 0);
		try {
			return pem("EC PRIVATE KEY", der);
		}
		finally {
			Arrays.fill(der, (byte) 0);
		}
	}

	/** PEM text of der, made in one array (no intermediate copies of a key are left behind). */
	static byte[] pem(String label, byte[] der) {
		byte[] b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encode(der);
		byte[] head = ("-----BEGIN " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
		byte[] tail = ("\n-----END " + label + "-----\n").getBytes(StandardCharsets.US_ASCII);
		byte[] out = new byte[head.length + b64.length + tail.length];
		System.arraycopy(head, 0, out, 0, head.length);
		System.arraycopy(b64, 0, out, head.length, b64.length);
		System.arraycopy(tail, 0, out, head.length + b64.length, tail.length);
		Arrays.fill(b64, (byte) 0);
		return out;
	}

	private static PrivateKey pkcs8(byte[] der, String what) throws GeneralSecurityException {
		PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
		for (String alg : new String[] {"EC", "RSA"}) {
			try {
				return KeyFactory.getInstance(alg).generatePrivate(spec);
			}
			catch (GeneralSecurityException e) {
				// try the next algorithm
			}
		}
		throw new IllegalArgumentException(what + ": PKCS#8 key of an algorithm other than EC and RSA "
				+ "(Mongoose's built-in TLS signs with EC P-256 or RSA only)");
	}

	/** SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING d, [0] curve OID OPTIONAL, [1] ... }. */
	private static PrivateKey sec1(byte[] der, String what) throws GeneralSecurityException {
		Der.Reader seq = new Der.Reader(der).sequence();
		seq.integer();
		byte[] d = seq.octetString();
		while (seq.hasMore()) {
			int tag = seq.peekTag();
			Der.Reader field = seq.explicit(tag);
			if (tag == 0xa0) {
				byte[] oid = field.oid();
				if (!Arrays.equals(oid, P256_OID)) {
					throw new IllegalArgumentException(what + ": EC key on a curve other than P-256 (OID "
							+ Der.oidString(oid) + ") is not supported by Mongoose's built-in TLS");
				}
			}
		}
		try {
			return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(new BigInteger(1, d), p256()));
		}
		finally {
			Arrays.fill(d, (byte) 0);
		}
	}

	/** PKCS#1 RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dP, dQ, qInv }. */
	private static PrivateKey pkcs1(byte[] der, String what) throws GeneralSecurityException {
		Der.Reader seq = new Der.Reader(der).sequence();
		BigInteger[] v = new BigInteger[9];
		for (int i = 0; i < v.length; i++) {
			v[i] = seq.integer();
		}
		if (v[0].signum() != 0) {
			throw new IllegalArgumentException(what + ": multi-prime RSA keys are not supported");
		}
		return KeyFactory.getInstance("RSA")
				.generatePrivate(new RSAPrivateCrtKeySpec(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]));
	}

	static ECParameterSpec p256() throws GeneralSecurityException {
		AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
		p.init(new ECGenParameterSpec("secp256r1"));
		return p.getParameterSpec(ECParameterSpec.class);
	}

	static boolean isP256(ECParameterSpec spec) {
		try {
			ECParameterSpec p = p256();
			return p.getCurve().equals(spec.getCurve()) && p.getGenerator().equals(spec.getGenerator())
					&& p.getOrder().equals(spec.getOrder());
		}
		catch (GeneralSecurityException e) {
			return false;
		}
	}

	static String curveName(ECParameterSpec spec) {
		int bits = spec.getOrder().bitLength();
		return switch (bits) {
			case 384 -> "P-384 (secp384r1)";
			case 521 -> "P-521 (secp521r1)";
			default -> "of " + bits + " bits";
		};
	}

}
