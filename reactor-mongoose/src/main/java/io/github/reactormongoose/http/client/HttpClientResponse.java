/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.http.HttpHeaders;

/**
 * The head of an HTTP response: status, version and headers. The body is consumed through
 * the {@link HttpClient.ResponseReceiver} method that produced this response.
 */
public interface HttpClientResponse {

	/** The status code, 200 to 599 (101 for a WebSocket upgrade). */
	int status();

	/** The reason phrase as sent (may be empty). */
	String reasonPhrase();

	/** The response headers, read-only. */
	HttpHeaders responseHeaders();

	/** {@code HTTP/1.1} or {@code HTTP/1.0}. */
	String version();

	/** The method of the request that got this response (after redirects: the last one). */
	String method();

	/** The absolute URI of the request that got this response (after redirects: the last one). */
	String uri();

	/** How many redirects were followed to get this response. */
	int redirects();
}
