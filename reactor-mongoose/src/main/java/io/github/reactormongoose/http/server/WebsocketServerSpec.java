/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import org.jspecify.annotations.Nullable;

/**
 * How a WebSocket endpoint answers the upgrade, as Reactor Netty's {@code WebsocketServerSpec}:
 * the sub-protocols it offers, the largest message it takes and whether it accepts
 * permessage-deflate compression. Given to
 * {@link HttpServerRoutes#ws(String, HttpServerRoutes.WebsocketHandler, WebsocketServerSpec)} or
 * {@link HttpServerResponse#sendWebsocket(java.util.function.BiFunction, WebsocketServerSpec)}.
 * Immutable.
 *
 * <pre>{@code
 * routes.ws("/chat", handler, WebsocketServerSpec.builder().protocols("chat").compress(true).build())
 * }</pre>
 */
public final class WebsocketServerSpec {

	private static final WebsocketServerSpec DEFAULT = new WebsocketServerSpec(null, false, 0);

	private final @Nullable String protocols;
	private final boolean compress;
	private final int maxFramePayloadLength;

	private WebsocketServerSpec(@Nullable String protocols, boolean compress, int maxFramePayloadLength) {
		this.protocols = protocols;
		this.compress = compress;
		this.maxFramePayloadLength = maxFramePayloadLength;
	}

	/** A builder: no sub-protocols, no compression, the server's message limit. */
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

	@Override
	public String toString() {
		return "WebsocketServerSpec[protocols=" + protocols + ", compress=" + compress
				+ (maxFramePayloadLength > 0 ? ", maxFramePayloadLength=" + maxFramePayloadLength : "") + "]";
	}

	/** Builds a {@link WebsocketServerSpec}. */
	public static final class Builder {

		private @Nullable String protocols;
		private boolean compress;
		private int maxFramePayloadLength;

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

		public WebsocketServerSpec build() {
			return protocols == null && !compress && maxFramePayloadLength == 0 ? DEFAULT
					: new WebsocketServerSpec(protocols, compress, maxFramePayloadLength);
		}
	}
}
