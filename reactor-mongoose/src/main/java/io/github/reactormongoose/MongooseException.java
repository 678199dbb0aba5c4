/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

/**
 * A failure reported by Mongoose or by the binding: a connection that could not be opened,
 * a buffer that could not grow, an argument the native layer refused.
 */
public class MongooseException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	public MongooseException(String message) {
		super(message);
	}

	public MongooseException(String message, Throwable cause) {
		super(message, cause);
	}
}
