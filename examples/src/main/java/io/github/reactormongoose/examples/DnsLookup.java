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
 * thread, from the nameserver of {@code /etc/resolv.conf} or one you give.
 */
public final class DnsLookup {

	private DnsLookup() {
	}

	/**
	 * The addresses of {@code host}, asked of {@code nameserver} (null: the system's), with a
	 * timeout of 2 s per attempt and 2 attempts.
	 */
	public static Mono<List<InetAddress>> lookup(String host, @Nullable InetSocketAddress nameserver) {
		DnsResolver resolver = DnsResolver.create().timeout(Duration.ofSeconds(2));
		if (nameserver != null) {
			resolver = resolver.nameserver(nameserver);
		}
		return resolver.resolve(host);
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
		List<InetAddress> addresses = lookup(args[0], ns).block();
		if (addresses != null) {
			addresses.forEach(a -> System.out.println(a.getHostAddress()));
		}
	}
}
