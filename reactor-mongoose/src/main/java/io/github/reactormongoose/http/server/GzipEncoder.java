/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One response body as a gzip stream (RFC 1952): a raw deflate stream between the 10-byte
 * header and the CRC-32/length trailer. Each {@link #encode} flushes (SYNC_FLUSH), so that the
 * client can decode everything sent so far. The deflater holds native zlib memory until
 * {@link #finish()} or {@link #end()}. Poll thread only.
 */
final class GzipEncoder {

	private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};

	private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
	private final CRC32 crc = new CRC32();
	private final byte[] buf = new byte[8192];
	private long inputBytes;
	private boolean headerWritten;
	private boolean ended;

	/** A whole body compressed at once. */
	static byte[] gzip(byte[] data) {
		GzipEncoder e = new GzipEncoder();
		ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 3));
		e.header(out);
		e.input(ByteBuffer.wrap(data));
		e.finishInto(out);
		return out.toByteArray();
	}

	/** The compressed form of {@code data} (not consumed), flushed; may be empty. */
	byte[] encode(ByteBuffer data) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.remaining() / 2));
		header(out);
		input(data);
		int n;
		do { // a full output buffer means there may be more
			n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
			out.write(buf, 0, n);
		}
		while (n == buf.length);
		return out.toByteArray();
	}

	/** The end of the stream (the rest of the deflate stream and the trailer); releases the deflater. */
	byte[] finish() {
		ByteArrayOutputStream out = new ByteArrayOutputStream(64);
		finishInto(out);
		return out.toByteArray();
	}

	/** Releases the native memory of a stream that will not be finished. Idempotent. */
	void end() {
		if (!ended) {
			ended = true;
			deflater.end();
		}
	}

	private void header(ByteArrayOutputStream out) {
		if (!headerWritten) {
			headerWritten = true;
			out.writeBytes(HEADER);
		}
	}

	private void input(ByteBuffer data) {
		ByteBuffer d = data.duplicate();
		inputBytes += d.remaining();
		crc.update(d.duplicate());
		deflater.setInput(d);
	}

	private void finishInto(ByteArrayOutputStream out) {
		header(out);
		deflater.finish();
		while (!deflater.finished()) {
			int n = deflater.deflate(buf, 0, buf.length);
			out.write(buf, 0, n);
		}
		long c = crc.getValue();
		long size = inputBytes & 0xffffffffL;
		for (int i = 0; i < 4; i++) {
			out.write((int) (c >>> (8 * i)));
		}
		for (int i = 0; i < 4; i++) {
			out.write((int) (size >>> (8 * i)));
		}
		end();
	}
}
