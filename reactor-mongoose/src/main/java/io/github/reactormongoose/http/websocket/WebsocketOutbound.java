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
	 * pulling the next one only while the send buffer is below its high-water mark.
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

	/** Sends a close frame with {@code code} and {@code reason}, then closes the connection. */
	Mono<Void> sendClose(int code, String reason);

	/** Sends close 1000. */
	default Mono<Void> sendClose() {
		return sendClose(1000, "");
	}

	/** Helper for close payloads: big-endian code then UTF-8 reason. */
	static byte[] closePayload(int code, String reason) {
		byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
		byte[] p = new byte[2 + r.length];
		p[0] = (byte) (code >> 8);
		p[1] = (byte) code;
		System.arraycopy(r, 0, p, 2, r.length);
		return p;
	}
}
