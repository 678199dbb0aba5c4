/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

/**
 * WebSocket natives (peer of {@code rmg_http.c}); poll thread only.
 */
final class HttpNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private HttpNative() {
	}

	static native int wsUpgrade(long loop, long id, String key, String protocol, String extraHeaders);

	static native long wsSendArray(long loop, long id, byte[] array, int offset, int length, int opcode, int ops);
}
