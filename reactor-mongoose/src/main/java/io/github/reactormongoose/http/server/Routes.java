/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

/** The route table built by {@link HttpServer#route}; tried in declaration order. */
final class Routes implements HttpServerRoutes, ExchangeHandler {

	private record Route(@Nullable String method, @Nullable PathPattern path,
			@Nullable Predicate<? super HttpServerRequest> condition, Handler handler) {
	}

	private final List<Route> routes = new ArrayList<>();

	private HttpServerRoutes add(@Nullable String method, String path, Handler handler) {
		Objects.requireNonNull(path, "path");
		Objects.requireNonNull(handler, "handler");
		routes.add(new Route(method, PathPattern.compile(path), null, handler));
		return this;
	}

	@Override
	public HttpServerRoutes get(String path, Handler handler) {
		return add("GET", path, handler);
	}

	@Override
	public HttpServerRoutes post(String path, Handler handler) {
		return add("POST", path, handler);
	}

	@Override
	public HttpServerRoutes put(String path, Handler handler) {
		return add("PUT", path, handler);
	}

	@Override
	public HttpServerRoutes delete(String path, Handler handler) {
		return add("DELETE", path, handler);
	}

	@Override
	public HttpServerRoutes patch(String path, Handler handler) {
		return add("PATCH", path, handler);
	}

	@Override
	public HttpServerRoutes head(String path, Handler handler) {
		return add("HEAD", path, handler);
	}

	@Override
	public HttpServerRoutes options(String path, Handler handler) {
		return add("OPTIONS", path, handler);
	}

	@Override
	public HttpServerRoutes route(String path, Handler handler) {
		return add(null, path, handler);
	}

	@Override
	public HttpServerRoutes route(Predicate<? super HttpServerRequest> condition, Handler handler) {
		Objects.requireNonNull(condition, "condition");
		Objects.requireNonNull(handler, "handler");
		routes.add(new Route(null, null, condition, handler));
		return this;
	}

	@Override
	public HttpServerRoutes ws(String path, WebsocketHandler handler, WebsocketServerSpec spec) {
		Objects.requireNonNull(handler, "handler");
		Objects.requireNonNull(spec, "spec");
		return add("GET", path, (req, res) -> res.sendWebsocket(handler::apply, spec));
	}

	@Override
	public HttpServerRoutes directory(String prefix, Path directory, StaticFileOptions options) {
		Objects.requireNonNull(directory, "directory");
		Objects.requireNonNull(options, "options");
		String p = StaticFiles.normalizePrefix(Objects.requireNonNull(prefix, "prefix"));
		routes.add(new Route(null, null, req -> StaticFiles.matches(req, p),
				(req, res) -> StaticFiles.directory(req, res, p, directory, options)));
		return this;
	}

	@Override
	public HttpServerRoutes file(String path, Path file, StaticFileOptions options) {
		Objects.requireNonNull(file, "file");
		Objects.requireNonNull(options, "options");
		return add("GET", path, (req, res) -> StaticFiles.file(req, res, file, options));
	}

	/**
	 * Runs the first matching route, in declaration order; sets the request's path variables
	 * when it has a path. A HEAD is taken by the first route that takes it or would take its GET
	 * (RFC 9110 9.3.2: the headers GET would get), except that a {@code head} route of the path
	 * wins over the {@code get} route.
	 */
	@Override
	public Publisher<Void> handle(RoutableRequest req, HttpServerResponse res) {
		Set<String> allowed = null;
		String method = req.method();
		boolean head = "HEAD".equals(method);
		String path = req.path();
		for (Route r : routes) {
			if (r.condition != null) {
				if (r.condition.test(req)) {
					return r.handler.apply(req, res);
				}
				continue;
			}
			Map<String, String> params = r.path.match(path);
			if (params == null) {
				continue;
			}
			if (r.method == null || r.method.equals(method)) {
				req.pathParams(params);
				return r.handler.apply(req, res);
			}
			if (head && "GET".equals(r.method)) {
				for (Route other : routes) { // a head route of the path, declared later, wins over its get route
					Map<String, String> p = "HEAD".equals(other.method) ? other.path.match(path) : null;
					if (p != null) {
						req.pathParams(p);
						return other.handler.apply(req, res);
					}
				}
				req.pathParams(params);
				return r.handler.apply(req, res);
			}
			if (allowed == null) {
				allowed = new LinkedHashSet<>();
			}
			allowed.add(r.method);
			if ("GET".equals(r.method)) {
				allowed.add("HEAD");
			}
		}
		if (allowed != null) {
			return res.status(405).header("Allow", String.join(", ", allowed)).send();
		}
		return res.sendNotFound();
	}
}
