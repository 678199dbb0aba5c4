/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import static io.github.reactormongoose.dns.TestDnsServer.A;
import static io.github.reactormongoose.dns.TestDnsServer.AAAA;
import static io.github.reactormongoose.dns.TestDnsServer.ip;
import static io.github.reactormongoose.dns.TestDnsServer.negative;
import static io.github.reactormongoose.dns.TestDnsServer.record;
import static io.github.reactormongoose.dns.TestDnsServer.response;
import static io.github.reactormongoose.dns.TestDnsServer.soa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.test.StepVerifier;

/**
 * The cache of {@link DnsResolver} and the sharing of lookups in flight, against the scripted
 * responder on 127.0.0.1 ({@link TestDnsServer}), whose count of queries shows which lookups
 * went out. Time is the test's clock ({@code nanoTime}), moved by hand.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsResolverCacheTest {

	private static final Duration WAIT = Duration.ofSeconds(10);
	private static final long SECOND = 1_000_000_000L;

	private TestDnsServer dns;
	private final AtomicLong now = new AtomicLong(12_345 * SECOND);
	private DnsResolver resolver;

	@BeforeEach
	void start() throws Exception {
		dns = new TestDnsServer();
		resolver = DnsResolver.create().hostsFile(null).searchDomains(List.of()).nameserver(dns.address()).timeout(Duration.ofMillis(300))
				.attempts(2).nanoTime(now::get);
	}

	@AfterEach
	void stop() throws Exception {
		dns.close();
	}

	private static List<String> resolve(DnsResolver r, String host) {
		return r.resolve(host).block(WAIT).stream().map(InetAddress::getHostAddress).toList();
	}

	private void advance(long seconds) {
		now.addAndGet(seconds * SECOND);
	}

	@Test
	void addressesAreKeptForTheSmallestTtlOfTheAnswers() {
		dns.on("kept.test", q -> List.of(q.type() == A
				? response(q, 0, false, record(A, ip("10.0.0.1"), 30))
				: response(q, 0, false, record(AAAA, ip("fd00::1"), 20))));
		assertThat(resolve(resolver, "kept.test")).containsExactly("10.0.0.1", "fd00:0:0:0:0:0:0:1");
		assertThat(dns.count("kept.test")).isEqualTo(2);
		// another spelling of the name is the same entry, named as this caller spelled it
		List<InetAddress> again = resolver.resolve("KEPT.test.").block(WAIT);
		assertThat(again).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.1", "fd00:0:0:0:0:0:0:1");
		assertThat(again.get(0).getHostName()).isEqualTo("KEPT.test.");
		advance(19);
		assertThat(resolve(resolver, "kept.test")).containsExactly("10.0.0.1", "fd00:0:0:0:0:0:0:1");
		assertThat(dns.count("kept.test")).isEqualTo(2);
		advance(1); // 20 s: the AAAA record's TTL
		assertThat(resolve(resolver, "kept.test")).containsExactly("10.0.0.1", "fd00:0:0:0:0:0:0:1");
		assertThat(dns.count("kept.test")).isEqualTo(4);
	}

	@Test
	void theTtlIsCutToMaxTtlAndRaisedToMinTtl() {
		dns.on("long.test", q -> List.of(response(q, 0, false,
				q.type() == A ? record(A, ip("10.0.0.2"), 86_400) : record(AAAA, ip("fd00::2"), 86_400))));
		DnsResolver capped = resolver.maxTtl(Duration.ofSeconds(10));
		resolve(capped, "long.test");
		advance(9);
		resolve(capped, "long.test");
		assertThat(dns.count("long.test")).isEqualTo(2);
		advance(1);
		resolve(capped, "long.test");
		assertThat(dns.count("long.test")).isEqualTo(4);
		// the default cap is one hour
		resolve(resolver, "long.test");
		advance(3599);
		resolve(resolver, "long.test");
		assertThat(dns.count("long.test")).isEqualTo(6);
		advance(1);
		resolve(resolver, "long.test");
		assertThat(dns.count("long.test")).isEqualTo(8);

		// TTL 0: not kept, unless minTtl says otherwise
		dns.on("zero.test", q -> List.of(response(q, 0, false, record(q.type(),
				q.type() == A ? ip("10.0.0.3") : ip("fd00::3"), 0))));
		resolve(resolver, "zero.test");
		resolve(resolver, "zero.test");
		assertThat(dns.count("zero.test")).isEqualTo(4);
		DnsResolver floored = resolver.minTtl(Duration.ofSeconds(5));
		resolve(floored, "zero.test");
		advance(4);
		resolve(floored, "zero.test");
		assertThat(dns.count("zero.test")).isEqualTo(6);
		advance(1);
		resolve(floored, "zero.test");
		assertThat(dns.count("zero.test")).isEqualTo(8);
	}

	@Test
	void negativeAnswersAreKeptOnlyWithANegativeTtlAndAtMostForTheSoa() {
		// default: not kept
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(resolver.resolve("nx.test")).expectError(UnknownHostException.class).verify(WAIT);
		}
		assertThat(dns.count("nx.test")).isEqualTo(4);
		DnsResolver negative = resolver.negativeTtl(Duration.ofSeconds(30));
		StepVerifier.create(negative.resolve("nx.test")).expectError(UnknownHostException.class).verify(WAIT);
		StepVerifier.create(negative.resolve("nx.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("NXDOMAIN").hasMessageContaining("(cached)"))
				.verify(WAIT);
		assertThat(dns.count("nx.test")).isEqualTo(6);
		advance(30);
		StepVerifier.create(negative.resolve("nx.test")).expectError(UnknownHostException.class).verify(WAIT);
		assertThat(dns.count("nx.test")).isEqualTo(8);

		// an SOA with MINIMUM 5 s (RFC 2308): kept 5 s, not 30
		dns.on("soa.test", q -> List.of(negative(q, 3, soa(300, 5))));
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(negative.resolve("soa.test")).expectError(UnknownHostException.class).verify(WAIT);
		}
		assertThat(dns.count("soa.test")).isEqualTo(2);
		advance(5);
		StepVerifier.create(negative.resolve("soa.test")).expectError(UnknownHostException.class).verify(WAIT);
		assertThat(dns.count("soa.test")).isEqualTo(4);

		// no A and no AAAA record is negative too; a server failure is never kept
		dns.on("nodata.test", TestDnsServer.addresses(null, null));
		dns.on("fail.test", q -> List.of(response(q, 2, false)));
		for (int i = 0; i < 2; i++) {
			StepVerifier.create(negative.resolve("nodata.test")).expectError(UnknownHostException.class).verify(WAIT);
			StepVerifier.create(negative.resolve("fail.test")).expectError(DnsException.class).verify(WAIT);
		}
		assertThat(dns.count("nodata.test")).isEqualTo(2);
		assertThat(dns.count("fail.test")).isEqualTo(4);
	}

	@Test
	void copiesShareTheCacheUnlessTheyChangeTheNameserverOrTheCache() {
		dns.on("copy.test", TestDnsServer.addresses("10.0.0.4", null));
		resolve(resolver, "copy.test");
		resolve(resolver.timeout(Duration.ofSeconds(1)).attempts(1), "copy.test");
		assertThat(dns.count("copy.test")).isEqualTo(2);
		resolve(resolver.nameserver(dns.address()), "copy.test"); // a cache of its own
		assertThat(dns.count("copy.test")).isEqualTo(4);
		resolver.clearCache();
		resolve(resolver, "copy.test");
		assertThat(dns.count("copy.test")).isEqualTo(6);
		DnsResolver off = resolver.cache(false);
		resolve(off, "copy.test");
		resolve(off, "copy.test");
		assertThat(dns.count("copy.test")).isEqualTo(10);
	}

	@Test
	void theNameAddedFirstIsEvictedBeyondMaxCacheSize() {
		for (String n : List.of("a.test", "b.test", "c.test")) {
			dns.on(n, TestDnsServer.addresses("10.0.0.5", null));
		}
		DnsResolver small = resolver.maxCacheSize(2);
		for (String n : List.of("a.test", "b.test", "c.test", "b.test", "c.test")) {
			resolve(small, n);
		}
		assertThat(dns.count("b.test")).isEqualTo(2);
		assertThat(dns.count("c.test")).isEqualTo(2);
		resolve(small, "a.test");
		assertThat(dns.count("a.test")).isEqualTo(4);
	}

	@Test
	void optionsAreChecked() {
		assertThatThrownBy(() -> resolver.maxCacheSize(0)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("cache(false)");
		assertThatThrownBy(() -> resolver.minTtl(Duration.ofHours(2))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("maxTtl");
		assertThatThrownBy(() -> resolver.minTtl(Duration.ofSeconds(10)).maxTtl(Duration.ofSeconds(5)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minTtl");
		assertThatThrownBy(() -> resolver.negativeTtl(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
		assertThat(resolver.maxTtl(Duration.ofHours(2)).minTtl(Duration.ofHours(2))).isNotNull();
	}

	/** The A query is held by the responder until the test lets it go: the lookups overlap for sure. */
	private CountDownLatch hold(String name, String v4) {
		CountDownLatch release = new CountDownLatch(1);
		dns.on(name, q -> {
			try {
				release.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			return TestDnsServer.addresses(v4, null).answer(q);
		});
		return release;
	}

	private void awaitQuery(String name, int count) {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (dns.count(name) < count && System.nanoTime() < deadline) {
			Thread.onSpinWait();
		}
		assertThat(dns.count(name)).isGreaterThanOrEqualTo(count);
	}

	@Test
	void concurrentLookupsOfOneNameShareOnePairOfQueries() throws Exception {
		CountDownLatch release = hold("shared.test", "10.0.0.6");
		DnsResolver r = resolver.cache(false).timeout(Duration.ofSeconds(5));
		CompletableFuture<List<InetAddress>> first = r.resolve("shared.test").toFuture();
		CompletableFuture<List<InetAddress>> second = r.resolve("Shared.Test.").toFuture();
		CompletableFuture<List<InetAddress>> third = r.resolve("shared.test").toFuture();
		awaitQuery("shared.test", 1);
		release.countDown();
		for (CompletableFuture<List<InetAddress>> f : List.of(first, second, third)) {
			assertThat(f.get(10, TimeUnit.SECONDS)).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.6");
		}
		assertThat(second.get().get(0).getHostName()).isEqualTo("Shared.Test.");
		assertThat(dns.count("shared.test")).isEqualTo(2); // one A, one AAAA: not six
	}

	@Test
	void cancellingOneSubscriberLeavesTheLookupToTheOthersAndTheLastOneCancelsIt() throws Exception {
		CountDownLatch release = hold("cancel.test", "10.0.0.7");
		DnsResolver r = resolver.cache(false).timeout(Duration.ofSeconds(5));
		Disposable cancelled = r.resolve("cancel.test").subscribe();
		CompletableFuture<List<InetAddress>> other = r.resolve("cancel.test").toFuture();
		awaitQuery("cancel.test", 1);
		cancelled.dispose();
		release.countDown();
		assertThat(other.get(10, TimeUnit.SECONDS)).extracting(InetAddress::getHostAddress).containsExactly("10.0.0.7");
		assertThat(dns.count("cancel.test")).isEqualTo(2);

		// all subscribers gone: the lookup is cancelled, and the next one asks again
		CountDownLatch again = hold("alone.test", "10.0.0.8");
		Disposable alone = r.resolve("alone.test").subscribe();
		awaitQuery("alone.test", 1);
		alone.dispose();
		again.countDown();
		assertThat(resolve(r, "alone.test")).containsExactly("10.0.0.8");
		assertThat(dns.queries()).filteredOn(q -> q.name().equals("alone.test") && q.type() == A)
				.extracting(TestDnsServer.Query::id).doesNotHaveDuplicates().hasSize(2);
	}
}
