/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The receiving side of a WebSocket session. Frames are delivered on the poll thread; reading
 * from the socket pauses while the subscriber has no demand.
 */
public interface WebsocketInbound {

	/**
	 * Every received frame: TEXT, BINARY, and the PING and PONG control frames (a PING has
	 * already been answered with a PONG by the server). Completes when the session closes.
	 * Single subscriber, shared with {@link #receive()}: use one or the other.
	 */
	Flux<WebSocketFrame> receiveFrames();

	/** Text and binary messages only; completes when the session closes. Single subscriber. */
	default Flux<WebSocketFrame> receive() {
		return receiveFrames().filter(f -> f.type() == WebSocketFrame.Type.TEXT || f.type() == WebSocketFrame.Type.BINARY);
	}

	/** Like {@link #receive()} but text messages only, decoded as UTF-8. */
	default Flux<String> receiveText() {
		return receive().filter(f -> f.type() == WebSocketFrame.Type.TEXT).map(WebSocketFrame::text);
	}

	/**
	 * The close status: from the peer's close frame, 1005 if it had none, 1006 if the
	 * connection ended without one, or what the server sent when it closed first.
	 */
	Mono<WebSocketCloseStatus> receiveCloseStatus();

	/** Headers of the upgrade request. */
	HttpHeaders headers();

	/** The negotiated sub-protocol, or {@code null}. */
	@Nullable
	String selectedSubprotocol();
}
