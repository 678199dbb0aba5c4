/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * Receives the decoded events of one native connection, on the poll thread, after
 * {@code mg_mgr_poll} returned. Payload views ({@code buf}, {@code offset}, {@code length})
 * are valid only during the call: copy what you keep. Internal API.
 */
public interface ChannelHandler {

	/**
	 * A listener accepted a connection.
	 * @return the handler of the new connection, or {@code null} to close it
	 */
	default ChannelHandler onAccept(long id, InetSocketAddress local, InetSocketAddress remote) {
		return null;
	}

	default void onConnect(InetSocketAddress local, InetSocketAddress remote) {
	}

	default void onRead(ByteBuffer buf, int offset, int length) {
	}

	/** The send buffer fell to the low-water mark after a {@code OP_NOTIFY_WRITABLE} request. */
	default void onWritable() {
	}

	/** Raw TCP: everything queued was written to the socket ({@code written} bytes by the last write). */
	default void onDrained(long written) {
	}

	default void onError(String message) {
	}

	/** The connection is gone; no native call for it will succeed any more. */
	default void onClosed() {
	}

	default void onHttpRequest(ByteBuffer buf, int offset, int length, long flags) {
	}

	default void onWsMessage(int opcode, ByteBuffer buf, int offset, int length) {
	}

	default void onWsControl(int opcode, ByteBuffer buf, int offset, int length) {
	}

	/** The native glue answered a request itself (413, 431, 400, or WebSocket close 1009). */
	default void onRejected(int status) {
	}
}
