/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.loop.Addresses;
import org.jspecify.annotations.Nullable;

/**
 * Opens a tunnel through a proxy on a connected channel, before TLS or the first request: an
 * HTTP {@code CONNECT} (RFC 9110, 9.3.6), a SOCKS5 request (RFC 1928, with RFC 1929's user
 * name and password) or a SOCKS 4 {@code CONNECT} (4a's form for a host name). Poll thread only; it only turns bytes into bytes, the connection sends
 * them. A refusal or a malformed answer is a {@link ProxyConnectException}.
 */
final class ProxyHandshake {

	/** Longest answer to {@code CONNECT} read (status line and headers). */
	static final int MAX_HTTP_ANSWER = 16 * 1024;

	private enum State {
		HTTP_CONNECT, SOCKS_GREETING, SOCKS_AUTH, SOCKS_REQUEST, SOCKS4_REQUEST, DONE
	}

	private final ProxyProvider proxy;
	/** The target as the proxy gets it: a name, an IPv4 literal or a bracketed IPv6 literal. */
	private final String host;
	private final int port;
	private final String describe;
	private State state;
	private byte[] in = new byte[0];
	private int inLength;

	ProxyHandshake(ProxyProvider proxy, String host, int port) {
		this.proxy = proxy;
		this.host = host;
		this.port = port;
		ProxyProvider.Proxy type = proxy.type();
		this.state = switch (type) {
			case HTTP -> State.HTTP_CONNECT;
			case SOCKS4 -> State.SOCKS4_REQUEST;
			case SOCKS5 -> State.SOCKS_GREETING;
		};
		// Netty's names: protocol, authentication scheme, proxy => target
		String auth = proxy.username() == null ? "none" : switch (type) {
			case HTTP -> "basic";
			case SOCKS4 -> "username";
			case SOCKS5 -> "password";
		};
		this.describe = type.name().toLowerCase(java.util.Locale.ROOT) + ", " + auth + ", " + proxy.host() + ":"
				+ proxy.port() + " => " + host + ":" + port;
	}

	/** What to send once the TCP connection to the proxy is up. */
	byte[] start() throws ProxyConnectException {
		if (state == State.SOCKS4_REQUEST) {
			return socks4Request();
		}
		if (state == State.HTTP_CONNECT) {
			String authority = host + ":" + port;
			StringBuilder r = new StringBuilder(128).append("CONNECT ").append(authority).append(" HTTP/1.1\r\nHost: ")
				.append(authority)
				.append("\r\n");
			HttpHeaders h = proxy.proxyHeaders();
			for (int i = 0; i < h.size(); i++) {
				String n = h.nameAt(i);
				if (!n.equalsIgnoreCase("Host")) {
					r.append(n).append(": ").append(h.valueAt(i)).append("\r\n");
				}
			}
			return r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
		}
		// greeting: version 5, the methods offered (0 = none, 2 = user name and password)
		return proxy.username() != null ? new byte[] { 5, 2, 0, 2 } : new byte[] { 5, 1, 0 };
	}

	/** How long the proxy may take to open the tunnel. */
	Duration timeout() {
		return proxy.connectTimeout();
	}

	boolean isDone() {
		return state == State.DONE;
	}

	/** "http, basic, proxy:3128 => host:443", for messages. */
	String describe() {
		return describe;
	}

	ProxyConnectException failure(String reason) {
		return new ProxyConnectException(describe + ", " + reason, -1);
	}

	/**
	 * Takes bytes from the proxy; returns what to send next, or {@code null} (nothing yet, or
	 * {@link #isDone() done}).
	 */
	byte @Nullable [] onRead(ByteBuffer buf, int offset, int length) throws ProxyConnectException {
		if (state == State.DONE) {
			throw failure("unexpected bytes after the tunnel was opened");
		}
		if (inLength + length > MAX_HTTP_ANSWER) {
			throw failure("answer longer than " + MAX_HTTP_ANSWER + " bytes");
		}
		if (in.length < inLength + length) {
			in = Arrays.copyOf(in, Math.max(inLength + length, in.length * 2));
		}
		buf.get(offset, in, inLength, length);
		inLength += length;
		return switch (state) {
			case HTTP_CONNECT -> http();
			case SOCKS_GREETING -> greeting();
			case SOCKS_AUTH -> auth();
			case SOCKS_REQUEST -> reply();
			case SOCKS4_REQUEST -> socks4Reply();
			case DONE -> null;
		};
	}

	private byte @Nullable [] http() throws ProxyConnectException {
		int end = indexOfHeadEnd();
		if (end < 0) {
			return null;
		}
		String head = new String(in, 0, end, StandardCharsets.ISO_8859_1);
		int eol = head.indexOf("\r\n");
		String line = head.substring(0, eol);
		// HTTP/1.1 200 Connection established
		if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
			throw failure("not an HTTP answer to CONNECT: " + printable(line));
		}
		int status;
		try {
			status = Integer.parseInt(line.substring(9, 12));
		}
		catch (NumberFormatException e) {
			throw failure("bad status line: " + printable(line));
		}
		if (status < 200 || status > 299) {
			// whatever body follows (tinyproxy's 407 has an HTML page) is not read
			throw new ProxyConnectException(describe + ", status: " + printable(line.substring(9)), status);
		}
		if (end != inLength) {
			throw failure("bytes after the answer to CONNECT");
		}
		state = State.DONE;
		return null;
	}

	/** Index after the first CRLF CRLF, or -1. */
	private int indexOfHeadEnd() {
		for (int i = 3; i < inLength; i++) {
			if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r') {
				return i + 1;
			}
		}
		return -1;
	}

	private byte @Nullable [] greeting() throws ProxyConnectException {
		if (inLength < 2) {
			return null;
		}
		if (inLength > 2 || in[0] != 5) {
			throw failure("not a SOCKS5 answer to the greeting");
		}
		int method = in[1] & 0xff;
		consume(2);
		if (method == 0) {
			state = State.SOCKS_REQUEST;
			return request();
		}
		if (method == 2 && proxy.username() != null) {
			state = State.SOCKS_AUTH;
			byte[] user = proxy.username().getBytes(StandardCharsets.UTF_8);
			String p = proxy.password();
			byte[] pass = (p != null ? p : "").getBytes(StandardCharsets.UTF_8);
			if (pass.length > 255) {
				throw failure("a SOCKS5 password has at most 255 bytes");
			}
			ByteArrayOutputStream o = new ByteArrayOutputStream();
			o.write(1);
			o.write(user.length);
			o.writeBytes(user);
			o.write(pass.length);
			o.writeBytes(pass);
			return o.toByteArray();
		}
		throw failure(method == 0xff || method == 2 ? "the proxy accepts none of the authentication methods offered"
				+ (proxy.username() == null ? " (it may want a username and password)" : "")
				: "the proxy chose an authentication method that was not offered: " + method);
	}

	private byte @Nullable [] auth() throws ProxyConnectException {
		if (inLength < 2) {
			return null;
		}
		if (inLength > 2 || in[0] != 1) {
			throw failure("not a SOCKS5 answer to the user name and password");
		}
		if (in[1] != 0) {
			throw failure("user name and password refused");
		}
		consume(2);
		state = State.SOCKS_REQUEST;
		return request();
	}

	/** CONNECT host:port: version 5, command 1, reserved, the address type and address, the port. */
	private byte[] request() throws ProxyConnectException {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		o.writeBytes(new byte[] { 5, 1, 0 });
		InetAddress literal = Addresses.parseLiteral(host);
		if (literal != null) {
			byte[] ip = literal.getAddress();
			o.write(ip.length == 4 ? 1 : 4);
			o.writeBytes(ip);
		}
		else {
			byte[] name = host.getBytes(StandardCharsets.US_ASCII);
			if (name.length > 255) {
				throw failure("host name longer than 255 bytes");
			}
			o.write(3);
			o.write(name.length);
			o.writeBytes(name);
		}
		o.write(port >> 8);
		o.write(port & 0xff);
		return o.toByteArray();
	}

	private byte @Nullable [] reply() throws ProxyConnectException {
		if (inLength < 5) {
			return null;
		}
		if (in[0] != 5) {
			throw failure("not a SOCKS5 reply");
		}
		int rep = in[1] & 0xff;
		if (rep != 0) {
			throw failure("status: " + rep + " " + socksReason(rep));
		}
		int length = switch (in[3]) {
			case 1 -> 4 + 4 + 2;
			case 4 -> 4 + 16 + 2;
			case 3 -> 4 + 1 + (in[4] & 0xff) + 2;
			default -> throw failure("bad address type in the SOCKS5 reply: " + in[3]);
		};
		if (inLength < length) {
			return null;
		}
		if (inLength > length) {
			throw failure("bytes after the SOCKS5 reply");
		}
		state = State.DONE;
		return null;
	}

	/**
	 * SOCKS 4 {@code CONNECT}: version 4, command 1, the port, the IPv4 address, the user id and
	 * a NUL; for a host name (SOCKS 4a) the address 0.0.0.1 and the name and a NUL after the
	 * user id.
	 */
	private byte[] socks4Request() throws ProxyConnectException {
		ByteArrayOutputStream o = new ByteArrayOutputStream();
		o.writeBytes(new byte[] { 4, 1, (byte) (port >> 8), (byte) port });
		InetAddress literal = Addresses.parseLiteral(host);
		byte[] name = null;
		if (literal != null) {
			byte[] ip = literal.getAddress();
			if (ip.length != 4) {
				throw failure("SOCKS4 carries IPv4 addresses only, not " + host + " (use SOCKS5)");
			}
			o.writeBytes(ip);
		}
		else {
			name = host.getBytes(StandardCharsets.US_ASCII);
			if (name.length > 255) {
				throw failure("host name longer than 255 bytes");
			}
			o.writeBytes(new byte[] { 0, 0, 0, 1 });
		}
		String id = proxy.username();
		if (id != null) {
			o.writeBytes(id.getBytes(StandardCharsets.UTF_8));
		}
		o.write(0);
		if (name != null) {
			o.writeBytes(name);
			o.write(0);
		}
		return o.toByteArray();
	}

	/** The 8-byte SOCKS 4 reply: version 0, the status (90: granted), a port and an address (ignored). */
	private byte @Nullable [] socks4Reply() throws ProxyConnectException {
		if (in[0] != 0) {
			throw failure("not a SOCKS4 reply");
		}
		if (inLength < 8) {
			return null;
		}
		int status = in[1] & 0xff;
		if (status != 90) {
			throw failure("status: " + status + " " + switch (status) {
				case 91 -> "request rejected or failed"
						+ (Addresses.parseLiteral(host) == null ? " (a SOCKS4 server without SOCKS 4a refuses host names)" : "");
				case 92 -> "rejected: the proxy cannot reach identd on the client";
				case 93 -> "rejected: identd reports a different user id";
				default -> "unassigned";
			});
		}
		if (inLength > 8) {
			throw failure("bytes after the SOCKS4 reply");
		}
		state = State.DONE;
		return null;
	}

	private static String socksReason(int rep) {
		return switch (rep) {
			case 1 -> "general SOCKS server failure";
			case 2 -> "connection not allowed by ruleset";
			case 3 -> "network unreachable";
			case 4 -> "host unreachable";
			case 5 -> "connection refused";
			case 6 -> "TTL expired";
			case 7 -> "command not supported";
			case 8 -> "address type not supported";
			default -> "unassigned";
		};
	}

	private void consume(int n) {
		System.arraycopy(in, n, in, 0, inLength - n);
		inLength -= n;
	}

	private static String printable(String s) {
		StringBuilder b = new StringBuilder(Math.min(s.length(), 200));
		for (int i = 0; i < s.length() && i < 200; i++) {
			char c = s.charAt(i);
			b.append(c >= 0x20 && c < 0x7f ? c : '?');
		}
		return b.toString();
	}
}
