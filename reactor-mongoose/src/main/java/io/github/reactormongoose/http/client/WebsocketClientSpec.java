/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * How a WebSocket client session is set up, as Reactor Netty's {@code WebsocketClientSpec}:
 * the sub-protocols it offers, the largest message it takes, whether it offers
 * permessage-deflate and who answers the server's PINGs. Given to
 * {@link HttpClient#websocket(WebsocketClientSpec)}; the same settings as the
 * {@link HttpClient.WebsocketSender} methods of the same names. Immutable.
 *
 * <pre>{@code
 * client.websocket(WebsocketClientSpec.builder().protocols("chat.v2, chat.v1").compress(true).build())
 *     .uri("ws://127.0.0.1:8080/chat")
 *     .handle((in, out) -> ...)
 * }</pre>
 */
public final class WebsocketClientSpec {

	private final List<String> protocols;
	private final int maxFramePayloadLength;
	private final boolean compress;
	private final boolean handlePing;
	private final boolean compressionAllowClientNoContext;
	private final boolean compressionRequestedServerNoContext;

	private WebsocketClientSpec(Builder b) {
		this.protocols = b.protocols;
		this.maxFramePayloadLength = b.maxFramePayloadLength;
		this.compress = b.compress;
		this.handlePing = b.handlePing;
		this.compressionAllowClientNoContext = b.compressionAllowClientNoContext;
		this.compressionRequestedServerNoContext = b.compressionRequestedServerNoContext;
	}

	/** A builder: no sub-protocols, messages up to 65,536 bytes, no compression, PINGs answered by the client. */
	public static Builder builder() {
		return new Builder();
	}

	/** The sub-protocols offered, in order of preference, or {@code null} for none (comma-separated). */
	public @Nullable String protocols() {
		return protocols.isEmpty() ? null : String.join(",", protocols);
	}

	/** The largest message accepted from the server, in bytes. */
	public int maxFramePayloadLength() {
		return maxFramePayloadLength;
	}

	/** Whether permessage-deflate is offered. */
	public boolean compress() {
		return compress;
	}

	/** Whether the handler answers the server's PINGs itself. */
	public boolean handlePing() {
		return handlePing;
	}

	/** Whether a server may ask for {@code client_no_context_takeover} (default {@code true}). */
	public boolean compressionAllowClientNoContext() {
		return compressionAllowClientNoContext;
	}

	/** Whether the offer asks for {@code server_no_context_takeover} (default {@code false}). */
	public boolean compressionRequestedServerNoContext() {
		return compressionRequestedServerNoContext;
	}

	/** These settings on {@code sender}. */
	HttpClient.WebsocketSender applyTo(HttpClient.WebsocketSender sender) {
		return sender.protocols(protocols.toArray(new String[0])).maxFramePayloadLength(maxFramePayloadLength)
				.compress(compress).handlePing(handlePing)
				.compressionAllowClientNoContext(compressionAllowClientNoContext)
				.compressionRequestedServerNoContext(compressionRequestedServerNoContext);
	}

	@Override
	public String toString() {
		return "WebsocketClientSpec[protocols=" + protocols() + ", maxFramePayloadLength=" + maxFramePayloadLength
				+ ", compress=" + compress + ", handlePing=" + handlePing + ", compressionAllowClientNoContext="
				+ compressionAllowClientNoContext + ", compressionRequestedServerNoContext=" + compressionRequestedServerNoContext
				+ "]";
	}

	/** Builds a {@link WebsocketClientSpec}. */
	public static final class Builder {

		private List<String> protocols = List.of();
		private int maxFramePayloadLength = WebsocketClient.DEFAULT_MAX_PAYLOAD;
		private boolean compress;
		private boolean handlePing;
		private boolean compressionAllowClientNoContext = true;
		private boolean compressionRequestedServerNoContext;

		private Builder() {
		}

		/**
		 * The sub-protocols offered, comma-separated in order of preference
		 * ({@code Sec-WebSocket-Protocol}), or {@code null} for none.
		 * @throws IllegalArgumentException for a name with a space, a control or a non-ASCII character
		 */
		public Builder protocols(@Nullable String protocols) {
			List<String> list = new ArrayList<>();
			if (protocols != null) {
				for (String p : protocols.split(",")) {
					String name = p.trim();
					if (!name.isEmpty()) {
						WebsocketClient.checkProtocol(name);
						list.add(name);
					}
				}
			}
			this.protocols = List.copyOf(list);
			return this;
		}

		/**
		 * The largest message accepted from the server (default 65,536 bytes); a larger one
		 * closes the session with 1009.
		 * @throws IllegalArgumentException below 125
		 */
		public Builder maxFramePayloadLength(int bytes) {
			WebsocketClient.checkMaxPayload(bytes);
			this.maxFramePayloadLength = bytes;
			return this;
		}

		/** Offers permessage-deflate (default {@code false}); see {@link HttpClient.WebsocketSender#compress}. */
		public Builder compress(boolean compress) {
			this.compress = compress;
			return this;
		}

		/** Leaves the server's PINGs to the handler (default {@code false}); see {@link HttpClient.WebsocketSender#handlePing}. */
		public Builder handlePing(boolean handlePing) {
			this.handlePing = handlePing;
			return this;
		}

		/**
		 * Whether a server may ask for {@code client_no_context_takeover} (default {@code true},
		 * Reactor Netty's is {@code false}); see {@link HttpClient.WebsocketSender#compressionAllowClientNoContext}.
		 */
		public Builder compressionAllowClientNoContext(boolean allow) {
			this.compressionAllowClientNoContext = allow;
			return this;
		}

		/**
		 * Asks the server for {@code server_no_context_takeover} (default {@code false}); see
		 * {@link HttpClient.WebsocketSender#compressionRequestedServerNoContext}.
		 */
		public Builder compressionRequestedServerNoContext(boolean request) {
			this.compressionRequestedServerNoContext = request;
			return this;
		}

		public WebsocketClientSpec build() {
			return new WebsocketClientSpec(this);
		}
	}
}
