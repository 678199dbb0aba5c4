/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebSocketProtocolException;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.InboundQueue;
import io.github.reactormongoose.internal.loop.WebsocketChannelHandler;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A WebSocket session on an upgraded connection: the channel's handler from the upgrade on,
 * and the handler's inbound and outbound. With permessage-deflate negotiated, compressed
 * messages are inflated here (and text ones checked as UTF-8, which the native guard cannot do
 * on compressed bytes), and outgoing messages are compressed when that makes them shorter
 * ({@link PerMessageDeflate}). Poll-thread state.
 */
public final class WebsocketSession implements WebsocketInbound, WebsocketOutbound, WebsocketChannelHandler {

	/** Per session, not static: a test's logger factory (LogCapture) sees the sessions it starts. */
	private final Logger log = Loggers.getLogger(WebsocketSession.class);

	private final Channel channel;
	private final EventLoop el;
	private final HttpHeaders headers;
	private final @Nullable String protocol;
	private final Runnable onClosed;
	/**
	 * Messages nobody has requested yet queue up to 64, or to 1 MiB of payload (then one message
	 * of any size): beyond either the loop stops reading the socket. The client's sessions too.
	 */
	public static final int INBOUND_HIGH_BYTES = 1 << 20;

	private final InboundQueue<WebSocketFrame> inbound;
	/** The longest message compressed: 0 without permessage-deflate (see {@link PerMessageDeflate.ServerTerms}). */
	private final int maxDeflated;
	/** Inflates the client's compressed messages (with an inflater of its own if it keeps its context). */
	private final PerMessageDeflate.SessionInflater inflater;
	/** The largest message, inflated or not (the endpoint's maxFramePayloadLength, else the server's maxWebsocketFrameSize). */
	private final int maxMessage;
	/** The session failed (a message that could not be inflated): later messages are dropped. */
	private boolean failed;
	private final Sinks.One<WebSocketCloseStatus> closeStatus = Sinks.one();
	/** Completes when the connection closed: pending sends fail then (FrameSender). */
	private final Sinks.Empty<Void> closedSink = Sinks.empty();
	private boolean closeSent;
	private boolean closed;

	/**
	 * A session on {@code channel}, which becomes its handler.
	 * @param deflate permessage-deflate's terms, or {@code null} when it was not negotiated
	 * @param maxMessage the largest message accepted, after inflating too
	 * @param onClosed runs on the poll thread after the connection closed
	 */
	public WebsocketSession(Channel channel, HttpHeaders headers, @Nullable String protocol,
			PerMessageDeflate.@Nullable ServerTerms deflate, int maxMessage, Runnable onClosed) {
		this.channel = channel;
		this.maxDeflated = deflate != null ? deflate.maxDeflated() : 0;
		this.inflater = new PerMessageDeflate.SessionInflater(deflate != null && !deflate.clientNoContext());
		this.maxMessage = maxMessage;
		this.el = channel.loop();
		this.headers = headers;
		this.protocol = protocol;
		this.onClosed = onClosed;
		this.inbound = new InboundQueue<>(el, 64, 16, channel::pauseReading, channel::resumeReading, () -> {
		}, f -> {
		}, f -> f.payload().length, INBOUND_HIGH_BYTES);
		channel.handler(this);
	}

	/** Runs the application's handler; {@code done} completes when the session ends. */
	public void run(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			MonoSink<Void> done) {
		Publisher<Void> p;
		try {
			p = handler.apply(this, this);
		}
		catch (Throwable t) {
			log.error("WebSocket handler failed", t);
			sendCloseNow(1011, "internal error");
			done.success();
			return;
		}
		BaseSubscriber<Void> handlerSubscriber = new BaseSubscriber<>() {
			@Override
			protected void hookOnComplete() {
				el.executeOrRun(() -> {
					sendCloseNow(1000, "");
					done.success();
				});
			}

			@Override
			protected void hookOnError(Throwable t) {
				el.executeOrRun(() -> {
					if (closed || closeSent || t instanceof AbortedException) {
						// the session was already ending (peer gone, 1009, a send after Mongoose
						// answered a close whose record is not dispatched yet): not a handler bug
						log.debug("WebSocket handler ended with {}", t.toString());
					}
					else {
						log.error("WebSocket handler failed", t);
					}
					sendCloseNow(1011, "internal error");
					done.success();
				});
			}
		};
		p.subscribe(handlerSubscriber);
	}

	@Override
	public void onMessage(int opcode, ByteBuffer buf, int offset, int length) {
		if (failed) {
			return;
		}
		byte[] data = new byte[length];
		buf.get(offset, data);
		boolean text = (opcode & 15) == NativeConstants.WS_OP_TEXT;
		if ((opcode & PerMessageDeflate.RSV1) != 0) { // the native guard allows it only with deflate
			try {
				data = inflater.inflate(data, maxMessage);
			}
			catch (PerMessageDeflate.Failure e) {
				fail(e.code(), e.getMessage());
				return;
			}
			if (text && !PerMessageDeflate.isUtf8(data)) {
				fail(1007, "invalid UTF-8 in a text message");
				return;
			}
		}
		inbound.offer(new WebSocketFrame(text ? WebSocketFrame.Type.TEXT : WebSocketFrame.Type.BINARY, data));
	}

	/** Ends the session for a message the native guard could not judge: close {@code code}, as onRejected. */
	private void fail(int code, String reason) {
		failed = true;
		sendCloseNow(code, reason);
		inbound.fail(new WebSocketProtocolException(new WebSocketCloseStatus(code, reason)));
	}

	@Override
	public void onControl(int opcode, ByteBuffer buf, int offset, int length) {
		if (opcode == NativeConstants.WS_OP_PING || opcode == NativeConstants.WS_OP_PONG) {
			// Mongoose already answered a PING with a PONG, unless the endpoint's spec has
			// handlePing(true); either way the frames are visible in receiveFrames()
			byte[] data = new byte[length];
			buf.get(offset, data);
			inbound.offer(new WebSocketFrame(
					opcode == NativeConstants.WS_OP_PING ? WebSocketFrame.Type.PING : WebSocketFrame.Type.PONG, data));
			return;
		}
		if (opcode == NativeConstants.WS_OP_CLOSE) {
			// Mongoose echoes the close frame and drains the connection.
			closeSent = true;
			WebSocketCloseStatus s = WebSocketCloseStatus.EMPTY;
			if (length >= 2) {
				int code = ((buf.get(offset) & 0xff) << 8) | (buf.get(offset + 1) & 0xff);
				byte[] reason = new byte[length - 2];
				buf.get(offset + 2, reason);
				try {
					s = new WebSocketCloseStatus(code, new String(reason, StandardCharsets.UTF_8));
				}
				catch (IllegalArgumentException e) {
					s = new WebSocketCloseStatus(1002, "invalid close code " + code);
				}
			}
			closeStatus.tryEmitValue(s);
			inbound.complete();
		}
	}

	@Override
	public void onRejected(int closeCode) {
		closeSent = true;
		WebSocketCloseStatus status = new WebSocketCloseStatus(closeCode, switch (closeCode) {
			case 1009 -> "message larger than the limit of " + maxMessage + " bytes";
			case 1007 -> "invalid UTF-8 in a text message or close reason";
			default -> "protocol error (RFC 6455 framing)";
		});
		closeStatus.tryEmitValue(status);
		inbound.fail(new WebSocketProtocolException(status));
	}

	/** Server shutdown: close 1001. */
	public void goingAway() {
		sendCloseNow(1001, "server shutting down");
	}

	@Override
	public void onClosed() {
		closed = true;
		inflater.end();
		closeStatus.tryEmitValue(WebSocketCloseStatus.ABNORMAL);
		inbound.complete();
		// the handler runs to its end (its receive() completed just now, its sends fail), as on
		// Reactor Netty: what it chained after receive() (a clean-up) is not cancelled
		closedSink.tryEmitEmpty();
		onClosed.run();
	}

	private void sendCloseNow(int code, String reason) {
		if (closeSent || closed) {
			return;
		}
		closeSent = true;
		byte[] p = WebsocketOutbound.closePayload(code, reason);
		if (channel.writeFrame(NativeConstants.WS_OP_CLOSE, p, 0, p.length, true) >= 0) {
			closeStatus.tryEmitValue(new WebSocketCloseStatus(code, reason));
		}
		// else not sent: the connection is closing (Mongoose answered the peer's close, or the
		// peer is gone) and the status is the peer's close or 1006, whose records come next
	}

	// ---- inbound ----

	@Override
	public Flux<WebSocketFrame> receiveFrames() {
		return inbound;
	}

	@Override
	public Mono<WebSocketCloseStatus> receiveCloseStatus() {
		return closeStatus.asMono();
	}

	@Override
	public HttpHeaders headers() {
		return headers;
	}

	@Override
	public String selectedSubprotocol() {
		return protocol;
	}

	// ---- outbound ----

	@Override
	public Mono<Void> send(Publisher<WebSocketFrame> frames) {
		return FrameSender.send(channel, frames, closedSink.asMono(), f -> {
			if (closeSent || closed) {
				return NativeConstants.ERR_CLOSING;
			}
			if (f.type() == WebSocketFrame.Type.CLOSE) {
				// FrameSender checked the payload: empty, or a code that may be sent and a UTF-8 reason
				byte[] p = f.payload();
				closeSent = true;
				long r = channel.writeFrame(NativeConstants.WS_OP_CLOSE, p, 0, p.length, true);
				// the status is the one sent, as sendClose's (the peer's answer comes after our close)
				if (r >= 0) {
					closeStatus.tryEmitValue(p.length < 2 ? WebSocketCloseStatus.EMPTY : new WebSocketCloseStatus(
							((p[0] & 0xff) << 8) | (p[1] & 0xff), new String(p, 2, p.length - 2, StandardCharsets.UTF_8)));
				}
				return r;
			}
			int op = FrameSender.opcode(f.type());
			byte[] z = PerMessageDeflate.deflate(f, maxDeflated);
			return z != null ? channel.writeFrame(op | PerMessageDeflate.RSV1, z, 0, z.length, false)
					: channel.writeFrame(op, f.payload(), 0, f.payload().length, false);
		});
	}

	@Override
	public Mono<Void> sendClose(int code, String reason) {
		WebSocketCloseStatus s = WebSocketCloseStatus.toSend(code, reason);
		return Mono.create(sink -> el.executeOrRun(() -> {
			sendCloseNow(s.code(), s.reason());
			sink.success();
		}));
	}
}
