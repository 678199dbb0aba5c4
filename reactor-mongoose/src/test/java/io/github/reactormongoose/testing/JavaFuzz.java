/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A deterministic mutation fuzzer for the parsers written in Java that read a peer's bytes (the
 * native ones have libFuzzer, {@code native/fuzz}). Each input is one of the seeds (valid
 * messages built by the project's encoders or written out) damaged by a seeded
 * {@link Random}: bits flipped, bytes set, inserted, deleted, a run repeated, a length field
 * (one, two or four bytes, either order) set to 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff or all
 * ones, a run stripped down to its punctuation (what is left of a list without its items:
 * {@code ", "} from {@code "gzip, chunked"}), the input cut at a random point, or a prefix of one
 * seed spliced onto a suffix of another. Every tenth input is a seed cut at one of its prefixes.
 * <p>
 * The number of inputs per target is fixed (a regression guard that takes seconds, not a time
 * budget); {@code -Djavafuzz.iterations=N} runs N per target instead, and
 * {@code -Djavafuzz.seed=S} another sequence. A failure names the target, the seed, the round
 * and the input in hex: {@link #replay} re-creates it.
 */
public final class JavaFuzz {

	/** The values a length field is set to. */
	private static final long[] LENGTHS = { 0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffffL, 0xffffffffL };

	private JavaFuzz() {
	}

	/** A fuzz target: parses one input; throws only what the parser documents. */
	public interface Target {
		void parse(byte[] input, Random random) throws Exception;
	}

	/** The number of inputs per target: {@code defaultIterations}, or the system property {@code javafuzz.iterations}. */
	public static int iterations(int defaultIterations) {
		return Integer.getInteger("javafuzz.iterations", defaultIterations);
	}

	/** The seed of the sequence: {@code javafuzz.seed}, else a fixed one per target name. */
	public static long seed(String name) {
		Long s = Long.getLong("javafuzz.seed");
		return s != null ? s : name.hashCode();
	}

	/**
	 * Runs {@code target} on {@link #iterations} mutated inputs made from {@code seeds};
	 * {@code target} throws an {@link AssertionError} (or any exception) for a wrong outcome,
	 * which fails the run with what reproduces it.
	 */
	public static void run(String name, int defaultIterations, List<byte[]> seeds, Target target) {
		long seed = seed(name);
		Random r = new Random(seed);
		int n = iterations(defaultIterations);
		for (int round = 0; round < n; round++) {
			byte[] input = next(r, seeds, round);
			try {
				target.parse(input, new Random(seed * 31 + round));
			}
			catch (Throwable t) {
				throw new AssertionError("fuzz target " + name + " failed on round " + round + " (javafuzz.seed=" + seed
						+ "): " + t + "\ninput (" + input.length + " bytes): " + HexFormat.of().formatHex(input), t);
			}
		}
	}

	/** The input of {@code round} of a run with {@code seed} (for a failure's replay in a test of its own). */
	public static byte[] replay(long seed, int round, List<byte[]> seeds) {
		Random r = new Random(seed);
		byte[] input = null;
		for (int i = 0; i <= round; i++) {
			input = next(r, seeds, i);
		}
		return input;
	}

	private static byte[] next(Random r, List<byte[]> seeds, int round) {
		byte[] seed = seeds.get(r.nextInt(seeds.size()));
		if (round % 10 == 9) {
			return Arrays.copyOf(seed, r.nextInt(seed.length + 1)); // a prefix: the peer stopped there
		}
		return mutate(r, seed, seeds);
	}

	/** {@code seed} with 1 to 4 random changes. */
	public static byte[] mutate(Random r, byte[] seed, List<byte[]> seeds) {
		List<Byte> b = new ArrayList<>(seed.length + 16);
		for (byte x : seed) {
			b.add(x);
		}
		for (int k = 1 + r.nextInt(4); k > 0; k--) {
			int at = r.nextInt(b.size() + 1);
			int last = Math.max(0, b.size() - 1);
			switch (r.nextInt(9)) {
				case 0 -> {
					if (!b.isEmpty()) {
						int i = Math.min(at, last);
						b.set(i, (byte) (b.get(i) ^ 1 << r.nextInt(8)));
					}
				}
				case 1 -> {
					if (!b.isEmpty()) {
						b.set(Math.min(at, last), (byte) r.nextInt(256));
					}
				}
				case 2 -> b.add(at, (byte) r.nextInt(256));
				case 3 -> {
					for (int d = 1 + r.nextInt(r.nextBoolean() ? 4 : 64); d > 0 && at < b.size(); d--) {
						b.remove(at);
					}
				}
				case 4 -> {
					if (!b.isEmpty()) {
						int from = r.nextInt(b.size());
						int to = Math.min(b.size(), from + 1 + r.nextInt(32));
						b.addAll(at, new ArrayList<>(b.subList(from, to)));
					}
				}
				case 5 -> {
					// a length field of 1, 2 or 4 bytes, big- or little-endian
					long v = LENGTHS[r.nextInt(LENGTHS.length)];
					int width = new int[] { 1, 2, 4 }[r.nextInt(3)];
					boolean big = r.nextBoolean();
					for (int i = 0; i < width && at + i < b.size(); i++) {
						int shift = 8 * (big ? width - 1 - i : i);
						b.set(at + i, (byte) (v >>> shift));
					}
				}
				case 6 -> {
					// a run stripped to its punctuation: a list left without its items
					int to = Math.min(b.size(), at + 1 + r.nextInt(24));
					for (int i = to - 1; i >= at; i--) {
						if (Character.isLetterOrDigit(b.get(i) & 0xff)) {
							b.remove(i);
						}
					}
				}
				case 7 -> {
					while (b.size() > at) {
						b.remove(b.size() - 1);
					}
				}
				default -> {
					// a prefix of this input, a suffix of another seed
					byte[] other = seeds.get(r.nextInt(seeds.size()));
					int from = r.nextInt(other.length + 1);
					while (b.size() > at) {
						b.remove(b.size() - 1);
					}
					for (int i = from; i < other.length; i++) {
						b.add(other[i]);
					}
				}
			}
		}
		byte[] out = new byte[b.size()];
		for (int i = 0; i < out.length; i++) {
			out[i] = b.get(i);
		}
		return out;
	}

	/**
	 * {@code input} cut into pieces: whole, one byte at a time, or at random points, as
	 * {@code random} chooses (an incremental parser must give the same outcome for each).
	 */
	public static List<byte[]> pieces(byte[] input, Random random) {
		List<byte[]> out = new ArrayList<>();
		int mode = random.nextInt(3);
		int off = 0;
		while (off < input.length) {
			int n = mode == 0 ? input.length - off : mode == 1 ? 1 : 1 + random.nextInt(Math.min(64, input.length - off));
			out.add(Arrays.copyOfRange(input, off, off + n));
			off += n;
		}
		return out;
	}

	/** The ISO-8859-1 bytes of each string. */
	public static List<byte[]> latin1(String... s) {
		return Arrays.stream(s).map(x -> x.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).toList();
	}
}
