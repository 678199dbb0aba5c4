/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * A request waited longer than {@link HttpClient#pendingAcquireTimeout(java.time.Duration)} for
 * one of the host's busy connections (all {@link HttpClient#maxConnections(int)} in use).
 * Nothing was sent. Reactor Netty fails the same case with reactor-pool's exception of this name.
 */
public class PoolAcquireTimeoutException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public PoolAcquireTimeoutException(String message) {
		super(message);
	}
}
