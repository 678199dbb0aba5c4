/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

import java.nio.ByteBuffer;

/**
 * Natives of one Mongoose manager (peer of {@code rmg_loop.c}). Every method except
 * {@link #wakeup(long)} must be called on the loop's poll thread. Negative results are
 * error codes ({@code NativeConstants.ERR_*}, or {@code -(1000 + errno)}).
 */
final class LoopNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private LoopNative() {
	}

	static native long create(int lowWater);

	static native void destroy(long loop);

	static native long poll(long loop, int timeoutMillis);

	static native ByteBuffer eventBuffer(long loop);

	static native boolean wakeup(long loop);

	static native long listen(long loop, String url, int kind, long maxBody, int maxHead, int maxWsFrame,
			int pipelineLimit);

	static native long connect(long loop, String url, int kind);

	static native long send(long loop, long id, ByteBuffer direct, int offset, int length, int ops);

	static native long sendArray(long loop, long id, byte[] array, int offset, int length, int ops);

	static native long control(long loop, long id, int ops);

	static native int address(long loop, long id, boolean local, byte[] out);

	static native int connectionCount(long loop);
}
