/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.MongooseException;

/**
 * Every connection to the host is busy and the queue of requests waiting for one is full
 * ({@link HttpClient#pendingAcquireMaxCount(int)}). Nothing was sent.
 */
public class PoolAcquirePendingLimitException extends MongooseException {

	private static final long serialVersionUID = 1L;

	public PoolAcquirePendingLimitException(String message) {
		super(message);
	}
}
