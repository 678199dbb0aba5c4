/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;


/**
 * The response's first line is not {@code HTTP/1.x NNN reason} (or it is longer than the header limit).
 */
public class MalformedStatusLineException extends MalformedResponseException {

	private static final long serialVersionUID = 1L;

	public MalformedStatusLineException(String message) {
		super(message);
	}
}
