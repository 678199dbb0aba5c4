/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetAddress;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Host names and Mongoose URLs. Mongoose's own resolver asks 8.8.8.8 and ignores
 * {@code /etc/hosts}, so names are resolved here with the JDK resolver, off the poll thread,
 * and Mongoose only ever sees IP literals. Internal API.
 */
public final class Addresses {

	private Addresses() {
	}

	/** Resolves {@code host} (brackets allowed for IPv6); literals without a blocking lookup. */
	public static Mono<InetAddress> resolve(String host) {
		String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
		if (h.matches("[0-9.]+") || h.contains(":")) {
			return Mono.fromCallable(() -> InetAddress.getByName(h));
		}
		return Mono.fromCallable(() -> InetAddress.getByName(h)).subscribeOn(Schedulers.boundedElastic());
	}

	/** {@code scheme://ip:port}, with brackets around IPv6 literals. */
	public static String url(String scheme, InetAddress address, int port) {
		String ip = address.getHostAddress();
		return scheme + "://" + (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port;
	}
}
