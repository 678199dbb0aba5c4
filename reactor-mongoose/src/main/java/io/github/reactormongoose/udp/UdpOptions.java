/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import io.github.reactormongoose.internal.loop.Wiretap;
import org.jspecify.annotations.Nullable;

/** The socket options shared by {@link UdpServer} and {@link UdpClient}. */
record UdpOptions(int receiveBufferSize, int sendBufferSize, int receiveQueue, @Nullable Wiretap wiretap) {

	/** Datagrams queued for a subscriber without demand before reading pauses. */
	static final int DEFAULT_RECEIVE_QUEUE = 512;

	static final UdpOptions DEFAULTS = new UdpOptions(0, 0, DEFAULT_RECEIVE_QUEUE, null);

	UdpOptions receiveBufferSize(int bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("receiveBufferSize must be >= 0: " + bytes);
		}
		return new UdpOptions(bytes, sendBufferSize, receiveQueue, wiretap);
	}

	UdpOptions sendBufferSize(int bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("sendBufferSize must be >= 0: " + bytes);
		}
		return new UdpOptions(receiveBufferSize, bytes, receiveQueue, wiretap);
	}

	UdpOptions receiveQueue(int datagrams) {
		if (datagrams < 2) {
			throw new IllegalArgumentException("receiveQueue must be >= 2: " + datagrams);
		}
		return new UdpOptions(receiveBufferSize, sendBufferSize, datagrams, wiretap);
	}

	UdpOptions wiretap(@Nullable Wiretap w) {
		return new UdpOptions(receiveBufferSize, sendBufferSize, receiveQueue, w);
	}
}
