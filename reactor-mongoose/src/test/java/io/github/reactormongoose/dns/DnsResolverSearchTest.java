/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.test.StepVerifier;

/**
 * The search domains and {@code ndots} of {@link DnsResolver}, tried in glibc's order: the
 * scripted responder on 127.0.0.1 ({@link TestDnsServer}) records the names asked, in order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsResolverSearchTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private TestDnsServer dns;
	private DnsResolver resolver;

	@BeforeEach
	void start() throws Exception {
		dns = new TestDnsServer();
		resolver = DnsResolver.create().hostsFile(null).nameserver(dns.address()).timeout(Duration.ofMillis(300))
				.searchDomains(List.of("a.test", "b.test.")).ndots(1);
	}

	@AfterEach
	void stop() throws Exception {
		dns.close();
	}

	private List<String> resolve(DnsResolver r, String host) {
		return r.resolve(host).block(WAIT).stream().map(InetAddress::getHostAddress).toList();
	}

	/** The names asked, in order, each once (its A and AAAA queries). */
	private List<String> asked() {
		return dns.queries().stream().map(TestDnsServer.Query::name).distinct().toList();
	}

	@Test
	void aNameWithFewerDotsThanNdotsTriesTheSearchDomainsFirst() {
		dns.on("db.b.test", TestDnsServer.addresses("10.0.0.1", null));
		List<InetAddress> found = resolver.resolve("db").block(WAIT);
		assertThat(found).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.1");
		assertThat(found.get(0).getHostName()).isEqualTo("db");
		assertThat(asked()).containsExactly("db.a.test", "db.b.test");
		// ndots 2: a name with one dot too
		dns.on("x.y", TestDnsServer.addresses("10.0.0.2", null));
		assertThat(resolve(resolver.ndots(2), "x.y")).containsExactly("10.0.0.2");
		assertThat(asked()).containsExactly("db.a.test", "db.b.test", "x.y.a.test", "x.y.b.test", "x.y");
	}

	@Test
	void aNameWithNdotsDotsIsTriedAsItIsFirst() {
		dns.on("web.svc", TestDnsServer.addresses("10.0.0.3", null));
		assertThat(resolve(resolver, "web.svc")).containsExactly("10.0.0.3");
		assertThat(asked()).containsExactly("web.svc");
		// not found as it is: the search domains follow
		dns.on("api.svc.a.test", TestDnsServer.addresses("10.0.0.4", null));
		assertThat(resolve(resolver, "api.svc")).containsExactly("10.0.0.4");
		assertThat(asked()).containsExactly("web.svc", "api.svc", "api.svc.a.test");
	}

	@Test
	void aTrailingDotIsNeverExpanded() {
		StepVerifier.create(resolver.resolve("db."))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
		assertThat(asked()).containsExactly("db");
	}

	@Test
	void notFoundAnywhereNamesEveryNameTried() {
		StepVerifier.create(resolver.resolve("nowhere"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("nowhere.a.test, nowhere.b.test, nowhere")
						.hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
		assertThat(asked()).containsExactly("nowhere.a.test", "nowhere.b.test", "nowhere");
	}

	@Test
	void servfailGoesOnButNoAnswerStopsTheSearch() {
		dns.on("svc.a.test", q -> List.of(TestDnsServer.response(q, 2, false)));
		dns.on("svc.b.test", TestDnsServer.addresses("10.0.0.5", null));
		assertThat(resolve(resolver, "svc")).containsExactly("10.0.0.5");
		// SERVFAIL everywhere else: the name may exist, so the failure is SERVFAIL, not unknown
		dns.on("down.a.test", q -> List.of(TestDnsServer.response(q, 2, false)));
		StepVerifier.create(resolver.resolve("down"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class).hasMessageContaining("SERVFAIL"))
				.verify(WAIT);
		assertThat(dns.count("down")).isEqualTo(2);
		// no answer is no proof that the name does not exist there: the search stops
		dns.on("slow.a.test", q -> List.of());
		StepVerifier.create(resolver.attempts(1).resolve("slow"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class).hasMessageContaining("no answer"))
				.verify(WAIT);
		assertThat(dns.count("slow.b.test")).isZero();
	}

	@Test
	void optionsAreChecked() {
		assertThatThrownBy(() -> resolver.ndots(16)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> resolver.ndots(-1)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> resolver.searchDomains(List.of("a..test"))).isInstanceOf(IllegalArgumentException.class);
		assertThat(resolver.searchDomains(List.of()).ndots(0)).isNotNull();
	}
}
