/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.dns.DnsResolver;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A DNS lookup with {@link DnsResolver}: the A and AAAA addresses of a name, without blocking a
 * thread, from the nameserver of {@code /etc/resolv.conf} or one you give. Made once and
 * reused, the resolver keeps the answers for their TTL: {@link #main} looks the name up twice,
 * and the second lookup is answered from the cache, without a query.
 */
public final class DnsLookup {

	private DnsLookup() {
	}

	/**
	 * The addresses of {@code host}, asked of {@code nameserver} (null: the system's), with a
	 * timeout of 2 s per attempt and 2 attempts.
	 */
	public static Mono<List<InetAddress>> lookup(String host, @Nullable InetSocketAddress nameserver) {
		return resolver(nameserver).resolve(host);
	}

	/**
	 * A resolver asking {@code nameserver} (null: the system's), with a timeout of 2 s per
	 * attempt and 2 attempts, answers kept for their TTL up to 5 minutes, names that do not
	 * exist for 10 s: make it once and reuse it, its cache goes with it.
	 */
	public static DnsResolver resolver(@Nullable InetSocketAddress nameserver) {
		DnsResolver resolver = DnsResolver.create()
				.timeout(Duration.ofSeconds(2))
				.maxTtl(Duration.ofMinutes(5))
				.negativeTtl(Duration.ofSeconds(10));
		return nameserver != null ? resolver.nameserver(nameserver) : resolver;
	}

	/**
	 * Prints the addresses of a name.
	 * @param args the name, then optionally the nameserver's IP and port (default: /etc/resolv.conf)
	 */
	public static void main(String[] args) {
		if (args.length == 0) {
			System.err.println("usage: DnsLookup NAME [NAMESERVER-IP [PORT]]");
			System.exit(2);
		}
		InetSocketAddress ns = args.length > 1
				? new InetSocketAddress(args[1], args.length > 2 ? Integer.parseInt(args[2]) : 53) : null;
		DnsResolver resolver = resolver(ns);
		List<InetAddress> addresses = resolver.resolve(args[0]).block();
		if (addresses != null) {
			addresses.forEach(a -> System.out.println(a.getHostAddress()));
		}
		long start = System.nanoTime();
		resolver.resolve(args[0]).block(); // from the cache (unless the TTL was 0)
		System.out.printf("again, from the cache: %d µs%n", (System.nanoTime() - start) / 1000);
	}
}
