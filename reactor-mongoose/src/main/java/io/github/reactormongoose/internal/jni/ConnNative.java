/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * Natives of one connection, addressed by its id (peer of {@code rmg_conn.c}); poll thread
 * only. {@code ops} are {@code NativeConstants.OP_*} flags applied after the write. Results
 * are the send-buffer length or a negative error code.
 */
public final class ConnNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private ConnNative() {
	}

	/** Appends {@code length} bytes of a direct buffer from {@code offset}, then applies {@code ops}. */
	public static native long send(long loop, long id, ByteBuffer direct, int offset, int length, int ops);

	/** Appends {@code length} bytes of a heap array from {@code offset}, then applies {@code ops}. */
	public static native long sendArray(long loop, long id, byte[] array, int offset, int length, int ops);

	/**
	 * Appends {@code length} bytes of a heap buffer, read-only or not, from its index
	 * {@code position}, straight from its backing array (read through JNI, bounds checked
	 * there), then applies {@code ops}. Only where {@link #heapViews()} is true.
	 */
	public static native long sendHeap(long loop, long id, ByteBuffer heap, int position, int length, int ops);

	/**
	 * Whether {@link #sendHeap} can reach the backing array of a read-only heap buffer on this
	 * JVM (it reads {@code java.nio.ByteBuffer}'s array fields through JNI; where they are
	 * named differently, such buffers are copied first).
	 */
	public static native boolean heapViews();

	/**
	 * Opens the file at {@code path} (platform file-name encoding), then appends {@code head}
	 * (may be {@code null}) and queues {@code count} bytes of the file from {@code position},
	 * sent with {@code sendfile(2)} when possible; then applies {@code ops}. With
	 * {@code size >= 0} the file opened must have that size and modification time
	 * ({@code mtimeMillis}, else ESTALE), with {@code root} its real path must lie under it
	 * (else EACCES). Returns the pending length, or a negative error code (an errno code when
	 * the file cannot be opened, is not a regular file or fails a check: then nothing was written).
	 */
	public static native long sendFile(long loop, long id, byte @Nullable [] head, byte[] path, byte @Nullable [] root,
			long size, long mtimeMillis, long position, long count, int ops);

	/** Applies {@code ops} only. */
	public static native long control(long loop, long id, int ops);

	/**
	 * A connection of the TCP kind starts waiting for its peer's close (the WebSocket client
	 * after its CLOSE, {@code rmg_close_wait}): it closes {@code waitMillis} after its output is
	 * all out, and with {@code stallMillis > 0} resets, with a write-timeout error, when its
	 * output has not moved for that long. Input is still delivered. Returns the pending length,
	 * or a negative error code.
	 */
	public static native long closeWait(long loop, long id, long waitMillis, long stallMillis);

	/** Writes the connection's local or remote address in the {@link EventRecords} address layout; 0 or an error code. */
	public static native int address(long loop, long id, boolean local, byte[] out);
}
