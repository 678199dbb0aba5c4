/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.file.Path;
import java.util.Objects;
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
		return ws(path, handler, WebsocketServerSpec.defaults());
	}

	/** WebSocket endpoint offering the given comma-separated sub-protocols. */
	default HttpServerRoutes ws(String path, WebsocketHandler handler, @Nullable String protocols) {
		return ws(path, handler, WebsocketServerSpec.builder().protocols(protocols).build());
	}

	/** WebSocket endpoint answering the upgrade as {@code spec} says (sub-protocols, compression). */
	HttpServerRoutes ws(String path, WebsocketHandler handler, WebsocketServerSpec spec);

	/**
	 * Serves the files under {@code directory} for GET and HEAD requests whose path starts
	 * with {@code prefix} ({@code /static} serves {@code /static/css/a.css} from
	 * {@code directory/css/a.css}), with {@link StaticFileOptions#defaults()}: content types,
	 * {@code ETag}/{@code Last-Modified} and conditional requests (304), single byte ranges
	 * (206, 416), {@code index.html} for a directory, 404 for anything missing, no directory
	 * listing, and precompressed {@code .gz} siblings for clients that accept gzip. A path
	 * that tries to leave the directory ({@code ..} segments, encoded or not, symbolic links
	 * leading out) gets 404; encoded separators ({@code %2f}, {@code %5c}), backslashes and
	 * NUL get 400. Bodies are sent with {@code sendfile(2)}.
	 * The project's {@code docs/static-files.md} describes the rules.
	 */
	default HttpServerRoutes directory(String prefix, Path directory) {
		return directory(prefix, directory, StaticFileOptions.defaults());
	}

	/** {@link #directory(String, Path)} with options (index file, listing, gzip siblings, content types). */
	HttpServerRoutes directory(String prefix, Path directory, StaticFileOptions options);

	/**
	 * Serves {@code file} for GET and HEAD requests to {@code path} (a route path, as for
	 * {@link #get}), with the validators, conditional requests, ranges and gzip sibling of
	 * {@link #directory(String, Path)}; 404 while the file does not exist.
	 */
	default HttpServerRoutes file(String path, Path file) {
		return file(path, file, StaticFileOptions.defaults());
	}

	/** {@link #file(String, Path)} with options. */
	HttpServerRoutes file(String path, Path file, StaticFileOptions options);

	// ---- handlers typed as BiFunction, as Reactor Netty's routes take them ----
	// A handler held in a BiFunction variable or returned by a method (Reactor Netty's
	// reference guide builds its SSE route that way) is not a Handler; lambdas and method
	// references still go to the Handler overloads, the more specific type.

	/** {@link #get(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes get(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return get(path, handler(handler));
	}

	/** {@link #post(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes post(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return post(path, handler(handler));
	}

	/** {@link #put(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes put(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return put(path, handler(handler));
	}

	/** {@link #delete(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes delete(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return delete(path, handler(handler));
	}

	/** {@link #patch(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes patch(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return patch(path, handler(handler));
	}

	/** {@link #head(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes head(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return head(path, handler(handler));
	}

	/** {@link #options(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes options(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return options(path, handler(handler));
	}

	/** {@link #route(String, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes route(String path,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return route(path, handler(handler));
	}

	/** {@link #route(Predicate, Handler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes route(Predicate<? super HttpServerRequest> condition,
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		return route(condition, handler(handler));
	}

	/** {@link #ws(String, WebsocketHandler)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes ws(String path,
			BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler) {
		return ws(path, handler, WebsocketServerSpec.defaults());
	}

	/** {@link #ws(String, WebsocketHandler, WebsocketServerSpec)} for a handler typed as a {@code BiFunction}. */
	default HttpServerRoutes ws(String path,
			BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			WebsocketServerSpec spec) {
		Objects.requireNonNull(handler, "handler");
		WebsocketHandler h = handler instanceof WebsocketHandler w ? w : handler::apply;
		return ws(path, h, spec);
	}

	private static Handler handler(
			BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return handler instanceof Handler h ? h : handler::apply;
	}
}
