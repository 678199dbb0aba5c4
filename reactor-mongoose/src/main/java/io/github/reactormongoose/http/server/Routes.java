/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Predicate;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** The route table built by {@link HttpServer#route}; tried in declaration order. */
final class Routes implements HttpServerRoutes,
		BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> {

	private record Route(String method, PathPattern path, Predicate<? super HttpServerRequest> condition,
			Handler handler) {
	}

	private final List<Route> routes = new ArrayList<>();

	private HttpServerRoutes add(String method, String path, Handler handler) {
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
	public HttpServerRoutes ws(String path, WebsocketHandler handler, String protocols) {
		Objects.requireNonNull(handler, "handler");
		return add("GET", path, (req, res) -> res.sendWebsocket(handler::apply, protocols));
	}

	@Override
	public Publisher<Void> apply(HttpServerRequest req, HttpServerResponse res) {
		HttpExchange ex = (HttpExchange) req;
		Set<String> allowed = null;
		String method = req.method();
		String path = req.path();
		// exact method first, then HEAD served by GET
		for (int pass = 0; pass < 2; pass++) {
			for (Route r : routes) {
				if (r.condition != null) {
					if (pass == 0 && r.condition.test(req)) {
						return r.handler.apply(req, res);
					}
					continue;
				}
				Map<String, String> params = r.path.match(path);
				if (params == null) {
					continue;
				}
				boolean methodOk = pass == 0 ? (r.method == null || r.method.equals(method))
						: ("HEAD".equals(method) && "GET".equals(r.method));
				if (methodOk) {
					ex.params(params);
					return r.handler.apply(req, res);
				}
				if (pass == 0) {
					if (allowed == null) {
						allowed = new LinkedHashSet<>();
					}
					allowed.add(r.method);
					if ("GET".equals(r.method)) {
						allowed.add("HEAD");
					}
				}
			}
		}
		if (allowed != null) {
			return res.status(405).header("Allow", String.join(", ", allowed)).send();
		}
		return res.sendNotFound();
	}

	/** {@code /a/{b}/c} and {@code /a/**} patterns. */
	static final class PathPattern {
		private final String[] segments;
		private final boolean prefix;

		private PathPattern(String[] segments, boolean prefix) {
			this.segments = segments;
			this.prefix = prefix;
		}

		static PathPattern compile(String path) {
			if (!path.startsWith("/")) {
				throw new IllegalArgumentException("route path must start with '/': " + path);
			}
			boolean prefix = path.endsWith("/**");
			String p = prefix ? path.substring(0, path.length() - 3) : path;
			return new PathPattern(split(p), prefix);
		}

		private static String[] split(String p) {
			List<String> l = new ArrayList<>();
			for (String s : p.split("/")) {
				if (!s.isEmpty()) {
					l.add(s);
				}
			}
			return l.toArray(new String[0]);
		}

		Map<String, String> match(String path) {
			String[] actual = split(path);
			if (prefix ? actual.length < segments.length : actual.length != segments.length) {
				return null;
			}
			if (!prefix && path.endsWith("/") && path.length() > 1 && segments.length > 0) {
				return null;
			}
			Map<String, String> params = Map.of();
			for (int i = 0; i < segments.length; i++) {
				String s = segments[i];
				if (s.startsWith("{") && s.endsWith("}")) {
					if (params.isEmpty()) {
						params = new LinkedHashMap<>();
					}
					params.put(s.substring(1, s.length() - 1), actual[i]);
				}
				else if (!s.equals(actual[i])) {
					return null;
				}
			}
			return params;
		}
	}

	static Mono<Void> notFound(HttpServerResponse res) {
		return res.sendNotFound();
	}
}
