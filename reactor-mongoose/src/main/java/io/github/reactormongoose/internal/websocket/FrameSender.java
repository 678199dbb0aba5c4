/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.websocket;

import java.util.function.ToLongFunction;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
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
	 * not cancelled when the connection closes (it runs to its end, as on Reactor Netty). A
	 * CLOSE frame whose payload {@link #checkClose} refuses fails the send with an
	 * {@link IllegalArgumentException} and is not written.
	 */
	public static Mono<Void> send(Channel channel, Publisher<WebSocketFrame> frames, Mono<Void> closed,
			ToLongFunction<WebSocketFrame> write) {
		return Mono.firstWithSignal(send(channel, Flux.from(frames).doOnNext(FrameSender::checkClose), write),
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

	/**
	 * Refuses a CLOSE frame a peer would fail the session for (RFC 6455 5.5.1, 7.4, 8.1), by
	 * {@code sendClose}'s rules: its payload is empty, or a code
	 * {@link WebSocketCloseStatus#isSendable} accepts (not 1005, 1006, 1015, nor a reserved one)
	 * followed by a UTF-8 reason. Other frames pass.
	 * @throws IllegalArgumentException for a payload of one byte, such a code or a reason that is not UTF-8
	 */
	public static void checkClose(WebSocketFrame f) {
		byte[] p = f.payload();
		if (f.type() != WebSocketFrame.Type.CLOSE || p.length == 0) {
			return;
		}
		if (p.length == 1) {
			throw new IllegalArgumentException("CLOSE frame of one byte: its payload is empty or a 2-byte code and a reason");
		}
		WebSocketCloseStatus.toSend(((p[0] & 0xff) << 8) | (p[1] & 0xff), "");
		if (!PerMessageDeflate.isUtf8(java.util.Arrays.copyOfRange(p, 2, p.length))) {
			throw new IllegalArgumentException("CLOSE frame whose reason is not UTF-8");
		}
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
