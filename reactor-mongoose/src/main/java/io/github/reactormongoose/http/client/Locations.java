/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.URI;

import io.github.reactormongoose.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * A redirect's {@code Location} resolved against the URI of the request it answers, as RFC
 * 9110 (10.2.2) asks: by RFC 3986 (5.2). {@link URI#resolve} follows the older RFC 2396, which
 * differs where servers do send such references: a query alone ({@code ?page=2}) replaces the
 * last path segment instead of keeping it, an empty reference gives the directory instead of
 * the same URI, and {@code ..} above the root stays in the path instead of being dropped.
 */
final class Locations {

	private Locations() {
	}

	/**
	 * The target of {@code location} (already stripped) from {@code base}, an absolute
	 * hierarchical URI; a fragment is dropped (it is never sent).
	 *
	 * @throws IllegalArgumentException when {@code location} is not a URI reference, or an
	 *     http, https, ws or wss one without a host or with a port not in 1..65535
	 */
	static URI resolve(URI base, String location) {
		URI r = URI.create(percentEncodeNonAscii(location));
		String scheme;
		@Nullable String authority;
		String path;
		@Nullable String query;
		if (r.getScheme() != null) {
			if (r.isOpaque()) { // mailto:..., refused by its scheme when sent
				return checked(r);
			}
			scheme = r.getScheme();
			authority = r.getRawAuthority();
			path = removeDotSegments(raw(r.getRawPath()));
			query = r.getRawQuery();
		}
		else {
			scheme = base.getScheme();
			if (r.getRawAuthority() != null) {
				authority = r.getRawAuthority();
				path = removeDotSegments(raw(r.getRawPath()));
				query = r.getRawQuery();
			}
			else {
				authority = base.getRawAuthority();
				String rp = raw(r.getRawPath());
				if (rp.isEmpty()) {
					path = raw(base.getRawPath());
					query = r.getRawQuery() != null ? r.getRawQuery() : base.getRawQuery();
				}
				else {
					path = removeDotSegments(rp.startsWith("/") ? rp : merge(base, rp));
					query = r.getRawQuery();
				}
			}
		}
		StringBuilder t = new StringBuilder(scheme).append(':');
		if (authority != null) {
			t.append("//").append(authority);
		}
		t.append(path);
		if (query != null) {
			t.append('?').append(query);
		}
		return checked(URI.create(t.toString()));
	}

	/**
	 * {@code target}, unless it is a web URI without a host ({@code http:target},
	 * {@code http:/target}, {@code http:///target}: opaque or without authority, no request can
	 * go there) or with a port outside 1..65535.
	 */
	private static URI checked(URI target) {
		String scheme = target.getScheme();
		if (target.getHost() == null && scheme != null && (scheme.equalsIgnoreCase("http")
				|| scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss"))) {
			throw new IllegalArgumentException("No host in " + target);
		}
		Checks.serverPort(target);
		return target;
	}

	/**
	 * {@code location} with its characters outside ASCII percent-encoded, as {@code uri(...)}
	 * sends them and as curl does: no request line may hold them raw (RFC 9112 3.2). A header
	 * value holds a character per byte received (ISO-8859-1), so each of those is its byte:
	 * the UTF-8 of {@code /café} goes out as {@code /caf%C3%A9}; a character beyond a byte (not
	 * from the wire) as its UTF-8.
	 */
	static String percentEncodeNonAscii(String location) {
		if (location.chars().allMatch(c -> c < 128)) {
			return location;
		}
		StringBuilder b = new StringBuilder(location.length() + 16);
		for (int i = 0; i < location.length(); i++) {
			char c = location.charAt(i);
			if (c < 128) {
				b.append(c);
				continue;
			}
			byte[] bytes = {(byte) c};
			if (c > 0xFF) {
				int cp = location.codePointAt(i);
				bytes = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
				i += Character.charCount(cp) - 1;
			}
			for (byte x : bytes) {
				b.append('%').append(HEX[(x >> 4) & 0xF]).append(HEX[x & 0xF]);
			}
		}
		return b.toString();
	}

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private static String raw(@Nullable String s) {
		return s == null ? "" : s;
	}

	/** RFC 3986, 5.2.3. */
	private static String merge(URI base, String relative) {
		String bp = raw(base.getRawPath());
		if (base.getRawAuthority() != null && bp.isEmpty()) {
			return "/" + relative;
		}
		return bp.substring(0, bp.lastIndexOf('/') + 1) + relative;
	}

	/** RFC 3986, 5.2.4. */
	private static String removeDotSegments(String path) {
		String in = path;
		StringBuilder out = new StringBuilder(path.length());
		while (!in.isEmpty()) {
			if (in.startsWith("../")) {
				in = in.substring(3);
			}
			else if (in.startsWith("./")) {
				in = in.substring(2);
			}
			else if (in.startsWith("/./")) {
				in = in.substring(2);
			}
			else if (in.equals("/.")) {
				in = "/";
			}
			else if (in.startsWith("/../") || in.equals("/..")) {
				in = in.length() == 3 ? "/" : in.substring(3);
				int last = out.lastIndexOf("/");
				out.setLength(Math.max(last, 0));
			}
			else if (in.equals(".") || in.equals("..")) {
				in = "";
			}
			else {
				int next = in.indexOf('/', in.startsWith("/") ? 1 : 0);
				if (next < 0) {
					next = in.length();
				}
				out.append(in, 0, next);
				in = in.substring(next);
			}
		}
		return out.toString();
	}
}
