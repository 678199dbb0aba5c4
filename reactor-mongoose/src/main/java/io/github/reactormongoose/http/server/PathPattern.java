/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A route path: exact ({@code /hello}), with {@code {name}} segments ({@code /users/{id}}), or
 * a prefix ending in {@code /**} ({@code /static/**}). Matched against the decoded path; a
 * trailing slash matters ({@code /hello/} does not match {@code /hello}).
 */
final class PathPattern {

	private final String pattern;
	private final String[] segments;
	private final boolean prefix;

	private PathPattern(String pattern, String[] segments, boolean prefix) {
		this.pattern = pattern;
		this.segments = segments;
		this.prefix = prefix;
	}

	/** Compiles {@code path}, which must start with {@code /}. */
	static PathPattern compile(String path) {
		if (!path.startsWith("/")) {
			throw new IllegalArgumentException("route path must start with '/': " + path);
		}
		boolean prefix = path.endsWith("/**");
		String p = prefix ? path.substring(0, path.length() - 3) : path;
		return new PathPattern(path, split(p), prefix);
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

	/**
	 * The captured {@code {name}} segments (empty when there are none) if {@code path}
	 * matches, else {@code null}.
	 */
	@Nullable Map<String, String> match(String path) {
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

	@Override
	public String toString() {
		return pattern;
	}
}
