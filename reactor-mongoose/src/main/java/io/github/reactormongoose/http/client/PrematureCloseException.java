/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.ConnectionClosedException;

/**
 * The server closed the connection before the response was complete: before its head, in the middle of a
 * {@code Content-Length} or chunked body, or while the request was still being sent. The
 * connection is not reused.
 */
public class PrematureCloseException extends ConnectionClosedException {

	private static final long serialVersionUID = 1L;

	public PrematureCloseException(String message) {
		super(message);
	}
}
