/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * {@link PerMessageDeflate#isUtf8}, the check of every text message's UTF-8, agrees with the
 * JDK's strict decoder (which follows the Unicode standard's well-formed sequences) on every
 * sequence of one or two bytes and every three-byte one with a three-byte lead, on the others
 * and on four-byte sequences around each boundary, and on random
 * text with sequences cut, glued and broken.
 */
class Utf8CheckTest {

	private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT);

	private final CharBuffer chars = CharBuffer.allocate(64);

	private boolean jdkSays(byte[] b) {
		chars.clear();
		ByteBuffer in = ByteBuffer.wrap(b);
		CoderResult r = jdk.reset().decode(in, chars, true);
		if (!r.isError()) {
			r = jdk.flush(chars);
		}
		if (r.isOverflow()) {
			throw new IllegalStateException("inputs are short");
		}
		return !r.isError() && !in.hasRemaining();
	}

	private void agree(byte[] b) {
		boolean expected = jdkSays(b);
		if (PerMessageDeflate.isUtf8(b) != expected) {
			throw new AssertionError(HexFormat.of().formatHex(b) + ": JDK says " + expected);
		}
	}

	/** Second and later bytes around every boundary of table 3-7. */
	private static final int[] EDGES = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};

	@Test
	void everySequenceOfOneAndTwoBytesAndEveryThreeByteOne() {
		for (int a = 0; a < 256; a++) {
			agree(new byte[] {(byte) a});
			for (int b = 0; b < 256; b++) {
				agree(new byte[] {(byte) a, (byte) b});
				if (a >= 0xE0 && a <= 0xEF) { // three-byte leads: every third byte
					for (int c = 0; c < 256; c++) {
						agree(new byte[] {(byte) a, (byte) b, (byte) c});
					}
				}
				else {
					for (int c : EDGES) {
						agree(new byte[] {(byte) a, (byte) b, (byte) c});
					}
				}
			}
		}
	}

	@Test
	void fourByteSequencesAroundEveryBoundary() {
		for (int a = 0xE0; a < 256; a++) {
			for (int b = 0; b < 256; b++) {
				for (int c : EDGES) {
					for (int d : EDGES) {
						agree(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
					}
				}
			}
		}
		assertThat(PerMessageDeflate.isUtf8("𝄞 €ä".getBytes(StandardCharsets.UTF_8))).isTrue();
		assertThat(PerMessageDeflate.isUtf8(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}))
				.as("U+110000").isFalse();
		assertThat(PerMessageDeflate.isUtf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})).as("a surrogate").isFalse();
	}

	/** ASCII runs are skipped eight bytes at a time: a byte or a sequence at any offset of one is seen. */
	@Test
	void everyOffsetOfAnAsciiRun() {
		for (int at = 0; at < 24; at++) {
			for (int v = 0x80; v < 256; v++) {
				byte[] b = "abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII);
				b[at] = (byte) v; // alone among ASCII: never valid
				agree(b);
				assertThat(PerMessageDeflate.isUtf8(b)).isFalse();
			}
			for (String c : new String[] {"é", "€", "𝄞"}) {
				String s = "a".repeat(at) + c + "b".repeat(24 - at);
				assertThat(PerMessageDeflate.isUtf8(s.getBytes(StandardCharsets.UTF_8))).as(s).isTrue();
				byte[] cut = java.util.Arrays.copyOf(s.getBytes(StandardCharsets.UTF_8), at + c.getBytes(StandardCharsets.UTF_8).length - 1);
				assertThat(PerMessageDeflate.isUtf8(cut)).as("cut %s", s).isFalse();
			}
		}
	}

	@Test
	void randomTextCutAndBroken() {
		SplittableRandom r = new SplittableRandom(7);
		String[] pieces = {"a", "é", "€", "𝄞", "\u0000", "\uFFFD", "\u07FF", "\u0800", "\uD7FF", "\uE000"};
		for (int round = 0; round < 100_000; round++) {
			StringBuilder s = new StringBuilder();
			int n = r.nextInt(12);
			for (int i = 0; i < n; i++) {
				s.append(pieces[r.nextInt(pieces.length)]);
			}
			byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
			if (b.length > 0 && r.nextInt(3) == 0) {
				b[r.nextInt(b.length)] = (byte) r.nextInt(256); // break one byte
			}
			if (b.length > 0 && r.nextInt(4) == 0) {
				b = java.util.Arrays.copyOf(b, r.nextInt(b.length)); // cut
			}
			agree(b);
		}
	}
}
