/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One WebSocket message (fragmented messages arrive reassembled).
 *
 * @param type the frame type
 * @param payload the payload bytes (not copied: do not mutate)
 */
public record WebSocketFrame(Type type, byte[] payload) {

	/** Frame types. */
	public enum Type {
		TEXT, BINARY, PING, PONG, CLOSE
	}

	public WebSocketFrame {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(payload, "payload");
		if (type != Type.TEXT && type != Type.BINARY && payload.length > 125) {
			// RFC 6455 5.5: a peer closes the connection on a longer control frame
			throw new IllegalArgumentException(type + " frame of " + payload.length + " bytes: a control frame carries at most 125");
		}
	}

	public static WebSocketFrame text(String text) {
		return new WebSocketFrame(Type.TEXT, text.getBytes(StandardCharsets.UTF_8));
	}

	public static WebSocketFrame binary(byte[] data) {
		return new WebSocketFrame(Type.BINARY, data);
	}

	public static WebSocketFrame ping(byte[] data) {
		return new WebSocketFrame(Type.PING, data);
	}

	public static WebSocketFrame pong(byte[] data) {
		return new WebSocketFrame(Type.PONG, data);
	}

	/** The payload decoded as UTF-8. */
	public String text() {
		return new String(payload, StandardCharsets.UTF_8);
	}

	@Override
	public String toString() {
		return "WebSocketFrame[" + type + ", " + payload.length + " bytes]";
	}
}
