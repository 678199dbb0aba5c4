/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A minimal HTTP/1.1 client on one socket, to see exactly what goes over the wire. */
public final class RawHttp implements AutoCloseable {

	/** One parsed response. */
	public record Response(int status, List<String> headers, byte[] body) {

		public String header(String name) {
			for (String h : this.headers) {
				int c = h.indexOf(':');
				if (h.substring(0, c).trim().equalsIgnoreCase(name)) {
					return h.substring(c + 1).trim();
				}
			}
			return null;
		}

		public String bodyText() {
			return new String(this.body, StandardCharsets.UTF_8);
		}
	}

	private final Socket socket;

	private final InputStream in;

	private final OutputStream out;

	public RawHttp(int port) throws IOException {
		this.socket = new Socket();
		this.socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		this.socket.setSoTimeout(10_000);
		this.in = this.socket.getInputStream();
		this.out = this.socket.getOutputStream();
	}

	public void write(String text) throws IOException {
		write(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	public void write(byte[] bytes) throws IOException {
		this.out.write(bytes);
		this.out.flush();
	}

	/** Reads one response; {@code head} tells whether it answers a HEAD request (no body). */
	public Response read(boolean head) throws IOException {
		String status = line();
		int code = Integer.parseInt(status.split(" ")[1]);
		List<String> headers = new ArrayList<>();
		for (String l = line(); !l.isEmpty(); l = line()) {
			headers.add(l);
		}
		Response r = new Response(code, headers, new byte[0]);
		if (head || code == 204 || code == 304 || code < 200) {
			return r;
		}
		String te = r.header("Transfer-Encoding");
		String cl = r.header("Content-Length");
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
			while (true) {
				int size = Integer.parseInt(line().split(";")[0].trim(), 16);
				if (size == 0) {
					line();
					break;
				}
				body.write(this.in.readNBytes(size));
				line();
			}
		}
		else if (cl != null) {
			byte[] b = this.in.readNBytes(Integer.parseInt(cl));
			body.write(b);
		}
		else {
			body.write(this.in.readAllBytes());
		}
		return new Response(code, headers, body.toByteArray());
	}

	public Response read() throws IOException {
		return read(false);
	}

	/** Whether the server closed the connection (reads EOF within the socket timeout). */
	public boolean isClosedByPeer() {
		try {
			return this.in.read() == -1;
		}
		catch (IOException ex) {
			return true;
		}
	}

	private String line() throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		int c;
		while ((c = this.in.read()) != '\n') {
			if (c == -1) {
				throw new EOFException("connection closed after: " + b.toString(StandardCharsets.ISO_8859_1));
			}
			if (c != '\r') {
				b.write(c);
			}
		}
		return b.toString(StandardCharsets.ISO_8859_1);
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}
}
