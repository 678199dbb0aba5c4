/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * A redirect chain was longer than {@link HttpClient#maxRedirects(int)}.
 */
public class TooManyRedirectsException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public TooManyRedirectsException(String message) {
		super(message);
	}
}
