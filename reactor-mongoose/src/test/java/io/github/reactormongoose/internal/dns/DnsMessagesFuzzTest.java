/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.List;

import io.github.reactormongoose.dns.DnsException;
import io.github.reactormongoose.testing.JavaFuzz;
import org.junit.jupiter.api.Test;

/**
 * The resolver's reading of a nameserver's answer fuzzed ({@link JavaFuzz}) from valid answers:
 * A and AAAA records, a CNAME chain, names compressed with pointers, an NXDOMAIN, a truncated
 * (TC) one. Every input gives {@code null} (not an answer to the question), an answer whose
 * addresses have the queried type's length, or a {@link DnsException} "malformed DNS answer".
 */
class DnsMessagesFuzzTest {

	/** The answer to our query {@code q} with these flags and records (each already encoded). */
	private static byte[] answer(byte[] q, int flags, int count, byte[]... records) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.write(q, 0, 2);
		b.write(flags >> 8);
		b.write(flags);
		b.write(q, 4, 2); // one question
		b.write(count >> 8);
		b.write(count);
		b.write(new byte[4], 0, 4);
		b.write(q, 12, q.length - 12);
		for (byte[] r : records) {
			b.writeBytes(r);
		}
		return b.toByteArray();
	}

	/** A record: owner name (wire form), type, class IN, TTL 60, and its data. */
	private static byte[] record(byte[] owner, int type, byte[] data) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.writeBytes(owner);
		b.writeBytes(new byte[] { (byte) (type >> 8), (byte) type, 0, 1, 0, 0, 0, 60, (byte) (data.length >> 8),
				(byte) data.length });
		b.writeBytes(data);
		return b.toByteArray();
	}

	/** A pointer to the question's name (offset 12). */
	private static final byte[] TO_QNAME = { (byte) 0xc0, 12 };

	@Test
	void answers() {
		byte[] qa = DnsMessages.query(0x1234, "www.example.com", DnsMessages.TYPE_A);
		byte[] q6 = DnsMessages.query(0x4321, "www.example.com", DnsMessages.TYPE_AAAA);
		byte[] alias = DnsMessages.encodeName("edge.cdn.test");
		int qEnd = qa.length;
		// the CNAME's target is written out in the first answer's data, at qEnd + 12
		byte[] cnameTarget = { (byte) 0xc0, (byte) (qEnd + 12) };
		List<byte[]> seeds = List.of(
			answer(qa, 0x8180, 2, record(TO_QNAME, 1, new byte[] { (byte) 192, 0, 2, 1 }),
					record(TO_QNAME, 1, new byte[] { (byte) 198, 51, 100, 7 })),
			answer(q6, 0x8180, 1, record(TO_QNAME, 28, new byte[] { 0x20, 1, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })),
			answer(qa, 0x8180, 2, record(TO_QNAME, 5, alias), record(cnameTarget, 1, new byte[] { 10, 0, 0, 1 })),
			answer(qa, 0x8183, 0),
			answer(qa, 0x8380, 0),
			answer(qa, 0x8180, 1, record(DnsMessages.encodeName("WWW.Example.COM"), 1, new byte[] { 127, 0, 0, 1 })));
		JavaFuzz.run("DnsMessages", 30_000, seeds, (input, r) -> {
			boolean six = input.length > 3 && input[1] == 0x21;
			int type = six ? DnsMessages.TYPE_AAAA : DnsMessages.TYPE_A;
			try {
				DnsMessages.Answer a = DnsMessages.parse(input, "www.example.com", type);
				if (a != null) {
					assertThat(a.addresses()).allSatisfy(x -> assertThat(x.getAddress().length).isIn(six ? List.of(4, 16) : List.of(4)));
				}
			}
			catch (DnsException e) {
				assertThat(e.getMessage()).startsWith("malformed DNS answer");
			}
		});
	}
}
