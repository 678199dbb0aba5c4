/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * The server broke the WebSocket framing rules (a masked frame, a bad control frame, a
 * continuation without a message, an unknown opcode) or sent a message larger than the
 * client's limit. The client answered with close 1002 or 1009.
 */
public class WebSocketProtocolException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public WebSocketProtocolException(String message) {
		super(message);
	}
}
