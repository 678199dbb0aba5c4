/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.websocket;

import java.util.concurrent.atomic.AtomicBoolean;

import io.github.reactormongoose.http.websocket.WebSocketCloseStatus;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.web.reactive.socket.CloseStatus;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketMessage;
import org.springframework.web.reactive.socket.adapter.AbstractWebSocketSession;

/**
 * A Spring {@link org.springframework.web.reactive.socket.WebSocketSession} over a
 * reactor-mongoose WebSocket session.
 * <p>
 * Incoming messages arrive reassembled (up to the server's {@code maxWebsocketFrameSize},
 * default 64 KiB; a larger one closes the session with 1009). {@link #receive()} carries text,
 * binary and PONG messages. A PING from the peer is answered with a PONG by the server and not
 * passed on, as Reactor Netty does by default ({@code handlePing(false)}), so a handler that
 * echoes what it receives does not echo the keep-alive pings of clients such as Python's
 * {@code websockets}. With {@code handlePing(true)} (the upgrade strategy's
 * {@code WebsocketServerSpec}, or {@link MongooseWebSocketClient#setHandlePing}) nothing answers
 * them but the handler, and they arrive as PING messages.
 */
public class MongooseWebSocketSession extends AbstractWebSocketSession<MongooseWebSocketSession.WebSocketConnection> {

	private final AtomicBoolean closed = new AtomicBoolean();

	/** PINGs reach {@link #receive()}: the handler answers them. */
	private final boolean handlePing;

	/** A session whose peer's PINGs the server answers (not passed on). */
	public MongooseWebSocketSession(WebsocketInbound inbound, WebsocketOutbound outbound, HandshakeInfo info,
			DataBufferFactory bufferFactory, String id) {
		this(inbound, outbound, info, bufferFactory, id, false);
	}

	/** @param handlePing the peer's PINGs are passed on as PING messages (and left to the handler to answer) */
	public MongooseWebSocketSession(WebsocketInbound inbound, WebsocketOutbound outbound, HandshakeInfo info,
			DataBufferFactory bufferFactory, String id, boolean handlePing) {
		super(new WebSocketConnection(inbound, outbound), id, info, bufferFactory);
		this.handlePing = handlePing;
		inbound.receiveCloseStatus().subscribe(s -> this.closed.set(true));
	}

	@Override
	public Flux<WebSocketMessage> receive() {
		return getDelegate().inbound().receiveFrames()
				.filter(frame -> frame.type() != WebSocketFrame.Type.CLOSE
						&& (this.handlePing || frame.type() != WebSocketFrame.Type.PING))
				.map(this::toMessage)
				.doOnNext(message -> {
					if (logger.isTraceEnabled()) {
						logger.trace(getLogPrefix() + "Received " + message);
					}
				});
	}

	@Override
	public Mono<Void> send(Publisher<WebSocketMessage> messages) {
		Flux<WebSocketFrame> frames = Flux.from(messages)
				.doOnNext(message -> {
					if (logger.isTraceEnabled()) {
						logger.trace(getLogPrefix() + "Sending " + message);
					}
				})
				.map(this::toFrame);
		return getDelegate().outbound().send(frames);
	}

	@Override
	public boolean isOpen() {
		return !this.closed.get();
	}

	@Override
	public Mono<Void> close(CloseStatus status) {
		int code = status.getCode();
		// 1005, 1006 and 1015 must never be sent in a close frame (RFC 6455 section 7.4.1)
		if (code == 1005 || code == 1006 || code == 1015 || code < 1000 || code > 4999) {
			code = CloseStatus.NORMAL.getCode();
		}
		String reason = status.getReason();
		return getDelegate().outbound().sendClose(code, reason != null ? reason : "");
	}

	@Override
	public Mono<CloseStatus> closeStatus() {
		return getDelegate().inbound().receiveCloseStatus().map(MongooseWebSocketSession::toCloseStatus);
	}

	static CloseStatus toCloseStatus(WebSocketCloseStatus s) {
		return CloseStatus.create(s.code(), s.reason());
	}

	private WebSocketMessage toMessage(WebSocketFrame frame) {
		WebSocketMessage.Type type = switch (frame.type()) {
			case TEXT -> WebSocketMessage.Type.TEXT;
			case PING -> WebSocketMessage.Type.PING;
			case PONG -> WebSocketMessage.Type.PONG;
			default -> WebSocketMessage.Type.BINARY;
		};
		return new WebSocketMessage(type, bufferFactory().wrap(frame.payload()), frame);
	}

	private WebSocketFrame toFrame(WebSocketMessage message) {
		DataBuffer payload = message.getPayload();
		byte[] bytes = new byte[payload.readableByteCount()];
		try {
			payload.read(bytes);
		}
		finally {
			DataBufferUtils.release(payload);
		}
		WebSocketFrame.Type type = switch (message.getType()) {
			case TEXT -> WebSocketFrame.Type.TEXT;
			case BINARY -> WebSocketFrame.Type.BINARY;
			case PING -> WebSocketFrame.Type.PING;
			case PONG -> WebSocketFrame.Type.PONG;
		};
		return new WebSocketFrame(type, bytes);
	}

	/** The native inbound and outbound sides of the session. */
	public record WebSocketConnection(WebsocketInbound inbound, WebsocketOutbound outbound) {
	}
}
