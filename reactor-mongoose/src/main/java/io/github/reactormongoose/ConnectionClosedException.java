/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

/**
 * The connection was closed (by the peer, by the application or by disposal) before an
 * operation could complete: a send on a closed connection, a request body whose client went
 * away, a response publisher cancelled by a disconnect.
 */
public class ConnectionClosedException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public ConnectionClosedException(String message) {
		super(message);
	}
}
