/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random damage to a valid message, for the tests that feed what a hostile peer could send to a
 * parser: bytes set, inserted, deleted (a run of up to 8), pieces repeated (a header, a frame),
 * and, when given, tokens spliced in (framing words such as {@code "\r\n"} or
 * {@code "Content-Length: "}).
 */
public final class Mutations {

	private Mutations() {
	}

	/** {@code seed} with 1 to {@code maxOps} random changes; {@code tokens} may be empty. */
	public static byte[] mutate(Random r, byte[] seed, int maxOps, List<byte[]> tokens) {
		List<Byte> b = new ArrayList<>(seed.length + 32);
		for (byte x : seed) {
			b.add(x);
		}
		for (int k = 1 + r.nextInt(maxOps); k > 0; k--) {
			int at = b.isEmpty() ? 0 : r.nextInt(b.size() + 1);
			switch (r.nextInt(tokens.isEmpty() ? 4 : 5)) {
				case 0 -> {
					if (!b.isEmpty()) {
						b.set(Math.min(at, b.size() - 1), (byte) r.nextInt(256));
					}
				}
				case 1 -> b.add(at, (byte) r.nextInt(256));
				case 2 -> {
					for (int n = 1 + r.nextInt(8); n > 0 && at < b.size(); n--) {
						b.remove(at);
					}
				}
				case 3 -> {
					if (!b.isEmpty()) {
						int from = r.nextInt(b.size());
						int to = Math.min(b.size(), from + 1 + r.nextInt(40));
						b.addAll(at, new ArrayList<>(b.subList(from, to)));
					}
				}
				default -> {
					byte[] t = tokens.get(r.nextInt(tokens.size()));
					for (int i = 0; i < t.length; i++) {
						b.add(Math.min(at + i, b.size()), t[i]);
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
}
