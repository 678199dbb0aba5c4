/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately small HTTP/1.x client over a plain {@link Socket}, for exact wire checks:
 * keep-alive, pipelining, framing (Content-Length, chunked, close-delimited) and malformed
 * input. Every read has a socket timeout, so a stalled server fails the test instead of
 * hanging it, and every line the server sends must end with CR LF.
 * <p>
 * Shipped in the reactor-mongoose test-jar: the core, the Spring module and the examples use
 * this one client.
 */
public final class RawHttp implements Closeable {

	/** Default read timeout of a raw connection. */
	public static final int READ_TIMEOUT_MS = 10_000;

	private final Socket socket;
	private final InputStream in;
	private final OutputStream out;

	private RawHttp(Socket socket) throws IOException {
		this.socket = socket;
		this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
		this.out = socket.getOutputStream();
	}

	/** Connects to {@code 127.0.0.1:port}. */
	public static RawHttp connect(int port) throws IOException {
		Socket s = new Socket();
		try {
			s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
			s.setSoTimeout(READ_TIMEOUT_MS);
			s.setTcpNoDelay(true);
			return new RawHttp(s);
		}
		catch (IOException e) {
			s.close();
			throw e;
		}
	}

	/** Wraps a socket the caller connected (with its own buffer sizes, say). */
	public static RawHttp wrap(Socket connected) throws IOException {
		connected.setSoTimeout(READ_TIMEOUT_MS);
		connected.setTcpNoDelay(true);
		return new RawHttp(connected);
	}

	/** A minimal {@code GET} request. */
	public static String get(String target) {
		return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	}

	/** A minimal request with a body and its {@code Content-Length}. */
	public static byte[] request(String method, String target, byte[] body) {
		byte[] head = (method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + body.length
				+ "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
		byte[] all = new byte[head.length + body.length];
		System.arraycopy(head, 0, all, 0, head.length);
		System.arraycopy(body, 0, all, head.length, body.length);
		return all;
	}

	/** The underlying socket (e.g. to set {@code SO_LINGER} for a reset). */
	public Socket socket() {
		return socket;
	}

	/** Sets the read timeout of this connection. */
	public RawHttp soTimeout(int millis) throws IOException {
		socket.setSoTimeout(millis);
		return this;
	}

	/** Writes {@code s} as ISO-8859-1 bytes and flushes. */
	public RawHttp write(String s) throws IOException {
		return write(s.getBytes(StandardCharsets.ISO_8859_1));
	}

	public RawHttp write(byte[] b) throws IOException {
		out.write(b);
		out.flush();
		return this;
	}

	/** Reads one complete response to a non-HEAD request. */
	public Response read() throws IOException {
		return read(false);
	}

	/** Reads one complete response; {@code head} when it answers a HEAD request (no body). */
	public Response read(boolean head) throws IOException {
		Response r = readHead();
		byte[] body;
		if (head || r.status / 100 == 1 || r.status == 204 || r.status == 304) {
			body = new byte[0];
		}
		else if (r.isChunked()) {
			ByteArrayOutputStream b = new ByteArrayOutputStream();
			byte[] chunk;
			while ((chunk = readChunk()) != null) {
				b.writeBytes(chunk);
			}
			body = b.toByteArray();
		}
		else if (r.header("Content-Length") != null) {
			body = readExactly(Integer.parseInt(r.header("Content-Length").trim()));
		}
		else {
			body = readToEof();
		}
		return r.withBody(body);
	}

	/** Reads the status line and headers only. */
	public Response readHead() throws IOException {
		String status = readLine();
		if (status == null) {
			throw new EOFException("connection closed before a response");
		}
		String[] parts = status.split(" ", 3);
		if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
			throw new IOException("not an HTTP status line: " + printable(status));
		}
		List<Map.Entry<String, String>> headers = new ArrayList<>();
		String line;
		while ((line = readLine()) != null && !line.isEmpty()) {
			int colon = line.indexOf(':');
			if (colon <= 0) {
				throw new IOException("bad header line: " + printable(line));
			}
			headers.add(Map.entry(line.substring(0, colon).trim(), line.substring(colon + 1).trim()));
		}
		if (line == null) {
			throw new EOFException("connection closed inside the response head");
		}
		return new Response(parts[0], Integer.parseInt(parts[1]), parts.length > 2 ? parts[2] : "", headers, null);
	}

	/** The next chunk of a chunked body, or {@code null} after the last chunk (and trailers). */
	public byte[] readChunk() throws IOException {
		String sizeLine = readLine();
		if (sizeLine == null) {
			throw new EOFException("connection closed before the next chunk");
		}
		int semi = sizeLine.indexOf(';');
		int size = Integer.parseInt((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
		if (size == 0) {
			String trailer;
			while ((trailer = readLine()) != null && !trailer.isEmpty()) {
				// trailers ignored
			}
			if (trailer == null) {
				throw new EOFException("connection closed inside the chunked trailer");
			}
			return null;
		}
		byte[] data = readExactly(size);
		String end = readLine();
		if (end == null || !end.isEmpty()) {
			throw new IOException("chunk not followed by CRLF: " + (end == null ? "EOF" : printable(end)));
		}
		return data;
	}

	/** Reads exactly {@code n} bytes; fails if the peer closes first. */
	public byte[] readExactly(int n) throws IOException {
		byte[] b = in.readNBytes(n);
		if (b.length != n) {
			throw new EOFException("expected " + n + " bytes, got " + b.length + " before EOF");
		}
		return b;
	}

	/** Reads until the peer closes (fails with {@link SocketTimeoutException} if it does not). */
	public byte[] readToEof() throws IOException {
		return in.readAllBytes();
	}

	/**
	 * What {@code in} gives until its peer closes it, a reset counting as a close (a server that
	 * closes a connection with unread bytes resets it); fails with {@link SocketTimeoutException}
	 * if the peer does neither within the socket's read timeout.
	 */
	public static byte[] readUntilClosed(InputStream in) throws IOException {
		ByteArrayOutputStream got = new ByteArrayOutputStream();
		byte[] buf = new byte[4096];
		try {
			int n;
			while ((n = in.read(buf)) >= 0) {
				got.write(buf, 0, n);
			}
		}
		catch (java.net.SocketException reset) {
			// a reset is a close too
		}
		return got.toByteArray();
	}

	/**
	 * How many bytes {@code in} gives until its peer closes it, a reset counting as a close, as
	 * {@link #readUntilClosed} without keeping them (a large response, or what arrived of one
	 * before the server reset the connection).
	 */
	public static long countUntilClosed(InputStream in) throws IOException {
		long n = 0;
		byte[] buf = new byte[64 * 1024];
		try {
			for (int r; (r = in.read(buf)) >= 0; ) {
				n += r;
			}
		}
		catch (java.net.SocketException reset) {
			// a reset is a close too
		}
		return n;
	}

	/**
	 * Whether the peer closed the connection (EOF or reset) within the read timeout, with no
	 * further bytes; throws if bytes arrive, returns {@code false} on timeout.
	 */
	public boolean isClosedByPeer() throws IOException {
		return closedByPeer(in);
	}

	/**
	 * Whether the peer behind {@code in} closed (EOF or reset) within the socket's read timeout
	 * with no further bytes; throws if bytes arrive, returns {@code false} on timeout.
	 */
	static boolean closedByPeer(InputStream in) throws IOException {
		try {
			int b = in.read();
			if (b >= 0) {
				byte[] rest = in.readNBytes(Math.min(in.available(), 200));
				throw new IOException("unexpected data instead of close: "
						+ printable((char) b + new String(rest, StandardCharsets.ISO_8859_1)));
			}
			return true;
		}
		catch (SocketTimeoutException e) {
			return false;
		}
		catch (IOException e) {
			if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
				return true;
			}
			throw e;
		}
	}

	/**
	 * One line without its CR LF; {@code null} at EOF before any byte. A line that ends with a
	 * bare LF is an error: HTTP/1.1 servers end every line of the head and of the chunked framing
	 * with CR LF.
	 */
	private String readLine() throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream(128);
		int c;
		while ((c = in.read()) >= 0) {
			if (c == '\n') {
				byte[] line = b.toByteArray();
				if (line.length == 0 || line[line.length - 1] != '\r') {
					throw new IOException("line not ended by CR LF: "
							+ printable(new String(line, StandardCharsets.ISO_8859_1)) + "\\n");
				}
				return new String(line, 0, line.length - 1, StandardCharsets.ISO_8859_1);
			}
			b.write(c);
			if (b.size() > 256 * 1024) {
				throw new IOException("line too long");
			}
		}
		if (b.size() == 0) {
			return null;
		}
		throw new EOFException("connection closed inside a line: " + printable(b.toString(StandardCharsets.ISO_8859_1)));
	}

	/** {@code s} with CR, LF and NUL made visible, for assertion messages. */
	public static String printable(String s) {
		return s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
	}

	@Override
	public void close() throws IOException {
		socket.close();
	}

	/** A parsed response; {@code body} is the decoded body (chunks joined). */
	public record Response(String protocol, int status, String reason, List<Map.Entry<String, String>> headers,
			byte[] body) {

		Response withBody(byte[] b) {
			return new Response(protocol, status, reason, headers, b);
		}

		/** The first value of {@code name} (case-insensitive), or {@code null}. */
		public String header(String name) {
			for (Map.Entry<String, String> h : headers) {
				if (h.getKey().equalsIgnoreCase(name)) {
					return h.getValue();
				}
			}
			return null;
		}

		/** Every value of {@code name} (case-insensitive), in order. */
		public List<String> headers(String name) {
			List<String> r = new ArrayList<>();
			for (Map.Entry<String, String> h : headers) {
				if (h.getKey().equalsIgnoreCase(name)) {
					r.add(h.getValue());
				}
			}
			return r;
		}

		/** Whether the body is sent with {@code Transfer-Encoding: chunked}. */
		public boolean isChunked() {
			String te = header("Transfer-Encoding");
			return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
		}

		/** The body decoded as UTF-8. */
		public String bodyString() {
			return new String(body, StandardCharsets.UTF_8);
		}

		@Override
		public String toString() {
			return protocol + " " + status + " " + reason + " " + headers
					+ (body == null ? "" : " body=" + printable(new String(body, 0, Math.min(body.length, 300),
							StandardCharsets.ISO_8859_1)));
		}
	}

	/**
	 * Splits an SSE stream into events; each event is its lines with the optional single space
	 * after the colon removed ({@code "data: x"} and {@code "data:x"} both become
	 * {@code "data:x"}).
	 */
	public static List<List<String>> parseSse(String stream) {
		List<List<String>> events = new ArrayList<>();
		List<String> current = new ArrayList<>();
		for (String line : stream.split("\r\n|\r|\n", -1)) {
			if (line.isEmpty()) {
				if (!current.isEmpty()) {
					events.add(current);
					current = new ArrayList<>();
				}
				continue;
			}
			int colon = line.indexOf(':');
			if (colon >= 0 && colon + 1 < line.length() && line.charAt(colon + 1) == ' ') {
				line = line.substring(0, colon + 1) + line.substring(colon + 2);
			}
			current.add(line);
		}
		if (!current.isEmpty()) {
			events.add(current);
		}
		return events;
	}
}
