/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.websocket;

import java.util.function.ToLongFunction;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The outbound side shared by the server's and the client's WebSocket sessions: frames pulled
 * with a {@link WriteSubscriber} (so a slow peer stops the producer), and the RFC 6455 opcode of
 * each frame type. Internal API.
 */
public final class FrameSender {

	private FrameSender() {
	}

	/**
	 * Sends {@code frames} on {@code channel}; {@code write} writes one frame on the poll thread
	 * and returns the send-buffer length or a negative native error. When {@code closed}
	 * completes (the connection closed) before the send ended, the send fails with an
	 * {@link AbortedException} and its source is cancelled: a send waiting for a source that
	 * emits rarely would otherwise wait until its next frame, now that the handler itself is
	 * not cancelled when the connection closes (it runs to its end, as on Reactor Netty).
	 */
	public static Mono<Void> send(Channel channel, Publisher<WebSocketFrame> frames, Mono<Void> closed,
			ToLongFunction<WebSocketFrame> write) {
		return Mono.firstWithSignal(send(channel, frames, write),
				closed.then(Mono.error(() -> new AbortedException("WebSocket connection closed while sending"))));
	}

	private static Mono<Void> send(Channel channel, Publisher<WebSocketFrame> frames, ToLongFunction<WebSocketFrame> write) {
		return Mono.create(sink -> {
			WriteSubscriber<WebSocketFrame> w = WriteSubscriber.forSink(channel.loop(), new WriteSubscriber.Target<>() {
				@Override
				public long write(WebSocketFrame f) {
					return write.applyAsLong(f);
				}

				@Override
				public void awaitWritable(Runnable action) {
					channel.awaitWritable(action);
				}
			}, sink, () -> { });
			frames.subscribe(w);
		});
	}

	/** The opcode of a frame type (RFC 6455 5.2). */
	public static int opcode(WebSocketFrame.Type t) {
		switch (t) {
			case TEXT: return NativeConstants.WS_OP_TEXT;
			case BINARY: return NativeConstants.WS_OP_BINARY;
			case PING: return NativeConstants.WS_OP_PING;
			case PONG: return NativeConstants.WS_OP_PONG;
			default: return NativeConstants.WS_OP_CLOSE;
		}
	}
}
