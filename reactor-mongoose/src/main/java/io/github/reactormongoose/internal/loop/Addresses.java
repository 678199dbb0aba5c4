/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Host names and Mongoose URLs. Mongoose's own resolver asks 8.8.8.8 and ignores
 * {@code /etc/hosts}, so names are resolved here with the JDK resolver, off the poll thread,
 * and Mongoose only ever sees IP literals. Internal API.
 */
public final class Addresses {

	/** A dotted-quad IPv4 literal, each part 0 to 255. */
	private static final Pattern IPV4 = Pattern
		.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

	/** What the JDK parses as an IPv6 literal without asking a name server (scope id allowed). */
	private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:][0-9a-fA-F:.]*:[0-9a-fA-F:.]*(%[0-9A-Za-z_.-]+)?");

	private Addresses() {
	}

	/**
	 * Resolves {@code host} (brackets allowed for IPv6). An IP literal is parsed on the calling
	 * thread; anything else, including what only looks like a literal ({@code 999.1.1.1},
	 * {@code 1.2.3.4.5}, which the JDK sends to the name server), is looked up on
	 * {@code boundedElastic}, never on a poll thread.
	 */
	public static Mono<InetAddress> resolve(String host) {
		return resolveAll(host).map(all -> all[0]); // what InetAddress.getByName returns
	}

	/**
	 * All addresses of {@code host}, in the resolver's order, on the same threads as
	 * {@link #resolve(String)}: a literal (one address) on the calling thread, a name on
	 * {@code boundedElastic}.
	 */
	public static Mono<InetAddress[]> resolveAll(String host) {
		String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
		Mono<InetAddress[]> lookup = Mono.fromCallable(() -> InetAddress.getAllByName(h));
		return isLiteral(h) ? lookup : lookup.subscribeOn(Schedulers.boundedElastic());
	}

	/** Whether {@code host} is an IP literal that the JDK parses without a lookup. */
	public static boolean isLiteral(String host) {
		return IPV4.matcher(host).matches() || IPV6.matcher(host).matches();
	}

	/** {@code scheme://ip:port}, with brackets around IPv6 literals. */
	public static String url(String scheme, InetAddress address, int port) {
		return scheme + "://" + uriHost(address) + ":" + port;
	}

	/** The address as the host of a URI: IPv6 in brackets. */
	public static String uriHost(InetAddress address) {
		String ip = address.getHostAddress();
		return ip.contains(":") ? "[" + ip + "]" : ip;
	}

	/**
	 * The address of an IP literal (brackets allowed for IPv6), parsed without a lookup;
	 * {@code null} for anything else, a name included.
	 */
	public static @Nullable InetAddress parseLiteral(String host) {
		String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
		if (!isLiteral(h)) {
			return null;
		}
		try {
			return InetAddress.getByName(h); // a literal: no lookup
		}
		catch (UnknownHostException e) {
			return null;
		}
	}
}
