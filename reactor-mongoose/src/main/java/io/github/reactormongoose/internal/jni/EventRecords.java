/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.jni;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Reads the event records that the C glue writes into the arena during {@code mg_mgr_poll}
 * (layout: {@code rmg_records.h}). The only Java class that knows a record's offsets; they are
 * read from C when {@link NativeConstants} is initialised, as netty's {@code EpollEventArray}
 * does. Also decodes the poll result and the socket address layout.
 */
public final class EventRecords {

	/** Receives one record. Payload bytes are valid only during the call: copy what you keep. */
	@FunctionalInterface
	public interface Visitor {
		void record(int type, long id, long arg, ByteBuffer buf, int offset, int length);
	}

	private EventRecords() {
	}

	/** Bytes of records a poll wrote. */
	public static int length(long pollResult) {
		return (int) (pollResult & NativeConstants.POLL_LENGTH_MASK);
	}

	/** Where an {@code EV_HTTP_BODY_STAGED} piece starts in the poll's staging array. */
	public static int stagedOffset(long arg) {
		return (int) (arg >>> 32);
	}

	/** The length of an {@code EV_HTTP_BODY_STAGED} piece. */
	public static int stagedLength(long arg) {
		return (int) arg;
	}

	/** Whether the arena was reallocated during the poll (fetch a new view). */
	public static boolean arenaMoved(long pollResult) {
		return (pollResult & NativeConstants.POLL_ARENA_MOVED) != 0;
	}

	/** Whether a record could not be stored (out of native memory). */
	public static boolean recordLost(long pollResult) {
		return (pollResult & NativeConstants.POLL_RECORD_LOST) != 0;
	}

	/**
	 * Calls {@code visitor} for each record in {@code b[0, length)}, in order. An exception
	 * from the visitor goes to {@code onError} and the next record is read.
	 */
	public static void forEach(ByteBuffer b, int length, Visitor visitor, RecordErrorHandler onError) {
		int pos = 0;
		int align = NativeConstants.RECORD_ALIGN - 1;
		while (pos < length) {
			int type = b.getInt(pos + NativeConstants.REC_TYPE);
			int plen = b.getInt(pos + NativeConstants.REC_LENGTH);
			long id = b.getLong(pos + NativeConstants.REC_ID);
			long arg = b.getLong(pos + NativeConstants.REC_ARG);
			int p = pos + NativeConstants.RECORD_HEADER;
			try {
				visitor.record(type, id, arg, b, p, plen);
			}
			catch (Throwable e) {
				onError.failed(id, e);
			}
			pos = p + ((plen + align) & ~align);
		}
	}

	/** Receives a visitor's failure for the record of connection {@code id}. */
	@FunctionalInterface
	public interface RecordErrorHandler {
		void failed(long id, Throwable error);
	}

	/** Bytes of one encoded socket address. */
	public static int addressSize() {
		return NativeConstants.ADDR_SIZE;
	}

	/** Decodes the socket address at {@code b[p]}. */
	public static InetSocketAddress address(ByteBuffer b, int p) {
		boolean v6 = b.get(p + NativeConstants.ADDR_FAMILY) == NativeConstants.ADDR_IPV6;
		int port = ((b.get(p + NativeConstants.ADDR_PORT) & 0xff) << 8) | (b.get(p + NativeConstants.ADDR_PORT + 1) & 0xff);
		byte[] ip = new byte[v6 ? 16 : 4];
		b.get(p + NativeConstants.ADDR_IP, ip);
		try {
			return new InetSocketAddress(InetAddress.getByAddress(ip), port);
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}
}
