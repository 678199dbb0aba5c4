/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

/**
 * Receives the decoded events of one native connection, on the poll thread, after
 * {@code mg_mgr_poll} returned. Each connection kind has its own sub-interface
 * ({@link ListenerHandler}, {@link StreamHandler}, {@link HttpChannelHandler},
 * {@link WebsocketChannelHandler}); the loop delivers a kind's events only to a handler of
 * that kind. Payload views ({@code buf}, {@code offset}, {@code length}) are valid only during
 * the call: copy what you keep.
 */
public interface ChannelHandler {

	/** The native side reported an error; a CLOSE follows. */
	default void onError(ConnectionError error) {
	}

	/**
	 * One of this handler's methods threw ({@code e}: a JVM error such as an
	 * {@code OutOfMemoryError}, which Reactor's operators rethrow, or a bug): the loop logged it
	 * and is closing the connection at once, since its state is unknown; a CLOSE follows. Fail
	 * what waits on the connection with {@code e}.
	 */
	default void onHandlerFailure(Throwable e) {
	}

	/** The connection is gone; no native call for it will succeed any more. */
	default void onClosed() {
	}
}
