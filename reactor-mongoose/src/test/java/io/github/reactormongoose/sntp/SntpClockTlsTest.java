/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mongoose's SNTP parser also sets Mongoose's process-wide wall clock, which its TLS stack
 * checks certificate validity with. An answer from a server whose clock is years off must not
 * make every certificate look expired (rmg_sntp.c puts the clock back).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SntpClockTlsTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void anAnswerFromAServerYearsAheadLeavesTlsCertificatesValid(@TempDir Path dir) throws Exception {
		TestPki pki = TestPki.root(dir, "Clock Root CA");
		TestPki.Issued cert = pki.server("localhost", TestPki.KeyType.EC_P256);
		try (TestSntpServer sntpServer = new TestSntpServer()) {
			sntpServer.skewMillis = 20L * 365 * 24 * 3600 * 1000; // 20 years ahead
			SntpTime t = Sntp.create().request(sntpServer.url()).block(WAIT);
			assertThat(t).isNotNull();
			assertThat(t.offset()).isGreaterThan(Duration.ofDays(365));
		}
		DisposableServer server = TcpServer.create().secure(TlsSpec.forServer(cert.chain(), cert.key()))
				.handle((in, out) -> out.send(in.receive())).bindNow(WAIT);
		try {
			Connection c = TcpClient.create().host("localhost").port(server.port())
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(WAIT);
			c.send("still valid".getBytes(StandardCharsets.US_ASCII)).block(WAIT);
			String echo = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).scan(String::concat)
					.filter(s -> s.length() >= 11).blockFirst(WAIT);
			c.close();
			assertThat(echo).isEqualTo("still valid");
		}
		finally {
			server.disposeNow(WAIT);
		}
	}
}
