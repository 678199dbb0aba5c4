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

	/** The native glue answered a request itself at a limit (413, 431, 400) and is closing. */
	default void onRejected(int status) {
	}
}
