/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The HTTP versions of Reactor Netty's {@code HttpProtocol}, for
 * {@link io.github.reactormongoose.http.server.HttpServer#protocol(HttpProtocol...)} and
 * {@link io.github.reactormongoose.http.client.HttpClient#protocol(HttpProtocol...)}: code written
 * for Reactor Netty ports by changing its import. Mongoose speaks HTTP/1.1 (and 1.0) only, so
 * {@link #HTTP11} is the one that can be chosen; the others are refused with an
 * {@link IllegalArgumentException} rather than silently served as HTTP/1.1.
 */
public enum HttpProtocol {

	/** HTTP/1.1 (and HTTP/1.0 from clients that send it): the only one supported. */
	HTTP11,

	/** HTTP/2 over TLS (ALPN): not supported. */
	H2,

	/** HTTP/2 in clear text (prior knowledge or upgrade): not supported. */
	H2C,

	/** HTTP/3 over QUIC: not supported. */
	HTTP3;

	/**
	 * The set of {@code protocols} if it is what this library can speak ({@link #HTTP11} alone).
	 * @throws IllegalArgumentException for none, or for any other protocol
	 */
	public static Set<HttpProtocol> checkSupported(HttpProtocol... protocols) {
		Objects.requireNonNull(protocols, "protocols");
		if (protocols.length == 0) {
			throw new IllegalArgumentException("At least one protocol is required: HTTP11");
		}
		EnumSet<HttpProtocol> set = EnumSet.noneOf(HttpProtocol.class);
		for (HttpProtocol p : protocols) {
			set.add(Objects.requireNonNull(p, "protocols must not contain null"));
		}
		if (!set.equals(EnumSet.of(HTTP11))) {
			set.remove(HTTP11);
			throw new IllegalArgumentException("Only HTTP/1.1 is supported (Mongoose has no HTTP/2 or HTTP/3): "
					+ Arrays.toString(set.toArray()) + " cannot be enabled; use protocol(HttpProtocol.HTTP11)");
		}
		return Set.copyOf(set);
	}
}
