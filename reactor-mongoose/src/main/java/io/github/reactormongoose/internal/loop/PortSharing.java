/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import io.github.reactormongoose.internal.jni.NativeConstants;

/** How a listener binds its address when a server runs on several loops. */
public enum PortSharing {
	/** Mongoose's own listener; no other socket may bind the address. */
	EXCLUSIVE(NativeConstants.LISTEN_EXCLUSIVE),
	/** The first listener of a group ({@code SO_REUSEPORT}); fails if the address is already in use. */
	FIRST(NativeConstants.LISTEN_SHARE_FIRST),
	/** Another listener of the group, on the first one's address. */
	JOIN(NativeConstants.LISTEN_SHARE_JOIN);

	final int code;

	PortSharing(int code) {
		this.code = code;
	}
}
