/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;


/**
 * The response head (status line, headers, or the trailers of a chunked body) is larger than
 * {@link HttpClient#maxHeaderSize(int)} or has more than {@link HttpClient#maxHeaders(int)} fields.
 */
public class HeadersTooLargeException extends MalformedResponseException {

	private static final long serialVersionUID = 1L;

	public HeadersTooLargeException(String message) {
		super(message);
	}
}
