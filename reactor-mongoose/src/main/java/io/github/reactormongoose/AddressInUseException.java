/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

/**
 * A listener could not bind because another socket holds the address ({@code EADDRINUSE}).
 * The cause is the matching {@link java.net.BindException}.
 */
public class AddressInUseException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public AddressInUseException(String message, Throwable cause) {
		super(message, cause);
	}
}
