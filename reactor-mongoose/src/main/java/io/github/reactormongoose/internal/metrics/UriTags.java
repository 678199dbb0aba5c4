/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import reactor.util.Loggers;

/**
 * The {@code uri} tag of a meter: the path mapped by the application's function, at most
 * {@link #MAX} distinct values, later ones {@code OTHER}, so random paths (a scanner, URLs from
 * user input) cannot create unbounded time series. A function that throws or returns
 * {@code null} does not fail the exchange: the path itself is the tag (bounded the same way) and
 * a WARN says so each time, as Reactor Netty logs a failure to record. Any thread.
 */
final class UriTags {

	/** Distinct values kept (Reactor Netty's {@code maxUriTags} default). */
	static final int MAX = 100;

	private final Function<String, String> uriTagValue;
	private final Set<String> seen = ConcurrentHashMap.newKeySet();
	/** The logger of the recorder (its interface's name). */
	private final String logger;

	UriTags(Function<String, String> uriTagValue, Class<?> recorder) {
		this.uriTagValue = uriTagValue;
		this.logger = recorder.getName();
	}

	String of(String path) {
		String u;
		try {
			u = uriTagValue.apply(path);
			if (u == null) {
				throw new NullPointerException("the uri tag function returned null for " + path);
			}
		}
		catch (RuntimeException e) {
			recordingFailed(logger, e);
			u = path;
		}
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

	/**
	 * Logs a failure to record metrics (a function of the application's, the registry) at WARN
	 * on {@code logger}, Reactor Netty's message: the exchange goes on.
	 */
	static void recordingFailed(String logger, RuntimeException e) {
		Loggers.getLogger(logger).warn("Exception caught while recording metrics.", e);
	}
}
