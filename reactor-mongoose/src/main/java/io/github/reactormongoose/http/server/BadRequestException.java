/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

/** A request the server cannot interpret (bad percent-encoding...): answered with 400. */
final class BadRequestException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	BadRequestException(String message) {
		super(message);
	}
}
