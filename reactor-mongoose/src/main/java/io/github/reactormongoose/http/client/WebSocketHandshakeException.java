/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * The server did not accept the WebSocket upgrade: a status other than 101, a missing or wrong
 * {@code Sec-WebSocket-Accept}, or a sub-protocol that was not offered.
 */
public class WebSocketHandshakeException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public WebSocketHandshakeException(String message) {
		super(message);
	}
}
