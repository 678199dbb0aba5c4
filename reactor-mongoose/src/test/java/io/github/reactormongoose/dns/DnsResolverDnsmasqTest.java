/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

/**
 * {@link DnsResolver} against dnsmasq from Debian's packages ({@code dnsmasq-base}), a DNS
 * server nobody here wrote, started on 127.0.0.1 by the test with its records on the command
 * line. Skipped, with a notice, where dnsmasq is not installed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsResolverDnsmasqTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static Process dnsmasq;
	private static DnsResolver resolver;

	private static String dnsmasqPath() {
		for (String p : new String[] {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"}) {
			if (new File(p).canExecute()) {
				return p;
			}
		}
		return null;
	}

	@BeforeAll
	static void start() throws Exception {
		String path = dnsmasqPath();
		if (path == null) {
			System.err.println("NOTICE: DnsResolverDnsmasqTest skipped: dnsmasq is not installed (Debian: dnsmasq-base)");
		}
		Assumptions.assumeTrue(path != null, "dnsmasq is not installed (Debian: dnsmasq-base)");
		// The free port is found over UDP, but dnsmasq binds TCP on it too, which another process
		// may hold: then it exits ("Address already in use"), and a fresh port is tried.
		int port = 0;
		BufferedReader log = null;
		boolean started = false;
		StringBuilder output = new StringBuilder();
		for (int attempt = 0; attempt < 3 && !started; attempt++) {
			if (dnsmasq != null) {
				dnsmasq.destroy();
				dnsmasq.waitFor(5, TimeUnit.SECONDS);
			}
			try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
				port = s.getLocalPort();
			}
			dnsmasq = new ProcessBuilder(path, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-poll",
					"--conf-file=/dev/null", "--pid-file=", "--bind-interfaces", "--listen-address=127.0.0.1",
					"--port=" + port, "--log-facility=-", "--log-queries",
					"--host-record=both.test,192.0.2.20,2001:db8::20",
					"--host-record=v4only.test,192.0.2.21",
					"--cname=alias.test,both.test",
					"--address=/gone.test/")
					.redirectErrorStream(true)
					.start();
			log = new BufferedReader(new InputStreamReader(dnsmasq.getInputStream(), StandardCharsets.UTF_8));
			String line;
			while (!started && (line = log.readLine()) != null) {
				output.append(line).append('\n');
				started = line.contains("started");
			}
		}
		BufferedReader startedLog = log;
		Thread drain = new Thread(() -> {
			try {
				startedLog.transferTo(java.io.Writer.nullWriter());
			}
			catch (java.io.IOException e) {
				// dnsmasq ended
			}
		}, "dnsmasq-log");
		drain.setDaemon(true);
		drain.start();
		assertThat(started).as("dnsmasq started; its output:\n%s", output).isTrue();
		// no search domains of this machine: dnsmasq refuses the names it does not know
		resolver = DnsResolver.create().searchDomains(List.of()).nameserver(new InetSocketAddress("127.0.0.1", port))
				.timeout(Duration.ofSeconds(1));
	}

	@AfterAll
	static void stop() throws Exception {
		if (dnsmasq != null) {
			dnsmasq.destroy();
			dnsmasq.waitFor(5, TimeUnit.SECONDS);
		}
	}

	private static List<String> resolve(String host) {
		return resolver.resolve(host).block(WAIT).stream().map(InetAddress::getHostAddress).toList();
	}

	@Test
	void resolvesBothFamilies() {
		assertThat(resolve("both.test")).containsExactly("192.0.2.20", "2001:db8:0:0:0:0:0:20");
	}

	@Test
	void followsACname() {
		assertThat(resolve("alias.test")).containsExactly("192.0.2.20", "2001:db8:0:0:0:0:0:20");
	}

	@Test
	void aNameWithOnlyAnIpv4Address() {
		assertThat(resolve("v4only.test")).containsExactly("192.0.2.21");
	}

	@Test
	void nxdomainIsAnUnknownHost() {
		StepVerifier.create(resolver.resolve("gone.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
	}

	@Test
	void aNameItRefusesIsADnsExceptionWithTheCode() {
		// no upstream server: dnsmasq answers REFUSED for names it does not know
		StepVerifier.create(resolver.resolve("elsewhere.example"))
				.expectErrorSatisfies(e -> {
					assertThat(e).isInstanceOf(DnsException.class).hasMessageContaining("REFUSED");
					assertThat(((DnsException) e).rcode()).isEqualTo(5);
				})
				.verify(WAIT);
	}
}
