/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The hosts file of {@link DnsResolver}: its names are answered without a query to the scripted
 * responder on 127.0.0.1 ({@link TestDnsServer}), which sees every name that is not.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsResolverHostsTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@TempDir
	Path dir;

	private TestDnsServer dns;
	private DnsResolver resolver;

	@BeforeEach
	void start() throws Exception {
		dns = new TestDnsServer();
		Path hosts = dir.resolve("hosts");
		Files.writeString(hosts, String.join("\n",
				"# a comment line",
				"10.1.2.3   Web.Test  web-alias.test   # a comment after the names",
				"fd00::7    web.test",
				"10.1.2.4\tweb.test  web.test",
				"   10.9.9.9   Tabbed.Test.  ",
				"fe80::1%lo zoned.test",
				"::ffff:10.1.1.1 mapped.test",
				"not-an-ip  bad.test",
				"10.1.2     short.test",
				"010.1.2.3  octal.test",
				"10.1.2.300 range.test",
				"fd00::zz   badsix.test",
				"10.1.2.5",
				"#10.1.2.6  commented.test",
				""), StandardCharsets.ISO_8859_1);
		resolver = DnsResolver.create().nameserver(dns.address()).timeout(Duration.ofMillis(300)).hostsFile(hosts)
				.searchDomains(List.of());
	}

	@AfterEach
	void stop() throws Exception {
		dns.close();
	}

	private List<String> resolve(DnsResolver r, String host) {
		return r.resolve(host).block(WAIT).stream().map(InetAddress::getHostAddress).toList();
	}

	@Test
	void namesOfTheHostsFileAreAnsweredWithoutAQuery() {
		// every line of the name, IPv4 first, each address once; any case, a trailing dot or not
		assertThat(resolve(resolver, "web.test")).containsExactly("10.1.2.3", "10.1.2.4", "fd00:0:0:0:0:0:0:7");
		assertThat(resolve(resolver, "WEB.test.")).containsExactly("10.1.2.3", "10.1.2.4", "fd00:0:0:0:0:0:0:7");
		assertThat(resolver.resolve("WEB.test.").block(WAIT).get(0).getHostName()).isEqualTo("WEB.test.");
		assertThat(resolve(resolver, "web-alias.test")).containsExactly("10.1.2.3");
		assertThat(resolve(resolver, "tabbed.test")).containsExactly("10.9.9.9");
		assertThat(resolve(resolver, "zoned.test")).containsExactly("fe80:0:0:0:0:0:0:1");
		assertThat(resolve(resolver, "mapped.test")).containsExactly("10.1.1.1");
		assertThat(dns.queries()).isEmpty();
	}

	@Test
	void malformedLinesAreSkippedAndTheirNamesGoToTheNameserver() {
		for (String name : List.of("bad.test", "short.test", "octal.test", "range.test", "badsix.test", "commented.test")) {
			StepVerifier.create(resolver.resolve(name))
					.expectErrorSatisfies(e -> assertThat(e).as(name).isInstanceOf(UnknownHostException.class)
							.hasMessageContaining("NXDOMAIN"))
					.verify(WAIT);
			assertThat(dns.count(name)).as(name).isEqualTo(2);
		}
	}

	@Test
	void withoutAHostsFileEveryNameIsAsked() {
		dns.on("web.test", TestDnsServer.addresses("192.0.2.1", null));
		assertThat(resolve(resolver.hostsFile(null), "web.test")).containsExactly("192.0.2.1");
		assertThat(dns.count("web.test")).isEqualTo(2);
		assertThatThrownBy(() -> resolver.hostsFile(dir.resolve("missing")))
				.isInstanceOf(UncheckedIOException.class).hasMessageContaining("missing");
	}
}
