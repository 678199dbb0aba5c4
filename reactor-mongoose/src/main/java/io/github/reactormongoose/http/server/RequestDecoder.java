/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.jni.NativeConstants;
import org.jspecify.annotations.Nullable;

/**
 * Decodes what arrives with a request: the {@code RMG_EV_HTTP_MSG} payload, and the
 * percent-encoding of paths and query strings.
 * <p>
 * The payload is written by {@code rmg_emit_request} in {@code native/src/main/c/rmg_http.c}:
 * an {@code int32} header count {@code n}, then length-prefixed strings ({@code int32} length,
 * Latin-1 bytes) for the method, the path, the query, the protocol, {@code n} header name and
 * value pairs, and last the body (raw bytes). Integers are in the event buffer's byte order.
 */
final class RequestDecoder {

	/**
	 * Strings most requests carry (methods, versions, common header names and values): decoded
	 * without allocating, by comparing the bytes. Indexed by length.
	 */
	private static final String[][] KNOWN = known("", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
			"HTTP/1.1", "HTTP/1.0", "Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection",
			"Content-Type", "Content-Length", "Transfer-Encoding", "Cookie", "Cache-Control", "Pragma", "Upgrade",
			"Origin", "Referer", "Authorization", "If-None-Match", "If-Modified-Since", "Expect", "Sec-WebSocket-Key",
			"Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Sec-Fetch-Mode",
			"Sec-Fetch-Site", "Sec-Fetch-Dest", "X-Forwarded-For", "X-Forwarded-Proto", "X-Requested-With",
			"keep-alive", "close", "websocket", "chunked", "gzip", "gzip, deflate", "gzip, deflate, br",
			"*/*", "no-cache", "application/json", "text/plain", "text/html", "13", "100-continue");

	private RequestDecoder() {
	}

	private static String[][] known(String... strings) {
		int max = 0;
		for (String k : strings) {
			max = Math.max(max, k.length());
		}
		String[][] byLength = new String[max + 1][0];
		for (String k : strings) {
			String[] same = Arrays.copyOf(byLength[k.length()], byLength[k.length()].length + 1);
			same[same.length - 1] = k;
			byLength[k.length()] = same;
		}
		return byLength;
	}

	/** The known string whose bytes are {@code b[p, p + l)}, or {@code null}. */
	private static @Nullable String known(ByteBuffer b, int p, int l) {
		if (l >= KNOWN.length) {
			return null;
		}
		candidates: for (String k : KNOWN[l]) {
			for (int i = 0; i < l; i++) {
				if (b.get(p + i) != (byte) k.charAt(i)) {
					continue candidates;
				}
			}
			return k;
		}
		return null;
	}

	/**
	 * The request in {@code b} at {@code p} ({@code len} bytes), the {@code number}-th on
	 * {@code conn}; {@code flags} are the record's flags
	 * ({@link NativeConstants#HTTP_STREAMED}, {@link NativeConstants#HTTP_EMPTY_QUERY}); {@code streamed} is the body that follows in
	 * pieces, or {@code null} when the payload holds the whole body.
	 */
	static RequestView decode(HttpConnection conn, int number, ByteBuffer b, int p, int len, long flags,
			@Nullable RequestBody streamed) {
		int n = b.getInt(p);
		p += 4;
		String[] s = new String[4];
		for (int i = 0; i < 4; i++) {
			int l = b.getInt(p);
			s[i] = latin1(b, p + 4, l);
			p += 4 + l;
		}
		List<String> names = new ArrayList<>(n);
		List<String> values = new ArrayList<>(n);
		for (int i = 0; i < n; i++) {
			int l = b.getInt(p);
			names.add(latin1(b, p + 4, l));
			p += 4 + l;
			l = b.getInt(p);
			values.add(latin1(b, p + 4, l));
			p += 4 + l;
		}
		int bl = b.getInt(p);
		byte[] body = new byte[bl];
		b.get(p + 4, body);
		return new RequestView(conn, number, s[0], s[1], s[2], s[3], HttpHeaders.received(names, values), body,
				streamed, (flags & NativeConstants.HTTP_EMPTY_QUERY) != 0);
	}

	private static String latin1(ByteBuffer b, int p, int l) {
		String k = known(b, p, l);
		if (k != null) {
			return k;
		}
		byte[] a = new byte[l];
		b.get(p, a);
		return new String(a, StandardCharsets.ISO_8859_1);
	}

	/** A request without trailer fields. */
	static final HttpHeaders NO_TRAILERS = HttpHeaders.received(List.of(), List.of());

	/**
	 * The trailer fields in {@code b[p, p + len)}: {@code name:value} lines joined by CRLF, as
	 * {@code rmg_chunked} checked them (a token, a colon, no control character but HTAB); values
	 * without the whitespace around them. Read-only.
	 */
	static HttpHeaders trailers(ByteBuffer b, int p, int len) {
		if (len == 0) {
			return NO_TRAILERS;
		}
		byte[] a = new byte[len];
		b.get(p, a);
		List<String> names = new ArrayList<>();
		List<String> values = new ArrayList<>();
		for (String line : new String(a, StandardCharsets.ISO_8859_1).split("\r\n")) {
			int colon = line.indexOf(':');
			names.add(line.substring(0, colon));
			values.add(line.substring(colon + 1).strip());
		}
		return HttpHeaders.received(names, values);
	}

	/** Decoded query parameters, in order, values of repeated names kept; read-only. */
	static Map<String, List<String>> queryParams(String query) {
		Map<String, List<String>> m = new LinkedHashMap<>();
		if (!query.isEmpty()) {
			for (String pair : query.split("&")) {
				if (pair.isEmpty()) {
					continue;
				}
				int eq = pair.indexOf('=');
				String k = percentDecode(eq < 0 ? pair : pair.substring(0, eq), true);
				String v = eq < 0 ? "" : percentDecode(pair.substring(eq + 1), true);
				m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
			}
		}
		m.replaceAll((k, v) -> Collections.unmodifiableList(v));
		return Collections.unmodifiableMap(m);
	}

	/**
	 * Decodes {@code %XX} escapes as UTF-8 ({@code +} as a space when {@code plusAsSpace}).
	 * {@code s} holds the bytes as sent, one char each (Latin-1): raw non-ASCII bytes are read as
	 * UTF-8 with the escaped ones, so {@code /café} sent raw is the path of {@code /caf%C3%A9}.
	 * @throws BadRequestException on a truncated or non-hex escape
	 */
	static String percentDecode(String s, boolean plusAsSpace) {
		return percentDecode(s, plusAsSpace, StandardCharsets.UTF_8);
	}

	/** {@link #percentDecode(String, boolean)} with the escaped bytes read in {@code charset}. */
	static String percentDecode(String s, boolean plusAsSpace, java.nio.charset.Charset charset) {
		if (s.indexOf('%') < 0 && !(plusAsSpace && s.indexOf('+') >= 0) && ascii(s)) {
			return s;
		}
		ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c == '%') {
				if (i + 2 >= s.length()) {
					throw new BadRequestException("bad percent-encoding in " + s);
				}
				int hi = Character.digit(s.charAt(i + 1), 16);
				int lo = Character.digit(s.charAt(i + 2), 16);
				if (hi < 0 || lo < 0) {
					throw new BadRequestException("bad percent-encoding in " + s);
				}
				out.write((hi << 4) | lo);
				i += 2;
			}
			else if (c == '+' && plusAsSpace) {
				out.write(' ');
			}
			else {
				byte[] b = String.valueOf(c).getBytes(StandardCharsets.ISO_8859_1);
				out.writeBytes(b);
			}
		}
		return out.toString(charset);
	}

	private static boolean ascii(String s) {
		for (int i = 0; i < s.length(); i++) {
			if (s.charAt(i) >= 0x80) {
				return false;
			}
		}
		return true;
	}
}
