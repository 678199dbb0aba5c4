/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The workloads shared by every benchmark server (same bytes, same CPU work). */
public final class Workloads {

	/** The hello body: 13 bytes. */
	public static final String HELLO = "Hello, World!";

	/** The 64 KiB body: 65,536 times {@code 'x'}. */
	public static final byte[] BODY_64K = filled(64 * 1024);

	/** n of the CPU-bound handler: fib(10^6) mod 1,000,000,007. */
	public static final int FIB_N = 1_000_000;

	/** Largest accepted request body for the echo scenario (the POST is 1 MiB). */
	public static final long MAX_ECHO_BODY = 2L * 1024 * 1024;

	private static final long MOD = 1_000_000_007L;

	private Workloads() {
	}

	static byte[] filled(int n) {
		byte[] b = new byte[n];
		Arrays.fill(b, (byte) 'x');
		return b;
	}

	/**
	 * Iterative Fibonacci modulo 1,000,000,007 with longs: {@code n} dependent additions
	 * and remainders, so the handler is CPU-bound (about a millisecond) and the JIT cannot fold it.
	 */
	public static long fib(int n) {
		long a = 0;
		long b = 1;
		for (int i = 0; i < n; i++) {
			long c = (a + b) % MOD;
			a = b;
			b = c;
		}
		return a;
	}

	static String fibText() {
		return Long.toString(fib(FIB_N));
	}

	static byte[] ascii(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}

	/** Parses {@code PORT SCENARIO}; prints usage and exits on anything else. */
	static Object[] args(String[] args, String server) {
		if (args.length != 2 || !Scenario.names().contains(args[1])) {
			System.err.println("usage: " + server + " PORT " + Scenario.names());
			System.exit(2);
		}
		return new Object[] {Integer.parseInt(args[0]), Scenario.of(args[1])};
	}

	/** The server-side scenarios: the URL path is ignored, every request gets the same handler. */
	public enum Scenario {
		/** 13-byte body (hello-keepalive, hello-c1000 and hello-close all use it). */
		HELLO("hello"),
		/** 64 KiB body. */
		BIG("64k"),
		/** Echo of the request body (the 1 MiB POST). */
		ECHO("echo"),
		/** fib(10^6) mod p computed off the I/O thread. */
		FIB("fib");

		final String id;

		Scenario(String id) {
			this.id = id;
		}

		static Scenario of(String id) {
			for (Scenario s : values()) {
				if (s.id.equals(id)) {
					return s;
				}
			}
			throw new IllegalArgumentException(id);
		}

		static java.util.List<String> names() {
			return Arrays.stream(values()).map(s -> s.id).toList();
		}
	}
}
