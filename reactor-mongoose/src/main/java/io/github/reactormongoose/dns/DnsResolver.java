/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.dns.DnsMessages;
import io.github.reactormongoose.internal.dns.ResolvConf;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpClient;
import io.github.reactormongoose.udp.UdpConnection;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A non-blocking DNS resolver on a Mongoose loop: A and AAAA queries over UDP to one
 * nameserver, by default the first {@code nameserver} of {@code /etc/resolv.conf}
 * ({@code 127.0.0.1} when there is none, as glibc does). Immutable: every option returns a
 * new instance.
 * <pre>{@code
 * List<InetAddress> addresses = DnsResolver.create()
 *     .timeout(Duration.ofSeconds(2))
 *     .resolve("example.com")
 *     .block();
 * }</pre>
 * Each lookup opens a socket of its own (a fresh random source port) connected to the
 * nameserver, sends both queries with random ids, and accepts only answers whose id and
 * question match; other datagrams are ignored. The hosts file is not read: IP literals and
 * {@code localhost} (with its subdomains, RFC 6761) are answered without a query, every other
 * name goes to the nameserver. There is no cache and no search-domain expansion.
 */
public final class DnsResolver {

	private static final SecureRandom RANDOM = new SecureRandom();
	/** 1 to 4 decimal or hexadecimal parts: an IPv4 literal to the JDK or to {@code inet_aton}, never a name. */
	private static final Pattern IPV4_SHAPED = Pattern.compile("((0[xX][0-9a-fA-F]+|[0-9]+)\\.){0,3}(0[xX][0-9a-fA-F]+|[0-9]+)");

	private final InetSocketAddress nameserver;
	private final Duration timeout;
	private final int attempts;
	private final @Nullable MongooseLoop loop;
	private final @Nullable MongooseLoops loops;

	private DnsResolver(InetSocketAddress nameserver, Duration timeout, int attempts, @Nullable MongooseLoop loop,
			@Nullable MongooseLoops loops) {
		this.nameserver = nameserver;
		this.timeout = timeout;
		this.attempts = attempts;
		this.loop = loop;
		this.loops = loops;
	}

	/**
	 * A resolver asking the first nameserver of {@code /etc/resolv.conf} (read now, from the
	 * calling thread: create a resolver once and reuse it), with a
	 * timeout of 5 s per attempt and 2 attempts (glibc's defaults), on
	 * {@link MongooseLoops#shared()}.
	 */
	public static DnsResolver create() {
		return new DnsResolver(ResolvConf.nameserver(ResolvConf.SYSTEM), Duration.ofSeconds(5), 2, null, null);
	}

	/** The nameserver to ask: a resolved address (an IP and a port, usually 53). */
	public DnsResolver nameserver(InetSocketAddress nameserver) {
		Objects.requireNonNull(nameserver, "nameserver");
		if (nameserver.isUnresolved()) {
			throw new IllegalArgumentException("the nameserver must be an IP address: " + nameserver);
		}
		return new DnsResolver(nameserver, timeout, attempts, loop, loops);
	}

	/** How long to wait for the answers before the queries are sent again (positive). */
	public DnsResolver timeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "timeout");
		return new DnsResolver(nameserver, checked, attempts, loop, loops);
	}

	/**
	 * How many times the queries are sent (at least 1): a lookup fails after
	 * {@code attempts × timeout} without an answer.
	 */
	public DnsResolver attempts(int attempts) {
		if (attempts < 1) {
			throw new IllegalArgumentException("attempts must be >= 1: " + attempts);
		}
		return new DnsResolver(nameserver, timeout, attempts, loop, loops);
	}

	/** Runs the lookups on {@code loop}. */
	public DnsResolver runOn(MongooseLoop loop) {
		return new DnsResolver(nameserver, timeout, attempts, Objects.requireNonNull(loop, "loop"), null);
	}

	/** Runs each lookup on the next loop of {@code loops}. */
	public DnsResolver runOn(MongooseLoops loops) {
		return new DnsResolver(nameserver, timeout, attempts, null, Objects.requireNonNull(loops, "loops"));
	}

	/** The nameserver this resolver asks. */
	public InetSocketAddress nameserver() {
		return nameserver;
	}

	/**
	 * The IPv4 then the IPv6 addresses of {@code host}, when subscribed, without blocking any
	 * thread. An IP literal (IPv6 with or without brackets) is returned as it is, and
	 * {@code localhost} as {@code 127.0.0.1} and {@code ::1}, without a query. The addresses of
	 * one query are returned even when the other one failed or stayed unanswered (after
	 * {@code attempts × timeout}). Without any address, fails with
	 * {@link UnknownHostException} when the name does not exist (NXDOMAIN) or has neither
	 * record, with {@link DnsException} when the nameserver answers with another error code,
	 * sends a malformed or truncated answer, does not answer in time or cannot be reached, or when
	 * the lookup's socket cannot be opened (too many open files), and with
	 * {@link IllegalArgumentException} for a string that cannot be a host name.
	 */
	public Mono<List<InetAddress>> resolve(String host) {
		Objects.requireNonNull(host, "host");
		return Mono.defer(() -> {
			String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
			InetAddress literal;
			try {
				literal = literal(h);
			}
			catch (IllegalArgumentException e) {
				return Mono.error(e);
			}
			if (literal != null) {
				return Mono.just(List.of(literal));
			}
			String lower = h.toLowerCase(Locale.ROOT);
			if (lower.equals("localhost") || lower.equals("localhost.") || lower.endsWith(".localhost")
					|| lower.endsWith(".localhost.")) {
				return Mono.just(localhost(h));
			}
			byte[] queryA;
			byte[] queryAaaa;
			int idA = RANDOM.nextInt(0x10000);
			int idAaaa = (idA + 1 + RANDOM.nextInt(0xffff)) & 0xffff; // never equal to idA
			try {
				queryA = DnsMessages.query(idA, h, DnsMessages.TYPE_A);
				queryAaaa = DnsMessages.query(idAaaa, h, DnsMessages.TYPE_AAAA);
			}
			catch (IllegalArgumentException e) {
				return Mono.error(e);
			}
			UdpClient client = UdpClient.create()
					.host(nameserver.getAddress().getHostAddress())
					.port(nameserver.getPort())
					.receiveQueue(16);
			client = loop != null ? client.runOn(loop) : client.runOn(loops != null ? loops : MongooseLoops.shared());
			// a socket that cannot be opened (EMFILE with many lookups at once) is this lookup's failure
			Mono<UdpConnection> socket = client.connect().onErrorMap(e -> !(e instanceof DnsException),
					e -> new DnsException("lookup of " + h + " failed: no socket to the nameserver " + nameserver + ": "
							+ e.getMessage(), -1, e));
			return Mono.usingWhen(socket,
					c -> exchange(c, h, new Query(idA, DnsMessages.TYPE_A, queryA),
							new Query(idAaaa, DnsMessages.TYPE_AAAA, queryAaaa)),
					c -> Mono.fromRunnable(c::dispose));
		});
	}

	private record Query(int id, int type, byte[] bytes) {
	}

	/** The response code of the stand-in answer of a query whose answer was malformed. */
	private static final int MALFORMED = -1;

	private Mono<List<InetAddress>> exchange(UdpConnection c, String host, Query a, Query aaaa) {
		ConcurrentHashMap<Integer, Query> open = new ConcurrentHashMap<>();
		open.put(a.id(), a);
		open.put(aaaa.id(), aaaa);
		// kept outside the Mono: when one query stays unanswered, the timeout still has the other's answer
		List<DnsMessages.Answer> received = new CopyOnWriteArrayList<>();
		Map<Integer, DnsException> malformed = new ConcurrentHashMap<>();
		Mono<List<DnsMessages.Answer>> answers = c.receive()
				.<DnsMessages.Answer>handle((d, sink) -> {
					byte[] m = d.bytes();
					Query q = open.get(DnsMessages.id(m));
					if (q == null) {
						return; // not one of ours (wrong id, or a repeated answer)
					}
					DnsMessages.Answer answer;
					try {
						answer = DnsMessages.parse(m, host, q.type());
					}
					catch (DnsException e) {
						// a malformed answer ends its query as failed: the other query's addresses still count
						if (open.remove(q.id()) != null) {
							malformed.put(q.id(), e);
							DnsMessages.Answer failed = new DnsMessages.Answer(q.id(), q.type(), MALFORMED, false, List.of());
							received.add(failed);
							sink.next(failed);
						}
						return;
					}
					if (answer != null && open.remove(q.id()) != null) {
						received.add(answer);
						sink.next(answer);
					}
				})
				.take(2)
				.collectList();
		Disposable resend = Flux.interval(timeout, timeout)
				.take(attempts - 1L)
				.concatMap(i -> c.send(Flux.fromIterable(open.values()).map(q -> Datagram.wrap(q.bytes(), null))))
				.subscribe(null, e -> {
				});
		Duration total = timeout.multipliedBy(attempts);
		return c.send(Flux.just(Datagram.wrap(a.bytes(), null), Datagram.wrap(aaaa.bytes(), null)))
				.then(answers)
				.onErrorMap(e -> mapError(e, host))
				.flatMap(list -> list.size() < 2
						? Mono.error(new DnsException("lookup of " + host + " interrupted: its socket closed before the answers"
								+ " came (loop disposed?)", -1))
						: combine(host, list, List.of(), total, malformed))
				.timeout(total, Mono.defer(() -> {
					// the answers that came (the second may have raced the timer) and the queries without one
					List<DnsMessages.Answer> got = List.copyOf(received);
					List<Query> unanswered = List.of(a, aaaa).stream()
							.filter(q -> got.stream().noneMatch(x -> x.id() == q.id()))
							.toList();
					return combine(host, got, unanswered, total, malformed);
				}))
				.doFinally(s -> resend.dispose());
	}

	private Throwable mapError(Throwable e, String host) {
		if (e instanceof DnsException d) {
			return d.rcode() < 0 && d.getMessage() != null && d.getMessage().startsWith("malformed")
					? new DnsException(d.getMessage() + " (from " + nameserver + " for " + host + ")", -1) : d;
		}
		if (e instanceof MongooseException) {
			// the socket failed: an ICMP port unreachable from the nameserver's host, most often
			Throwable cause = e.getCause() != null ? e.getCause() : e;
			return new DnsException("the nameserver " + nameserver + " cannot be reached for " + host + ": "
					+ cause.getMessage(), -1, e);
		}
		return e;
	}

	/**
	 * The outcome of a lookup from the answers that came and the queries that stayed
	 * unanswered after all attempts. As glibc's getaddrinfo, the JDK and Netty do, the addresses
	 * of one query are returned whatever happened to the other one (an NXDOMAIN, an error code,
	 * no answer: RFC 4074 4.1 servers drop AAAA queries); the failures count only without them.
	 */
	private Mono<List<InetAddress>> combine(String host, List<DnsMessages.Answer> answers, List<Query> unanswered,
			Duration total, Map<Integer, DnsException> malformed) {
		List<InetAddress> v4 = new ArrayList<>();
		List<InetAddress> v6 = new ArrayList<>();
		DnsMessages.Answer failed = null;
		boolean nxdomain = false;
		boolean truncated = false;
		for (DnsMessages.Answer x : answers) {
			if (x.rcode() == DnsMessages.RCODE_NXDOMAIN) {
				nxdomain = true;
			}
			else if (x.rcode() == MALFORMED) {
				continue;
			}
			else if (x.rcode() != 0) {
				failed = x;
			}
			truncated |= x.truncated();
			(x.type() == DnsMessages.TYPE_A ? v4 : v6).addAll(x.addresses());
		}
		List<InetAddress> all = new ArrayList<>(v4);
		all.addAll(v6);
		if (!all.isEmpty()) {
			return Mono.just(List.copyOf(all));
		}
		if (!malformed.isEmpty()) {
			return Mono.error(mapError(malformed.values().iterator().next(), host));
		}
		if (nxdomain) {
			return Mono.error(new UnknownHostException(host + ": no such domain (NXDOMAIN from " + nameserver + ")"));
		}
		if (!unanswered.isEmpty()) {
			String which = unanswered.size() == 1 ? " to the " + typeName(unanswered.get(0).type()) + " query" : "";
			StringBuilder other = new StringBuilder();
			for (DnsMessages.Answer x : answers) {
				other.append("; the ").append(typeName(x.type())).append(" query was answered ")
						.append(x.rcode() != 0 ? rcodeName(x.rcode()) : x.truncated() ? "truncated (TC)" : "without a record");
			}
			return Mono.error(new DnsException("no answer from the nameserver " + nameserver + which + " for " + host
					+ " within " + total.toMillis() + " ms (" + attempts + " attempts)" + other, -1));
		}
		if (failed != null) {
			return Mono.error(new DnsException("the nameserver " + nameserver + " answered " + rcodeName(failed.rcode())
					+ " for " + host, failed.rcode()));
		}
		if (truncated) {
			return Mono.error(new DnsException("the answer from " + nameserver + " for " + host
					+ " was truncated (TC) and held no address; DNS over TCP is not supported", -1));
		}
		return Mono.error(new UnknownHostException(host + ": no A or AAAA record (answer from " + nameserver + ")"));
	}

	private static String typeName(int type) {
		return type == DnsMessages.TYPE_A ? "A" : "AAAA";
	}

	private static String rcodeName(int rcode) {
		return switch (rcode) {
			case 1 -> "FORMERR (1)";
			case 2 -> "SERVFAIL (2)";
			case 4 -> "NOTIMP (4)";
			case 5 -> "REFUSED (5)";
			default -> "response code " + rcode;
		};
	}

	/**
	 * An IPv4 or IPv6 literal, parsed without a lookup; null for anything else. IPv4 literals
	 * are the JDK's ({@code InetAddress.getByName}): 1 to 4 decimal parts, the last one filling
	 * the remaining bytes ({@code 1.2.3} is 1.2.0.3, {@code 1.2} 1.0.0.2, {@code 16909060}
	 * 1.2.3.4), leading zeros decimal ({@code 010.0.0.1} is 10.0.0.1), at most 15 characters.
	 * @throws IllegalArgumentException for an IPv4-shaped string (1 to 4 decimal or {@code 0x}
	 * parts) that is not such a literal, or an IPv6-shaped one that is not a valid literal
	 */
	private static @Nullable InetAddress literal(String h) {
		try {
			if (IPV4_SHAPED.matcher(h).matches()) {
				byte[] ip = ipv4(h);
				if (ip == null) {
					throw new IllegalArgumentException("invalid IPv4 address: " + h);
				}
				return InetAddress.getByAddress(ip);
			}
			if (h.indexOf(':') >= 0) {
				return InetAddress.getByName(h); // with a colon the JDK parses a literal and never looks up
			}
			return null;
		}
		catch (UnknownHostException e) {
			throw new IllegalArgumentException("invalid IP address: " + h, e);
		}
	}

	/** JDK 17's {@code IPAddressUtil.textToNumericFormatV4}: 1 to 4 decimal parts; null if not. */
	private static byte @Nullable [] ipv4(String h) {
		if (h.isEmpty() || h.length() > 15 || h.startsWith(".") || h.endsWith(".") || h.contains("..")) {
			return null;
		}
		String[] parts = h.split("\\.");
		if (parts.length > 4) {
			return null;
		}
		byte[] ip = new byte[4];
		for (int i = 0; i < parts.length; i++) {
			if (!parts[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
				return null;
			}
			long v = Long.parseLong(parts[i]); // at most 15 digits
			int bytes = i < parts.length - 1 ? 1 : 4 - i; // the last part fills the rest
			if (v >= 1L << (8 * bytes)) {
				return null;
			}
			for (int b = 0; b < bytes; b++) {
				ip[i + b] = (byte) (v >> (8 * (bytes - 1 - b)));
			}
		}
		return ip;
	}

	private static List<InetAddress> localhost(String name) {
		try {
			return List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}),
					InetAddress.getByAddress(name, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e);
		}
	}

	@Override
	public String toString() {
		return "DnsResolver[" + nameserver + ", timeout " + timeout.toMillis() + " ms x " + attempts + "]";
	}
}
