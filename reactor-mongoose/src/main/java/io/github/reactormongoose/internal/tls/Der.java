/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.math.BigInteger;
import java.util.Arrays;

/** The few DER structures the key forms need: a reader, definite lengths only. */
final class Der {

	private Der() {
	}

	static final class Reader {
		private final byte[] buf;
		private int pos;
		private final int end;

		Reader(byte[] buf) {
			this(buf, 0, buf.length);
		}

		private Reader(byte[] buf, int pos, int end) {
			this.buf = buf;
			this.pos = pos;
			this.end = end;
		}

		boolean hasMore() {
			return pos < end;
		}

		int peekTag() {
			need(1);
			return buf[pos] & 0xff;
		}

		/** Reads one element of this tag and returns a reader over its content. */
		Reader element(int tag) {
			need(2);
			int t = buf[pos++] & 0xff;
			if (t != tag) {
				throw new IllegalArgumentException(String.format("bad DER: tag 0x%02x where 0x%02x was expected", t, tag));
			}
			int len = buf[pos++] & 0xff;
			if (len > 0x80) {
				int n = len - 0x80;
				if (n > 3) {
					throw new IllegalArgumentException("bad DER: length too large");
				}
				need(n);
				len = 0;
				for (int i = 0; i < n; i++) {
					len = (len << 8) | (buf[pos++] & 0xff);
				}
			}
			else if (len == 0x80) {
				throw new IllegalArgumentException("bad DER: indefinite length");
			}
			need(len);
			Reader r = new Reader(buf, pos, pos + len);
			pos += len;
			return r;
		}

		Reader sequence() {
			return element(0x30);
		}

		Reader explicit(int tag) {
			return element(tag);
		}

		BigInteger integer() {
			Reader r = element(0x02);
			return new BigInteger(1, Arrays.copyOfRange(buf, r.pos, r.end));
		}

		byte[] octetString() {
			Reader r = element(0x04);
			return Arrays.copyOfRange(buf, r.pos, r.end);
		}

		byte[] oid() {
			Reader r = element(0x06);
			return Arrays.copyOfRange(buf, r.pos, r.end);
		}

		private void need(int n) {
			if (end - pos < n) {
				throw new IllegalArgumentException("bad DER: truncated");
			}
		}
	}

	static String oidString(byte[] oid) {
		StringBuilder s = new StringBuilder();
		long v = 0;
		for (int i = 0; i < oid.length; i++) {
			v = (v << 7) | (oid[i] & 0x7f);
			if ((oid[i] & 0x80) == 0) {
				if (s.length() == 0) {
					s.append(Math.min(v / 40, 2)).append('.').append(v - 40 * Math.min(v / 40, 2));
				}
				else {
					s.append('.').append(v);
				}
				v = 0;
			}
		}
		return s.toString();
	}
}
