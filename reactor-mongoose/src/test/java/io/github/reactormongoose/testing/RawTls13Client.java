/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.List;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * A TLS 1.3 client written for tests, to send records no real client sends (a zero-length
 * application record, a record without content type, handshake messages after the
 * handshake). TLS_AES_128_GCM_SHA256 with X25519 only, the server's certificate not checked:
 * it talks to our own servers, whose certificates other tests check. RFC 8446 7.1 key
 * schedule; records sealed as in 5.2. Asked for a certificate (CertificateRequest), it sends
 * the one it was given ({@link Presenting}), with a CertificateVerify in the scheme it was told
 * to use, or an empty Certificate.
 */
public final class RawTls13Client implements Closeable {

	private static final byte[] ZEROS = new byte[32];

	private final Socket socket;
	private final DataInputStream in;
	private final OutputStream out;
	private final MessageDigest transcript;
	private byte[] writeKey;
	private byte[] writeIv;
	private byte[] readKey;
	private byte[] readIv;
	private long writeSeq;
	/** The client's application traffic secret, for {@link #renewWriteKeys()}. */
	private byte[] writeSecret = new byte[0];
	private long readSeq;
	/** The description of the last sealed alert read (RFC 8446 6), -1 before any. */
	private int alert = -1;
	/** Handshake bytes decrypted but not yet taken as whole messages. */
	private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
	/** The schemes of the server's CertificateRequest: signature_algorithms, signature_algorithms_cert (null if absent). */
	private int @Nullable [][] requested;

	/**
	 * A client certificate to present: its chain (DER, own certificate first), the key that
	 * signs the CertificateVerify (EC P-256: SHA256withECDSA) and the signature scheme the
	 * CertificateVerify names (0x0403 for a true one; another makes it one the server may not take).
	 */
	public record Presenting(List<byte[]> chain, PrivateKey key, int scheme) {
	}

	private RawTls13Client(Socket socket) throws IOException, GeneralSecurityException {
		this.socket = socket;
		this.in = new DataInputStream(socket.getInputStream());
		this.out = socket.getOutputStream();
		this.transcript = MessageDigest.getInstance("SHA-256");
	}

	/** Connects to 127.0.0.1:{@code port} and completes a TLS 1.3 handshake. */
	public static RawTls13Client connect(int port) throws IOException, GeneralSecurityException {
		return connect(port, false);
	}

	/**
	 * Connects to 127.0.0.1:{@code port} and completes a TLS 1.3 handshake whose Finished, if
	 * {@code badFinished}, has one bit of its verify_data flipped (RFC 8446 4.4.4: the server
	 * must abort).
	 */
	public static RawTls13Client connect(int port, boolean badFinished) throws IOException, GeneralSecurityException {
		return connect(port, badFinished, null, 10_000);
	}

	/**
	 * Connects to 127.0.0.1:{@code port} and completes a TLS 1.3 handshake, presenting
	 * {@code presenting} if the server asks for a certificate; each read waits at most
	 * {@code timeoutMillis}.
	 */
	public static RawTls13Client connect(int port, @Nullable Presenting presenting, int timeoutMillis)
			throws IOException, GeneralSecurityException {
		return connect(port, false, presenting, timeoutMillis);
	}

	private static RawTls13Client connect(int port, boolean badFinished, @Nullable Presenting presenting, int timeoutMillis)
			throws IOException, GeneralSecurityException {
		Socket s = new Socket("127.0.0.1", port);
		s.setSoTimeout(timeoutMillis);
		RawTls13Client c = new RawTls13Client(s);
		try {
			c.handshake(badFinished, presenting);
		}
		catch (IOException | GeneralSecurityException | RuntimeException e) {
			s.close();
			throw e;
		}
		return c;
	}

	private void handshake(boolean badFinished, @Nullable Presenting presenting) throws IOException, GeneralSecurityException {
		KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
		KeyPair kp = g.generateKeyPair();
		byte[] pub = littleEndian(((XECPublicKey) kp.getPublic()).getU(), 32);
		SecureRandom random = new SecureRandom();
		byte[] clientRandom = new byte[32];
		byte[] sessionId = new byte[32];
		random.nextBytes(clientRandom);
		random.nextBytes(sessionId);
		ByteArrayOutputStream ext = new ByteArrayOutputStream();
		extension(ext, 0x002b, new byte[] {2, 0x03, 0x04}); // supported_versions: TLS 1.3
		extension(ext, 0x000a, new byte[] {0, 2, 0, 0x1d}); // supported_groups: x25519
		extension(ext, 0x000d, new byte[] {0, 6, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01}); // signature_algorithms
		ByteArrayOutputStream share = new ByteArrayOutputStream();
		share.write(new byte[] {0, 36, 0, 0x1d, 0, 32});
		share.write(pub);
		extension(ext, 0x0033, share.toByteArray()); // key_share
		ByteArrayOutputStream hello = new ByteArrayOutputStream();
		hello.write(new byte[] {3, 3});
		hello.write(clientRandom);
		hello.write(32);
		hello.write(sessionId);
		hello.write(new byte[] {0, 2, 0x13, 0x01, 1, 0}); // TLS_AES_128_GCM_SHA256; no compression
		byte[] e = ext.toByteArray();
		hello.write(e.length >> 8);
		hello.write(e.length);
		hello.write(e);
		byte[] clientHello = message(1, hello.toByteArray());
		transcript.update(clientHello);
		writeRaw(22, 0x0301, clientHello);

		byte[] serverHello = readPlainHandshake();
		transcript.update(serverHello);
		byte[] serverKey = keyShare(serverHello);
		KeyAgreement ka = KeyAgreement.getInstance("X25519");
		ka.init(kp.getPrivate());
		ka.doPhase(KeyFactory.getInstance("X25519").generatePublic(
				new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(1, reverse(serverKey)))), true);
		byte[] shared = ka.generateSecret();

		byte[] early = hmac(ZEROS, ZEROS);
		byte[] hs = hmac(expandLabel(early, "derived", sha256(new byte[0]), 32), shared);
		byte[] helloHash = hash();
		byte[] cHs = expandLabel(hs, "c hs traffic", helloHash, 32);
		byte[] sHs = expandLabel(hs, "s hs traffic", helloHash, 32);
		readKey = expandLabel(sHs, "key", new byte[0], 16);
		readIv = expandLabel(sHs, "iv", new byte[0], 12);
		writeKey = expandLabel(cHs, "key", new byte[0], 16);
		writeIv = expandLabel(cHs, "iv", new byte[0], 12);

		// EncryptedExtensions, Certificate, CertificateVerify, Finished (maybe in one record)
		while (true) {
			byte[] m = nextHandshakeMessage();
			transcript.update(m);
			if (m[0] == 13) {
				requested = certificateRequestSchemes(m);
			}
			if (m[0] == 20) {
				break;
			}
		}
		byte[] serverFinishedHash = hash();
		if (requested != null) {
			sendCertificate(presenting);
		}
		byte[] finishedKey = expandLabel(cHs, "finished", new byte[0], 32);
		byte[] verifyData = hmac(finishedKey, hash());
		if (badFinished) {
			verifyData[7] ^= 1;
		}
		writeRecord(22, message(20, verifyData));

		byte[] master = hmac(expandLabel(hs, "derived", sha256(new byte[0]), 32), ZEROS);
		byte[] cAp = expandLabel(master, "c ap traffic", serverFinishedHash, 32);
		byte[] sAp = expandLabel(master, "s ap traffic", serverFinishedHash, 32);
		writeSecret = cAp;
		writeKey = expandLabel(cAp, "key", new byte[0], 16);
		writeIv = expandLabel(cAp, "iv", new byte[0], 12);
		writeSeq = 0;
		readKey = expandLabel(sAp, "key", new byte[0], 16);
		readIv = expandLabel(sAp, "iv", new byte[0], 12);
		readSeq = 0;
	}

	/**
	 * The signature schemes of the server's CertificateRequest: its signature_algorithms, then
	 * its signature_algorithms_cert (null when it has none); null if the server asked for no certificate.
	 */
	public int @Nullable [][] certificateRequestSchemes() {
		return requested;
	}

	/** RFC 8446 4.3.2: context, then extensions; the lists of extensions 13 and 50. */
	private static int[][] certificateRequestSchemes(byte[] m) {
		ByteBuffer b = ByteBuffer.wrap(m);
		b.position(4);
		b.position(b.position() + 1 + (b.get(b.position()) & 0xff));
		int end = b.position() + 2 + (b.getShort() & 0xffff);
		int[][] lists = new int[2][];
		while (b.position() < end) {
			int type = b.getShort() & 0xffff;
			int len = b.getShort() & 0xffff;
			int next = b.position() + len;
			if (type == 13 || type == 50) {
				int[] list = new int[(b.getShort() & 0xffff) / 2];
				for (int i = 0; i < list.length; i++) {
					list[i] = b.getShort() & 0xffff;
				}
				lists[type == 13 ? 0 : 1] = list;
			}
			b.position(next);
		}
		return lists;
	}

	/** RFC 8446 4.4.2 and 4.4.3: the client's Certificate (empty without one) and its CertificateVerify. */
	private void sendCertificate(@Nullable Presenting presenting) throws IOException, GeneralSecurityException {
		ByteArrayOutputStream list = new ByteArrayOutputStream();
		for (byte[] der : presenting == null ? List.<byte[]>of() : presenting.chain()) {
			list.write(new byte[] {(byte) (der.length >> 16), (byte) (der.length >> 8), (byte) der.length});
			list.write(der);
			list.write(new byte[] {0, 0}); // no extensions
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(0); // the context of our server's request is empty
		body.write(new byte[] {(byte) (list.size() >> 16), (byte) (list.size() >> 8), (byte) list.size()});
		list.writeTo(body);
		byte[] certificate = message(11, body.toByteArray());
		transcript.update(certificate);
		writeRecord(22, certificate);
		if (presenting == null) {
			return;
		}
		ByteArrayOutputStream signed = new ByteArrayOutputStream();
		for (int i = 0; i < 64; i++) {
			signed.write(0x20);
		}
		signed.write("TLS 1.3, client CertificateVerify".getBytes(StandardCharsets.US_ASCII));
		signed.write(0);
		signed.write(hash());
		Signature signer = Signature.getInstance("SHA256withECDSA");
		signer.initSign(presenting.key());
		signer.update(signed.toByteArray());
		byte[] sig = signer.sign();
		ByteArrayOutputStream cv = new ByteArrayOutputStream();
		cv.write(new byte[] {(byte) (presenting.scheme() >> 8), (byte) presenting.scheme(), (byte) (sig.length >> 8),
				(byte) sig.length});
		cv.write(sig);
		byte[] verify = message(15, cv.toByteArray());
		transcript.update(verify);
		writeRecord(22, verify);
	}

	/** Seals {@code content} as one record of inner content type {@code type} (23: application data, 22: handshake). */
	public void writeRecord(int type, byte[] content) throws IOException, GeneralSecurityException {
		byte[] inner = Arrays.copyOf(content, content.length + 1);
		inner[content.length] = (byte) type;
		writeSealed(inner);
	}

	/** After a KeyUpdate of ours: the next application traffic secret, its key and IV (RFC 8446 7.2). */
	public void renewWriteKeys() throws GeneralSecurityException {
		writeSecret = expandLabel(writeSecret, "traffic upd", new byte[0], 32);
		writeKey = expandLabel(writeSecret, "key", new byte[0], 16);
		writeIv = expandLabel(writeSecret, "iv", new byte[0], 12);
		writeSeq = 0;
	}

	/** Seals {@code inner} as it is: content, content type and padding are the caller's. */
	public void writeSealed(byte[] inner) throws IOException, GeneralSecurityException {
		int len = inner.length + 16;
		byte[] header = {23, 3, 3, (byte) (len >> 8), (byte) len};
		Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
		gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(writeKey, "AES"), new GCMParameterSpec(128, nonce(writeIv, writeSeq++)));
		gcm.updateAAD(header);
		byte[] sealed = gcm.doFinal(inner);
		out.write(header);
		out.write(sealed);
		out.flush();
	}

	/**
	 * The next application data the server sent, skipping its handshake messages
	 * (NewSessionTicket); {@code null} at the end of the stream or at an alert.
	 */
	public byte[] readApplicationData() throws IOException, GeneralSecurityException {
		while (true) {
			byte[] inner;
			try {
				inner = readSealed();
			}
			catch (EOFException e) {
				return null;
			}
			int at = contentTypeAt(inner);
			if (at < 0) {
				throw new IllegalStateException("a record without content type");
			}
			int type = inner[at];
			if (type == 23) {
				return Arrays.copyOf(inner, at);
			}
			if (type == 21) {
				alert = at >= 2 ? inner[1] & 0xff : -1;
				return null;
			}
		}
	}

	/** The description of the sealed alert {@link #readApplicationData()} stopped at, else -1. */
	public int alert() {
		return alert;
	}

	@Override
	public void close() throws IOException {
		socket.close();
	}

	private byte[] readSealed() throws IOException, GeneralSecurityException {
		while (true) {
			Record r = readRecord();
			byte[] body = r.body();
			int len = body.length;
			if (r.type() == 20) {
				continue; // ChangeCipherSpec (middlebox compatibility)
			}
			if (r.type() == 21) {
				throw new EOFException("alert " + Arrays.toString(body));
			}
			if (r.type() != 23) {
				throw new IllegalStateException("record type " + r.type());
			}
			Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
			gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(readKey, "AES"), new GCMParameterSpec(128, nonce(readIv, readSeq++)));
			gcm.updateAAD(new byte[] {23, 3, 3, (byte) (len >> 8), (byte) len});
			return gcm.doFinal(body);
		}
	}

	private byte[] nextHandshakeMessage() throws IOException, GeneralSecurityException {
		while (true) {
			byte[] have = pending.toByteArray();
			if (have.length >= 4) {
				int len = ((have[1] & 0xff) << 16) | ((have[2] & 0xff) << 8) | (have[3] & 0xff);
				if (have.length >= 4 + len) {
					pending.reset();
					pending.write(have, 4 + len, have.length - 4 - len);
					return Arrays.copyOf(have, 4 + len);
				}
			}
			byte[] inner = readSealed();
			int at = contentTypeAt(inner);
			if (at >= 0 && inner[at] == 22) {
				pending.write(inner, 0, at);
			}
		}
	}

	private byte[] readPlainHandshake() throws IOException {
		while (true) {
			Record r = readRecord();
			if (r.type() == 22) {
				return r.body(); // the ServerHello, alone in its record
			}
			if (r.type() == 21) {
				throw new IOException("alert " + Arrays.toString(r.body()));
			}
		}
	}

	private record Record(int type, byte[] body) {
	}

	/** The next record as it came: type (legacy version skipped) and body. */
	private Record readRecord() throws IOException {
		int type = in.readUnsignedByte();
		in.readUnsignedShort();
		byte[] body = new byte[in.readUnsignedShort()];
		in.readFully(body);
		return new Record(type, body);
	}

	/** Where the content type of a decrypted record is, after the padding (zeros) is skipped; -1 if none. */
	private static int contentTypeAt(byte[] inner) {
		int end = inner.length;
		while (end > 0 && inner[end - 1] == 0) {
			end--;
		}
		return end - 1;
	}

	private static byte[] keyShare(byte[] serverHello) {
		ByteBuffer b = ByteBuffer.wrap(serverHello);
		b.position(4 + 2 + 32);
		b.position(b.position() + 1 + (b.get(b.position()) & 0xff) + 2 + 1);
		int end = b.position() + 2 + (b.getShort() & 0xffff);
		while (b.position() < end) {
			int type = b.getShort() & 0xffff;
			int len = b.getShort() & 0xffff;
			if (type == 0x0033) {
				b.getShort(); // group
				byte[] key = new byte[b.getShort() & 0xffff];
				b.get(key);
				return key;
			}
			b.position(b.position() + len);
		}
		throw new IllegalStateException("no key_share in the ServerHello");
	}

	private void writeRaw(int type, int version, byte[] body) throws IOException {
		out.write(new byte[] {(byte) type, (byte) (version >> 8), (byte) version, (byte) (body.length >> 8), (byte) body.length});
		out.write(body);
		out.flush();
	}

	/** A handshake message: type, 24-bit length, body. */
	public static byte[] message(int type, byte[] body) {
		byte[] m = new byte[4 + body.length];
		m[0] = (byte) type;
		m[1] = (byte) (body.length >> 16);
		m[2] = (byte) (body.length >> 8);
		m[3] = (byte) body.length;
		System.arraycopy(body, 0, m, 4, body.length);
		return m;
	}

	private static void extension(ByteArrayOutputStream ext, int type, byte[] data) throws IOException {
		ext.write(new byte[] {(byte) (type >> 8), (byte) type, (byte) (data.length >> 8), (byte) data.length});
		ext.write(data);
	}

	private byte[] hash() throws GeneralSecurityException {
		try {
			return ((MessageDigest) transcript.clone()).digest();
		}
		catch (CloneNotSupportedException e) {
			throw new GeneralSecurityException(e);
		}
	}

	private static byte[] sha256(byte[] b) throws GeneralSecurityException {
		return MessageDigest.getInstance("SHA-256").digest(b);
	}

	private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(key, "HmacSHA256"));
		return mac.doFinal(data);
	}

	/** HKDF-Expand-Label (RFC 8446 7.1) for at most one SHA-256 block. */
	private static byte[] expandLabel(byte[] secret, String label, byte[] context, int length) throws GeneralSecurityException {
		byte[] full = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
		ByteBuffer info = ByteBuffer.allocate(2 + 1 + full.length + 1 + context.length + 1);
		info.putShort((short) length).put((byte) full.length).put(full).put((byte) context.length).put(context).put((byte) 1);
		return Arrays.copyOf(hmac(secret, info.array()), length);
	}

	private static byte[] nonce(byte[] iv, long seq) {
		byte[] n = iv.clone();
		for (int i = 0; i < 8; i++) {
			n[11 - i] ^= (byte) (seq >>> (8 * i));
		}
		return n;
	}

	private static byte[] littleEndian(BigInteger u, int len) {
		byte[] be = u.toByteArray();
		byte[] le = new byte[len];
		for (int i = 0; i < len && i < be.length; i++) {
			le[i] = be[be.length - 1 - i];
		}
		return le;
	}

	private static byte[] reverse(byte[] b) {
		byte[] r = new byte[b.length];
		for (int i = 0; i < b.length; i++) {
			r[i] = b[b.length - 1 - i];
		}
		return r;
	}
}
