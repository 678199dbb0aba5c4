/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.function.Function;

/**
 * What an HTTP client reports about its connections and exchanges. Every method runs on a
 * poll thread. {@link #NONE} when metrics are off.
 */
public interface HttpClientMetrics {

	/** Metrics off: every call does nothing. */
	HttpClientMetrics NONE = new HttpClientMetrics() {
	};

	/**
	 * Micrometer metrics in {@code Metrics.globalRegistry}, as Reactor Netty records them.
	 * @param uriTagValue maps a request path to the {@code uri} tag
	 * @throws IllegalStateException when Micrometer is not on the class path
	 */
	static HttpClientMetrics micrometer(Function<String, String> uriTagValue) {
		Micrometer.require();
		return new MicrometerHttpClientMetrics(uriTagValue);
	}

	/**
	 * A new connection to {@code remote} (host:port of the URI) was established or failed.
	 * @param nanos from the start (name resolution included) to established (TLS and a proxy's
	 *        tunnel included) or failed
	 */
	default void connected(String remote, long nanos, boolean success) {
	}

	/**
	 * An exchange got its whole response.
	 * @param nanos from the request's head being written to the response's last byte
	 */
	default void exchangeEnded(String remote, String method, String path, int status, long bytesSent,
			long bytesReceived, long nanos) {
	}

	/** An exchange failed (no connection, timeout, closed, malformed, a hook's exception). */
	default void error(String remote, String method, String path) {
	}

	/** A request to {@code remote} asks its pools for a connection; {@code stats} reads them live. */
	default void poolUsed(String remote, PoolStats stats) {
	}

	/** Live counts of the connection pools to one {@code host:port}, summed over the loops. Any thread. */
	interface PoolStats {

		/** Connections: in use, idle and being made. */
		int total();

		/** Connections in use by a request. */
		int active();

		/** Connections kept for the next request. */
		int idle();

		/** Requests waiting for a connection. */
		int pending();
	}
}
