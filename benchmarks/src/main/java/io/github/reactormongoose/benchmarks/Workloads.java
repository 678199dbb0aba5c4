/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The workloads shared by every benchmark server (same bytes, same CPU work). */
public final class Workloads {

	/** The hello body: 13 bytes. */
	public static final String HELLO = "Hello, World!";

	/** The 64 KiB body: 65,536 times {@code 'x'}. */
	public static final byte[] BODY_64K = filled(64 * 1024);

	/** n of the CPU-bound handler: fib(10^6) mod 1,000,000,007. */
	public static final int FIB_N = 1_000_000;

	/** Bytes of the download scenario (1 GiB; {@code -Dreactormongoose.bench.downloadMiB=N} to change). */
	public static final long DOWNLOAD_BYTES = Long.getLong("reactormongoose.bench.downloadMiB", 1024) * 1024 * 1024;

	/** The download scenario's buffers: read-only views of one 64 KiB direct buffer, so the server allocates nothing per buffer. */
	public static final java.nio.ByteBuffer DOWNLOAD_SLICE = java.nio.ByteBuffer.allocateDirect(64 * 1024)
			.put(filled(64 * 1024)).flip().asReadOnlyBuffer();

	/** A heap copy of {@link #DOWNLOAD_SLICE}'s bytes, for servers that write arrays (Vert.x, Helidon). */
	public static byte[] downloadSliceBytes() {
		byte[] b = new byte[DOWNLOAD_SLICE.capacity()];
		DOWNLOAD_SLICE.duplicate().get(b);
		return b;
	}

	/** The number of {@link #DOWNLOAD_SLICE} buffers of one download. */
	public static long downloadSlices() {
		return DOWNLOAD_BYTES / DOWNLOAD_SLICE.capacity();
	}

	/** A 1 MiB file in a fresh temporary directory (deleted when the JVM exits), for the file scenario. */
	public static java.nio.file.Path staticFile() {
		try {
			java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rmg-bench-static");
			java.nio.file.Path f = dir.resolve("file-1mib.bin");
			java.nio.file.Files.write(f, filled(1024 * 1024));
			f.toFile().deleteOnExit();
			dir.toFile().deleteOnExit();
			return f;
		}
		catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	/** Largest accepted request body for the echo scenario (the POST is 1 MiB). */
	public static final long MAX_ECHO_BODY = 2L * 1024 * 1024;

	/**
	 * Size of the buffer the CPU-heavy handler hashes: 64 KiB, or
	 * {@code -Dreactormongoose.bench.shaKiB=N} KiB (the same for every server of a run).
	 */
	public static final int SHA_INPUT_SIZE = Integer.getInteger("reactormongoose.bench.shaKiB", 64) * 1024;

	/** The fixed buffer of the CPU-heavy handler (bytes 0, 1, ..., 255, 0, 1, ...). */
	private static final byte[] SHA_INPUT = counting(SHA_INPUT_SIZE);

	private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException e) {
			throw new IllegalStateException(e);
		}
	});

	private static final long MOD = 1_000_000_007L;

	private Workloads() {
	}

	/**
	 * Counts a streamed upload and the most Java heap in use seen while it arrived (sampled at
	 * every piece: {@code totalMemory - freeMemory}, garbage included). One per request.
	 */
	public static final class Upload {
		private long bytes;
		private long peakHeap;

		/** Adds one received piece of {@code n} bytes. */
		public Upload add(int n) {
			bytes += n;
			Runtime r = Runtime.getRuntime();
			peakHeap = Math.max(peakHeap, r.totalMemory() - r.freeMemory());
			return this;
		}

		/** {@code "bytes=N\npeak_heap_used=N\n"}: the answer of the upload scenario. */
		public String result() {
			return "bytes=" + bytes + "\npeak_heap_used=" + peakHeap + "\n";
		}
	}

	static byte[] filled(int n) {
		byte[] b = new byte[n];
		Arrays.fill(b, (byte) 'x');
		return b;
	}

	static byte[] counting(int n) {
		byte[] b = new byte[n];
		for (int i = 0; i < n; i++) {
			b[i] = (byte) i;
		}
		return b;
	}

	/**
	 * SHA-256 of the fixed {@link #SHA_INPUT_SIZE}-byte buffer as 64 lowercase hex digits, computed
	 * on the calling thread (each call hashes the whole buffer again): the CPU-heavy handler.
	 */
	public static String sha256Hex() {
		return HexFormat.of().formatHex(SHA256.get().digest(SHA_INPUT));
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
		return args(args, server, "");
	}

	/**
	 * Parses {@code PORT SCENARIO [OPTION]} (at most one option, left for the caller to parse:
	 * the third element, or null); prints usage and exits on anything else.
	 */
	static Object[] args(String[] args, String server, String optionUsage) {
		boolean optionAllowed = !optionUsage.isEmpty();
		if (args.length < 2 || args.length > (optionAllowed ? 3 : 2) || !Scenario.names().contains(args[1])) {
			System.err.println("usage: " + server + " PORT " + Scenario.names() + (optionAllowed ? " " + optionUsage : ""));
			System.exit(2);
		}
		return new Object[] {Integer.parseInt(args[0]), Scenario.of(args[1]), args.length == 3 ? args[2] : null};
	}

	/**
	 * Parses the {@code loops=N} option of a server (N &gt;= 1); {@code option} null gives {@code absent}.
	 * Prints usage and exits on anything else.
	 */
	static int loopsOption(String option, String server, int absent) {
		if (option == null) {
			return absent;
		}
		if (!option.matches("loops=[1-9][0-9]*")) {
			System.err.println("usage: " + server + " PORT " + Scenario.names() + " [loops=N]");
			System.exit(2);
		}
		return Integer.parseInt(option.substring("loops=".length()));
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
		FIB("fib"),
		/** SHA-256 of a fixed 64 KiB buffer computed on the I/O thread; the body is its hex digest. */
		SHA("sha"),
		/** The same SHA-256 computed on {@code Schedulers.boundedElastic()}. */
		SHA_OFFLOAD("sha-offload"),
		/** A streamed upload counted piece by piece; the body is {@link Upload#result()}. */
		UPLOAD("upload"),
		/** A streamed download of {@link #DOWNLOAD_BYTES} (1 GiB) in 64 KiB buffers, with Content-Length. */
		DOWNLOAD("download"),
		/** A 1 MiB file ({@link #staticFile()}) sent with sendFile. */
		FILE("file");

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
