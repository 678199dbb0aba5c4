/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import io.github.reactormongoose.MongooseException;

/**
 * A form that {@link HttpServerRequest#receiveForm()} cannot decode: malformed ({@link #status()}
 * 400), over one of the {@link FormDecoderSpec} limits (413), not a form at all (415), or its
 * temporary file could not be written (500). A handler that lets it propagate gets an answer
 * with that status if its response has not started.
 */
public final class FormDecodingException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final int status;

	FormDecodingException(int status, String message) {
		super(message);
		this.status = status;
	}

	FormDecodingException(String message, Throwable cause) {
		super(message, cause);
		this.status = 500;
	}

	/** The HTTP status the server answers with: 400, 413, 415 or 500. */
	public int status() {
		return status;
	}
}
