/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.time.Duration;

import io.github.reactormongoose.sntp.Sntp;
import io.github.reactormongoose.sntp.SntpTime;
import reactor.core.publisher.Mono;

/** Asks an SNTP server for its time and how far the local clock is from it ({@link Sntp}). */
public final class SntpClock {

	private SntpClock() {
	}

	/** The answer of the server at {@code url} ({@code udp://host:port}), within 3 s. */
	public static Mono<SntpTime> query(String url) {
		return Sntp.create().timeout(Duration.ofSeconds(3)).request(url);
	}

	/** One line: the server's time and the local clock's offset. */
	public static String describe(SntpTime t) {
		long ms = t.offset().toMillis();
		return t.server() + " says " + t.time() + "; the local clock is " + Math.abs(ms) + " ms "
				+ (ms >= 0 ? "behind" : "ahead") + " (round trip " + t.roundTrip().toMillis() + " ms)";
	}

	/**
	 * Prints the time of an SNTP server.
	 * @param args the server's URL, for example {@code udp://pool.ntp.org:123}
	 */
	public static void main(String[] args) {
		if (args.length == 0) {
			System.err.println("usage: SntpClock udp://HOST[:PORT]");
			System.exit(2);
		}
		SntpTime t = query(args[0]).block();
		if (t != null) {
			System.out.println(describe(t));
		}
	}
}
