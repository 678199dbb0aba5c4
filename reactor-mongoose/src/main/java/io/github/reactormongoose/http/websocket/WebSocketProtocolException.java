/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import io.github.reactormongoose.MongooseException;

/**
 * The session was failed because the peer broke RFC 6455 (close 1002: bad framing, masking,
 * opcode, fragment order or close code; 1007: invalid UTF-8 in a text message or close reason)
 * or sent a message over the configured limit (1009). The glue sends the close frame with
 * {@link #closeStatus()} before the inbound stream fails with this exception.
 */
public class WebSocketProtocolException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final WebSocketCloseStatus closeStatus;

	public WebSocketProtocolException(WebSocketCloseStatus closeStatus) {
		super("WebSocket session failed with close " + closeStatus.code() + ": " + closeStatus.reason());
		this.closeStatus = closeStatus;
	}

	/** The close code and reason sent to the peer. */
	public WebSocketCloseStatus closeStatus() {
		return closeStatus;
	}
}
