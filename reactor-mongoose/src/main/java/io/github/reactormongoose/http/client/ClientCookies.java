/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * The cookies a request sends: the client's own ({@link HttpClient#cookie(Cookie)}), the ones
 * hooks add ({@link HttpClientRequest#addCookie(Cookie)}) and a {@link CookieHandler}'s
 * ({@link HttpClient#cookieHandler(CookieHandler)}), all in one {@code Cookie} header as RFC 6265
 * §5.4 asks of a user agent.
 */
final class ClientCookies {

	private ClientCookies() {
	}

	/** Adds {@code name=value} to the request's single {@code Cookie} header. */
	static void add(HttpHeaders headers, Cookie cookie) {
		add(headers, cookie.name() + "=" + cookie.value());
	}

	/** Appends {@code pairs} ({@code a=1; b=2}) to the request's single {@code Cookie} header. */
	static void add(HttpHeaders headers, String pairs) {
		List<String> present = headers.getAll("Cookie");
		if (present.isEmpty()) {
			headers.set("Cookie", pairs);
			return;
		}
		headers.set("Cookie", String.join("; ", present) + "; " + pairs);
	}

	/**
	 * Adds the client's {@code cookies} that RFC 6265 §5.4 lets go to {@code uri}; those without
	 * {@code Domain} only if {@code anyHost} (not after a redirect to another host).
	 */
	static void addMatching(HttpHeaders headers, List<Cookie> cookies, URI uri, boolean anyHost) {
		if (cookies.isEmpty()) {
			return;
		}
		String host = uri.getHost();
		String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
		boolean secure = isSecure(uri);
		for (Cookie c : cookies) {
			String domain = c.domain();
			boolean hostOk = domain == null || domain.isEmpty() ? anyHost : domainMatches(host, domain);
			if ((!c.isSecure() || secure) && hostOk && pathMatches(path, c.path())) {
				add(headers, c);
			}
		}
	}

	/**
	 * Adds what {@code handler} has for {@code uri} ({@code ws} and {@code wss} asked as
	 * {@code http} and {@code https}, the schemes a cookie store knows).
	 */
	static void addFromHandler(HttpHeaders headers, CookieHandler handler, URI uri) throws IOException {
		Map<String, List<String>> found = handler.get(forHandler(uri), asMap(headers));
		if (found == null) {
			return;
		}
		for (Map.Entry<String, List<String>> e : found.entrySet()) {
			if (e.getKey() != null && e.getKey().equalsIgnoreCase("Cookie") && e.getValue() != null) {
				for (String v : e.getValue()) {
					if (v != null && !v.isBlank()) {
						add(headers, v.strip());
					}
				}
			}
		}
	}

	/** Gives {@code handler} a response's headers (its {@code Set-Cookie} ones) for {@code uri}. */
	static void store(CookieHandler handler, URI uri, HttpHeaders responseHeaders) throws IOException {
		if (responseHeaders.contains("Set-Cookie") || responseHeaders.contains("Set-Cookie2")) {
			handler.put(forHandler(uri), asMap(responseHeaders));
		}
	}

	private static URI forHandler(URI uri) {
		String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
		if (!scheme.equals("ws") && !scheme.equals("wss")) {
			return uri;
		}
		return URI.create((scheme.equals("wss") ? "https" : "http") + uri.toString().substring(scheme.length()));
	}

	private static boolean isSecure(URI uri) {
		String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
		return scheme.equals("https") || scheme.equals("wss");
	}

	/** RFC 6265 §5.1.3: {@code host} is {@code domain} or, unless an IP address, one of its subdomains. */
	static boolean domainMatches(String host, String domain) {
		String h = host.toLowerCase(Locale.ROOT);
		String d = (domain.startsWith(".") ? domain.substring(1) : domain).toLowerCase(Locale.ROOT);
		if (h.equals(d)) {
			return true;
		}
		boolean ip = h.indexOf(':') >= 0 || h.startsWith("[") || h.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
		return !ip && h.endsWith("." + d);
	}

	/** RFC 6265 §5.1.4; no {@code Path}: every path. */
	static boolean pathMatches(String requestPath, @Nullable String cookiePath) {
		if (cookiePath == null || cookiePath.isEmpty() || cookiePath.equals("/")) {
			return true;
		}
		if (!requestPath.startsWith(cookiePath)) {
			return false;
		}
		return requestPath.length() == cookiePath.length() || cookiePath.endsWith("/")
				|| requestPath.charAt(cookiePath.length()) == '/';
	}

	private static Map<String, List<String>> asMap(HttpHeaders headers) {
		Map<String, List<String>> m = new LinkedHashMap<>();
		for (int i = 0; i < headers.size(); i++) {
			m.computeIfAbsent(headers.nameAt(i), k -> new ArrayList<>(1)).add(headers.valueAt(i));
		}
		return m;
	}
}
