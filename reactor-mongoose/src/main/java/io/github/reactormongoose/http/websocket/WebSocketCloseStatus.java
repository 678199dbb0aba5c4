/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

/**
 * A WebSocket close code and reason (RFC 6455 section 7.4).
 *
 * @param code the close code (1000 normal, 1001 going away, 1009 too big, ...)
 * @param reason the reason text (may be empty)
 */
public record WebSocketCloseStatus(int code, String reason) {

	public static final WebSocketCloseStatus NORMAL = new WebSocketCloseStatus(1000, "");
	public static final WebSocketCloseStatus GOING_AWAY = new WebSocketCloseStatus(1001, "");
	/** Close received without a status code. */
	public static final WebSocketCloseStatus EMPTY = new WebSocketCloseStatus(1005, "");
	/** The connection closed without a close frame. */
	public static final WebSocketCloseStatus ABNORMAL = new WebSocketCloseStatus(1006, "");
	/** The peer broke the protocol (RFC 6455 framing rules). */
	public static final WebSocketCloseStatus PROTOCOL_ERROR = new WebSocketCloseStatus(1002, "");
	/** A text message or close reason that is not valid UTF-8. */
	public static final WebSocketCloseStatus INVALID_PAYLOAD = new WebSocketCloseStatus(1007, "");
	public static final WebSocketCloseStatus MESSAGE_TOO_BIG = new WebSocketCloseStatus(1009, "");

	public WebSocketCloseStatus {
		if (code < 1000 || code > 4999) {
			throw new IllegalArgumentException("close code must be 1000..4999: " + code);
		}
		reason = reason == null ? "" : reason;
	}

	/**
	 * Whether {@code code} may be put in a close frame (RFC 6455 7.4.1, 7.4.2): 1000 to 1003,
	 * 1007 to 1014 and 3000 to 4999. 1005, 1006 and 1015 say what happened without a code and
	 * are never sent; the rest of 1000 to 2999 is reserved. A peer that sends another closes
	 * the connection as a protocol error (1002).
	 */
	public static boolean isSendable(int code) {
		return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
	}

	/** {@code code} and {@code reason} for {@code sendClose}. @throws IllegalArgumentException for a code {@link #isSendable} refuses */
	public static WebSocketCloseStatus toSend(int code, String reason) {
		if (!isSendable(code)) {
			throw new IllegalArgumentException("close code " + code + " may not be sent (RFC 6455 7.4): 1000..1003, 1007..1014"
					+ " or 3000..4999");
		}
		return new WebSocketCloseStatus(code, reason);
	}
}
