/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

/** {@link Sntp} against an SNTP responder on 127.0.0.1 ({@link TestSntpServer}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SntpTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private TestSntpServer server;
	private final Sntp sntp = Sntp.create().timeout(Duration.ofSeconds(2));

	@BeforeEach
	void start() throws Exception {
		server = new TestSntpServer();
	}

	@AfterEach
	void stop() throws Exception {
		server.close();
	}

	@Test
	void tellsTheServersTimeAndTheOffsetOfTheLocalClock() {
		server.skewMillis = 5_000;
		SntpTime t = sntp.request(server.url()).block(WAIT);
		assertThat(t).isNotNull();
		assertThat(t.offset().toMillis()).isBetween(4_500L, 5_500L);
		assertThat(Duration.between(Instant.now().plusSeconds(5), t.time()).abs()).isLessThan(Duration.ofSeconds(1));
		assertThat(t.roundTrip()).isPositive().isLessThan(WAIT);
		assertThat(t.server().getPort()).isEqualTo(Integer.parseInt(server.url().replaceAll(".*:", "")));

		server.skewMillis = -60_000;
		assertThat(sntp.request(server.url().replace("udp://", "")).block(WAIT).offset().toMillis())
				.isBetween(-60_500L, -59_500L);
	}

	@Test
	void queryGivesTheInstant() {
		Instant now = Sntp.query(server.url()).block(WAIT);
		assertThat(Duration.between(Instant.now(), now).abs()).isLessThan(Duration.ofSeconds(1));
	}

	private void refused(UnaryOperator<byte[]> mutation, String reason) {
		server.mutate = mutation;
		StepVerifier.create(sntp.request(server.url()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SntpException.class)
						.hasMessageContaining("refused").hasMessageContaining(reason))
				.verify(WAIT);
	}

	@Test
	void malformedAnswersAreRefusedWithTheReason() {
		refused(a -> Arrays.copyOf(a, 20), "short answer: 20 bytes");
		refused(a -> new byte[0], "short answer: 0 bytes");
		refused(a -> {
			a[0] = (byte) ((4 << 3) | 3); // client mode
			return a;
		}, "not a server answer (mode 3)");
		refused(a -> {
			a[0] = (byte) ((6 << 3) | 4);
			return a;
		}, "unsupported NTP version 6");
		refused(a -> {
			a[1] = 0;
			System.arraycopy("RATE".getBytes(), 0, a, 12, 4);
			return a;
		}, "kiss-o'-death from the server (code RATE)");
		refused(a -> {
			a[0] = (byte) ((3 << 6) | (4 << 3) | 4);
			return a;
		}, "not synchronized");
		refused(a -> {
			Arrays.fill(a, 40, 48, (byte) 0);
			return a;
		}, "zero transmit timestamp");
		refused(a -> {
			Arrays.fill(a, 24, 32, (byte) 0);
			return a;
		}, "origin timestamp");
		// the origin must be the request's transmit time to the last bit (RFC 4330 section 5):
		// the same second with another fraction, and a time 300 s earlier, are forgeries
		refused(a -> {
			a[31] ^= 1;
			return a;
		}, "origin timestamp");
		refused(a -> {
			int sec = ((a[24] & 0xff) << 24 | (a[25] & 0xff) << 16 | (a[26] & 0xff) << 8 | (a[27] & 0xff)) - 300;
			a[24] = (byte) (sec >> 24);
			a[25] = (byte) (sec >> 16);
			a[26] = (byte) (sec >> 8);
			a[27] = (byte) sec;
			return a;
		}, "origin timestamp");
		refused(a -> {
			a[1] = 16;
			return a;
		}, "invalid stratum 16");
	}

	@Test
	void anAnswerThatDoesNotEchoTheRequestIsRefusedBeforeAnyOtherCheck() {
		// an off-path forger does not see the request: its kiss-o'-death, "unsynchronised" or
		// zero-transmit answer must be refused for its origin, not believed (RFC 5905 section
		// 8, CVE-2015-7704), as fakesntp2.py's forged RATE was
		UnaryOperator<byte[]> forged = a -> {
			Arrays.fill(a, 24, 32, (byte) 1);
			return a;
		};
		refused(forged.andThen(a -> {
			a[0] = (byte) ((3 << 6) | (4 << 3) | 4);
			a[1] = 0;
			System.arraycopy("RATE".getBytes(), 0, a, 12, 4);
			Arrays.fill(a, 40, 48, (byte) 0);
			return a;
		})::apply, "answer does not match the request (origin timestamp)");
		refused(forged.andThen(a -> {
			a[1] = 0;
			System.arraycopy("DENY".getBytes(), 0, a, 12, 4);
			return a;
		})::apply, "answer does not match the request (origin timestamp)");
		refused(forged.andThen(a -> {
			a[0] = (byte) ((3 << 6) | (4 << 3) | 4);
			return a;
		})::apply, "answer does not match the request (origin timestamp)");
		refused(forged.andThen(a -> {
			Arrays.fill(a, 40, 48, (byte) 0);
			return a;
		})::apply, "answer does not match the request (origin timestamp)");
	}

	@Test
	void aPortOutOfRangeFailsAtOnce() {
		// 99999 and 65536 pass java.net.URI; they used to fail on the poll thread, leaving the Mono silent
		for (String url : new String[] { "udp://127.0.0.1:99999", "127.0.0.1:65536", "udp://127.0.0.1:0" }) {
			StepVerifier.create(sntp.request(url))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
							.hasMessageContaining("port out of range"))
					.verify(WAIT);
		}
		assertThat(server.requests.get()).isZero();
	}

	@Test
	void eachRequestsTransmitTimeEndsInRandomBits() {
		// below the millisecond (the low 20 bits of the fraction), so that an off-path forger
		// must guess them as well as the send time
		java.util.List<Integer> low = new java.util.concurrent.CopyOnWriteArrayList<>();
		server.mutate = a -> {
			low.add(((a[29] & 0x0f) << 16) | ((a[30] & 0xff) << 8) | (a[31] & 0xff));
			return a;
		};
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(sntp.request(server.url())).expectNextCount(1).expectComplete().verify(WAIT);
		}
		assertThat(low).hasSize(3).doesNotHaveDuplicates();
	}

	@Test
	void noAnswerTimesOut() {
		server.mutate = a -> new byte[0];
		// an empty datagram is an answer too (refused); silence needs no datagram at all
		server.mutate = a -> null;
		StepVerifier.create(Sntp.create().timeout(Duration.ofMillis(300)).request(server.url()))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SntpException.class)
						.hasMessageContaining("no SNTP answer").hasMessageContaining("300 ms"))
				.verify(WAIT);
		assertThat(server.requests.get()).isEqualTo(1);
	}

	/**
	 * A request pending when its loop is disposed fails at once and does not hold the disposal:
	 * its socket had no shutdown hook, so a disposal waited its whole grace period for it (3 s
	 * for disposeNow(), 30 s here) and the request failed only then, as "closed before an answer".
	 */
	@Test
	void aRequestWhoseLoopIsDisposedFailsAtOnce() {
		server.mutate = a -> null;
		MongooseLoop loop = MongooseLoop.create("sntp-dispose-loop");
		try {
			StepVerifier.create(sntp.timeout(Duration.ofSeconds(60)).runOn(loop).request(server.url()))
					.then(() -> {
						while (server.requests.get() < 1) {
							Thread.onSpinWait();
						}
						loop.disposeLater(Duration.ofSeconds(30)).subscribe();
					})
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SntpException.class)
							.hasMessageContaining("interrupted").hasMessageContaining("loop was disposed"))
					.verify(WAIT);
			loop.onDispose().block(WAIT);
		}
		finally {
			loop.disposeNow();
		}
	}

	/** A socket that cannot be opened (EACCES for the broadcast address; EMFILE under load) is an SntpException too. */
	@Test
	void aSocketThatCannotBeOpenedIsAnSntpException() {
		StepVerifier.create(sntp.request("255.255.255.255:123"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SntpException.class)
						.hasMessageContaining("SNTP request to /255.255.255.255:123 failed: no socket")
						.hasCauseInstanceOf(io.github.reactormongoose.MongooseException.class))
				.verify(WAIT);
	}

	@Test
	void aClosedPortIsUnreachable() throws Exception {
		int port;
		try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
			port = s.getLocalPort();
		}
		StepVerifier.create(sntp.request("127.0.0.1:" + port))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(SntpException.class)
						.hasMessageContaining("unreachable").hasCauseInstanceOf(PortUnreachableException.class))
				.verify(WAIT);
	}

	@Test
	void runsOnTheGivenLoop() {
		MongooseLoop loop = MongooseLoop.create("sntp-test-loop");
		try {
			assertThat(sntp.runOn(loop).request(server.url()).block(WAIT).offset().abs()).isLessThan(Duration.ofSeconds(1));
		}
		finally {
			loop.disposeNow();
		}
	}

	@Test
	void badUrlsAndOptionsAreRefused() {
		assertThatThrownBy(() -> sntp.request("http://127.0.0.1:123").block(WAIT)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> sntp.request("udp://").block(WAIT)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> sntp.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
	}
}
