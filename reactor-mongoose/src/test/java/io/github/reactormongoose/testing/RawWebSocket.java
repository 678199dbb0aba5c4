/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A WebSocket client over a plain {@link Socket} that writes frames exactly as told (any
 * opcode, reserved bits, masking, fragmenting, lengths) and reads the server's frames one by
 * one, for conformance tests in the spirit of the Autobahn TestSuite. Every read has a socket
 * timeout, so a server that neither answers nor closes fails the test instead of hanging it.
 */
public final class RawWebSocket implements Closeable {

	/** Opcodes of RFC 6455 section 5.2. */
	public static final int CONT = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

	/** A frame received from the server. */
	public record Frame(boolean fin, int rsv, int opcode, byte[] payload) {

		/** The close code of a CLOSE frame, 1005 when it has no payload. */
		public int closeCode() {
			return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
		}

		/** The payload as UTF-8 text. */
		public String text() {
			return new String(payload, StandardCharsets.UTF_8);
		}

		@Override
		public String toString() {
			return "Frame[fin=" + fin + ", rsv=" + rsv + ", op=" + opcode + ", " + payload.length + " bytes"
					+ (opcode == CLOSE ? ", code " + closeCode() : "") + "]";
		}
	}

	private final Socket socket;
	private final java.util.List<String> responseHeaders = new java.util.ArrayList<>();
	private final DataInputStream in;
	private final OutputStream out;

	private RawWebSocket(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024));
		this.out = socket.getOutputStream();
	}

	/** Connects to {@code 127.0.0.1:port} and upgrades {@code path}; fails unless the answer is 101. */
	public static RawWebSocket connect(int port, String path) throws IOException {
		return connect(port, path, "");
	}

	/**
	 * Like {@link #connect(int, String)}, with {@code extraHeaders} (whole lines, CRLF-ended)
	 * in the upgrade request; the answer's headers are then {@link #responseHeader}.
	 */
	public static RawWebSocket connect(int port, String path, String extraHeaders) throws IOException {
		return connect(port, path, extraHeaders, 0);
	}

	/**
	 * Like {@link #connect(int, String, String)}, with a receive buffer of {@code receiveBuffer}
	 * bytes (set before connecting, so that the window is small from the start; 0: the kernel's
	 * default), for a peer that reads slowly.
	 */
	public static RawWebSocket connect(int port, String path, String extraHeaders, int receiveBuffer)
			throws IOException {
		Socket s = new Socket();
		try {
			if (receiveBuffer > 0) {
				s.setReceiveBufferSize(receiveBuffer);
			}
			s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
			s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
			s.setTcpNoDelay(true);
			RawWebSocket ws = new RawWebSocket(s);
			ws.out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n")
					.getBytes(StandardCharsets.ISO_8859_1));
			ws.out.flush();
			String status = ws.line();
			if (!status.startsWith("HTTP/1.1 101")) {
				throw new IOException("upgrade refused: " + status);
			}
			for (String h = ws.line(); !h.isEmpty(); h = ws.line()) {
				ws.responseHeaders.add(h);
			}
			return ws;
		}
		catch (IOException | RuntimeException e) {
			s.close();
			throw e;
		}
	}

	private String line() throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		int c;
		while ((c = in.read()) != '\n') {
			if (c < 0) {
				throw new EOFException("connection closed in the upgrade response");
			}
			if (c != '\r') {
				b.write(c);
			}
		}
		return b.toString(StandardCharsets.ISO_8859_1);
	}

	/**
	 * A compressed message as a permessage-deflate peer sends it (RFC 7692 section 7.2.1): the
	 * DEFLATE output of {@code data} with SYNC_FLUSH, the final {@code 00 00 ff ff} cut. {@code d}
	 * (raw, {@code nowrap}) keeps its context: a second message may refer back to the first.
	 */
	public static byte[] deflate(Deflater d, byte[] data) {
		d.setInput(data);
		byte[] buf = new byte[data.length + 1024];
		int n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
		assertThat(Arrays.copyOfRange(buf, n - 4, n)).containsExactly(0, 0, 0xff, 0xff);
		return Arrays.copyOf(buf, n - 4);
	}

	/** {@link #deflate(Deflater, byte[])} of one message on its own (no context). */
	public static byte[] deflate(byte[] data) {
		Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
		try {
			return deflate(d, data);
		}
		finally {
			d.end();
		}
	}

	/** One compressed message inflated on its own, with the {@code 00 00 ff ff} its sender cut put back. */
	public static byte[] inflate(byte[] message) throws DataFormatException {
		Inflater inf = new Inflater(true);
		byte[] in = Arrays.copyOf(message, message.length + 4);
		in[in.length - 2] = (byte) 0xff;
		in[in.length - 1] = (byte) 0xff;
		inf.setInput(in);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] buf = new byte[8192];
		while (!inf.finished()) {
			int n = inf.inflate(buf);
			out.write(buf, 0, n);
			if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
				break;
			}
		}
		inf.end();
		return out.toByteArray();
	}

	/** The value of the upgrade answer's header {@code name} (the first, case-insensitive), or {@code null}. */
	public String responseHeader(String name) {
		for (String h : responseHeaders) {
			int colon = h.indexOf(':');
			if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase(name)) {
				return h.substring(colon + 1).trim();
			}
		}
		return null;
	}

	/** Sets the read timeout. */
	public RawWebSocket soTimeout(int millis) throws IOException {
		socket.setSoTimeout(millis);
		return this;
	}

	/** One frame as a client sends it: masked with a fixed non-zero key. */
	public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload) {
		return frame(fin, rsv, opcode, payload, true);
	}

	/** One frame, masked or not; the length uses the shortest form. */
	public static byte[] frame(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
		ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 14);
		b.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 15));
		int m = masked ? 0x80 : 0;
		if (payload.length < 126) {
			b.write(m | payload.length);
		}
		else if (payload.length < 65536) {
			b.write(m | 126);
			b.write(payload.length >> 8);
			b.write(payload.length);
		}
		else {
			b.write(m | 127);
			long n = payload.length;
			for (int i = 7; i >= 0; i--) {
				b.write((int) (n >> (8 * i)));
			}
		}
		byte[] key = {0x37, (byte) 0xfa, 0x21, 0x3d};
		if (masked) {
			b.writeBytes(key);
		}
		for (int i = 0; i < payload.length; i++) {
			b.write(masked ? payload[i] ^ key[i & 3] : payload[i]);
		}
		return b.toByteArray();
	}

	/**
	 * One unmasked frame as a server sends it, its first byte given whole: FIN, RSV and opcode
	 * bits ({@code 0x81} a final text frame, {@code 0xC1} a compressed one, {@code 0x01} a first
	 * fragment).
	 */
	public static byte[] serverFrame(int firstByte, byte... payload) {
		return frame((firstByte & 0x80) != 0, firstByte >> 4 & 7, firstByte & 15, payload, false);
	}

	/** A CLOSE payload: code and UTF-8 reason. */
	public static byte[] closePayload(int code, String reason) {
		byte[] r = reason.getBytes(StandardCharsets.UTF_8);
		byte[] p = new byte[2 + r.length];
		p[0] = (byte) (code >> 8);
		p[1] = (byte) code;
		System.arraycopy(r, 0, p, 2, r.length);
		return p;
	}

	/**
	 * CLOSE payloads a peer fails the session for (RFC 6455 5.5.1, 7.4, 8.1): one byte, the codes
	 * that are never sent (1005, 1006, 1015), reserved or out-of-range codes, and a reason that is
	 * not UTF-8.
	 */
	public static java.util.List<byte[]> unsendableClosePayloads() {
		java.util.List<byte[]> l = new java.util.ArrayList<>();
		l.add(new byte[] {0x03});
		for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
			l.add(closePayload(code, "x"));
		}
		l.add(new byte[] {0x03, (byte) 0xe8, (byte) 0xff, (byte) 0xfe});
		return l;
	}

	/** Writes raw bytes and flushes. */
	public RawWebSocket write(byte[] bytes) throws IOException {
		out.write(bytes);
		out.flush();
		return this;
	}

	/** Writes one masked frame. */
	public RawWebSocket send(boolean fin, int opcode, byte[] payload) throws IOException {
		return write(frame(fin, 0, opcode, payload));
	}

	/** Writes one whole masked text message. */
	public RawWebSocket sendText(String text) throws IOException {
		return send(true, TEXT, text.getBytes(StandardCharsets.UTF_8));
	}

	/** Reads the next frame from the server. */
	public Frame read() throws IOException {
		int b0 = in.readUnsignedByte();
		int b1 = in.readUnsignedByte();
		if ((b1 & 0x80) != 0) {
			throw new IOException("the server masked a frame");
		}
		long len = b1 & 127;
		if (len == 126) {
			len = in.readUnsignedShort();
		}
		else if (len == 127) {
			len = in.readLong();
		}
		if (len > 64L << 20) {
			throw new IOException("frame of " + len + " bytes");
		}
		byte[] payload = new byte[(int) len];
		in.readFully(payload);
		return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 15, payload);
	}

	/**
	 * Reads frames until a CLOSE (data frames before it are returned to nobody), then checks
	 * that the server closes the TCP connection; returns the CLOSE frame.
	 */
	public Frame awaitCloseAndEof() throws IOException {
		Frame f;
		while ((f = read()).opcode() != CLOSE) {
			// skipped: the caller checked what it expected before the close
		}
		if (!isClosedByPeer()) {
			throw new IOException("the server kept the connection open after its close frame");
		}
		return f;
	}

	/** Whether the server closed the TCP connection (EOF or reset) with no further bytes. */
	public boolean isClosedByPeer() throws IOException {
		return RawHttp.closedByPeer(in);
	}

	@Override
	public void close() throws IOException {
		socket.close();
	}
}
