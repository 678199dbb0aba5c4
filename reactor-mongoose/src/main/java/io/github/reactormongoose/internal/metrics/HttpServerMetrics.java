/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.util.function.Function;

import io.github.reactormongoose.internal.loop.EventLoop;

/**
 * What an HTTP server reports about its connections and exchanges. Every method runs on a
 * poll thread. {@link #NONE} when metrics are off.
 */
public interface HttpServerMetrics {

	/** Metrics off: every call does nothing. */
	HttpServerMetrics NONE = new HttpServerMetrics() {
	};

	/**
	 * Micrometer metrics in {@code Metrics.globalRegistry}, as Reactor Netty records them.
	 * @param uriTagValue maps a request path to the {@code uri} tag
	 * @throws IllegalStateException when Micrometer is not on the class path
	 */
	static HttpServerMetrics micrometer(Function<String, String> uriTagValue) {
		Micrometer.require();
		return new MicrometerHttpServerMetrics(uriTagValue);
	}

	/** The server is bound to {@code address} (host:port) on these loops. */
	default void bound(String address, Iterable<EventLoop> loops) {
	}

	/** The server is disposed: its gauges go (a server bound later to the same address gets its own). */
	default void unbound() {
	}

	/** A connection was accepted. */
	default void connectionOpened() {
	}

	/** A connection closed. */
	default void connectionClosed() {
	}

	/** A request arrived: the connection is active until {@link #exchangeEnded}. */
	default void exchangeStarted() {
	}

	/**
	 * An exchange ended (its last byte was written, or the connection closed first).
	 * @param nanos from the request's arrival to the end of the response
	 * @param receiveNanos from the request's head to the last byte of its body
	 * @param sendNanos from the response's head being written to the end of the response
	 */
	default void exchangeEnded(String method, String path, int status, long bytesReceived, long bytesSent,
			long nanos, long receiveNanos, long sendNanos) {
	}

	/** The handler failed (before or after the response started). */
	default void error(String method, String path) {
	}
}
