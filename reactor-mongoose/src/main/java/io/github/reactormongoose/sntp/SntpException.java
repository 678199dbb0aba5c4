/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import io.github.reactormongoose.MongooseException;

/** An SNTP query failed: no answer in time, or an answer that was refused (the message says why). */
public class SntpException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public SntpException(String message) {
		super(message);
	}

	public SntpException(String message, Throwable cause) {
		super(message, cause);
	}
}
