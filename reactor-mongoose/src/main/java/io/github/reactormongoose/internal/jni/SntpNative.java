/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

/** The SNTP natives (peer of {@code rmg_sntp.c}); poll thread only. */
public final class SntpNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private SntpNative() {
	}

	/**
	 * Sends Mongoose's SNTP request on a connected UDP connection opened with {@code sntp}
	 * set ({@link UdpNative#open}).
	 * @return 0 or an error code
	 */
	public static native long request(long loop, long id);
}
