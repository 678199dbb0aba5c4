/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.websocket;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.WebsocketClientSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.socket.HandshakeInfo;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.reactive.socket.client.WebSocketClient;

/**
 * Spring's reactive {@link WebSocketClient} over the reactor-mongoose {@link HttpClient}, as
 * {@code ReactorNettyWebSocketClient} is over Reactor Netty's: a WebFlux application without
 * Reactor Netty keeps a WebSocket client, on Mongoose poll loops.
 * <pre>{@code
 * WebSocketClient client = new MongooseWebSocketClient();
 * client.execute(URI.create("ws://127.0.0.1:8080/echo"), session -> session
 *         .send(Mono.just(session.textMessage("hello")))
 *         .thenMany(session.receive().take(1).map(WebSocketMessage::getPayloadAsText))
 *         .then())
 *     .block();
 * }</pre>
 * The upgrade request carries the given headers (they replace the client's default headers of
 * the same name) and the handler's sub-protocols; the 101 answer is checked as RFC 6455 asks
 * ({@code Sec-WebSocket-Accept}, a sub-protocol that was offered), else the returned
 * {@code Mono} fails with {@link io.github.reactormongoose.http.client.WebSocketHandshakeException}.
 * The session's {@link HandshakeInfo} holds the 101's headers and the selected sub-protocol.
 * When the handler's {@code Mono} ends, the session is closed (1000, or 1011 if it failed) and
 * the returned {@code Mono} completes (or fails with the handler's error); when the server
 * closes first, {@code session.receive()} completes and {@code closeStatus()} says why.
 * {@code ws://} is plain, {@code wss://} TLS with the client's {@code secure(TlsSpec)} settings.
 * Messages arrive reassembled, up to {@link #setMaxFramePayloadLength} (default 64 KiB); a larger
 * one fails {@code session.receive()} with
 * {@link io.github.reactormongoose.http.websocket.WebSocketProtocolException} and closes the
 * session with 1009 (as Reactor Netty's client fails it with its frame exception).
 */
public class MongooseWebSocketClient implements WebSocketClient {

	private static final AtomicLong IDS = new AtomicLong();

	private final HttpClient client;

	private final DataBufferFactory bufferFactory;

	private int maxFramePayloadLength = 65536;

	private boolean compress;

	private boolean handlePing;

	/** Decides the session's settings when given (the setters then do not apply). */
	private final @Nullable Supplier<WebsocketClientSpec.Builder> specBuilder;

	/** A client over {@link HttpClient#create()} (the shared default loops). */
	public MongooseWebSocketClient() {
		this(HttpClient.create());
	}

	/** A client over {@code client}: its loops, TLS settings, timeouts and default headers. */
	public MongooseWebSocketClient(HttpClient client) {
		this(client, DefaultDataBufferFactory.sharedInstance);
	}

	/** A client whose received messages are wrapped by {@code bufferFactory}. */
	public MongooseWebSocketClient(HttpClient client, DataBufferFactory bufferFactory) {
		this(client, bufferFactory, null);
	}

	/**
	 * A client whose sessions are set up by the supplied spec, as Spring's
	 * {@code ReactorNettyWebSocketClient(HttpClient, Supplier<WebsocketClientSpec.Builder>)}: its
	 * message limit, compression and PING handling (the sub-protocols are the handler's, as
	 * there). The setters of this class then do not apply.
	 */
	public MongooseWebSocketClient(HttpClient client, Supplier<WebsocketClientSpec.Builder> specBuilder) {
		this(client, DefaultDataBufferFactory.sharedInstance, Objects.requireNonNull(specBuilder, "specBuilder"));
	}

	private MongooseWebSocketClient(HttpClient client, DataBufferFactory bufferFactory,
			@Nullable Supplier<WebsocketClientSpec.Builder> specBuilder) {
		this.client = Objects.requireNonNull(client, "client");
		this.bufferFactory = Objects.requireNonNull(bufferFactory, "bufferFactory");
		this.specBuilder = specBuilder;
	}

	/** The largest message accepted (reassembled); at least 125 bytes. */
	public void setMaxFramePayloadLength(int maxFramePayloadLength) {
		if (maxFramePayloadLength < 125) {
			throw new IllegalArgumentException("maxFramePayloadLength must be >= 125: " + maxFramePayloadLength);
		}
		this.maxFramePayloadLength = maxFramePayloadLength;
	}

	public int getMaxFramePayloadLength() {
		return this.maxFramePayloadLength;
	}

	/**
	 * Whether to offer permessage-deflate (default {@code false}), as Reactor Netty's
	 * {@code WebsocketClientSpec.builder().compress(true)}; see
	 * {@code HttpClient.WebsocketSender.compress(boolean)}.
	 */
	public void setCompress(boolean compress) {
		this.compress = compress;
	}

	public boolean isCompress() {
		return this.compress;
	}

	/**
	 * Whether the handler answers the server's PINGs itself (default {@code false}: the client
	 * answers them with a PONG and the session does not pass them on), as Reactor Netty's
	 * {@code WebsocketClientSpec.builder().handlePing(true)}. With {@code true}, PINGs arrive as
	 * PING messages of {@code session.receive()} and nothing else answers them.
	 */
	public void setHandlePing(boolean handlePing) {
		this.handlePing = handlePing;
	}

	public boolean isHandlePing() {
		return this.handlePing;
	}

	/** The reactor-mongoose client that makes the connections. */
	public HttpClient getHttpClient() {
		return this.client;
	}

	@Override
	public Mono<Void> execute(URI url, WebSocketHandler handler) {
		return execute(url, new HttpHeaders(), handler);
	}

	@Override
	public Mono<Void> execute(URI url, HttpHeaders requestHeaders, WebSocketHandler handler) {
		Objects.requireNonNull(url, "url");
		Objects.requireNonNull(requestHeaders, "requestHeaders");
		Objects.requireNonNull(handler, "handler");
		return Mono.defer(() -> {
			HttpClient c = this.client.headers(h -> requestHeaders.forEach((name, values) -> {
				h.remove(name);
				for (String v : values) {
					h.add(name, v);
				}
			}));
			List<String> protocols = handler.getSubProtocols();
			String id = Long.toHexString(IDS.incrementAndGet());
			WebsocketClientSpec spec = this.specBuilder != null
					? this.specBuilder.get().protocols(String.join(",", protocols)).build()
					: WebsocketClientSpec.builder().protocols(String.join(",", protocols))
						.maxFramePayloadLength(this.maxFramePayloadLength).compress(this.compress)
						.handlePing(this.handlePing).build();
			return c.websocket(spec)
				.uri(url.toString())
				.handle((in, out) -> {
					HttpHeaders responseHeaders = new HttpHeaders();
					in.headers().forEach(e -> responseHeaders.add(e.getKey(), e.getValue()));
					HandshakeInfo info = new HandshakeInfo(url, responseHeaders, Mono.empty(), in.selectedSubprotocol());
					MongooseWebSocketSession session = new MongooseWebSocketSession(in, out, info, this.bufferFactory, id,
							spec.handlePing());
					return handler.handle(session).checkpoint(url + " [MongooseWebSocketClient]");
				})
				.then();
		});
	}

	@Override
	public String toString() {
		return "MongooseWebSocketClient[" + this.client + "]";
	}
}
