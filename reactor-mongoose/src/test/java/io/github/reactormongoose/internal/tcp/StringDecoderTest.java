/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** {@link StringDecoder}: characters split between reads are decoded whole. */
class StringDecoderTest {

	private static Flux<ByteBuffer> split(byte[] bytes, int... cuts) {
		ByteBuffer[] parts = new ByteBuffer[cuts.length + 1];
		int from = 0;
		for (int i = 0; i <= cuts.length; i++) {
			int to = i < cuts.length ? cuts[i] : bytes.length;
			parts[i] = ByteBuffer.wrap(Arrays.copyOfRange(bytes, from, to));
			from = to;
		}
		return Flux.fromArray(parts);
	}

	@Test
	void aCharacterSplitBetweenBuffersIsDecodedWhole() {
		byte[] bytes = "a\u00e9\u2603\uD83D\uDE00z".getBytes(StandardCharsets.UTF_8); // 1 + 2 + 3 + 4 + 1 bytes
		// cut inside é, inside the snowman (twice) and inside the emoji
		StepVerifier.create(StringDecoder.decode(split(bytes, 2, 4, 5, 8), StandardCharsets.UTF_8))
				.expectNext("a", "\u00e9", "\u2603")
				.expectNext("\uD83D\uDE00z")
				.verifyComplete();
	}

	@Test
	void buffersArePassedThroughWithoutMovingTheirPosition() {
		ByteBuffer b = ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII));
		StepVerifier.create(StringDecoder.decode(Flux.just(b), StandardCharsets.US_ASCII))
				.expectNext("hello")
				.verifyComplete();
		StepVerifier.create(StringDecoder.decode(Flux.just(b), StandardCharsets.US_ASCII))
				.expectNext("hello")
				.verifyComplete();
	}

	@Test
	void malformedInputAndATruncatedEndBecomeReplacementCharacters() {
		byte[] snowman = "\u2603".getBytes(StandardCharsets.UTF_8);
		StepVerifier.create(StringDecoder.decode(
						Flux.just(ByteBuffer.wrap(new byte[] {'x', (byte) 0xff, 'y'}), ByteBuffer.wrap(snowman, 0, 2)),
						StandardCharsets.UTF_8))
				.expectNext("x\uFFFDy")
				.expectNext("\uFFFD")
				.verifyComplete();
	}

	@Test
	void errorsPassThroughAfterTheDecodedText() {
		StepVerifier.create(StringDecoder.decode(
						Flux.just(ByteBuffer.wrap(new byte[] {'o', 'k'}))
								.concatWith(Flux.error(new IllegalStateException("boom"))),
						StandardCharsets.UTF_8))
				.expectNext("ok")
				.verifyErrorMessage("boom");
	}
}
