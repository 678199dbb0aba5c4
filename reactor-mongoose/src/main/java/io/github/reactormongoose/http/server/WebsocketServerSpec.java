/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import org.jspecify.annotations.Nullable;

/**
 * How a WebSocket endpoint answers the upgrade, as Reactor Netty's {@code WebsocketServerSpec}:
 * the sub-protocols it offers, the largest message it takes, whether it accepts
 * permessage-deflate compression and who answers the client's PINGs. Given to
 * {@link HttpServerRoutes#ws(String, HttpServerRoutes.WebsocketHandler, WebsocketServerSpec)} or
 * {@link HttpServerResponse#sendWebsocket(java.util.function.BiFunction, WebsocketServerSpec)}.
 * Immutable.
 *
 * <pre>{@code
 * routes.ws("/chat", handler, WebsocketServerSpec.builder().protocols("chat").compress(true).build())
 * }</pre>
 */
public final class WebsocketServerSpec {

	private static final WebsocketServerSpec DEFAULT = new WebsocketServerSpec(null, false, 0, false, false);

	private final @Nullable String protocols;
	private final boolean compress;
	private final int maxFramePayloadLength;
	private final boolean handlePing;
	private final boolean compressionPreferredClientNoContext;

	private WebsocketServerSpec(@Nullable String protocols, boolean compress, int maxFramePayloadLength,
			boolean handlePing, boolean compressionPreferredClientNoContext) {
		this.protocols = protocols;
		this.compress = compress;
		this.maxFramePayloadLength = maxFramePayloadLength;
		this.handlePing = handlePing;
		this.compressionPreferredClientNoContext = compressionPreferredClientNoContext;
	}

	/** A builder: no sub-protocols, no compression, the server's message limit, PINGs answered by the server. */
	public static Builder builder() {
		return new Builder();
	}

	/** No sub-protocols, no compression. */
	public static WebsocketServerSpec defaults() {
		return DEFAULT;
	}

	/** The sub-protocols offered, comma-separated, or {@code null}. */
	public @Nullable String protocols() {
		return protocols;
	}

	/** Whether permessage-deflate (RFC 7692) is accepted when the client offers it. */
	public boolean compress() {
		return compress;
	}

	/**
	 * The largest message of this endpoint in bytes, or 0 when it is the server's
	 * {@link HttpServer#maxWebsocketFrameSize(int) maxWebsocketFrameSize} (64 KiB by default).
	 */
	public int maxFramePayloadLength() {
		return maxFramePayloadLength;
	}

	/**
	 * Whether the application answers the client's PINGs itself ({@code true}), or the server
	 * does, at once (the default).
	 */
	public boolean handlePing() {
		return handlePing;
	}

	/** Whether the server asks compressing clients to compress each message on its own. */
	public boolean compressionPreferredClientNoContext() {
		return compressionPreferredClientNoContext;
	}

	@Override
	public String toString() {
		return "WebsocketServerSpec[protocols=" + protocols + ", compress=" + compress
				+ (maxFramePayloadLength > 0 ? ", maxFramePayloadLength=" + maxFramePayloadLength : "")
				+ (handlePing ? ", handlePing=true" : "")
				+ (compressionPreferredClientNoContext ? ", compressionPreferredClientNoContext=true" : "") + "]";
	}

	/** Builds a {@link WebsocketServerSpec}. */
	public static final class Builder {

		private @Nullable String protocols;
		private boolean compress;
		private int maxFramePayloadLength;
		private boolean handlePing;
		private boolean compressionPreferredClientNoContext;

		private Builder() {
		}

		/**
		 * The sub-protocols offered, comma-separated (the server picks the first of the client's
		 * list that it offers), or {@code null} for none.
		 */
		public Builder protocols(@Nullable String protocols) {
			this.protocols = protocols;
			return this;
		}

		/**
		 * Accepts permessage-deflate (RFC 7692) when the client offers it, as browsers do (default
		 * {@code false}). Messages of 64 bytes or more are then sent compressed when that makes
		 * them shorter, and compressed messages from the client are inflated, within the
		 * endpoint's {@link #maxFramePayloadLength(int) message limit}. The server compresses every message on its own, so no
		 * session holds a compressor (a client that limits the server's window to n bits gets
		 * only messages of up to 2<sup>n</sup> bytes compressed); a client that keeps its own
		 * context between messages gets an inflater per session (about 40 KB, freed when it closes).
		 */
		public Builder compress(boolean compress) {
			this.compress = compress;
			return this;
		}

		/**
		 * The largest message this endpoint takes, in bytes, after reassembly of its fragments
		 * and inflation, as Reactor Netty's {@code maxFramePayloadLength}: a larger one closes the
		 * session with 1009 ("message too big") as soon as its frame header shows it, and
		 * {@code receive()} fails with a {@code WebSocketProtocolException}. Without it, the
		 * server's {@link HttpServer#maxWebsocketFrameSize(int) maxWebsocketFrameSize} applies
		 * (64 KiB by default), so one endpoint can take larger messages than the others.
		 * @param bytes 125 (the largest control frame) to 32 MiB
		 * @throws IllegalArgumentException outside that range
		 */
		public Builder maxFramePayloadLength(int bytes) {
			this.maxFramePayloadLength = HttpServer.checkMessageLimit("maxFramePayloadLength", bytes);
			return this;
		}

		/**
		 * Leaves the client's PINGs to the application, as Reactor Netty's {@code handlePing(true)}:
		 * the server no longer answers them with a PONG of its own; they arrive in
		 * {@code receiveFrames()} (and as PING messages of a Spring {@code WebSocketSession}),
		 * and the handler answers with {@code send(Mono.just(WebSocketFrame.pong(ping.payload())))}
		 * when and if it chooses. By default ({@code false}) the server answers every PING at
		 * once with a PONG carrying its payload (RFC 6455 section 5.5.2); the PING is still shown
		 * by {@code receiveFrames()}, never by {@code receive()}.
		 */
		public Builder handlePing(boolean handlePing) {
			this.handlePing = handlePing;
			return this;
		}

		/**
		 * With {@link #compress(boolean) compress(true)}: asks the client to compress each message
		 * on its own ({@code client_no_context_takeover} in the answer, which RFC 7692 lets a
		 * server add to any offer), as Reactor Netty's {@code compressionPreferredClientNoContext}.
		 * A client that keeps its compression context between messages (browsers, Python's
		 * {@code websockets}, by default) otherwise gets an inflater of its own on the server,
		 * about 40 KB of native memory for the whole session; with this, every session of a loop
		 * shares one, at the price of a lower ratio for runs of small messages that repeat each
		 * other. Browsers and Python's {@code websockets} follow the answer; Reactor Netty's
		 * client fails the handshake on it unless built with
		 * {@code compressionAllowClientNoContext(true)}. Default {@code false}.
		 */
		public Builder compressionPreferredClientNoContext(boolean preferred) {
			this.compressionPreferredClientNoContext = preferred;
			return this;
		}

		public WebsocketServerSpec build() {
			return protocols == null && !compress && maxFramePayloadLength == 0 && !handlePing
					&& !compressionPreferredClientNoContext ? DEFAULT
							: new WebsocketServerSpec(protocols, compress, maxFramePayloadLength, handlePing,
									compressionPreferredClientNoContext);
		}
	}
}
