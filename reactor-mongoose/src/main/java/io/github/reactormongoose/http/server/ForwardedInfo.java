/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.loop.Addresses;
import org.jspecify.annotations.Nullable;

/**
 * The client, scheme and host a reverse proxy reports ({@link HttpServer#forwarded(boolean)}):
 * from the first element of {@code Forwarded} (RFC 7239) when the request has one, else from
 * {@code X-Forwarded-For} (its first address), {@code X-Forwarded-Proto},
 * {@code X-Forwarded-Host} and {@code X-Forwarded-Port}, as Reactor Netty's default forwarded
 * header handler reads them. Whatever is missing, obfuscated ({@code for=_hidden},
 * {@code unknown}) or malformed keeps the connection's own value: a bad header never fails the
 * request. Never resolves a name: an address is taken only from an IP literal.
 */
final class ForwardedInfo {

	final InetSocketAddress remote;
	final String scheme;
	final InetSocketAddress host;

	private ForwardedInfo(InetSocketAddress remote, String scheme, InetSocketAddress host) {
		this.remote = remote;
		this.scheme = scheme;
		this.host = host;
	}

	static ForwardedInfo of(HttpHeaders h, InetSocketAddress remote, String scheme, InetSocketAddress local) {
		String forwarded = h.get("Forwarded");
		String forWhom;
		String proto;
		String hostValue;
		if (forwarded != null) {
			String first = firstElement(forwarded);
			forWhom = param(first, "for");
			proto = param(first, "proto");
			hostValue = param(first, "host");
		}
		else {
			forWhom = firstValue(h.get("X-Forwarded-For"));
			proto = firstValue(h.get("X-Forwarded-Proto"));
			hostValue = firstValue(h.get("X-Forwarded-Host"));
		}
		String s = scheme;
		if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https")
				|| proto.equalsIgnoreCase("ws") || proto.equalsIgnoreCase("wss"))) {
			s = proto.toLowerCase(Locale.ROOT);
		}
		InetSocketAddress client = remote;
		if (forWhom != null) {
			InetSocketAddress a = address(forWhom, remote.getPort());
			if (a != null) {
				client = a;
			}
		}
		InetSocketAddress hostAddress = local;
		if (hostValue != null) {
			InetSocketAddress a = hostAndPort(hostValue, defaultPort(s));
			if (a != null) {
				hostAddress = a;
			}
		}
		if (forwarded == null) {
			String port = firstValue(h.get("X-Forwarded-Port"));
			if (port != null && port.matches("[0-9]{1,5}") && Integer.parseInt(port) <= 65535) {
				hostAddress = InetSocketAddress.createUnresolved(hostAddress.getHostString(), Integer.parseInt(port));
			}
		}
		return new ForwardedInfo(client, s, hostAddress);
	}

	/** The first element of a {@code Forwarded} value: up to the first comma outside quotes. */
	private static String firstElement(String v) {
		boolean quoted = false;
		for (int i = 0; i < v.length(); i++) {
			char c = v.charAt(i);
			if (c == '"') {
				quoted = !quoted;
			}
			else if (c == ',' && !quoted) {
				return v.substring(0, i);
			}
		}
		return v;
	}

	/** The value of {@code name} in one {@code Forwarded} element ({@code for=...;proto=...}), unquoted. */
	private static @Nullable String param(String element, String name) {
		for (String pair : element.split(";")) {
			int eq = pair.indexOf('=');
			if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase(name)) {
				String v = pair.substring(eq + 1).trim();
				if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
					v = v.substring(1, v.length() - 1);
				}
				return v.isEmpty() ? null : v;
			}
		}
		return null;
	}

	/** The first of a comma-separated header value, trimmed. */
	private static @Nullable String firstValue(@Nullable String v) {
		if (v == null) {
			return null;
		}
		int comma = v.indexOf(',');
		String f = (comma < 0 ? v : v.substring(0, comma)).trim();
		return f.isEmpty() ? null : f;
	}

	/**
	 * A node of {@code for}: {@code 192.0.2.60}, {@code 192.0.2.60:4711},
	 * {@code [2001:db8::17]:4711}, or a bare IPv6 literal (as X-Forwarded-For carries it).
	 * {@code null} for {@code unknown}, obfuscated names and anything that is not an IP literal.
	 */
	private static @Nullable InetSocketAddress address(String node, int defaultPort) {
		String host = node;
		int port = defaultPort;
		if (node.startsWith("[")) {
			int close = node.indexOf(']');
			if (close < 0) {
				return null;
			}
			host = node.substring(1, close);
			String rest = node.substring(close + 1);
			if (rest.startsWith(":")) {
				Integer p = port(rest.substring(1));
				if (p == null) {
					return null;
				}
				port = p;
			}
			else if (!rest.isEmpty()) {
				return null;
			}
		}
		else if (node.indexOf(':') >= 0 && node.indexOf(':') == node.lastIndexOf(':')) {
			int colon = node.indexOf(':');
			Integer p = port(node.substring(colon + 1));
			if (p == null) {
				return null;
			}
			host = node.substring(0, colon);
			port = p;
		}
		InetAddress literal = Addresses.parseLiteral(host);
		return literal != null ? new InetSocketAddress(literal, port) : null;
	}

	/** {@code host[:port]} as a client sent it in {@code Host}; {@code null} when malformed. */
	/** The port a host without one means under {@code scheme}: 443 for https and wss, else 80. */
	static int defaultPort(String scheme) {
		return scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
	}

	static @Nullable InetSocketAddress hostAndPort(String v, int defaultPort) {
		String host = v;
		int port = defaultPort;
		int colon = v.lastIndexOf(':');
		if (v.startsWith("[")) {
			int close = v.indexOf(']');
			if (close < 0) {
				return null;
			}
			host = v.substring(0, close + 1);
			if (close + 1 < v.length()) {
				if (v.charAt(close + 1) != ':') {
					return null;
				}
				Integer p = port(v.substring(close + 2));
				if (p == null) {
					return null;
				}
				port = p;
			}
		}
		else if (colon >= 0) {
			Integer p = port(v.substring(colon + 1));
			if (p == null) {
				return null;
			}
			host = v.substring(0, colon);
			port = p;
		}
		if (host.isEmpty() || !host.matches("[A-Za-z0-9.\\-_\\[\\]:%]+")) {
			return null;
		}
		return InetSocketAddress.createUnresolved(host, port);
	}

	private static @Nullable Integer port(String s) {
		if (!s.matches("[0-9]{1,5}")) {
			return null;
		}
		int p = Integer.parseInt(s);
		return p <= 65535 ? p : null;
	}
}
