/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.reactormongoose.testing.JavaFuzz;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * {@link StringDecoder} fuzzed ({@link JavaFuzz}): any bytes, cut anywhere (byte by byte
 * included), decode to the same text as when they come in one piece, in UTF-8 and UTF-16, with
 * malformed input replaced, never an exception.
 */
class StringDecoderFuzzTest {

	private static String decode(Charset cs, List<byte[]> pieces) {
		return String.join("", StringDecoder.decode(Flux.fromIterable(pieces).map(ByteBuffer::wrap), cs).collectList().block());
	}

	@Test
	void piecesDecodeAsTheWhole() {
		String text = "a\u00e9\u2603\uD83D\uDE00z plain ascii \u0000\u007f\u0080\uFFFD";
		List<byte[]> seeds = List.of(text.getBytes(StandardCharsets.UTF_8), text.getBytes(StandardCharsets.UTF_16BE),
				new byte[] { (byte) 0xf0, (byte) 0x9f, (byte) 0x98, 'x', (byte) 0xc3, (byte) 0xed, (byte) 0xa0, (byte) 0x80 });
		JavaFuzz.run("StringDecoder", 20_000, seeds, (input, r) -> {
			Charset cs = r.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.UTF_16BE;
			assertThat(decode(cs, JavaFuzz.pieces(input, r))).isEqualTo(decode(cs, List.of(input)));
		});
	}
}
