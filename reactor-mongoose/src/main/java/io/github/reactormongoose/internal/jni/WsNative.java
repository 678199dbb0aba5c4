/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

/**
 * WebSocket natives (peer of {@code rmg_ws.c}); poll thread only.
 */
public final class WsNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private WsNative() {
	}

	/**
	 * Answers the upgrade request on an accepted HTTP connection; 0 or an error code. Flags:
	 * {@code NativeConstants.WS_F_DEFLATE} (permessage-deflate negotiated: compressed messages,
	 * RSV1, are let through), {@code WS_F_OWN_PING} (PINGs are not answered by the native side).
	 * {@code maxFrame}: the session's message limit in bytes (125 to {@code MAX_RECV_SIZE / 2}),
	 * 0 for the listener's.
	 */
	public static native int upgrade(long loop, long id, String key, String protocol, String extraHeaders, int flags,
			int maxFrame);

	/** Sends one frame; ops as for {@link ConnNative} (drain, close, notify writable only). */
	public static native long sendArray(long loop, long id, byte[] array, int offset, int length, int opcode, int ops);
}
