/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.nio.ByteBuffer;

/** The handler of a connection after its WebSocket upgrade. */
public interface WebsocketChannelHandler extends ChannelHandler {

	/** A whole data message (text or binary opcode). */
	void onMessage(int opcode, ByteBuffer buf, int offset, int length);

	/** A control frame (PING, PONG, CLOSE). */
	void onControl(int opcode, ByteBuffer buf, int offset, int length);

	/** The native glue failed the session with this close code (1002, 1007 or 1009). */
	default void onRejected(int closeCode) {
	}
}
