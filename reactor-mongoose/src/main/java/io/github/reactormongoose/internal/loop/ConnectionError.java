/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import io.github.reactormongoose.internal.jni.NativeConstants;

/**
 * An error the native side reported for a connection (a CLOSE follows), by kind, so that
 * handlers tell a peer's reset, the write timeout and a failed TLS handshake from other
 * failures without reading the message's words.
 * @param kind what failed
 * @param errno the socket's pending error when it failed ({@code SO_ERROR}: the errno of a
 *        refused connect, a reset...), 0 if none
 * @param message the native message: Mongoose's ("socket error", a protocol error), the write
 *        timeout's ("write timeout: the peer took none of N bytes for M ms"), or the TLS stack's
 *        reason
 */
public record ConnectionError(Kind kind, int errno, String message) {

	/** What failed. */
	public enum Kind {
		/** Mongoose's message: a protocol error, out of memory... */
		OTHER,
		/** The socket: a connect that failed, a reset or unreachable peer once connected. */
		SOCKET,
		/** The server reset a peer that took none of the waiting output for the write timeout. */
		WRITE_TIMEOUT,
		/** The TLS handshake. */
		TLS_HANDSHAKE,
		/**
		 * A file being sent ended before its region (it shrank), or could not be read: the
		 * server closes the connection, short of the length it announced.
		 */
		FILE_CUT
	}

	/** The error of an {@code EV_ERROR} record: its arg and message. */
	static ConnectionError of(long arg, String message) {
		int k = (int) (arg & 0xff);
		Kind kind = k == NativeConstants.ERROR_SOCKET ? Kind.SOCKET
				: k == NativeConstants.ERROR_WRITE_TIMEOUT ? Kind.WRITE_TIMEOUT
				: k == NativeConstants.ERROR_TLS ? Kind.TLS_HANDSHAKE
				: k == NativeConstants.ERROR_FILE_CUT ? Kind.FILE_CUT : Kind.OTHER;
		return new ConnectionError(kind, (int) (arg >> 8), message);
	}

	/**
	 * What to tell a user: for a socket error the C library's text of its errno ("Connection
	 * refused", "Connection reset by peer"), else the message; a handshake's is prefixed
	 * "TLS handshake failed: ".
	 */
	public String describe() {
		return switch (kind) {
			case SOCKET -> errno != 0 ? NativeConstants.errnoMessage(errno) : message;
			case TLS_HANDSHAKE -> "TLS handshake failed: " + message;
			default -> message;
		};
	}

	/** Whether the peer reset an established connection: a socket error of {@code ECONNRESET}, or of no errno. */
	public boolean isReset() {
		return kind == Kind.SOCKET && (errno == 0 || errno == NativeConstants.ECONNRESET);
	}

	@Override
	public String toString() {
		return describe();
	}
}
