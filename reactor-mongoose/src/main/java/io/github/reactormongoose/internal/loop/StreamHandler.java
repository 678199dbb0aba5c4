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

	/**
	 * The peer shut down its sending side (a FIN) after the last {@link #onRead}: nothing more
	 * will be read, and the connection stays open for output until it is drained or closed.
	 * Only for a connection told {@link Channel#halfClose()}; others close at the FIN.
	 */
	default void onReadEnd() {
	}

	/**
	 * Our FIN went out ({@link Channel#shutdownOutput()}), behind every byte written before it.
	 * The connection still reads.
	 */
	default void onWriteEnd() {
	}
}
