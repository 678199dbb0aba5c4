/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.function.BiFunction;
import java.util.function.Predicate;

import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/**
 * Routes of an {@link HttpServer}, tried in declaration order. Paths are exact or contain
 * {@code {name}} segments (captured into {@link HttpServerRequest#param(String)}) or end with
 * {@code /**}. A request no route matches gets 404; a path that matches only for other
 * methods gets 405 with {@code Allow}.
 */
public interface HttpServerRoutes {

	/** A request handler. */
	@FunctionalInterface
	interface Handler extends BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {
	}

	/** A WebSocket session handler. */
	@FunctionalInterface
	interface WebsocketHandler extends BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> {
	}

	HttpServerRoutes get(String path, Handler handler);

	HttpServerRoutes post(String path, Handler handler);

	HttpServerRoutes put(String path, Handler handler);

	HttpServerRoutes delete(String path, Handler handler);

	HttpServerRoutes patch(String path, Handler handler);

	/** HEAD requests are also served by GET routes (body suppressed); this overrides them. */
	HttpServerRoutes head(String path, Handler handler);

	HttpServerRoutes options(String path, Handler handler);

	/** Any method. */
	HttpServerRoutes route(String path, Handler handler);

	/** Custom condition. */
	HttpServerRoutes route(Predicate<? super HttpServerRequest> condition, Handler handler);

	/** WebSocket endpoint (GET upgrade requests at {@code path}). */
	default HttpServerRoutes ws(String path, WebsocketHandler handler) {
		return ws(path, handler, null);
	}

	/** WebSocket endpoint offering the given comma-separated sub-protocols. */
	HttpServerRoutes ws(String path, WebsocketHandler handler, @Nullable String protocols);
}
