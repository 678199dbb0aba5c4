/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.dns.DnsResolver;
import io.github.reactormongoose.dns.TestDnsServer;
import io.github.reactormongoose.sntp.SntpTime;
import io.github.reactormongoose.sntp.TestSntpServer;
import io.github.reactormongoose.testing.LogCapture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link UdpEcho} against the JDK's {@link DatagramChannel}, {@link DnsLookup} against a
 * scripted DNS responder and {@link SntpClock} against an SNTP responder, all on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpDnsSntpExamplesTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void udpEchoSendsEachDatagramBackToItsSender() throws Exception {
		UdpEcho echo = UdpEcho.start("127.0.0.1", 0);
		try (DatagramChannel a = DatagramChannel.open(StandardProtocolFamily.INET)) {
			a.bind(new InetSocketAddress("127.0.0.1", 0));
			a.socket().setSoTimeout(10_000);
			for (String msg : new String[] {"hello", "", "h\u00e9llo \u2603", "x".repeat(60_000)}) {
				a.send(ByteBuffer.wrap(msg.getBytes(StandardCharsets.UTF_8)), echo.address());
				DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
				a.socket().receive(p);
				assertThat(new String(Arrays.copyOf(p.getData(), p.getLength()), StandardCharsets.UTF_8)).isEqualTo(msg);
				assertThat(p.getSocketAddress()).isEqualTo(echo.address());
			}
			assertThat(echo.drops()).isZero();
			assertThatThrownBy(() -> UdpEcho.start("127.0.0.1", echo.address().getPort()))
					.isInstanceOf(AddressInUseException.class);
		}
		finally {
			echo.dispose();
			assertThat(echo.onDispose().block(WAIT)).isNull();
		}
	}

	@Test
	void udpEchoWithWiretapLogsEachDatagramWithItsPeer() throws Exception {
		try (LogCapture log = LogCapture.allLevels(UdpEcho.WIRE_LOG);
				DatagramChannel a = DatagramChannel.open(StandardProtocolFamily.INET)) {
			UdpEcho echo = UdpEcho.start("127.0.0.1", 0, true);
			try {
				a.bind(new InetSocketAddress("127.0.0.1", 0));
				a.socket().setSoTimeout(10_000);
				a.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)), echo.address());
				DatagramPacket p = new DatagramPacket(new byte[100], 100);
				a.socket().receive(p);
				assertThat(p.getLength()).isEqualTo(4);
				String me = a.getLocalAddress().toString();
				long deadline = System.nanoTime() + WAIT.toNanos();
				while (log.lines().stream().noneMatch(l -> l.contains(" WRITE: ")) && System.nanoTime() < deadline) {
					Thread.sleep(10);
				}
				assertThat(log.levels()).containsOnly("info");
				assertThat(log.lines()).anyMatch(l -> l.endsWith("] READ: 4B from " + me + "\nping"));
				assertThat(log.lines()).anyMatch(l -> l.endsWith("] WRITE: 4B to " + me + "\nping"));
			}
			finally {
				echo.dispose();
				echo.onDispose().block(WAIT);
			}
			assertThat(log.lines()).last().asString().endsWith(" INACTIVE");
		}
		// without it: nothing on that logger
		try (LogCapture log = LogCapture.allLevels(UdpEcho.WIRE_LOG);
				DatagramChannel a = DatagramChannel.open(StandardProtocolFamily.INET)) {
			UdpEcho echo = UdpEcho.start("127.0.0.1", 0);
			try {
				a.socket().setSoTimeout(10_000);
				a.send(ByteBuffer.wrap("ping".getBytes(StandardCharsets.UTF_8)), echo.address());
				a.socket().receive(new DatagramPacket(new byte[100], 100));
				assertThat(log.lines()).isEmpty();
			}
			finally {
				echo.dispose();
			}
		}
	}

	@Test
	void dnsLookupAsksTheGivenNameserver() throws Exception {
		try (TestDnsServer dns = new TestDnsServer()) {
			dns.on("service.example", TestDnsServer.addresses("192.0.2.10", "2001:db8::10"));
			List<InetAddress> found = DnsLookup.lookup("service.example", dns.address()).block(WAIT);
			assertThat(found).extracting(InetAddress::getHostAddress)
					.containsExactly("192.0.2.10", "2001:db8:0:0:0:0:0:10");
			assertThatThrownBy(() -> DnsLookup.lookup("missing.example", dns.address()).block(WAIT))
					.hasCauseInstanceOf(UnknownHostException.class);
			assertThat(dns.count("service.example")).isEqualTo(2); // one A, one AAAA
		}
	}

	@Test
	void dnsLookupsOfAReusedResolverComeFromItsCache() throws Exception {
		try (TestDnsServer dns = new TestDnsServer()) {
			dns.on("cached.example", TestDnsServer.addresses("192.0.2.11", null));
			DnsResolver resolver = DnsLookup.resolver(dns.address());
			for (int i = 0; i < 3; i++) {
				assertThat(resolver.resolve("cached.example").block(WAIT)).extracting(InetAddress::getHostAddress)
						.containsExactly("192.0.2.11");
			}
			assertThat(dns.count("cached.example")).isEqualTo(2); // the first lookup's A and AAAA only
			// a name that does not exist is kept too (10 s)
			for (int i = 0; i < 2; i++) {
				assertThatThrownBy(() -> resolver.resolve("missing.example").block(WAIT))
						.hasCauseInstanceOf(UnknownHostException.class);
			}
			assertThat(dns.count("missing.example")).isEqualTo(2);
		}
	}

	@Test
	void sntpClockTellsTheOffset() throws Exception {
		try (TestSntpServer sntp = new TestSntpServer()) {
			sntp.skewMillis = -2_000; // the server's clock is 2 s behind ours
			SntpTime t = SntpClock.query(sntp.url()).block(WAIT);
			assertThat(t.offset().toMillis()).isBetween(-2_500L, -1_500L);
			assertThat(SntpClock.describe(t)).contains("ahead").contains("round trip");
		}
	}
}
