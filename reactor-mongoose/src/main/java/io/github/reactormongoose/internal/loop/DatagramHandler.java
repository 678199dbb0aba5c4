/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** The handler of a UDP connection ({@link EventLoop#openUdp}). */
public interface DatagramHandler extends ChannelHandler {

	/** One datagram from {@code sender}: {@code buf[offset, offset + length)}, possibly empty. */
	default void onDatagram(InetSocketAddress sender, ByteBuffer buf, int offset, int length) {
	}

	/**
	 * A socket error ({@code errno}), for example {@code ECONNREFUSED} after an ICMP port
	 * unreachable on a connected socket; when Mongoose saw it as {@code POLLERR}, an ERROR and
	 * a CLOSE follow.
	 */
	default void onSocketError(int errno) {
	}

	/** An SNTP answer: the server's time and the local wall clock when it arrived (Unix ms). */
	default void onSntpTime(long serverMillis, long localMillis) {
	}

	/** An SNTP answer that was refused, and why. */
	default void onSntpRefused(String reason) {
	}
}
