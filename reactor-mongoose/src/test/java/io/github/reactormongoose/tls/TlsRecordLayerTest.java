/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.RawTls13Client;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The record layer after the handshake (RFC 8446 5.1, 5.4, 4.6.3), with records no common client
 * sends, from {@link RawTls13Client}: what is allowed is taken, what RFC 8446 says to abort on
 * ends the connection (hooks 38 and 39 of {@code native/hook-mongoose.sh}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsRecordLayerTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	static Path dir;
	static TestPki.Issued localhost;

	private final List<DisposableServer> servers = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void certificates() throws Exception {
		localhost = TestPki.root(dir, "Records Root CA").server("localhost", TestPki.KeyType.EC_P256);
	}

	@AfterEach
	void dispose() {
		servers.forEach(s -> s.disposeNow(TIMEOUT));
	}

	private int echo() {
		DisposableServer s = TcpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.handle((in, out) -> out.send(in.receive())).bindNow(TIMEOUT);
		servers.add(s);
		return s.port();
	}

	private static byte[] ascii(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}

	/** What the echo sends back until {@code want} bytes came, or the end of the stream. */
	private static String echoed(RawTls13Client c, int want) throws Exception {
		StringBuilder got = new StringBuilder();
		while (got.length() < want) {
			byte[] b = c.readApplicationData();
			if (b == null) {
				break;
			}
			got.append(new String(b, StandardCharsets.US_ASCII));
		}
		return got.toString();
	}

	/**
	 * A zero-length application-data record is allowed (a traffic-analysis defence, RFC 8446
	 * 5.4): skipped. The stack handed the application 0 bytes, which Mongoose took for the
	 * peer's close, so the connection ended there.
	 */
	@Test
	void zeroLengthApplicationRecordsAreSkipped() throws Exception {
		try (RawTls13Client c = RawTls13Client.connect(echo())) {
			c.writeRecord(23, ascii("one "));
			c.writeRecord(23, new byte[0]);
			c.writeRecord(23, new byte[0]);
			c.writeSealed(new byte[] {23, 0, 0, 0}); // zero length with padding
			c.writeRecord(23, ascii("two"));
			assertThat(echoed(c, 7)).isEqualTo("one two");
		}
	}

	/**
	 * RFC 8446 4.4.4: a Finished whose verify_data is not the HMAC of the transcript ends the
	 * handshake with the alert decrypt_error, sealed with the server's application keys. The
	 * stack checked only the message's type, so a client that flipped a bit of it was served as
	 * if the handshake had been confirmed; then it was closed without the alert.
	 */
	@Test
	void aFinishedThatDoesNotVerifyEndsTheHandshake() throws Exception {
		int port = echo();
		try (RawTls13Client good = RawTls13Client.connect(port, false)) {
			good.writeRecord(23, ascii("fine"));
			assertThat(echoed(good, 4)).isEqualTo("fine");
		}
		try (RawTls13Client bad = RawTls13Client.connect(port, true)) {
			String got;
			try {
				bad.writeRecord(23, ascii("served?"));
				got = echoed(bad, 7);
			}
			catch (java.io.IOException reset) {
				got = ""; // the server closed first
			}
			assertThat(got).isEmpty();
			assertThat(bad.alert()).as("the server's alert: decrypt_error").isEqualTo(51);
		}
	}

	/** Each of these ends the connection: the server echoes nothing after it. */
	@Test
	void recordsRfc8446SaysToAbortOnEndTheConnection() throws Exception {
		byte[][] bad = {
				new byte[] {0, 0, 0}, // no content type: padding only (5.4)
				new byte[] {24, 'x'}, // an unknown content type
				RawTls13Client.message(1, new byte[] {3, 3}), // a ClientHello after the handshake
				concat(RawTls13Client.message(24, new byte[] {0}), RawTls13Client.message(24, new byte[] {0})), // KeyUpdate not last (5.1)
				RawTls13Client.message(24, new byte[] {2}), // a KeyUpdate request of neither kind
				new byte[16385 + 1], // a plaintext over 2^14 bytes (5.4: record_overflow), type filled in below
		};
		bad[5][16385] = 23;
		for (int i = 0; i < bad.length; i++) {
			try (RawTls13Client c = RawTls13Client.connect(echo())) {
				c.writeRecord(23, ascii("before"));
				assertThat(echoed(c, 6)).isEqualTo("before");
				byte[] inner = bad[i];
				if (i >= 2 && i <= 4) {
					inner = concat(inner, new byte[] {22});
				}
				c.writeSealed(inner);
				try {
					c.writeRecord(23, ascii("after"));
				}
				catch (IOException e) {
					// already reset: the server ended it
				}
				String after;
				try {
					after = echoed(c, 5);
				}
				catch (IOException e) {
					after = "";
				}
				assertThat(after).as("bad record %d", i).isEmpty();
			}
		}
	}

	/** A KeyUpdate that does not ask for ours, from this client: the next records use its new keys. */
	@Test
	void aKeyUpdateOfTheClientsOwnIsTaken() throws Exception {
		try (RawTls13Client c = RawTls13Client.connect(echo())) {
			c.writeRecord(23, ascii("old keys "));
			c.writeRecord(22, RawTls13Client.message(24, new byte[] {0}));
			c.renewWriteKeys();
			c.writeRecord(23, ascii("new keys"));
			assertThat(echoed(c, 17)).isEqualTo("old keys new keys");
		}
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, r, a.length, b.length);
		return r;
	}
}
