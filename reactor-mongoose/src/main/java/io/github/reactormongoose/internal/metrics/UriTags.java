/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@code uri} tag of a meter: the path mapped by the application's function, at most
 * {@link #MAX} distinct values, later ones {@code OTHER}, so random paths (a scanner, URLs from
 * user input) cannot create unbounded time series. Any thread.
 */
final class UriTags {

	/** Distinct values kept (Reactor Netty's {@code maxUriTags} default). */
	static final int MAX = 100;

	private final Function<String, String> uriTagValue;
	private final Set<String> seen = ConcurrentHashMap.newKeySet();

	UriTags(Function<String, String> uriTagValue) {
		this.uriTagValue = uriTagValue;
	}

	String of(String path) {
		String u = uriTagValue.apply(path);
		if (seen.contains(u)) {
			return u;
		}
		synchronized (seen) { // the poll threads of several loops: keep the bound exact
			if (seen.size() >= MAX) {
				return "OTHER";
			}
			seen.add(u);
			return u;
		}
	}
}
