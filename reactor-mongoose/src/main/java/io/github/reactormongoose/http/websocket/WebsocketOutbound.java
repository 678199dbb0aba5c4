/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import java.nio.charset.StandardCharsets;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The sending side of a WebSocket session. Sends may come from any thread.
 */
public interface WebsocketOutbound {

	/**
	 * Sends each frame (TEXT, BINARY, PING, PONG; a CLOSE frame closes the session),
	 * pulling the next one only while the send buffer is below its high-water mark. A CLOSE
	 * frame's payload is empty or what {@link #sendClose(int, String)} would send (a code
	 * {@link WebSocketCloseStatus#isSendable} accepts, then a UTF-8 reason): another fails the
	 * send with {@link IllegalArgumentException} and is not written.
	 */
	Mono<Void> send(Publisher<WebSocketFrame> frames);

	/** Sends each string as a text message. */
	default Mono<Void> sendString(Publisher<String> texts) {
		return send(Flux.from(texts).map(WebSocketFrame::text));
	}

	/** Sends each array as a binary message. */
	default Mono<Void> sendBytes(Publisher<byte[]> data) {
		return send(Flux.from(data).map(WebSocketFrame::binary));
	}

	/**
	 * Sends a close frame with {@code code} and {@code reason}, then closes the connection. A
	 * control frame carries at most 125 bytes (RFC 6455 section 5.5): a longer reason is cut to
	 * its first 123 bytes of UTF-8, at a character boundary.
	 */
	Mono<Void> sendClose(int code, String reason);

	/** Sends close 1000. */
	default Mono<Void> sendClose() {
		return sendClose(1000, "");
	}

	/**
	 * Helper for close payloads: big-endian code then the UTF-8 reason, cut to 123 bytes at a
	 * character boundary (a close frame's payload is at most 125 bytes).
	 */
	static byte[] closePayload(int code, String reason) {
		byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
		if (r.length > 123) {
			int n = 123;
			while (n > 0 && (r[n] & 0xC0) == 0x80) {
				n--; // r[n] continues a character: cut before that character
			}
			r = java.util.Arrays.copyOf(r, n);
		}
		byte[] p = new byte[2 + r.length];
		p[0] = (byte) (code >> 8);
		p[1] = (byte) code;
		System.arraycopy(r, 0, p, 2, r.length);
		return p;
	}
}
