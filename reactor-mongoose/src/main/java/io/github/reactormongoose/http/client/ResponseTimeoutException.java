/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * No response byte arrived within {@link HttpClient#responseTimeout(java.time.Duration)}: before the
 * head, or between two reads of the body while its subscriber was asking for more.
 */
public class ResponseTimeoutException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public ResponseTimeoutException(String message) {
		super(message);
	}
}
