/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import io.github.reactormongoose.dns.DnsException;
import org.junit.jupiter.api.Test;

class DnsMessagesTest {

	@Test
	void buildsAQuery() {
		byte[] q = DnsMessages.query(0x1234, "ab.c", DnsMessages.TYPE_AAAA);
		assertThat(q).containsExactly(0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 'a', 'b', 1, 'c', 0, 0, 28, 0, 1);
		assertThat(DnsMessages.id(q)).isEqualTo(0x1234);
		assertThat(DnsMessages.parse(q, "ab.c", DnsMessages.TYPE_AAAA)).as("a query is no answer").isNull();
		assertThatThrownBy(() -> DnsMessages.query(1, "a." + "b".repeat(63) + ".c".repeat(100), 1))
				.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void randomAndMutatedBytesOnlyEverGiveNullAnAnswerOrADnsException() {
		Random r = new Random(42);
		byte[] base = DnsMessages.query(7, "x.test", DnsMessages.TYPE_A);
		base[2] |= (byte) 0x80;
		for (int i = 0; i < 50_000; i++) {
			byte[] m;
			if (i % 2 == 0) {
				m = new byte[r.nextInt(80)];
				r.nextBytes(m);
			}
			else {
				m = java.util.Arrays.copyOf(base, base.length + r.nextInt(60));
				for (int k = base.length; k < m.length; k++) {
					m[k] = (byte) r.nextInt(256);
				}
				m[7] = (byte) r.nextInt(4); // a few answers
				for (int k = r.nextInt(4); k > 0; k--) {
					m[r.nextInt(m.length)] = (byte) r.nextInt(256);
				}
			}
			try {
				DnsMessages.parse(m, "x.test", DnsMessages.TYPE_A);
			}
			catch (DnsException expected) {
				assertThat(expected.getMessage()).startsWith("malformed DNS answer");
			}
		}
	}
}
