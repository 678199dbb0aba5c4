/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import io.github.reactormongoose.http.Cookie;
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
		Cookie c = Cookie.parseSetCookie(header);
		if (c == null) {
			return null;
		}
		try {
			return build(c, true);
		}
		catch (IllegalArgumentException badDomainOrPath) {
			try {
				return build(c, false);
			}
			catch (IllegalArgumentException badNameOrValue) {
				return null;
			}
		}
	}

	private static ResponseCookie build(Cookie c, boolean withDomainAndPath) {
		ResponseCookie.ResponseCookieBuilder b = ResponseCookie.fromClientResponse(c.name(), c.value())
				.secure(c.isSecure()).httpOnly(c.isHttpOnly()).partitioned(c.isPartitioned());
		if (withDomainAndPath) {
			b.domain(c.domain()).path(c.path());
		}
		if (c.maxAge() != null) {
			b.maxAge(c.maxAge());
		}
		if (c.sameSite() != null) {
			b.sameSite(c.sameSite());
		}
		return b.build();
	}
}
