/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.util.ArrayList;
import java.util.List;

import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import reactor.core.publisher.Mono;

/**
 * The head of an HTTP response: status, version and headers. The body is consumed through
 * the {@link HttpClient.ResponseReceiver} method that produced this response.
 */
public interface HttpClientResponse {

	/**
	 * The status code, 200 to 999 (101 for a WebSocket upgrade): 600 to 999 are invalid but in
	 * use, and handed over as they came (RFC 9110 15), for the caller to treat as server errors.
	 * Interim 1xx responses are never handed over.
	 */
	int status();

	/** The reason phrase as sent (may be empty). */
	String reasonPhrase();

	/** The response headers, read-only. */
	HttpHeaders responseHeaders();

	/**
	 * {@code HTTP/1.1} or {@code HTTP/1.0}: a response of a higher HTTP/1 minor version
	 * ({@code HTTP/1.9}) is {@code HTTP/1.1} (RFC 9110 2.5, as Reactor Netty and the JDK).
	 */
	String version();

	/** The method of the request that got this response (after redirects: the last one). */
	String method();

	/** The absolute URI of the request that got this response (after redirects: the last one). */
	String uri();

	/** How many redirects were followed to get this response. */
	int redirects();

	/**
	 * The trailer fields of a chunked body (Reactor Netty's {@code trailerHeaders()}): emitted
	 * once the body has been read to its end, empty when the response had none (or no chunked
	 * body); an error when the body ends otherwise (the connection closed early, the response
	 * failed, or the body's subscriber cancelled it). Subscribe to it along with the body
	 * ({@code responseContent()}, {@code responseSingle}...): it waits for the body's end. The
	 * fields are as the server sent them, read-only, at most {@code maxHeaders} of them within
	 * {@code maxHeaderSize} bytes.
	 */
	Mono<HttpHeaders> trailerHeaders();

	/**
	 * The cookies set by the response's {@code Set-Cookie} headers, in order, read as a user
	 * agent reads them ({@link Cookie#parseSetCookie}); a header without a cookie name is
	 * skipped. The client keeps no cookie jar: send them back with {@code headers(...)}.
	 */
	default List<Cookie> cookies() {
		List<Cookie> cookies = new ArrayList<>();
		for (String header : responseHeaders().getAll("Set-Cookie")) {
			Cookie c = Cookie.parseSetCookie(header);
			if (c != null) {
				cookies.add(c);
			}
		}
		return cookies;
	}
}
