/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The handler of a raw byte-stream (TCP) connection. */
public interface StreamHandler extends ChannelHandler {

	/** An outbound connection is established. */
	default void onConnect(InetSocketAddress local, InetSocketAddress remote) {
	}

	/** Bytes arrived. */
	void onRead(ByteBuffer buf, int offset, int length);

	/** Everything queued was written to the socket ({@code written} bytes by the last write). */
	default void onDrained(long written) {
	}
}
