/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.function.BiFunction;

import org.reactivestreams.Publisher;

/**
 * What a server runs for each request: the application's handler or the route table. Unlike
 * the public {@code BiFunction}, it sees the request as {@link RoutableRequest}, so routes set
 * path variables without a cast.
 */
@FunctionalInterface
interface ExchangeHandler {

	Publisher<Void> handle(RoutableRequest request, HttpServerResponse response);

	/** The application's handler; it never sees the internal request type. */
	static ExchangeHandler of(
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return handler::apply;
	}
}
