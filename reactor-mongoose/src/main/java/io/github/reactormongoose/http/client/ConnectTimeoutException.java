/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * The TCP connection was not established within {@link HttpClient#connectTimeout(java.time.Duration)}.
 */
public class ConnectTimeoutException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public ConnectTimeoutException(String message) {
		super(message);
	}
}
