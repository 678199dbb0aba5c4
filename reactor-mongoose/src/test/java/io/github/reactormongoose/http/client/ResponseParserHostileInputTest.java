/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.testing.Mutations;
import org.junit.jupiter.api.Test;

/**
 * What a hostile or broken server can make of the client's response parser: valid responses
 * mutated at random (bytes flipped, inserted, deleted, framing tokens spliced in), fed in random
 * pieces, with random limits. The parser must only ever report heads, bodies and ends in order,
 * consume what it is given (never more, always something until the response is done), and fail
 * with a {@link MalformedResponseException} or, at the end of input, a
 * {@link PrematureCloseException}: no other exception (an index out of bounds, a number format),
 * which would escape the exchange's error handling on the poll thread.
 */
class ResponseParserHostileInputTest {

	private static final String[] SEEDS = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil the connection closes",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi",
		"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 12345678901234567890\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abcdef0\r\nabc",
	};

	private static final List<byte[]> TOKENS = Stream.of(
		"\r\n", "\n", "\r", ":", " ", "\t", "\0", ",", ";", "Content-Length: ", "Transfer-Encoding: chunked\r\n",
		"Transfer-Encoding: gzip, chunked\r\n", "-1", "99999999999999999999", "ffffffffffffffff", "0x10", "\r\n\r\n",
		"HTTP/1.1 ", "HTTP/2 ", "200", "1000", "\u00ff\u00fe", "0\r\n\r\n", "Connection: close\r\n")
		.map(t -> t.getBytes(StandardCharsets.ISO_8859_1)).toList();

	/** Checks the order of the parser's reports and the slices it hands on. */
	private static final class Checker implements ResponseParser.Listener {
		int offset;
		int length;
		boolean head;
		boolean ended;
		long body;

		@Override
		public void onHead(int status, String version, String reason, HttpHeaders headers) {
			assertThat(head).as("one head per response").isFalse();
			assertThat(ended).isFalse();
			assertThat(status).isBetween(100, 999); // 600 to 999 are handed over (RFC 9110 15)
			assertThat(version).matches("HTTP/1\\.\\d"); // a higher minor version is read as 1.1 (RFC 9110 2.5)
			head = true;
		}

		@Override
		public void onBody(ByteBuffer buf, int off, int len) {
			assertThat(head).as("body after the head").isTrue();
			assertThat(ended).isFalse();
			assertThat(len).isNotNegative();
			assertThat(off).isGreaterThanOrEqualTo(offset);
			assertThat(off + len).isLessThanOrEqualTo(offset + length);
			body += len;
		}

		@Override
		public void onEnd() {
			assertThat(head).as("an end after the head").isTrue();
			assertThat(ended).as("one end per response").isFalse();
			ended = true;
		}
	}

	/** Parses {@code input} as the responses of one connection; returns the number completed. */
	private static int parse(Random r, byte[] input) {
		ResponseParser p = new ResponseParser();
		int[] limits = {64, 200, 8192};
		int maxHead = limits[r.nextInt(limits.length)];
		int maxLine = r.nextBoolean() ? 0 : 16 + r.nextInt(64);
		int maxHeaders = 1 + r.nextInt(10);
		boolean upgrade = r.nextInt(4) == 0;
		Checker c = new Checker();
		p.expect(r.nextInt(5) == 0 ? "HEAD" : "GET", upgrade, maxHead, maxLine, maxHeaders, r.nextBoolean(), c);
		ByteBuffer buf = ByteBuffer.wrap(input);
		int pos = 0;
		int done = 0;
		while (pos < input.length) {
			int len = Math.min(input.length - pos, 1 + r.nextInt(r.nextBoolean() ? 8 : 200));
			c.offset = pos;
			c.length = len;
			int n = p.feed(buf, pos, len);
			assertThat(n).isBetween(0, len);
			if (n < len) {
				assertThat(p.isDone()).as("less consumed only at a response's end").isTrue();
			}
			pos += n;
			if (p.isDone()) {
				assertThat(c.ended).isTrue();
				done++;
				if (!p.keepAlive() || (upgrade && done == 1) || done > 4) {
					return done;
				}
				c = new Checker();
				p.expect("GET", false, maxHead, maxLine, maxHeaders, true, c);
			}
			else {
				assertThat(n).as("progress while the response is not done").isPositive();
			}
		}
		p.eof();
		return p.isDone() ? done + (c.ended && done == 0 ? 1 : 0) : done;
	}

	@Test
	void mutatedResponsesGiveResponsesOrAMalformedResponseErrorOnly() {
		Random r = new Random(20261206);
		int completed = 0;
		int malformed = 0;
		int premature = 0;
		for (int round = 0; round < 30_000; round++) {
			byte[] seed = SEEDS[r.nextInt(SEEDS.length)].getBytes(StandardCharsets.ISO_8859_1);
			byte[] input = round % 10 == 0 ? seed : Mutations.mutate(r, seed, 4, TOKENS);
			try {
				completed += parse(r, input);
			}
			catch (MalformedResponseException e) {
				malformed++;
				assertThat(e.getMessage()).isNotBlank();
			}
			catch (PrematureCloseException e) {
				premature++;
				assertThat(e).isInstanceOf(ConnectionClosedException.class);
			}
			catch (RuntimeException | AssertionError e) {
				fail("round " + round + ": " + e + " on input " + escape(input), e);
			}
		}
		// the corpus reaches every outcome
		assertThat(completed).isGreaterThan(1000);
		assertThat(malformed).isGreaterThan(1000);
		assertThat(premature).isGreaterThan(100);
	}

	private static String escape(byte[] b) {
		StringBuilder s = new StringBuilder("\"");
		for (byte x : b) {
			int c = x & 0xff;
			if (c == '\r') {
				s.append("\\r");
			}
			else if (c == '\n') {
				s.append("\\n");
			}
			else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
				s.append(String.format("\\x%02x", c));
			}
			else {
				s.append((char) c);
			}
		}
		return s.append('"').toString();
	}
}
