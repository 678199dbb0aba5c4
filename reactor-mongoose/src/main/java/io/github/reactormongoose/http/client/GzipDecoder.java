/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decodes a {@code Content-Encoding: gzip} body as it streams (RFC 1952): the member header
 * (optional extra field, name, comment and header CRC), the deflate data, the CRC-32/length
 * trailer, and further members if the server concatenated some. Output comes in pieces of at
 * most 64 KiB, so a small piece that inflates to a lot (a "gzip bomb") reaches the subscriber
 * in bounded pieces. Not thread-safe: one body, one subscriber.
 */
final class GzipDecoder {

	private static final int OUT = 64 * 1024;

	private enum State {
		HEADER, DATA, TRAILER
	}

	private final Inflater inflater = new Inflater(true);
	private final CRC32 crc = new CRC32();
	/** Header or trailer bytes gathered so far (they may be split between pieces). */
	private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
	private State state = State.HEADER;
	private long memberBytes;

	/** {@code body} decoded; fails with {@link MalformedResponseException} on a bad or cut-off stream. */
	static Flux<ByteBuffer> decode(Flux<ByteBuffer> body) {
		return Flux.defer(() -> {
			GzipDecoder d = new GzipDecoder();
			return body.concatMapIterable(d::feed)
					.concatWith(Mono.defer(d::end))
					.doFinally(s -> d.inflater.end());
		});
	}

	private Mono<ByteBuffer> end() {
		if (state != State.HEADER || pending.size() > 0) {
			return Mono.error(new MalformedResponseException("gzip body cut off (the response ended inside it)"));
		}
		return Mono.empty();
	}

	/** The decoded bytes of one piece of the body. */
	List<ByteBuffer> feed(ByteBuffer piece) {
		List<ByteBuffer> out = new ArrayList<>(2);
		ByteBuffer in = piece.duplicate();
		try {
			while (in.hasRemaining()) {
				switch (state) {
					case HEADER -> header(in);
					case DATA -> data(in, out);
					case TRAILER -> trailer(in);
				}
			}
		}
		catch (DataFormatException e) {
			throw new MalformedResponseException("bad gzip body: " + e.getMessage());
		}
		return out;
	}

	private void header(ByteBuffer in) {
		while (in.hasRemaining()) {
			pending.write(in.get());
			byte[] h = pending.toByteArray();
			int n = headerLength(h);
			if (n > 0) {
				pending.reset();
				inflater.reset();
				crc.reset();
				memberBytes = 0;
				state = State.DATA;
				return;
			}
			if (h.length > 64 * 1024) {
				throw new MalformedResponseException("gzip header longer than 64 KiB");
			}
		}
	}

	/** The length of the gzip member header at the start of {@code h}, or 0 if it is not complete yet. */
	private static int headerLength(byte[] h) {
		if (h.length >= 1 && (h[0] & 0xff) != 0x1f || h.length >= 2 && (h[1] & 0xff) != 0x8b) {
			throw new MalformedResponseException("not gzip data (no gzip magic number)");
		}
		if (h.length >= 3 && h[2] != 8) {
			throw new MalformedResponseException("gzip compression method " + h[2] + " (only deflate, 8, exists)");
		}
		if (h.length < 10) {
			return 0;
		}
		int flags = h[3] & 0xff;
		int p = 10;
		if ((flags & 4) != 0) { // FEXTRA
			if (h.length < p + 2) {
				return 0;
			}
			p += 2 + ((h[p] & 0xff) | (h[p + 1] & 0xff) << 8);
		}
		for (int bit : new int[] {8, 16}) { // FNAME, FCOMMENT: zero-terminated
			if ((flags & bit) != 0) {
				while (p < h.length && h[p] != 0) {
					p++;
				}
				if (p >= h.length) {
					return 0;
				}
				p++;
			}
		}
		if ((flags & 2) != 0) { // FHCRC
			p += 2;
		}
		return h.length >= p ? p : 0;
	}

	private void data(ByteBuffer in, List<ByteBuffer> out) throws DataFormatException {
		inflater.setInput(in);
		byte[] buf = new byte[OUT];
		int filled = 0;
		while (!inflater.finished()) {
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
			if (filled == buf.length) {
				out.add(ByteBuffer.wrap(buf));
				buf = new byte[OUT];
				filled = 0;
			}
		}
		if (filled > 0) {
			out.add(ByteBuffer.wrap(buf, 0, filled).slice());
		}
		if (inflater.finished()) {
			state = State.TRAILER;
		}
		else if (in.hasRemaining()) {
			throw new DataFormatException("the deflate data stopped decoding");
		}
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

	private static long le32(byte[] b, int at) {
		return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
	}
}
