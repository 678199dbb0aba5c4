/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import io.github.reactormongoose.MongooseException;

/**
 * A request body that was to be aggregated ({@link HttpServerRequest#receiveBytes()},
 * {@link HttpServerRequest#receiveString()}) is larger than
 * {@link HttpServer#maxAggregatedBodySize(long)}. A handler that lets it propagate gets a
 * {@code 413 Content Too Large} answer if its response has not started.
 */
public final class RequestBodyTooLargeException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final long limit;

	RequestBodyTooLargeException(long limit) {
		super("The request body is larger than the aggregation limit of " + limit
				+ " bytes (HttpServer.maxAggregatedBodySize); read it with receive() to stream it");
		this.limit = limit;
	}

	/** The aggregation limit in bytes that the body exceeded. */
	public long limit() {
		return limit;
	}
}
