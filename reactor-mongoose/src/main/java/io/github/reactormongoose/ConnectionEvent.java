/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.nio.ByteBuffer;

import org.jspecify.annotations.Nullable;

/**
 * An event of a listener's connections, as emitted by {@link MongooseLoop#listen(String)}.
 *
 * @param type what happened
 * @param connection the connection concerned (the listener itself for {@link Type#BOUND})
 * @param data received bytes for {@link Type#READ} (a private copy), else empty
 * @param message the error text for {@link Type#ERROR}, else {@code null}
 */
public record ConnectionEvent(Type type, Connection connection, ByteBuffer data, @Nullable String message) {

	/** Event kinds. */
	public enum Type {
		/** The listener is bound; {@code connection().localAddress()} has the real port. */
		BOUND,
		/** A connection was accepted. */
		ACCEPT,
		/** Bytes arrived on a connection. */
		READ,
		/** Everything sent so far on a connection was written to its socket. */
		WRITE,
		/**
		 * The peer shut down its sending side (a FIN) after its last {@link #READ}: no more
		 * bytes will arrive, but the connection stays open for sending until you
		 * {@linkplain Connection#drain() drain} or {@linkplain Connection#close() close} it (or
		 * the peer resets it). Only from {@link MongooseLoop#listen(String, boolean)} with
		 * half-close; without it, the FIN closes the connection.
		 */
		HALF_CLOSE,
		/** A connection reported an error (a {@link #CLOSE} follows). */
		ERROR,
		/** A connection closed. */
		CLOSE
	}

	@Override
	public String toString() {
		return "ConnectionEvent[" + type + ", id=" + connection.id()
				+ (type == Type.READ ? ", " + data.remaining() + " bytes" : "")
				+ (message != null ? ", " + message : "") + "]";
	}
}
