/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import java.time.Duration;
import java.util.Locale;

import io.github.reactormongoose.http.client.HttpClientResponse;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.AbstractClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/** A response of the reactor-mongoose client as Spring sees it; the body can be read once. */
final class MongooseClientHttpResponse extends AbstractClientHttpResponse {

	MongooseClientHttpResponse(HttpClientResponse head, Flux<DataBuffer> body) {
		super(HttpStatusCode.valueOf(head.status()), headers(head), cookies(head), body);
	}

	private static HttpHeaders headers(HttpClientResponse head) {
		HttpHeaders h = new HttpHeaders();
		head.responseHeaders().forEach(e -> h.add(e.getKey(), e.getValue()));
		return HttpHeaders.readOnlyHttpHeaders(h);
	}

	/**
	 * The {@code Set-Cookie} headers (RFC 6265 §5.2). One without a name, or whose name or value
	 * Spring's {@link ResponseCookie} refuses (a space, a comma, a quote inside the value...), is
	 * ignored, as a user agent ignores a set-cookie-string it cannot use; a {@code Domain} or
	 * {@code Path} it refuses is dropped from the cookie. The headers keep every line as sent.
	 */
	private static MultiValueMap<String, ResponseCookie> cookies(HttpClientResponse head) {
		MultiValueMap<String, ResponseCookie> m = new LinkedMultiValueMap<>();
		for (String header : head.responseHeaders().getAll("Set-Cookie")) {
			ResponseCookie c = parse(header);
			if (c != null) {
				m.add(c.getName(), c);
			}
		}
		return m;
	}

	static @Nullable ResponseCookie parse(String header) {
		try {
			return parse(header, true);
		}
		catch (IllegalArgumentException badDomainOrPath) {
			try {
				return parse(header, false);
			}
			catch (IllegalArgumentException badNameOrValue) {
				return null;
			}
		}
	}

	private static @Nullable ResponseCookie parse(String header, boolean withDomainAndPath) {
		String[] parts = header.split(";");
		int eq = parts[0].indexOf('=');
		if (eq <= 0) {
			return null;
		}
		String value = parts[0].substring(eq + 1).strip();
		if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
			value = value.substring(1, value.length() - 1);
		}
		ResponseCookie.ResponseCookieBuilder b = ResponseCookie.fromClientResponse(parts[0].substring(0, eq).strip(), value);
		for (int i = 1; i < parts.length; i++) {
			String p = parts[i].strip();
			int e = p.indexOf('=');
			String name = (e < 0 ? p : p.substring(0, e)).strip().toLowerCase(Locale.ROOT);
			String v = e < 0 ? "" : p.substring(e + 1).strip();
			switch (name) {
				case "domain" -> {
					if (withDomainAndPath) {
						b.domain(v.startsWith(".") ? v.substring(1) : v);
					}
				}
				case "path" -> {
					if (withDomainAndPath) {
						b.path(v);
					}
				}
				case "max-age" -> {
					try {
						b.maxAge(Duration.ofSeconds(Long.parseLong(v)));
					}
					catch (NumberFormatException ignored) {
						// RFC 6265 §5.2.2: an invalid Max-Age is ignored
					}
				}
				case "secure" -> b.secure(true);
				case "httponly" -> b.httpOnly(true);
				case "samesite" -> b.sameSite(v);
				case "partitioned" -> b.partitioned(true);
				default -> {
					// Expires and unknown attributes: kept in the header only
				}
			}
		}
		return b.build();
	}
}
