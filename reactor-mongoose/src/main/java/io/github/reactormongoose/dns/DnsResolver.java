/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.dns.DnsCache;
import io.github.reactormongoose.internal.dns.DnsMessages;
import io.github.reactormongoose.internal.dns.HostsFile;
import io.github.reactormongoose.internal.dns.ResolvConf;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpClient;
import io.github.reactormongoose.udp.UdpConnection;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A non-blocking DNS resolver on a Mongoose loop: A and AAAA queries over UDP to one
 * nameserver, by default the first {@code nameserver} of {@code /etc/resolv.conf}
 * ({@code 127.0.0.1} when there is none, as glibc does), with a cache, the lookups in flight
 * shared, and the hosts file. Immutable: every option returns a new instance.
 * <pre>{@code
 * DnsResolver resolver = DnsResolver.create()          // reads resolv.conf and /etc/hosts: once
 *     .timeout(Duration.ofSeconds(2));
 * List<InetAddress> addresses = resolver.resolve("example.com").block();
 * resolver.resolve("example.com").block();              // from the cache: no query
 * }</pre>
 * A name is answered, in this order, without a query when it is an IP literal or
 * {@code localhost} (with its subdomains, RFC 6761), when the hosts file has it
 * ({@code /etc/hosts}, read by {@link #create()}; see {@link #hostsFile(Path)}), or when the
 * cache holds it (see {@link #cache(boolean)}); otherwise it joins the lookup of the same name
 * in flight, if there is one, or starts one. A name without a trailing dot is tried with the
 * search domains of {@code /etc/resolv.conf} too, in glibc's order (see
 * {@link #searchDomains(List)}, {@link #ndots(int)}); each name tried goes through the cache
 * and the lookups in flight. A lookup opens a socket of its own (a fresh
 * random source port) connected to the nameserver, sends both queries with random ids, and
 * accepts only answers whose id and question match; other datagrams are ignored.
 * <p>
 * The cache and the lookups in flight belong to the resolver made by {@link #create()} and are
 * shared by the copies its options make ({@code resolver.runOn(loop)}, {@code timeout(...)}),
 * except those that change what the answers are or how they are kept: a copy made by
 * {@link #nameserver(InetSocketAddress)}, {@link #cache(boolean)}, {@link #minTtl(Duration)},
 * {@link #maxTtl(Duration)}, {@link #negativeTtl(Duration)} or {@link #maxCacheSize(int)} starts
 * with an empty cache of its own.
 */
public final class DnsResolver {

	private static final SecureRandom RANDOM = new SecureRandom();
	/** 1 to 4 decimal or hexadecimal parts: an IPv4 literal to the JDK or to {@code inet_aton}, never a name. */
	private static final Pattern IPV4_SHAPED = Pattern.compile("((0[xX][0-9a-fA-F]+|[0-9]+)\\.){0,3}(0[xX][0-9a-fA-F]+|[0-9]+)");
	/** The default {@link #maxTtl(Duration)}: nscd's {@code positive-time-to-live} for hosts. */
	private static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
	private static final int DEFAULT_MAX_CACHE_SIZE = 10_000;

	private final InetSocketAddress nameserver;
	private final Duration timeout;
	private final int attempts;
	private final @Nullable MongooseLoop loop;
	private final @Nullable MongooseLoops loops;
	private final HostsFile hosts;
	private final List<String> search;
	private final int ndots;
	private final boolean cacheOn;
	private final Duration minTtl;
	private final Duration maxTtl;
	private final Duration negativeTtl;
	private final int maxCacheSize;
	private final LongSupplier nanoTime;
	/** The cache and the lookups in flight, shared by the copies that keep the nameserver and the cache settings. */
	private final Shared shared;

	/** What copies share. */
	private static final class Shared {
		final @Nullable DnsCache cache;
		/** By name, timeout and attempts: a lookup joins only one that waits as long as it would. */
		final ConcurrentHashMap<String, InFlight> inFlight = new ConcurrentHashMap<>();

		Shared(@Nullable DnsCache cache) {
			this.cache = cache;
		}
	}

	/** A lookup in flight and its subscribers: it is cancelled when the last one cancels. */
	private static final class InFlight {
		final Sinks.One<List<InetAddress>> result = Sinks.one();
		final AtomicInteger subscribers = new AtomicInteger(1);
		final Disposable.Swap upstream = Disposables.swap();

		/** Adds a subscriber, unless all have left (the lookup is cancelled). */
		boolean join() {
			for (;;) {
				int n = subscribers.get();
				if (n == 0) {
					return false;
				}
				if (subscribers.compareAndSet(n, n + 1)) {
					return true;
				}
			}
		}
	}

	private DnsResolver(InetSocketAddress nameserver, Duration timeout, int attempts, @Nullable MongooseLoop loop,
			@Nullable MongooseLoops loops, HostsFile hosts, List<String> search, int ndots, boolean cacheOn,
			Duration minTtl, Duration maxTtl, Duration negativeTtl, int maxCacheSize, LongSupplier nanoTime,
			@Nullable Shared shared) {
		this.nameserver = nameserver;
		this.timeout = timeout;
		this.attempts = attempts;
		this.loop = loop;
		this.loops = loops;
		this.hosts = hosts;
		this.search = search;
		this.ndots = ndots;
		this.cacheOn = cacheOn;
		this.minTtl = minTtl;
		this.maxTtl = maxTtl;
		this.negativeTtl = negativeTtl;
		this.maxCacheSize = maxCacheSize;
		this.nanoTime = nanoTime;
		this.shared = shared != null ? shared
				: new Shared(cacheOn ? new DnsCache(minTtl.toNanos(), maxTtl.toNanos(), negativeTtl.toNanos(),
						maxCacheSize, nanoTime) : null);
	}

	/** A copy sharing the cache and the lookups in flight. */
	private DnsResolver with(Duration timeout, int attempts, @Nullable MongooseLoop loop, @Nullable MongooseLoops loops,
			HostsFile hosts, List<String> search, int ndots) {
		return new DnsResolver(nameserver, timeout, attempts, loop, loops, hosts, search, ndots, cacheOn, minTtl, maxTtl,
				negativeTtl, maxCacheSize, nanoTime, shared);
	}

	/** A copy with a cache of its own (empty) and no lookup in flight. */
	private DnsResolver withCache(InetSocketAddress nameserver, boolean cacheOn, Duration minTtl, Duration maxTtl,
			Duration negativeTtl, int maxCacheSize, LongSupplier nanoTime) {
		return new DnsResolver(nameserver, timeout, attempts, loop, loops, hosts, search, ndots, cacheOn, minTtl, maxTtl,
				negativeTtl, maxCacheSize, nanoTime, null);
	}

	/**
	 * A resolver asking the first nameserver of {@code /etc/resolv.conf}, with its search
	 * domains and {@code ndots}, and the names of
	 * {@code /etc/hosts} (both read now, from the calling thread: create a resolver once and
	 * reuse it, which also keeps its cache), a timeout of 5 s per attempt and 2 attempts
	 * (glibc's defaults), the cache on (TTLs kept up to 1 hour, negative answers not kept, at
	 * most 10,000 names), on {@link MongooseLoops#shared()}.
	 */
	public static DnsResolver create() {
		ResolvConf.Config conf = ResolvConf.read(ResolvConf.SYSTEM);
		return new DnsResolver(conf.nameserver(), Duration.ofSeconds(5), 2, null, null, HostsFile.system(),
				conf.search(), conf.ndots(), true, Duration.ZERO, DEFAULT_MAX_TTL, Duration.ZERO, DEFAULT_MAX_CACHE_SIZE,
				System::nanoTime, null);
	}

	/**
	 * The nameserver to ask: a resolved address (an IP and a port, usually 53). The copy has
	 * an empty cache of its own.
	 */
	public DnsResolver nameserver(InetSocketAddress nameserver) {
		Objects.requireNonNull(nameserver, "nameserver");
		if (nameserver.isUnresolved()) {
			throw new IllegalArgumentException("the nameserver must be an IP address: " + nameserver);
		}
		return withCache(nameserver, cacheOn, minTtl, maxTtl, negativeTtl, maxCacheSize, nanoTime);
	}

	/** How long to wait for the answers before the queries are sent again (positive). */
	public DnsResolver timeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "timeout");
		return with(checked, attempts, loop, loops, hosts, search, ndots);
	}

	/**
	 * How many times the queries are sent (at least 1): a lookup fails after
	 * {@code attempts × timeout} without an answer.
	 */
	public DnsResolver attempts(int attempts) {
		if (attempts < 1) {
			throw new IllegalArgumentException("attempts must be >= 1: " + attempts);
		}
		return with(timeout, attempts, loop, loops, hosts, search, ndots);
	}

	/** Runs the lookups on {@code loop}. */
	public DnsResolver runOn(MongooseLoop loop) {
		return with(timeout, attempts, Objects.requireNonNull(loop, "loop"), null, hosts, search, ndots);
	}

	/** Runs each lookup on the next loop of {@code loops}. */
	public DnsResolver runOn(MongooseLoops loops) {
		return with(timeout, attempts, null, Objects.requireNonNull(loops, "loops"), hosts, search, ndots);
	}

	/**
	 * The hosts file whose names are answered without a query (hosts(5): an address, then the
	 * names; {@code #} comments; malformed lines skipped), read now from the calling thread;
	 * {@code null}: none, every name goes to the nameserver. {@link #create()} reads
	 * {@code /etc/hosts} (none if it cannot be read).
	 * @throws UncheckedIOException if {@code file} cannot be read
	 */
	public DnsResolver hostsFile(@Nullable Path file) {
		HostsFile read;
		if (file == null) {
			read = HostsFile.NONE;
		}
		else {
			try {
				read = HostsFile.read(file);
			}
			catch (IOException e) {
				throw new UncheckedIOException("the hosts file " + file + " cannot be read: " + e, e);
			}
		}
		return with(timeout, attempts, loop, loops, read, search, ndots);
	}

	/**
	 * The domains appended to a name with fewer than {@link #ndots(int) ndots} dots before it is
	 * tried as it is, or after, as glibc tries them; empty: none. {@link #create()} takes the
	 * last {@code search} or {@code domain} line of {@code /etc/resolv.conf}. A name with a
	 * trailing dot is never expanded.
	 * @throws IllegalArgumentException for a domain that cannot be one (an empty label, a label
	 *     over 63 characters, non-ASCII)
	 */
	public DnsResolver searchDomains(List<String> domains) {
		Objects.requireNonNull(domains, "domains");
		List<String> checked = new ArrayList<>();
		for (String d : domains) {
			Objects.requireNonNull(d, "a search domain");
			String n = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
			DnsMessages.query(0, n, DnsMessages.TYPE_A); // IllegalArgumentException if it cannot be a name
			checked.add(n);
		}
		return with(timeout, attempts, loop, loops, hosts, List.copyOf(checked), ndots);
	}

	/**
	 * How many dots a name needs to be tried as it is before the search domains (0 to 15;
	 * default 1, or the {@code options ndots:n} of {@code /etc/resolv.conf}).
	 */
	public DnsResolver ndots(int ndots) {
		if (ndots < 0 || ndots > ResolvConf.MAX_NDOTS) {
			throw new IllegalArgumentException("ndots must be in 0.." + ResolvConf.MAX_NDOTS + ": " + ndots);
		}
		return with(timeout, attempts, loop, loops, hosts, search, ndots);
	}

	/**
	 * Whether answers are kept (default {@code true}): addresses for their TTL (see
	 * {@link #minTtl(Duration)}, {@link #maxTtl(Duration)}), and, with a
	 * {@link #negativeTtl(Duration)}, the names that do not exist or have no address. Lookups of
	 * the same name in flight are shared either way. The copy has an empty cache of its own.
	 */
	public DnsResolver cache(boolean enabled) {
		return withCache(nameserver, enabled, minTtl, maxTtl, negativeTtl, maxCacheSize, nanoTime);
	}

	/**
	 * The shortest time addresses are kept, whatever their TTL says (default 0: as the TTL says;
	 * an answer with TTL 0 is not kept). At most {@link #maxTtl(Duration)}.
	 */
	public DnsResolver minTtl(Duration minTtl) {
		Duration checked = Checks.notNegative(minTtl, "minTtl");
		if (checked.compareTo(maxTtl) > 0) {
			throw new IllegalArgumentException("minTtl " + checked + " is above maxTtl " + maxTtl + ": set maxTtl first");
		}
		return withCache(nameserver, cacheOn, checked, maxTtl, negativeTtl, maxCacheSize, nanoTime);
	}

	/**
	 * The longest time addresses are kept, whatever their TTL says (default 1 hour, nscd's
	 * {@code positive-time-to-live}: a renumbered host is seen within the hour even when its
	 * zone gives a TTL of days). At least {@link #minTtl(Duration)}; 0 keeps nothing.
	 */
	public DnsResolver maxTtl(Duration maxTtl) {
		Duration checked = Checks.notNegative(maxTtl, "maxTtl");
		if (checked.compareTo(minTtl) < 0) {
			throw new IllegalArgumentException("maxTtl " + checked + " is below minTtl " + minTtl);
		}
		return withCache(nameserver, cacheOn, minTtl, checked, negativeTtl, maxCacheSize, nanoTime);
	}

	/**
	 * How long a name that does not exist (NXDOMAIN) or has no A and no AAAA record is kept as
	 * such, or less when the answer's SOA record says less (RFC 2308 §5); default 0: not kept,
	 * as in Netty, so that a name is found as soon as it is created. Other failures (a server
	 * error, no answer) are never kept.
	 */
	public DnsResolver negativeTtl(Duration negativeTtl) {
		Duration checked = Checks.notNegative(negativeTtl, "negativeTtl");
		return withCache(nameserver, cacheOn, minTtl, maxTtl, checked, maxCacheSize, nanoTime);
	}

	/**
	 * The most names the cache keeps (at least 1; default 10,000): adding one more evicts the
	 * one added first.
	 */
	public DnsResolver maxCacheSize(int maxCacheSize) {
		if (maxCacheSize < 1) {
			throw new IllegalArgumentException("maxCacheSize must be >= 1 (cache(false) turns the cache off): "
					+ maxCacheSize);
		}
		return withCache(nameserver, cacheOn, minTtl, maxTtl, negativeTtl, maxCacheSize, nanoTime);
	}

	/** The clock of the cache (tests). The copy has an empty cache of its own. */
	DnsResolver nanoTime(LongSupplier nanoTime) {
		return withCache(nameserver, cacheOn, minTtl, maxTtl, negativeTtl, maxCacheSize,
				Objects.requireNonNull(nanoTime, "nanoTime"));
	}

	/**
	 * Forgets every answer kept, for this resolver and the copies sharing its cache; the
	 * lookups in flight go on (and their answers are kept).
	 */
	public void clearCache() {
		DnsCache cache = shared.cache;
		if (cache != null) {
			cache.clear();
		}
	}

	/** The nameserver this resolver asks. */
	public InetSocketAddress nameserver() {
		return nameserver;
	}

	/**
	 * The IPv4 then the IPv6 addresses of {@code host}, when subscribed, without blocking any
	 * thread. An IP literal (IPv6 with or without brackets) is returned as it is, and
	 * {@code localhost} as {@code 127.0.0.1} and {@code ::1}, a name of the hosts file as its
	 * addresses there, and a name in the cache as kept, without a query (and on the subscribing
	 * thread). Otherwise the subscription joins the lookup of the same name in flight or starts
	 * one; its result comes on the loop of that lookup. Cancelling it cancels the lookup only
	 * when no other subscriber waits for it. The addresses of one query are returned even when
	 * the other one failed or stayed unanswered (after {@code attempts × timeout}). With search
	 * domains, the names are tried in turn (see {@link #searchDomains(List)}): the first with an
	 * address answers. Without any address, fails with
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
			List<InetAddress> fromHosts = hosts.lookup(h);
			if (fromHosts != null) {
				return Mono.just(named(h, fromHosts));
			}
			if (!valid(h)) {
				return one(h, h); // its IllegalArgumentException
			}
			List<String> names = candidates(h);
			return names.size() == 1 ? one(h, names.get(0)) : search(h, names, 0, null, null);
		});
	}

	/**
	 * The names to try for {@code h}, in glibc's order ({@code res_search}): with fewer than
	 * {@code ndots} dots, {@code h} with each search domain, then {@code h} as it is; with
	 * more, {@code h} first. A name with a trailing dot is only itself.
	 */
	private List<String> candidates(String h) {
		if (search.isEmpty() || h.endsWith(".")) {
			return List.of(h);
		}
		long dots = h.chars().filter(c -> c == '.').count();
		List<String> names = new ArrayList<>();
		if (dots >= ndots) {
			names.add(h);
		}
		for (String d : search) {
			String n = h + "." + d;
			if (valid(n)) { // not too long
				names.add(n);
			}
		}
		if (dots < ndots) {
			names.add(h);
		}
		return names;
	}

	private static boolean valid(String name) {
		try {
			DnsMessages.query(0, name, DnsMessages.TYPE_A);
			return true;
		}
		catch (IllegalArgumentException e) {
			return false;
		}
	}

	/**
	 * Tries {@code names} from the {@code i}th on, as glibc does: the next one after a name that
	 * does not exist or has no address, or after SERVFAIL; any other failure (no answer, a
	 * malformed answer, REFUSED) ends the search with it. When all fail, SERVFAIL if one got it
	 * (the name may exist), else an {@link UnknownHostException} naming the names tried.
	 */
	private Mono<List<InetAddress>> search(String h, List<String> names, int i, @Nullable DnsException servfail,
			@Nullable Throwable asIs) {
		String n = names.get(i);
		return one(h, n).onErrorResume(e -> {
			boolean serverFailed = e instanceof DnsException d && d.rcode() == 2;
			if (!(e instanceof UnknownHostException) && !serverFailed) {
				return Mono.error(e);
			}
			DnsException failed = servfail != null ? servfail : serverFailed ? (DnsException) e : null;
			Throwable asIsError = n.equals(h) ? e : asIs;
			if (i + 1 < names.size()) {
				return search(h, names, i + 1, failed, asIsError);
			}
			if (failed != null) {
				return Mono.error(failed);
			}
			return Mono.error(new UnknownHostException(h + ": no address as " + String.join(", ", names)
					+ (asIsError != null ? " (" + asIsError.getMessage() + ")" : "")));
		});
	}

	/** The addresses of the fully qualified {@code name}, from the cache or a lookup, named {@code h}. */
	private Mono<List<InetAddress>> one(String h, String n) {
		String name = HostsFile.canonical(n);
		DnsCache cache = shared.cache;
		DnsCache.Entry kept = cache != null ? cache.get(name) : null;
		if (kept != null) {
			List<InetAddress> addresses = kept.addresses();
			return addresses != null ? Mono.just(named(h, addresses))
					: Mono.error(new UnknownHostException(kept.failure() + " (cached)"));
		}
		byte[] queryA;
		byte[] queryAaaa;
		int idA = RANDOM.nextInt(0x10000);
		int idAaaa = (idA + 1 + RANDOM.nextInt(0xffff)) & 0xffff; // never equal to idA
		try {
			queryA = DnsMessages.query(idA, n, DnsMessages.TYPE_A);
			queryAaaa = DnsMessages.query(idAaaa, n, DnsMessages.TYPE_AAAA);
		}
		catch (IllegalArgumentException e) {
			return Mono.error(e);
		}
		return shareLookup(name, () -> lookup(n, new Query(idA, DnsMessages.TYPE_A, queryA),
				new Query(idAaaa, DnsMessages.TYPE_AAAA, queryAaaa)))
				.map(addresses -> named(h, addresses));
	}

	/**
	 * Joins the lookup of {@code name} in flight (same timeout and attempts), or starts one
	 * with {@code lookup}; its outcome is kept in the cache before it is emitted.
	 */
	private Mono<List<InetAddress>> shareLookup(String name, Supplier<Mono<Outcome>> lookup) {
		String key = name + '|' + timeout.toNanos() + '|' + attempts;
		InFlight f;
		boolean start = false;
		for (;;) {
			InFlight current = shared.inFlight.get(key);
			if (current == null) {
				InFlight fresh = new InFlight();
				if (shared.inFlight.putIfAbsent(key, fresh) == null) {
					f = fresh;
					start = true;
					break;
				}
			}
			else if (current.join()) {
				f = current;
				break;
			}
			else {
				shared.inFlight.remove(key, current); // all its subscribers left: it is cancelled
			}
		}
		InFlight flight = f;
		if (start) {
			flight.upstream.update(lookup.get().subscribe(o -> finish(key, name, flight, o), e -> {
				shared.inFlight.remove(key, flight);
				flight.result.tryEmitError(e);
			}, () -> {
				shared.inFlight.remove(key, flight);
				flight.result.tryEmitEmpty(); // after a value: ignored
			}));
		}
		return flight.result.asMono().doOnCancel(() -> {
			if (flight.subscribers.decrementAndGet() == 0) {
				shared.inFlight.remove(key, flight);
				flight.upstream.dispose(); // closes the lookup's socket
			}
		});
	}

	private void finish(String key, String name, InFlight flight, Outcome o) {
		DnsCache cache = shared.cache;
		Throwable error = o.error();
		if (cache != null) {
			if (error == null) {
				cache.putAddresses(name, o.addresses(), o.ttl());
			}
			else if (error instanceof UnknownHostException && error.getMessage() != null) {
				cache.putNegative(name, error.getMessage(), o.negativeTtl());
			}
		}
		shared.inFlight.remove(key, flight);
		if (error == null) {
			flight.result.tryEmitValue(o.addresses());
		}
		else {
			flight.result.tryEmitError(error);
		}
	}

	/**
	 * The outcome of a lookup: its addresses and their TTL (seconds), or its failure and, for
	 * an {@link UnknownHostException}, the negative TTL of the answer's SOA (-1: none).
	 */
	private record Outcome(List<InetAddress> addresses, long ttl, @Nullable Throwable error, long negativeTtl) {

		static Outcome failed(Throwable error) {
			return new Outcome(List.of(), -1, error, -1);
		}
	}

	/** One lookup: a socket of its own to the nameserver, and both queries. */
	private Mono<Outcome> lookup(String h, Query a, Query aaaa) {
		UdpClient client = UdpClient.create()
				.host(nameserver.getAddress().getHostAddress())
				.port(nameserver.getPort())
				.receiveQueue(16);
		client = loop != null ? client.runOn(loop) : client.runOn(loops != null ? loops : MongooseLoops.shared());
		// a socket that cannot be opened (EMFILE with many lookups at once) is this lookup's failure
		Mono<UdpConnection> socket = client.connect().onErrorMap(e -> !(e instanceof DnsException),
				e -> new DnsException("lookup of " + h + " failed: no socket to the nameserver " + nameserver + ": "
						+ e.getMessage(), -1, e));
		return Mono.usingWhen(socket, c -> exchange(c, h, a, aaaa), c -> Mono.fromRunnable(c::dispose));
	}

	private record Query(int id, int type, byte[] bytes) {
	}

	/** The response code of the stand-in answer of a query whose answer was malformed. */
	private static final int MALFORMED = -1;

	private Mono<Outcome> exchange(UdpConnection c, String host, Query a, Query aaaa) {
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
						: Mono.just(combine(host, list, List.of(), total, malformed)))
				.timeout(total, Mono.fromCallable(() -> {
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
	private Outcome combine(String host, List<DnsMessages.Answer> answers, List<Query> unanswered,
			Duration total, Map<Integer, DnsException> malformed) {
		List<InetAddress> v4 = new ArrayList<>();
		List<InetAddress> v6 = new ArrayList<>();
		DnsMessages.Answer failed = null;
		boolean nxdomain = false;
		boolean truncated = false;
		long ttl = Long.MAX_VALUE;
		long negativeTtl = -1;
		for (DnsMessages.Answer x : answers) {
			if (!x.addresses().isEmpty()) {
				ttl = Math.min(ttl, x.ttl());
			}
			if (x.negativeTtl() >= 0) {
				negativeTtl = negativeTtl < 0 ? x.negativeTtl() : Math.min(negativeTtl, x.negativeTtl());
			}
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
			return new Outcome(List.copyOf(all), ttl, null, -1);
		}
		if (!malformed.isEmpty()) {
			return Outcome.failed(mapError(malformed.values().iterator().next(), host));
		}
		if (nxdomain) {
			return new Outcome(List.of(), -1,
					new UnknownHostException(host + ": no such domain (NXDOMAIN from " + nameserver + ")"), negativeTtl);
		}
		if (!unanswered.isEmpty()) {
			String which = unanswered.size() == 1 ? " to the " + typeName(unanswered.get(0).type()) + " query" : "";
			StringBuilder other = new StringBuilder();
			for (DnsMessages.Answer x : answers) {
				other.append("; the ").append(typeName(x.type())).append(" query was answered ")
						.append(x.rcode() != 0 ? rcodeName(x.rcode()) : x.truncated() ? "truncated (TC)" : "without a record");
			}
			return Outcome.failed(new DnsException("no answer from the nameserver " + nameserver + which + " for " + host
					+ " within " + total.toMillis() + " ms (" + attempts + " attempts)" + other, -1));
		}
		if (failed != null) {
			return Outcome.failed(new DnsException("the nameserver " + nameserver + " answered "
					+ rcodeName(failed.rcode()) + " for " + host, failed.rcode()));
		}
		if (truncated) {
			return Outcome.failed(new DnsException("the answer from " + nameserver + " for " + host
					+ " was truncated (TC) and held no address; DNS over TCP is not supported", -1));
		}
		return new Outcome(List.of(), -1,
				new UnknownHostException(host + ": no A or AAAA record (answer from " + nameserver + ")"), negativeTtl);
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

	/** {@code addresses} named {@code host} (as the caller spelled it: a kept answer may be another caller's). */
	private static List<InetAddress> named(String host, List<InetAddress> addresses) {
		List<InetAddress> out = new ArrayList<>(addresses.size());
		try {
			for (InetAddress a : addresses) {
				out.add(InetAddress.getByAddress(host, a.getAddress()));
			}
		}
		catch (UnknownHostException e) {
			throw new IllegalStateException(e); // 4 or 16 bytes: never
		}
		return List.copyOf(out);
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
		return "DnsResolver[" + nameserver + ", timeout " + timeout.toMillis() + " ms x " + attempts
				+ (cacheOn ? ", cache ttl " + minTtl + ".." + maxTtl + ", negative " + negativeTtl + ", " + maxCacheSize
						+ " names" : ", no cache")
				+ ", " + hosts.size() + " names in the hosts file"
				+ (search.isEmpty() ? "" : ", search " + search + " ndots " + ndots) + "]";
	}
}
