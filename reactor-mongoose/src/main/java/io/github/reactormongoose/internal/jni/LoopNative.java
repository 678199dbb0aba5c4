/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

import java.nio.ByteBuffer;

/**
 * Natives of one Mongoose manager (peer of {@code rmg_loop.c}). Every method except
 * {@link #wakeup(long)} must be called on the loop's poll thread. Negative results are
 * error codes ({@code NativeConstants.ERR_*}, or {@code -(ERR_ERRNO_BASE + errno)}): turn them
 * into exceptions with {@link Errors#toException(long, String)}.
 */
public final class LoopNative {

	static {
		NativeConstants.ensureLoaded();
	}

	private LoopNative() {
	}

	/** Creates a manager with its wakeup pipe and event arena; 0 on failure. */
	public static native long create(int lowWater);

	/** Frees the manager: every connection gets its CLOSE record, then all is freed. */
	public static native void destroy(long loop);

	/**
	 * One {@code mg_mgr_poll}. Returns the bytes of records written, combined with the
	 * {@link EventRecords} poll flags.
	 * @param stage where this poll may copy streamed request body pieces
	 *     ({@code EV_HTTP_BODY_STAGED} records: offset and length in their argument, see
	 *     {@link EventRecords#stagedOffset}); valid until the next poll; null: all pieces go
	 *     into the arena ({@code EV_HTTP_BODY})
	 */
	public static native long poll(long loop, int timeoutMillis, byte[] stage);

	/** A direct view of the event arena; fetch a new one when {@code poll} says it moved. */
	public static native ByteBuffer eventBuffer(long loop);

	/** Rings the manager's wakeup pipe; the only native any thread may call. */
	public static native boolean wakeup(long loop);

	/**
	 * Listens with per-listener limits; the listener's id or an error code. {@code share} is
	 * {@code NativeConstants.LISTEN_EXCLUSIVE}, or {@code LISTEN_SHARE_FIRST}/{@code LISTEN_SHARE_JOIN}
	 * for the first and the other listeners of a group of loops on one address
	 * ({@code SO_REUSEPORT}; TCP and HTTP kinds only).
	 */
	/**
	 * Sets the rules of a listener's connections: the request head timeout (0: none), the
	 * request line limit (0: the head's), the write timeout (0: none) and the most request header
	 * lines (0: as many as the build parses, {@code MG_MAX_HTTP_HEADERS} - 1). 0 or an error code.
	 */
	public static native int listenerRules(long loop, long listener, long headMillis, int maxLine, long writeMillis,
			int maxHeaders);

	/**
	 * Whether a listener's next connections start with a PROXY protocol header: 0 no,
	 * {@code NativeConstants.PROXY_ON} always, {@code PROXY_AUTO} when one comes; and how many
	 * may await their header at once (0: no bound; one more is closed when accepted). 0 or an
	 * error code.
	 */
	public static native int proxyProtocol(long loop, long listener, int mode, int maxPending);

	public static native long listen(long loop, String url, int kind, long maxBody, int maxHead, int maxWsFrame,
			int pipelineLimit, int share);

	/** Connects to an IP-literal URL; the connection's id or an error code. */
	public static native long connect(long loop, String url, int kind);

	/** Live native connections, listeners included. */
	public static native int connectionCount(long loop);

	/** Bytes of I/O buffers (receive, send, output queue) the loop's connections hold. */
	public static native long bufferBytes(long loop);
}
