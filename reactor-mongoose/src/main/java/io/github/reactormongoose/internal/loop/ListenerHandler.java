/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;

/** The handler of a listening connection. */
public interface ListenerHandler extends ChannelHandler {

	/**
	 * The listener accepted {@code child}.
	 * @return the child's handler, or {@code null} to close it at once
	 */
	@Nullable
	ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote);
}
