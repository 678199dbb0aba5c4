/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.nio.ByteBuffer;

/** The handler of an accepted HTTP connection before any WebSocket upgrade. */
public interface HttpChannelHandler extends ChannelHandler {

	/**
	 * A complete request (layout: {@code rmg_http.c}, decoded by the HTTP server).
	 * @param flags {@code NativeConstants.HTTP_*} facts about the request's framing
	 */
	void onRequest(ByteBuffer buf, int offset, int length, long flags);

	/** A piece of the streamed body of the current request (after an {@code HTTP_STREAMED} request). */
	default void onBody(ByteBuffer buf, int offset, int length) {
	}

	/**
	 * A piece of the streamed body of the current request, in the loop's staging array:
	 * valid during this call only (the next poll overwrites it).
	 */
	default void onBody(byte[] stage, int offset, int length) {
	}

	/**
	 * The streamed body of the current request is complete; {@code buf[offset, offset + length)}
	 * holds its trailer fields (chunked bodies only): {@code name:value} lines, checked by the
	 * native side, joined by CRLF; empty when there are none. Valid during this call only.
	 */
	default void onBodyEnd(ByteBuffer buf, int offset, int length) {
	}

	/**
	 * The native glue answered a request itself at a limit (413, 431, 400), or gave up a
	 * streamed body (bad chunked framing, over the limit), and is closing.
	 * @param bodyBytes the bytes of the body it sent with the status (0: none sent)
	 * @param firstLine what had arrived of the request's first line (at most 2 KiB, ISO-8859-1;
	 *        empty when none is known): meaningful only when no request of the connection is
	 *        under way, else it is a piece of that request's body
	 * @param reason why, as the body sent says it ({@code "too many request headers (more than
	 *        1000 lines)"}); empty when no answer was sent
	 */
	default void onRejected(int status, int bodyBytes, String firstLine, String reason) {
	}
}
