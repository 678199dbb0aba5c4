/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.Kind;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.metrics.HttpClientMetrics;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.internal.tls.TlsConfig;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The keep-alive connections of one loop to one {@code host:port}, with one set of limits,
 * over plain TCP or over TLS with one {@link TlsSpec} (a pool never mixes the two: http and
 * https to the same {@code host:port} are two pools, and so are two specs).
 * Every method runs on the loop's poll thread, so the pool takes no lock. A request
 * {@link #acquire acquires} a connection: the most recently released idle one, else a new one
 * while fewer than {@code maxConnections} exist, else it waits in a queue of at most
 * {@code pendingAcquireMaxCount}. A connection that finished its exchange cleanly comes back
 * with {@link #release}; any other ends closed, and {@link #forget} drops it. Through a
 * {@link ProxyProvider proxy}, the pool's connections go to the proxy: each opens a tunnel to
 * {@code host:port} ({@code tunnel}), or, for plain HTTP through an HTTP proxy, carries
 * absolute-form requests for that host.
 */
final class ConnectionPool {

	/** Pool limits; part of the pool's identity. {@code maxLifeTime}: none when null. */
	record Limits(int maxConnections, int pendingAcquireMaxCount, Duration maxIdleTime, @Nullable Duration maxLifeTime) {
	}

	/** A request waiting for a connection. */
	interface Acquirer {
		void onConnection(ClientConnection c);

		void onError(Throwable e);

		Duration connectTimeout();

		/** Where the connect time of a connection made for this request goes. */
		HttpClientMetrics metrics();

		/** How long this request may wait for a busy connection. */
		Duration pendingAcquireTimeout();

		/** It waits for a busy connection; {@code timer} fails it at its timeout (dispose it once served). */
		void waitingSince(Disposable timer);
	}

	private static final Map<EventLoop, Map<Key, ConnectionPool>> POOLS = new ConcurrentHashMap<>();

	/**
	 * {@code tls}: compared by identity (a spec has no equals), null for plain TCP;
	 * {@code filter}: by identity too, so a filtered client never gets a connection that was
	 * made without its filter; {@code proxy}: by identity, null for direct connections, with
	 * {@code tunnel} false for absolute-form requests through an HTTP proxy; {@code wiretap}:
	 * by its settings, so a tapped client never gets an untapped connection; {@code hooks}: the
	 * client's {@code doOnConnected} and {@code doOnDisconnected} hooks, by the identity of each
	 * (a new connection runs the hooks of the client that made it, so clients with other hooks
	 * must not take it).
	 */
	private record Key(String host, int port, @Nullable TlsSpec tls, Limits limits,
			@Nullable Predicate<? super InetAddress> filter, @Nullable ProxyProvider proxy, boolean tunnel,
			@Nullable Wiretap wiretap, List<?> hooks) {
	}

	final EventLoop loop;
	private final Key key;
	final String host;
	final int port;
	/** {@code host:port}, made once (the meters ask for it on every exchange). */
	private final String remote;
	final Limits limits;
	/** TLS of every connection of this pool, or {@code null}. */
	final @Nullable TlsConfig tls;
	/** The proxy every connection of this pool goes through, or {@code null}. */
	final @Nullable ProxyProvider proxy;
	/** Plain HTTP through an HTTP proxy: requests go in absolute form, no tunnel. */
	final boolean absoluteForm;
	private final ArrayDeque<ClientConnection> idle = new ArrayDeque<>();
	private final ArrayDeque<Acquirer> pending = new ArrayDeque<>();
	private int total;
	private int connecting;
	private @Nullable Disposable sweeper;
	private boolean shutdown;
	/** No longer in its loop's map (retireIfEmpty); poll thread. */
	private boolean retired;

	private ConnectionPool(EventLoop loop, Key key) {
		this.loop = loop;
		this.key = key;
		this.host = key.host();
		this.port = key.port();
		this.remote = host + ":" + port;
		this.tls = key.tls() != null ? TlsAccess.config(key.tls()) : null;
		this.limits = key.limits();
		this.proxy = key.proxy();
		this.absoluteForm = proxy != null && !key.tunnel();
	}

	/**
	 * The pool of {@code loop} for {@code host:port} with {@code limits}, over TLS with
	 * {@code tls} unless it is null, connecting only to addresses {@code filter} accepts unless
	 * it is null, through {@code proxy} unless it is null (in a tunnel, or with absolute-form
	 * requests), logging the connections' bytes with {@code wiretap} unless it is null, for the
	 * clients whose connection hooks are {@code hooks} (see {@link Key}); any thread.
	 */
	static ConnectionPool of(EventLoop loop, String host, int port, @Nullable TlsSpec tls, Limits limits,
			@Nullable Predicate<? super InetAddress> filter, @Nullable ProxyProvider proxy, boolean tunnel,
			@Nullable Wiretap wiretap, List<?> hooks) {
		Map<Key, ConnectionPool> pools = POOLS.computeIfAbsent(loop, l -> {
			// idle keep-alive connections must not hold up the loop's disposal
			l.onShutdown(() -> shutdown(l));
			l.terminationFuture().subscribe(null, null, () -> POOLS.remove(l));
			return new ConcurrentHashMap<>();
		});
		return pools.computeIfAbsent(new Key(host, port, tls, limits, filter, proxy, proxy != null && tunnel, wiretap,
				hooks),
				k -> new ConnectionPool(loop, k));
	}

	private static void shutdown(EventLoop loop) {
		Map<Key, ConnectionPool> pools = POOLS.get(loop);
		if (pools != null) {
			pools.values().forEach(ConnectionPool::shutdown);
		}
	}

	private void shutdown() {
		shutdown = true;
		for (ClientConnection c : idle.toArray(new ClientConnection[0])) {
			c.retire();
		}
		Acquirer a;
		while ((a = pending.poll()) != null) {
			a.onError(new MongooseException("MongooseLoop " + loop.name() + " is disposed"));
		}
	}

	/** Live connections: idle, busy and connecting. Poll thread. */
	int size() {
		return total;
	}

	/** Idle connections. Poll thread. */
	int idleCount() {
		return idle.size();
	}

	/**
	 * Poll thread: a connection for {@code a}, now or when one is free. Returns the pool that
	 * took the request: this one, or, when this one was retired after the request had looked it
	 * up (a burst of requests cancelled at once can retire it between two of them), the pool that
	 * holds its key now, so that one key never has two live pools, each with its own
	 * {@code maxConnections} and idle connections no request finds.
	 */
	ConnectionPool acquire(Acquirer a) {
		if (retired) {
			ConnectionPool current = current();
			if (current != this) {
				return current.acquire(a);
			}
		}
		HttpClientMetrics m = a.metrics();
		if (m != HttpClientMetrics.NONE) {
			String r = remote();
			m.poolUsed(r, new Stats(r));
		}
		if (shutdown || loop.isShutdown()) {
			a.onError(new MongooseException("MongooseLoop " + loop.name() + " is disposed"));
			return this;
		}
		ClientConnection c;
		while ((c = idle.pollLast()) != null) {
			if (c.isReusable() && !tooOld(c)) {
				c.onAcquired();
				a.onConnection(c);
				return this;
			}
			c.retire();
		}
		// waiting = requests no connection is being made for: one whose connection is still
		// connecting is not waiting for a busy one (as in Reactor Netty, whose pool hands a
		// request the connection it starts), and with room for a new connection nobody waits
		boolean room = total < limits.maxConnections();
		if (!room && pending.size() - connecting >= limits.pendingAcquireMaxCount()) {
			a.onError(new PoolAcquirePendingLimitException("Pending acquire queue of " + host + ":" + port
					+ " has reached its maximum size of " + limits.pendingAcquireMaxCount() + " (all "
					+ limits.maxConnections() + " connections busy)"));
			return this;
		}
		pending.add(a);
		if (room) {
			connectNew(a);
		}
		else {
			// waiting for a busy connection: bounded by the request's pendingAcquireTimeout
			Duration wait = a.pendingAcquireTimeout();
			a.waitingSince(loop.schedule(wait, () -> {
				if (pending.remove(a)) {
					a.onError(new PoolAcquireTimeoutException("Pool#acquire has been pending for more than the "
							+ "configured timeout of " + wait.toMillis() + "ms (all " + limits.maxConnections()
							+ " connections to " + host + ":" + port + " busy)"));
					retireIfEmpty();
				}
			}));
		}
		return this;
	}

	/** Whether {@code c} outlived {@code maxLifeTime}. */
	private boolean tooOld(ClientConnection c) {
		Duration max = limits.maxLifeTime();
		return max != null && System.nanoTime() - c.createdAt() >= max.toNanos();
	}

	/** A waiting request gave up. */
	void cancel(Acquirer a) {
		pending.remove(a);
		retireIfEmpty();
	}

	private void connectNew(Acquirer first) {
		total++;
		connecting++;
		Duration timeout = first.connectTimeout();
		HttpClientMetrics metrics = first.metrics();
		long started = System.nanoTime();
		// the host's addresses that may be connected to, in the resolver's order (all of them
		// without a filter): tried one after the other until one connects, as Reactor Netty does
		Predicate<? super InetAddress> f = key.filter();
		Mono<List<InetAddress>> addresses = Addresses.resolveAll(host).map(all -> accepted(all, f));
		ProxyProvider p = proxy;
		// through a proxy: the target as the proxy gets it (its name, which the proxy resolves;
		// with a filter, the first accepted address, so the proxy cannot be steered elsewhere) and
		// the proxy's own address (not filtered: the application chose it)
		Mono<String> authority = p == null || f == null ? Mono.just(host) : addresses.map(a -> Addresses.uriHost(a.get(0)));
		if (p != null) {
			InetSocketAddress pa = p.address();
			addresses = (pa != null ? Mono.just(pa.getAddress()) : Addresses.resolve(p.host())).map(List::of);
		}
		TlsConfig t = tls;
		if (t != null && !t.clientPrepared()) {
			// the first https connection of a spec reads its trust store: not on the poll thread
			addresses = Mono.fromRunnable(t::prepareClient).subscribeOn(Schedulers.boundedElastic()).then(addresses);
		}
		int to = p == null ? port : p.port();
		Mono.zip(addresses, authority).subscribe(
				a -> loop.executeOrRun(() -> open(a.getT1(), 0, to, timeout, a.getT2(), metrics, started)),
				e -> loop.executeOrRun(() -> {
					metrics.connected(remote(), System.nanoTime() - started, false);
					connectFailed(e);
				}));
	}

	/** {@code host:port} of the pool's target, the {@code remote.address} of its meters. */
	String remote() {
		return remote;
	}

	/** Those of {@code all} that {@code f} accepts (all without a filter), in order; none: refused. */
	private List<InetAddress> accepted(InetAddress[] all, @Nullable Predicate<? super InetAddress> f) {
		List<InetAddress> ok = new ArrayList<>(all.length);
		for (InetAddress a : all) {
			if (f == null || f.test(a)) {
				ok.add(a);
			}
		}
		if (ok.isEmpty()) {
			throw new FilteredAddressException(host, Arrays.asList(all));
		}
		return ok;
	}

	/** Poll thread: the channel of a new connection to {@code url}, tapped if the pool's clients are. */
	private Channel connect(String url, ClientConnection c) {
		Channel ch = loop.connect(url, Kind.TCP, c);
		Wiretap w = key.wiretap();
		if (w != null) {
			ch.wiretap(w);
		}
		return ch;
	}

	/**
	 * Poll thread: connects to {@code addresses[i]}:{@code connectPort} (the target's, or the
	 * proxy's). With TLS, the handshake starts once the TCP connection is up, and the
	 * connection counts as established only after the JDK accepted the server's chain and host
	 * name ({@link ClientConnection}). Should the TCP connection not be made (refused,
	 * unreachable, timed out), the next address is tried.
	 */
	private void open(List<InetAddress> addresses, int i, int connectPort, Duration timeout, String authority,
			HttpClientMetrics metrics, long started) {
		String url = Addresses.url("tcp", addresses.get(i), connectPort);
		ClientConnection c = new ClientConnection(this, metrics, started);
		if (i + 1 < addresses.size()) {
			c.nextAddress = () -> open(addresses, i + 1, connectPort, timeout, authority, metrics, started);
		}
		ProxyProvider p = proxy;
		if (p != null) {
			try {
				ProxyHandshake tunnel = absoluteForm ? null : new ProxyHandshake(p, authority, port);
				c.absoluteHost = absoluteForm ? authority : null;
				String via = url + " (" + p.type().name().toLowerCase(Locale.ROOT) + " proxy " + p.host() + ":"
						+ p.port() + " for " + host + ":" + port + ")";
				c.open(connect(url, c), via, timeout, null, tunnel); // TLS starts in the tunnel
			}
			catch (RuntimeException e) {
				c.abandon(e);
			}
			return;
		}
		TlsConfig.ClientHandshake hs = null;
		try {
			hs = tls != null ? tls.clientHandshake(host) : null;
			c.open(connect(url, c), url, timeout, hs != null ? hs.verifier() : null, null);
			TlsConfig.ClientHandshake attaching = hs;
			hs = null;
			if (attaching != null) {
				attaching.attach(c.channel());
			}
		}
		catch (RuntimeException e) {
			if (hs != null) {
				hs.context().release(); // no connection took it
			}
			c.abandon(e);
		}
	}

	/** Whether the pool's loop is shutting down (no new connection is started). */
	boolean isShutdown() {
		return shutdown;
	}

	/** A new connection is established. */
	void connected(ClientConnection c) {
		connecting--;
		dispatch(c);
	}

	/** A new connection could not be made: the first waiting request fails with {@code e}. */
	void connectFailed(Throwable e) {
		total--;
		connecting--;
		Acquirer a = pending.poll();
		if (a != null) {
			a.onError(e); // ConnectException, UnknownHostException, ConnectTimeoutException...
		}
		if (pending.size() > connecting && total < limits.maxConnections() && !shutdown) {
			connectNew(pending.peek());
		}
		retireIfEmpty();
	}

	/** The exchange on {@code c} ended cleanly: give it to the next waiting request or keep it idle. */
	void release(ClientConnection c) {
		if (!c.isReusable()) {
			c.close();
			return;
		}
		if (shutdown || tooOld(c)) {
			c.retire();
			return;
		}
		dispatch(c);
	}

	private void dispatch(ClientConnection c) {
		Acquirer a = pending.poll();
		if (a != null) {
			c.onAcquired();
			a.onConnection(c);
			return;
		}
		if (shutdown) {
			c.retire();
			return;
		}
		c.idleSince = System.nanoTime();
		idle.addLast(c);
		if (sweeper == null) {
			long period = Math.max(10, Math.min(1000, limits.maxIdleTime().toMillis() / 2));
			sweeper = loop.schedule(Duration.ofMillis(period), Duration.ofMillis(period), this::sweep);
		}
	}

	/** Closes connections idle for longer than {@code maxIdleTime}. */
	private void sweep() {
		long now = System.nanoTime();
		long max = limits.maxIdleTime().toNanos();
		for (Iterator<ClientConnection> it = idle.iterator(); it.hasNext();) {
			ClientConnection c = it.next();
			if (now - c.idleSince >= max || tooOld(c)) {
				it.remove();
				c.retire();
			}
		}
		retireIfEmpty();
	}

	/**
	 * Poll thread: a pool without connections or waiting requests leaves its loop's map, and
	 * the next request to its host makes a new one. Without this, a client that talks to many
	 * hosts (a crawler, webhooks, URLs from user input) kept one pool per host it ever tried,
	 * for the life of the loop. A request that took this pool from the map just before still
	 * works: the pool stays usable and only loses its place (remove(key, this) never removes a
	 * newer pool of the same key).
	 */
	private void retireIfEmpty() {
		if (total != 0 || !pending.isEmpty() || !idle.isEmpty()) {
			return;
		}
		if (sweeper != null) {
			sweeper.dispose();
			sweeper = null;
		}
		Map<Key, ConnectionPool> pools = POOLS.get(loop);
		if (pools != null) {
			pools.remove(key, this);
		}
		retired = true;
	}

	/** A retired pool's successor: the pool of its key in the map, this one again if none. */
	private ConnectionPool current() {
		Map<Key, ConnectionPool> pools = POOLS.get(loop);
		if (pools == null) {
			return this; // the loop is gone: this pool answers that
		}
		ConnectionPool p = pools.computeIfAbsent(key, k -> this);
		if (p == this) {
			retired = false;
		}
		return p;
	}

	/**
	 * The pools to one {@code host:port} over all loops, read live for the gauges (from any
	 * thread: the counts are the poll threads' and may be a moment old).
	 */
	private record Stats(String remote) implements HttpClientMetrics.PoolStats {

		private int sum(java.util.function.ToIntFunction<ConnectionPool> count) {
			int n = 0;
			for (Map<Key, ConnectionPool> pools : POOLS.values()) {
				for (ConnectionPool p : pools.values()) {
					if (p.remote().equals(remote)) {
						n += count.applyAsInt(p);
					}
				}
			}
			return n;
		}

		@Override
		public int total() {
			return sum(p -> p.total);
		}

		@Override
		public int active() {
			return sum(p -> Math.max(0, p.total - p.idle.size() - p.connecting));
		}

		@Override
		public int idle() {
			return sum(p -> p.idle.size());
		}

		@Override
		public int pending() {
			return sum(p -> p.pending.size());
		}
	}

	/** The pools of {@code loop} in its map now (tests). */
	static int count(EventLoop loop) {
		Map<Key, ConnectionPool> pools = POOLS.get(loop);
		return pools != null ? pools.size() : 0;
	}

	/** {@code c} closed or left the pool (WebSocket upgrade): it no longer counts. */
	void forget(ClientConnection c) {
		idle.remove(c);
		total--;
		if (pending.size() > connecting && total < limits.maxConnections() && !shutdown) {
			connectNew(pending.peek());
		}
		retireIfEmpty();
	}

	@Override
	public String toString() {
		return "ConnectionPool[" + (tls != null ? "tls " : "") + host + ":" + port + (proxy != null ? " via " + proxy : "") + " on " + loop.name() + ", " + total + " connections, "
				+ idle.size() + " idle, " + pending.size() + " pending]";
	}
}
