/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import static io.github.reactormongoose.dns.TestDnsServer.A;
import static io.github.reactormongoose.dns.TestDnsServer.AAAA;
import static io.github.reactormongoose.dns.TestDnsServer.CNAME;
import static io.github.reactormongoose.dns.TestDnsServer.ip;
import static io.github.reactormongoose.dns.TestDnsServer.name;
import static io.github.reactormongoose.dns.TestDnsServer.record;
import static io.github.reactormongoose.dns.TestDnsServer.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@link DnsResolver} against a scripted responder on 127.0.0.1 ({@link TestDnsServer}). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsResolverTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private TestDnsServer dns;
	private DnsResolver resolver;

	@BeforeEach
	void start() throws Exception {
		dns = new TestDnsServer();
		resolver = DnsResolver.create().hostsFile(null).searchDomains(List.of()).nameserver(dns.address()).timeout(Duration.ofMillis(300)).attempts(2);
	}

	@AfterEach
	void stop() throws Exception {
		dns.close();
	}

	private List<String> resolve(String host) {
		return resolver.resolve(host).block(WAIT).stream().map(InetAddress::getHostAddress).toList();
	}

	@Test
	void returnsTheIpv4ThenTheIpv6Addresses() {
		dns.on("both.test", q -> List.of(q.type() == A
				? response(q, 0, false, record(A, ip("10.0.0.1")), record(A, ip("10.0.0.2")))
				: response(q, 0, false, record(AAAA, ip("fd00::1")))));
		assertThat(resolve("both.test")).containsExactly("10.0.0.1", "10.0.0.2", "fd00:0:0:0:0:0:0:1");
		assertThat(resolve("BOTH.test.")).containsExactly("10.0.0.1", "10.0.0.2", "fd00:0:0:0:0:0:0:1");
		List<InetAddress> named = resolver.resolve("both.test").block(WAIT);
		assertThat(named.get(0).getHostName()).isEqualTo("both.test");
		assertThat(dns.queries()).extracting(TestDnsServer.Query::type).contains(A, AAAA);
	}

	@Test
	void followsCnameRecords() {
		byte[] target = name("real.test");
		dns.on("alias.test", q -> List.of(q.type() == A
				? response(q, 0, false, record(CNAME, target), record(target, A, ip("192.0.2.7")),
						record(name("other.test"), A, ip("192.0.2.99")))
				: response(q, 0, false, record(CNAME, target))));
		assertThat(resolve("alias.test")).containsExactly("192.0.2.7");
	}

	/** RFC 1034 does not order the chain: the address first, the alias of the alias last. */
	@Test
	void followsACnameChainInAnyOrder() {
		byte[] middle = name("middle.test");
		byte[] real = name("real.test");
		dns.on("first.test", q -> List.of(q.type() == A
				? response(q, 0, false, record(real, A, ip("192.0.2.8")), record(middle, CNAME, real), record(CNAME, middle))
				: response(q, 0, false, record(middle, CNAME, real), record(CNAME, middle))));
		assertThat(resolve("first.test")).containsExactly("192.0.2.8");
		// a loop still gives no address, and an address of a name off the chain is not taken
		byte[] loop = name("loop.test");
		dns.on("looping.test", q -> List.of(response(q, 0, false, record(loop, CNAME, name("looping.test")),
				record(CNAME, loop), record(name("elsewhere.test"), q.type(), q.type() == A ? ip("192.0.2.9") : ip("fd00::9")))));
		StepVerifier.create(resolver.resolve("looping.test"))
				.expectError(UnknownHostException.class)
				.verify(WAIT);
	}

	@Test
	void aNameThatDoesNotExistIsAnUnknownHost() {
		StepVerifier.create(resolver.resolve("nx.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("nx.test").hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
	}

	@Test
	void aNameWithoutAddressesIsAnUnknownHost() {
		dns.on("empty.test", TestDnsServer.addresses(null, null));
		StepVerifier.create(resolver.resolve("empty.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("no A or AAAA"))
				.verify(WAIT);
		dns.on("v6only.test", TestDnsServer.addresses(null, "::2"));
		assertThat(resolve("v6only.test")).containsExactly("0:0:0:0:0:0:0:2");
	}

	@Test
	void serverFailureIsADnsExceptionWithItsCode() {
		dns.on("fail.test", q -> List.of(response(q, 2, false)));
		StepVerifier.create(resolver.resolve("fail.test"))
				.expectErrorSatisfies(e -> {
					assertThat(e).isInstanceOf(DnsException.class).hasMessageContaining("SERVFAIL");
					assertThat(((DnsException) e).rcode()).isEqualTo(2);
				})
				.verify(WAIT);
	}

	/** glibc's getaddrinfo, the JDK and Netty agree: one query's addresses are kept whatever the other got. */
	@Test
	void theAddressesOfOneQueryAreKeptWhenTheOtherFails() {
		dns.on("v4-nx6.test", q -> List.of(q.type() == A
				? response(q, 0, false, record(A, ip("192.0.2.1")))
				: response(q, 3, false)));
		assertThat(resolve("v4-nx6.test")).containsExactly("192.0.2.1");
		dns.on("nx4-v6.test", q -> List.of(q.type() == A
				? response(q, 3, false)
				: response(q, 0, false, record(AAAA, ip("::1")))));
		assertThat(resolve("nx4-v6.test")).containsExactly("0:0:0:0:0:0:0:1");
		dns.on("fail4-v6.test", q -> List.of(q.type() == A
				? response(q, 2, false)
				: response(q, 0, false, record(AAAA, ip("fd00::3")))));
		assertThat(resolve("fail4-v6.test")).containsExactly("fd00:0:0:0:0:0:0:3");
		// both failed: NXDOMAIN says more than the other code
		dns.on("nx4-fail6.test", q -> List.of(response(q, q.type() == A ? 3 : 2, false)));
		StepVerifier.create(resolver.resolve("nx4-fail6.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
	}

	/** RFC 4074 4.1: some servers drop AAAA queries; the A answer is returned after all attempts. */
	@Test
	void anUnansweredQueryDoesNotLoseTheOthersAddresses() {
		dns.on("v4-silent6.test", q -> q.type() == A ? List.of(response(q, 0, false, record(A, ip("192.0.2.1")))) : List.of());
		long start = System.nanoTime();
		assertThat(resolve("v4-silent6.test")).containsExactly("192.0.2.1");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
		// only the unanswered query is sent again
		assertThat(dns.queries()).filteredOn(q -> q.name().equals("v4-silent6.test"))
				.extracting(TestDnsServer.Query::type).containsExactlyInAnyOrder(A, AAAA, AAAA);
		dns.on("silent4-v6.test", q -> q.type() == AAAA ? List.of(response(q, 0, false, record(AAAA, ip("fd00::4")))) : List.of());
		assertThat(resolve("silent4-v6.test")).containsExactly("fd00:0:0:0:0:0:0:4");
	}

	@Test
	void anUnansweredQueryNextToOneWithoutAddressesFails() {
		dns.on("nx4-silent6.test", q -> q.type() == A ? List.of(response(q, 3, false)) : List.of());
		StepVerifier.create(resolver.resolve("nx4-silent6.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnknownHostException.class)
						.hasMessageContaining("NXDOMAIN"))
				.verify(WAIT);
		dns.on("fail4-silent6.test", q -> q.type() == A ? List.of(response(q, 2, false)) : List.of());
		StepVerifier.create(resolver.resolve("fail4-silent6.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("no answer").hasMessageContaining("to the AAAA query")
						.hasMessageContaining("2 attempts").hasMessageContaining("the A query was answered SERVFAIL"))
				.verify(WAIT);
		dns.on("empty4-silent6.test", q -> q.type() == A ? List.of(response(q, 0, false)) : List.of());
		StepVerifier.create(resolver.resolve("empty4-silent6.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("no answer").hasMessageContaining("to the AAAA query")
						.hasMessageContaining("the A query was answered without a record"))
				.verify(WAIT);
	}

	/** A closed socket is not a timeout: the lookup fails at once, with its own message. */
	@Test
	void aLookupWhoseLoopIsDisposedFailsAtOnce() {
		dns.on("v4-silent6.test", q -> q.type() == A ? List.of(response(q, 0, false, record(A, ip("192.0.2.1")))) : List.of());
		MongooseLoop loop = MongooseLoop.create("dns-dispose-loop");
		try {
			Mono<List<InetAddress>> lookup = resolver.timeout(Duration.ofSeconds(20)).runOn(loop).resolve("v4-silent6.test");
			long start = System.nanoTime();
			StepVerifier.create(lookup)
					.then(() -> {
						while (dns.count("v4-silent6.test") < 2) {
							Thread.onSpinWait();
						}
						loop.disposeNow();
					})
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
							.hasMessageContaining("interrupted").hasMessageContaining("loop disposed"))
					.verify(WAIT);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
		}
		finally {
			loop.disposeNow();
		}
	}

	@Test
	void answersWithAWrongIdOrQuestionAreIgnored() {
		dns.on("spoofed.test", q -> {
			byte[] wrongId = response(q, 0, false, record(A, ip("6.6.6.6")));
			wrongId[1] ^= 0x55;
			byte[] query = Arrays.copyOf(q.raw(), q.raw().length); // QR clear: not a response
			byte[] right = q.type() == A ? response(q, 0, false, record(A, ip("10.1.1.1"))) : response(q, 0, false);
			byte[] otherQuestion = right.clone();
			otherQuestion[13] = 'x'; // "xpoofed.test"
			return List.of(wrongId, query, otherQuestion, new byte[] {1}, right);
		});
		assertThat(resolve("spoofed.test")).containsExactly("10.1.1.1");
	}

	@Test
	void malformedAnswersFailClearly() {
		dns.on("cut.test", q -> {
			byte[] r = response(q, 0, false, record(A, ip("10.0.0.1")));
			return List.of(Arrays.copyOf(r, r.length - 2)); // the address runs past the end
		});
		dns.on("short.test", q -> List.of(Arrays.copyOf(q.raw(), 5)));
		dns.on("loop.test", q -> List.of(response(q, 0, false, record(new byte[] {(byte) 0xc0, 40}, A, ip("1.2.3.4")))));
		dns.on("badlen.test", q -> List.of(response(q, 0, false, record(q.type(), new byte[] {1, 2, 3}))));
		for (String host : List.of("cut.test", "short.test", "loop.test", "badlen.test")) {
			StepVerifier.create(resolver.resolve(host))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
							.hasMessageContaining("malformed DNS answer").hasMessageContaining(host))
					.verify(WAIT);
		}
	}

	@Test
	void aForwardCompressionPointerIsToldFromALoop() {
		// the record's owner is at the end of the question (header, name, type, class): a pointer
		// past itself is forward (loop.test points at offset 40, past the end of this answer);
		// "a" then a pointer back to that "a" is a loop
		dns.on("loop.test", q -> List.of(response(q, 0, false, record(new byte[] {(byte) 0xc0, 40}, A, ip("1.2.3.4")))));
		dns.on("realloop.test", q -> {
			int owner = 12 + TestDnsServer.name("realloop.test").length + 4;
			return List.of(response(q, 0, false, record(new byte[] {1, 'a', (byte) 0xc0, (byte) owner}, A, ip("1.2.3.4"))));
		});
		StepVerifier.create(resolver.resolve("loop.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("forward or out-of-range compression pointer"))
				.verify(WAIT);
		StepVerifier.create(resolver.resolve("realloop.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("compression pointer loop"))
				.verify(WAIT);
	}

	@Test
	void aMalformedAnswerToOneQueryDoesNotLoseTheOthersAddresses() {
		// the AAAA answer is cut short: the A record still resolves the name (it failed the lookup)
		dns.on("half.test", q -> {
			if (q.type() == A) {
				return List.of(response(q, 0, false, record(A, ip("10.2.2.2"))));
			}
			byte[] r = response(q, 0, false, record(q.type(), new byte[16]));
			return List.of(Arrays.copyOf(r, r.length - 3));
		});
		assertThat(resolve("half.test")).containsExactly("10.2.2.2");
	}

	@Test
	void aTruncatedAnswerWithoutAddressesFails() {
		dns.on("big.test", q -> List.of(response(q, 0, true)));
		StepVerifier.create(resolver.resolve("big.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class).hasMessageContaining("truncated"))
				.verify(WAIT);
	}

	@Test
	void noAnswerTimesOutAfterTheRetries() {
		dns.on("silent.test", q -> List.of());
		long start = System.nanoTime();
		StepVerifier.create(resolver.resolve("silent.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("no answer").hasMessageContaining("2 attempts"))
				.verify(WAIT);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
		assertThat(dns.count("silent.test")).isEqualTo(4); // A and AAAA, sent twice
	}

	@Test
	void aNameserverWhosePortIsClosedIsUnreachable() throws Exception {
		int closed;
		try (java.net.DatagramSocket s = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
			closed = s.getLocalPort();
		}
		StepVerifier.create(resolver.nameserver(new InetSocketAddress("127.0.0.1", closed)).resolve("any.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("cannot be reached")
						.hasRootCauseInstanceOf(java.net.PortUnreachableException.class))
				.verify(WAIT);
	}

	/**
	 * A lookup whose socket cannot be opened (here connect(2) refuses the broadcast address with
	 * EACCES; with many lookups at once, the descriptor limit, EMFILE) fails with a
	 * DnsException like the lookup's other failures: it was the socket's bare MongooseException.
	 */
	@Test
	void aSocketThatCannotBeOpenedIsADnsException() {
		StepVerifier.create(resolver.nameserver(new InetSocketAddress("255.255.255.255", 53)).resolve("any.test"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(DnsException.class)
						.hasMessageContaining("lookup of any.test failed: no socket to the nameserver /255.255.255.255:53")
						.hasCauseInstanceOf(io.github.reactormongoose.MongooseException.class))
				.verify(WAIT);
	}

	@Test
	void aLostAnswerIsRecoveredByTheRetry() {
		int[] seen = new int[1];
		dns.on("flaky.test", q -> {
			boolean first;
			synchronized (seen) {
				first = seen[0]++ < 2;
			}
			return first ? List.of() : TestDnsServer.addresses("10.9.9.9", null).answer(q);
		});
		assertThat(resolve("flaky.test")).containsExactly("10.9.9.9");
	}

	@Test
	void literalsAndLocalhostNeedNoQuery() {
		assertThat(resolve("127.0.0.1")).containsExactly("127.0.0.1");
		assertThat(resolve("::1")).containsExactly("0:0:0:0:0:0:0:1");
		assertThat(resolve("[fd00::5]")).containsExactly("fd00:0:0:0:0:0:0:5");
		assertThat(resolve("localhost")).containsExactly("127.0.0.1", "0:0:0:0:0:0:0:1");
		assertThat(resolve("api.localhost")).containsExactly("127.0.0.1", "0:0:0:0:0:0:0:1");
		assertThat(dns.queries()).isEmpty();
	}

	@Test
	void ipv4LiteralsAreReadAsTheJdkReadsThem() {
		// InetAddress.getByName (JDK 17) reads these without a lookup; "1.2.3" used to be sent
		// to the nameserver as a name
		Map<String, String> literals = Map.of("1.2.3", "1.2.0.3", "1.2", "1.0.0.2", "16909060", "1.2.3.4",
				"127.1", "127.0.0.1", "010.0.0.1", "10.0.0.1", "1.2.65535", "1.2.255.255", "4294967295",
				"255.255.255.255", "0", "0.0.0.0", "1.2.3.0004", "1.2.3.4");
		literals.forEach((literal, address) -> assertThat(resolve(literal)).as(literal).containsExactly(address));
		// the JDK refuses the hexadecimal and over-long forms inet_aton reads; out of range is no literal
		for (String bad : List.of("0x1.2.3.4", "1.0x10", "00000000001.2.3.4", "1.2.65536", "4294967296", "1.2.3.256")) {
			StepVerifier.create(resolver.resolve(bad))
					.expectErrorSatisfies(e -> assertThat(e).as(bad).isInstanceOf(IllegalArgumentException.class))
					.verify(WAIT);
		}
		assertThat(dns.queries()).isEmpty();
	}

	@Test
	void invalidNamesAreRefusedWithoutAQuery() {
		for (String bad : List.of("a..b", "x".repeat(64) + ".test", "caf\u00e9.test", "999.1.1.1", "", "a b.test")) {
			StepVerifier.create(resolver.resolve(bad)).expectError(IllegalArgumentException.class).verify(WAIT);
		}
		assertThat(dns.queries()).isEmpty();
	}

	@Test
	void resolvesOnTheGivenLoopWithoutBlockingIt() {
		dns.on("loop.test", TestDnsServer.addresses("10.2.2.2", null));
		MongooseLoop loop = MongooseLoop.create("dns-test-loop");
		try {
			// called from the poll thread itself: the lookup must not block it
			Mono<List<InetAddress>> onLoop = Mono.<Mono<List<InetAddress>>>create(s -> loop.execute(
					() -> s.success(resolver.runOn(loop).resolve("loop.test"))))
					.flatMap(m -> m);
			assertThat(onLoop.block(WAIT)).extracting(InetAddress::getHostAddress).containsExactly("10.2.2.2");
		}
		finally {
			loop.disposeNow();
		}
	}

	@Test
	void optionsAreChecked() {
		assertThatThrownBy(() -> resolver.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> resolver.attempts(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> resolver.nameserver(InetSocketAddress.createUnresolved("ns", 53)))
				.isInstanceOf(IllegalArgumentException.class);
		assertThat(resolver.nameserver()).isEqualTo(dns.address());
		assertThat(DnsResolver.create().nameserver().getAddress().getHostAddress()).isNotEqualTo("8.8.8.8");
	}
}
