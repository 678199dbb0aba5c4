/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * The server's response is not valid HTTP/1.1: a bad header line, a bad {@code Content-Length},
 * bytes after the end of the response. The subclasses name the common cases. The connection is
 * closed, never reused.
 */
public class MalformedResponseException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public MalformedResponseException(String message) {
		super(message);
	}
}
