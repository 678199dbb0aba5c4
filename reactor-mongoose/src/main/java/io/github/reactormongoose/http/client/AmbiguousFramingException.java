/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;


/**
 * The response has both {@code Content-Length} and {@code Transfer-Encoding}, or several
 * different {@code Content-Length} values: its end cannot be known safely (request smuggling).
 */
public class AmbiguousFramingException extends MalformedResponseException {

	private static final long serialVersionUID = 1L;

	public AmbiguousFramingException(String message) {
		super(message);
	}
}
