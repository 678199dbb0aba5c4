/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** PEM blocks and X.509 certificates (PEM, any number, or one DER certificate). */
public final class Pem {

	private static final byte[] BEGIN = "-----BEGIN ".getBytes(StandardCharsets.US_ASCII);

	private Pem() {
	}

	/** One block: its label and decoded bytes (the caller wipes them if secret). */
	record Block(String label, byte[] der) {
	}

	/** The blocks of a PEM text, in order; text outside blocks is ignored. */
	static List<Block> blocks(byte[] text) {
		List<Block> out = new ArrayList<>();
		int i = 0;
		while ((i = indexOf(text, BEGIN, i)) >= 0) {
			int labelStart = i + BEGIN.length;
			int labelEnd = indexOf(text, "-----".getBytes(StandardCharsets.US_ASCII), labelStart);
			if (labelEnd < 0) {
				break;
			}
			String label = new String(text, labelStart, labelEnd - labelStart, StandardCharsets.US_ASCII);
			byte[] end = ("-----END " + label + "-----").getBytes(StandardCharsets.US_ASCII);
			int bodyStart = labelEnd + 5;
			int bodyEnd = indexOf(text, end, bodyStart);
			if (bodyEnd < 0) {
				throw new IllegalArgumentException("PEM block " + label + " without its END line");
			}
			int n = 0;
			for (int k = bodyStart; k < bodyEnd; k++) {
				byte c = text[k];
				if (c == ':') { // RFC 1421 headers (Proc-Type: 4,ENCRYPTED ...)
					throw new IllegalArgumentException("PEM block " + label + " has headers (an encrypted "
							+ "traditional key?); decrypt it first, for example: openssl pkey -in key.pem -out plain.pem");
				}
				if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
					n++;
				}
			}
			byte[] body = new byte[n];
			n = 0;
			for (int k = bodyStart; k < bodyEnd; k++) {
				byte c = text[k];
				if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
					body[n++] = c;
				}
			}
			byte[] der = new byte[n / 4 * 3 + 3];
			int len;
			try {
				len = Base64.getDecoder().decode(body, der);
			}
			catch (IllegalArgumentException e) {
				Arrays.fill(der, (byte) 0);
				throw new IllegalArgumentException("PEM block " + label + " is not valid base64", e);
			}
			finally {
				Arrays.fill(body, (byte) 0);
			}
			if (len < der.length) { // trim, and wipe the longer array
				byte[] exact = Arrays.copyOf(der, len);
				Arrays.fill(der, (byte) 0);
				der = exact;
			}
			out.add(new Block(label, der));
			i = bodyEnd + end.length;
		}
		return out;
	}

	/** The certificates of a PEM text (one or more) or of one DER certificate. */
	public static List<X509Certificate> certificates(byte[] data, String what) {
		try {
			CertificateFactory f = CertificateFactory.getInstance("X.509");
			List<X509Certificate> out = new ArrayList<>();
			for (var c : f.generateCertificates(new ByteArrayInputStream(data))) {
				out.add((X509Certificate) c);
			}
			if (out.isEmpty()) {
				throw new IllegalArgumentException(what + ": no certificate found");
			}
			return out;
		}
		catch (CertificateException e) {
			throw new IllegalArgumentException(what + ": not a readable X.509 certificate: " + e.getMessage(), e);
		}
	}

	/** PEM text of certificates. */
	static byte[] encode(List<X509Certificate> certs) {
		StringBuilder s = new StringBuilder();
		for (X509Certificate c : certs) {
			s.append(new String(KeyForms.pem("CERTIFICATE", encoded(c)), StandardCharsets.US_ASCII));
		}
		return s.toString().getBytes(StandardCharsets.US_ASCII);
	}

	static byte[] encoded(X509Certificate c) {
		try {
			return c.getEncoded();
		}
		catch (java.security.cert.CertificateEncodingException e) {
			throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
		}
	}

	/** All bytes of a file, with a clear message when it cannot be read. */
	public static byte[] read(Path file, String what) {
		try {
			return Files.readAllBytes(file);
		}
		catch (IOException e) {
			throw new UncheckedIOException(what + ": cannot read " + file + ": " + e.getMessage(), e);
		}
	}

	private static int indexOf(byte[] a, byte[] pattern, int from) {
		outer:
		for (int i = Math.max(0, from); i <= a.length - pattern.length; i++) {
			for (int j = 0; j < pattern.length; j++) {
				if (a[i + j] != pattern[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}
}
