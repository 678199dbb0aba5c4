/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import io.github.reactormongoose.internal.FatalErrors;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decodes a {@code Content-Encoding: gzip} body as it streams (RFC 1952): the member header
 * (optional extra field, name, comment and header CRC), the deflate data, the CRC-32/length
 * trailer, and further members if the server concatenated some. Output comes in pieces of at
 * most 64 KiB, each inflated when the subscriber asks for it, so a small piece that inflates to
 * a lot (a "gzip bomb") is never inflated ahead of the demand. Not thread-safe: one body, one subscriber.
 */
final class GzipDecoder {

	private static final int OUT = 64 * 1024;

	private enum State {
		HEADER, DATA, TRAILER
	}

	private final Inflater inflater = new Inflater(true);
	private final CRC32 crc = new CRC32();
	/** Trailer bytes gathered so far (they may be split between pieces). */
	private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
	private State state = State.HEADER;
	private long memberBytes;
	/** Header bytes of the current member read so far; 0 between members. */
	private int headerBytes;
	/** The flag byte of the current member's header, each optional field's bit cleared once read. */
	private int flags;
	private int extraLeft;
	private int hcrcBytes;

	private static final int FHCRC = 2;
	private static final int FEXTRA = 4;
	private static final int FNAME = 8;
	private static final int FCOMMENT = 16;

	/**
	 * {@code body} decoded; fails with {@link MalformedResponseException} on a bad or cut-off
	 * stream, and with a JVM error (an {@code OutOfMemoryError}) thrown by the decoding or by the
	 * subscriber ({@link FatalErrors#delivered}: a decoding error comes as a {@link DecodingError}
	 * and is unwrapped).
	 */
	static Flux<ByteBuffer> decode(Flux<ByteBuffer> body) {
		return Flux.defer(() -> {
			GzipDecoder d = new GzipDecoder();
			// one piece ahead: the client's read-ahead rule (16 pieces, then the socket waits) holds
			// for a compressed body too; the default prefetch asked for 256 (about 4 MiB)
			return FatalErrors.delivered(body.concatMapIterable(d::feed, 1)
					.concatWith(Mono.defer(d::end))
					.doFinally(s -> d.inflater.end()),
					e -> e instanceof DecodingError ? e.getCause() : e);
		});
	}

	/** A JVM error thrown while decoding, carried as an ordinary exception so that concatMapIterable delivers it. */
	private static final class DecodingError extends RuntimeException {

		private static final long serialVersionUID = 1L;

		DecodingError(Error cause) {
			super(cause);
		}
	}

	private Mono<ByteBuffer> end() {
		if (state != State.HEADER || headerBytes > 0) {
			return Mono.error(new MalformedResponseException("gzip body cut off (the response ended inside it)"));
		}
		return Mono.empty();
	}

	/**
	 * The decoded bytes of one piece of the body, inflated as they are pulled: at most 64 KiB at
	 * a time, so that a piece of a bomb never holds more than one output buffer. The piece is
	 * the client's own copy, read until its iterator ends; one iterator, however often asked.
	 */
	Iterable<ByteBuffer> feed(ByteBuffer piece) {
		ByteBuffer in = piece.duplicate();
		Iterator<ByteBuffer> it = new Iterator<>() {

			private @Nullable ByteBuffer ahead;

			@Override
			public boolean hasNext() {
				if (ahead == null) {
					ahead = decodeNext(in);
				}
				return ahead != null;
			}

			@Override
			public ByteBuffer next() {
				if (!hasNext()) {
					throw new NoSuchElementException();
				}
				ByteBuffer b = ahead;
				ahead = null;
				return b;
			}
		};
		return () -> it;
	}

	/** The next decoded bytes of {@code in}; null once it is used up. */
	private @Nullable ByteBuffer decodeNext(ByteBuffer in) {
		try {
			while (true) {
				switch (state) {
					case HEADER -> {
						if (!in.hasRemaining()) {
							return null;
						}
						header(in);
					}
					case DATA -> {
						ByteBuffer out = data(in);
						if (out != null) {
							return out;
						}
						if (state == State.DATA) {
							return null; // the deflate data needs the next piece
						}
					}
					case TRAILER -> {
						if (!in.hasRemaining()) {
							return null;
						}
						trailer(in);
					}
				}
			}
		}
		catch (DataFormatException e) {
			throw new MalformedResponseException("bad gzip body: " + e.getMessage());
		}
		catch (Error e) {
			throw new DecodingError(e); // an OutOfMemoryError holding the output
		}
	}

	/**
	 * Reads member header bytes, one at a time and each looked at once (a header may be split
	 * anywhere, and an extra field, name or comment may be long): the 10 fixed bytes, then the
	 * optional fields that the flag byte announces.
	 */
	private void header(ByteBuffer in) {
		while (in.hasRemaining()) {
			int b = in.get() & 0xff;
			if (++headerBytes > 64 * 1024) {
				throw new MalformedResponseException("gzip header longer than 64 KiB");
			}
			if (headerBytes <= 10) {
				fixedHeaderByte(headerBytes, b);
			}
			else if ((flags & FEXTRA) != 0) {
				// two length bytes (little-endian), then that many bytes of extra field
				if (headerBytes <= 12) {
					extraLeft |= b << (8 * (headerBytes - 11));
				}
				else {
					extraLeft--;
				}
				if (headerBytes >= 12 && extraLeft == 0) {
					flags &= ~FEXTRA;
				}
			}
			else if ((flags & FNAME) != 0) {
				if (b == 0) {
					flags &= ~FNAME;
				}
			}
			else if ((flags & FCOMMENT) != 0) {
				if (b == 0) {
					flags &= ~FCOMMENT;
				}
			}
			else if ((flags & FHCRC) != 0 && ++hcrcBytes == 2) {
				flags &= ~FHCRC;
			}
			if (headerBytes >= 10 && (flags & (FEXTRA | FNAME | FCOMMENT | FHCRC)) == 0) {
				headerBytes = 0;
				extraLeft = 0;
				hcrcBytes = 0;
				inflater.reset();
				crc.reset();
				memberBytes = 0;
				state = State.DATA;
				return;
			}
		}
	}

	/** Byte {@code n} (1 to 10) of a member header: magic, method, flags; the rest is not used. */
	private void fixedHeaderByte(int n, int b) {
		if (n == 1 && b != 0x1f || n == 2 && b != 0x8b) {
			throw new MalformedResponseException("not gzip data (no gzip magic number)");
		}
		if (n == 3 && b != 8) {
			throw new MalformedResponseException("gzip compression method " + b + " (only deflate, 8, exists)");
		}
		if (n == 4) {
			flags = b;
		}
	}

	/**
	 * Up to 64 KiB inflated from {@code in} (and what the inflater holds of it); null when none
	 * came: the member's deflate data ended (state TRAILER) or needs more input.
	 */
	private @Nullable ByteBuffer data(ByteBuffer in) throws DataFormatException {
		inflater.setInput(in);
		byte[] buf = new byte[OUT];
		int filled = 0;
		while (filled < buf.length && !inflater.finished()) {
			int n = inflater.inflate(buf, filled, buf.length - filled);
			if (n == 0) {
				if (inflater.needsDictionary()) {
					throw new DataFormatException("a preset dictionary is asked for");
				}
				break; // needs input: the rest of in was consumed
			}
			crc.update(buf, filled, n);
			memberBytes += n;
			filled += n;
		}
		if (inflater.finished()) {
			state = State.TRAILER;
		}
		else if (filled < buf.length && in.hasRemaining()) {
			throw new DataFormatException("the deflate data stopped decoding");
		}
		return filled == 0 ? null : filled == buf.length ? ByteBuffer.wrap(buf) : ByteBuffer.wrap(buf, 0, filled).slice();
	}

	private void trailer(ByteBuffer in) {
		while (in.hasRemaining() && pending.size() < 8) {
			pending.write(in.get());
		}
		if (pending.size() < 8) {
			return;
		}
		byte[] t = pending.toByteArray();
		pending.reset();
		long crcValue = le32(t, 0);
		long size = le32(t, 4);
		if (crcValue != crc.getValue() || size != (memberBytes & 0xffffffffL)) {
			throw new MalformedResponseException("gzip body corrupt (its CRC or length does not match)");
		}
		state = State.HEADER; // another member may follow
	}

	/** Decoded bytes of the current member so far (tests: how much a piece was inflated). */
	long decodedBytes() {
		return memberBytes;
	}

	private static long le32(byte[] b, int at) {
		return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
	}
}
