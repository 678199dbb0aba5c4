/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tcp;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decodes a stream of byte buffers into strings, carrying a character split between two
 * buffers over to the next one. Malformed input becomes the replacement character. One
 * instance per subscription; not thread-safe (a Flux delivers serially).
 */
public final class StringDecoder {

	private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

	private final CharsetDecoder decoder;
	private ByteBuffer pending = EMPTY;

	private StringDecoder(Charset charset) {
		this.decoder = charset.newDecoder()
				.onMalformedInput(CodingErrorAction.REPLACE)
				.onUnmappableCharacter(CodingErrorAction.REPLACE);
	}

	/** {@code buffers} decoded with {@code charset}; empty strings are not emitted. */
	public static Flux<String> decode(Flux<ByteBuffer> buffers, Charset charset) {
		return Flux.defer(() -> {
			StringDecoder d = new StringDecoder(charset);
			return buffers.map(d::next)
					.concatWith(Mono.fromSupplier(d::finish))
					.filter(s -> !s.isEmpty());
		});
	}

	/** Decodes {@code in} (its position is not moved); a trailing partial character is kept. */
	String next(ByteBuffer in) {
		ByteBuffer src;
		if (pending.hasRemaining()) {
			src = ByteBuffer.allocate(pending.remaining() + in.remaining());
			src.put(pending).put(in.duplicate()).flip();
		}
		else {
			src = in.duplicate();
		}
		String s = run(src, false);
		pending = src.hasRemaining() ? copy(src) : EMPTY;
		return s;
	}

	/** The end of input: a partial character left over becomes the replacement character. */
	String finish() {
		ByteBuffer src = pending;
		pending = EMPTY;
		return run(src, true);
	}

	private String run(ByteBuffer src, boolean end) {
		CharBuffer out = CharBuffer.allocate((int) (src.remaining() * (double) decoder.maxCharsPerByte()) + 4);
		while (decoder.decode(src, out, end) == CoderResult.OVERFLOW) {
			out = grow(out);
		}
		if (end) {
			while (decoder.flush(out) == CoderResult.OVERFLOW) {
				out = grow(out);
			}
			decoder.reset();
		}
		return out.flip().toString();
	}

	private static CharBuffer grow(CharBuffer out) {
		CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2 + 16);
		return bigger.put(out.flip());
	}

	private static ByteBuffer copy(ByteBuffer b) {
		ByteBuffer c = ByteBuffer.allocate(b.remaining());
		return c.put(b).flip();
	}
}
