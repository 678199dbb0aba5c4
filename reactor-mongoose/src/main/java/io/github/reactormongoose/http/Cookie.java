/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import io.github.reactormongoose.internal.HttpDates;

/**
 * An HTTP cookie (RFC 6265): what a server sets with
 * {@link io.github.reactormongoose.http.server.HttpServerResponse#addCookie(Cookie)} and a
 * client reads from {@code Set-Cookie} with
 * {@link io.github.reactormongoose.http.client.HttpClientResponse#cookies()}. Immutable: the
 * attribute methods return a copy.
 *
 * <pre>{@code
 * res.addCookie(Cookie.of("session", id).path("/").httpOnly(true).secure(true).sameSite("Lax")
 *         .maxAge(Duration.ofHours(8)));
 * }</pre>
 *
 * Cookies made here are checked as RFC 6265 §4.1 asks of a server: the name is a token, the
 * value cookie-octets (no space, {@code " , ; \}, optionally in double quotes), attributes
 * without {@code ;} or control characters; anything else is an {@link IllegalArgumentException}
 * at once, not a header a browser silently drops. Cookies parsed from a {@code Set-Cookie}
 * header are taken as user agents take them (§5.2).
 */
public final class Cookie {

	private final String name;
	private final String value;
	private final @Nullable String domain;
	private final @Nullable String path;
	private final @Nullable Duration maxAge;
	private final boolean secure;
	private final boolean httpOnly;
	private final @Nullable String sameSite;
	private final boolean partitioned;

	private Cookie(String name, String value, @Nullable String domain, @Nullable String path, @Nullable Duration maxAge,
			boolean secure, boolean httpOnly, @Nullable String sameSite, boolean partitioned) {
		this.name = name;
		this.value = value;
		this.domain = domain;
		this.path = path;
		this.maxAge = maxAge;
		this.secure = secure;
		this.httpOnly = httpOnly;
		this.sameSite = sameSite;
		this.partitioned = partitioned;
	}

	/**
	 * A session cookie (no {@code Max-Age}), with no other attribute.
	 *
	 * @throws IllegalArgumentException if the name is not a token or the value has a character
	 *         a cookie value may not have
	 */
	public static Cookie of(String name, String value) {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(value, "value");
		if (name.isEmpty()) {
			throw new IllegalArgumentException("A cookie name cannot be empty");
		}
		for (int i = 0; i < name.length(); i++) {
			char c = name.charAt(i);
			if (c <= 0x20 || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
				throw new IllegalArgumentException("Invalid character " + describe(c) + " in the cookie name '" + name + "'");
			}
		}
		String v = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
				? value.substring(1, value.length() - 1) : value;
		for (int i = 0; i < v.length(); i++) {
			char c = v.charAt(i);
			if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\') {
				throw new IllegalArgumentException("Invalid character " + describe(c) + " in the value of the cookie '" + name
						+ "' (RFC 6265 cookie-octets: no space, no \" , ; \\, ASCII only; encode it, e.g. Base64url)");
			}
		}
		return new Cookie(name, value, null, null, null, false, false, null, false);
	}

	private static String describe(char c) {
		return c < 0x20 || c == 0x7f ? String.format("0x%02x", (int) c) : "'" + c + "'";
	}

	private static @Nullable String attribute(@Nullable String v, String what) {
		if (v != null) {
			for (int i = 0; i < v.length(); i++) {
				char c = v.charAt(i);
				if (c < 0x20 || c == 0x7f || c == ';') {
					throw new IllegalArgumentException("Invalid character " + describe(c) + " in the cookie's " + what);
				}
			}
		}
		return v;
	}

	public String name() {
		return name;
	}

	/** The value: as given to {@link #of} (double quotes included), without its double quotes when parsed. */
	public String value() {
		return value;
	}

	public @Nullable String domain() {
		return domain;
	}

	public @Nullable String path() {
		return path;
	}

	/** {@code Max-Age}, or {@code null}: a session cookie. */
	public @Nullable Duration maxAge() {
		return maxAge;
	}

	public boolean isSecure() {
		return secure;
	}

	public boolean isHttpOnly() {
		return httpOnly;
	}

	/** {@code Strict}, {@code Lax}, {@code None}, or {@code null}. */
	public @Nullable String sameSite() {
		return sameSite;
	}

	public boolean isPartitioned() {
		return partitioned;
	}

	/** A copy with {@code Domain}; {@code null} removes it. */
	public Cookie domain(@Nullable String domain) {
		return new Cookie(name, value, attribute(domain, "Domain"), path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	/** A copy with {@code Path}; {@code null} removes it. */
	public Cookie path(@Nullable String path) {
		return new Cookie(name, value, domain, attribute(path, "Path"), maxAge, secure, httpOnly, sameSite, partitioned);
	}

	/**
	 * A copy with {@code Max-Age} (and the matching {@code Expires}, for old clients); zero or
	 * negative deletes the cookie at once; {@code null} makes it a session cookie.
	 */
	public Cookie maxAge(@Nullable Duration maxAge) {
		Duration m = maxAge == null ? null : maxAge.isNegative() ? Duration.ZERO : maxAge;
		return new Cookie(name, value, domain, path, m, secure, httpOnly, sameSite, partitioned);
	}

	public Cookie secure(boolean secure) {
		return new Cookie(name, value, domain, path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	public Cookie httpOnly(boolean httpOnly) {
		return new Cookie(name, value, domain, path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	/**
	 * A copy with {@code SameSite}: {@code Strict}, {@code Lax} or {@code None} (any case);
	 * {@code null} removes it.
	 */
	public Cookie sameSite(@Nullable String sameSite) {
		String s = null;
		if (sameSite != null) {
			s = switch (sameSite.toLowerCase(Locale.ROOT)) {
				case "strict" -> "Strict";
				case "lax" -> "Lax";
				case "none" -> "None";
				default -> throw new IllegalArgumentException("SameSite must be Strict, Lax or None: " + sameSite);
			};
		}
		return new Cookie(name, value, domain, path, maxAge, secure, httpOnly, s, partitioned);
	}

	/** A copy with {@code Partitioned} (CHIPS; browsers want {@code Secure} with it). */
	public Cookie partitioned(boolean partitioned) {
		return new Cookie(name, value, domain, path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	/** The {@code Set-Cookie} header value. */
	public String encode() {
		StringBuilder b = new StringBuilder(name).append('=').append(value);
		Duration m = maxAge;
		if (m != null) {
			long seconds = m.getSeconds();
			b.append("; Max-Age=").append(seconds).append("; Expires=")
					.append(HttpDates.format(seconds == 0 ? Instant.EPOCH : Instant.now().plusSeconds(seconds)));
		}
		if (domain != null) {
			b.append("; Domain=").append(domain);
		}
		if (path != null) {
			b.append("; Path=").append(path);
		}
		if (secure) {
			b.append("; Secure");
		}
		if (httpOnly) {
			b.append("; HttpOnly");
		}
		if (sameSite != null) {
			b.append("; SameSite=").append(sameSite);
		}
		if (partitioned) {
			b.append("; Partitioned");
		}
		return b.toString();
	}

	/**
	 * The cookies of a request's {@code Cookie} headers: name to values, in order (a name may
	 * come several times, e.g. for different paths). Pairs without {@code =} or without a name
	 * are skipped; a value in double quotes loses them.
	 */
	public static Map<String, List<String>> parseRequest(List<String> cookieHeaders) {
		Map<String, List<String>> m = new LinkedHashMap<>();
		for (String header : cookieHeaders) {
			for (String pair : header.split(";")) {
				int eq = pair.indexOf('=');
				if (eq <= 0) {
					continue;
				}
				String n = pair.substring(0, eq).trim();
				if (!n.isEmpty()) {
					m.computeIfAbsent(n, k -> new ArrayList<>(1)).add(unquote(pair.substring(eq + 1).trim()));
				}
			}
		}
		m.replaceAll((k, v) -> Collections.unmodifiableList(v));
		return Collections.unmodifiableMap(m);
	}

	/**
	 * A {@code Set-Cookie} header value as a user agent reads it (RFC 6265 §5.2): the name and
	 * value before the first {@code ;} (a value in double quotes loses them), then the
	 * attributes; an invalid {@code Max-Age} is ignored, as are {@code Expires} and unknown
	 * attributes (the header keeps them). {@code null} if there is no name.
	 */
	public static @Nullable Cookie parseSetCookie(String header) {
		String[] parts = header.split(";");
		if (parts.length == 0) {
			return null; // ";" alone splits into no part at all
		}
		int eq = parts[0].indexOf('=');
		if (eq <= 0) {
			return null;
		}
		String n = parts[0].substring(0, eq).strip();
		if (n.isEmpty()) {
			return null;
		}
		String v = unquote(parts[0].substring(eq + 1).strip());
		String domain = null;
		String path = null;
		Duration maxAge = null;
		boolean secure = false;
		boolean httpOnly = false;
		String sameSite = null;
		boolean partitioned = false;
		for (int i = 1; i < parts.length; i++) {
			String p = parts[i].strip();
			int e = p.indexOf('=');
			String attr = (e < 0 ? p : p.substring(0, e)).strip().toLowerCase(Locale.ROOT);
			String av = e < 0 ? "" : p.substring(e + 1).strip();
			switch (attr) {
				case "domain" -> domain = av.startsWith(".") ? av.substring(1) : av;
				case "path" -> path = av;
				case "max-age" -> {
					try {
						long s = Long.parseLong(av);
						maxAge = Duration.ofSeconds(Math.max(0, s));
					}
					catch (NumberFormatException ignored) {
						// §5.2.2: ignored
					}
				}
				case "secure" -> secure = true;
				case "httponly" -> httpOnly = true;
				case "samesite" -> sameSite = av;
				case "partitioned" -> partitioned = true;
				default -> {
					// Expires and unknown attributes: in the header only
				}
			}
		}
		return new Cookie(n, v, domain, path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	private static String unquote(String v) {
		return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof Cookie c && name.equals(c.name) && value.equals(c.value) && Objects.equals(domain, c.domain)
				&& Objects.equals(path, c.path) && Objects.equals(maxAge, c.maxAge) && secure == c.secure
				&& httpOnly == c.httpOnly && Objects.equals(sameSite, c.sameSite) && partitioned == c.partitioned;
	}

	@Override
	public int hashCode() {
		return Objects.hash(name, value, domain, path, maxAge, secure, httpOnly, sameSite, partitioned);
	}

	@Override
	public String toString() {
		return encode();
	}
}
