/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.jspecify.annotations.Nullable;

/**
 * The answers of a {@code DnsResolver}, by lower-case name: addresses kept for their TTL cut to
 * {@code [minTtl, maxTtl]}, and, when {@code negativeTtl} is above zero, the absence of a
 * name or of its addresses kept for {@code negativeTtl} or the answer's SOA negative TTL,
 * whichever is shorter. At most {@code maxSize} names: adding one more evicts the oldest added.
 * Lock-free (a {@link ConcurrentHashMap} and a queue of the order of insertion), so any thread,
 * a poll thread included, may read and fill it; an entry past its time is dropped when read.
 * Internal API.
 */
public final class DnsCache {

	/** A kept answer: its addresses, or (null addresses) the message of the {@code UnknownHostException}. */
	public record Entry(String name, @Nullable List<InetAddress> addresses, @Nullable String failure, long expiresAt) {
	}

	private final long minTtl;
	private final long maxTtl;
	private final long negativeTtl;
	private final int maxSize;
	private final LongSupplier nanoTime;
	private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
	/** The entries in the order they were added; some are no longer in the map (replaced or expired). */
	private final ConcurrentLinkedQueue<Entry> order = new ConcurrentLinkedQueue<>();
	private final AtomicInteger queued = new AtomicInteger();

	/**
	 * @param minTtl the shortest time addresses are kept (nanoseconds)
	 * @param maxTtl the longest (nanoseconds)
	 * @param negativeTtl the longest time a negative answer is kept (nanoseconds; 0: not kept)
	 * @param maxSize the most names kept (at least 1)
	 * @param nanoTime the clock ({@link System#nanoTime()}; a test's own)
	 */
	public DnsCache(long minTtl, long maxTtl, long negativeTtl, int maxSize, LongSupplier nanoTime) {
		this.minTtl = minTtl;
		this.maxTtl = maxTtl;
		this.negativeTtl = negativeTtl;
		this.maxSize = maxSize;
		this.nanoTime = nanoTime;
	}

	/** The entry of {@code name} (lower case, no trailing dot) if it is still valid, else null. */
	public @Nullable Entry get(String name) {
		Entry e = entries.get(name);
		if (e == null) {
			return null;
		}
		if (nanoTime.getAsLong() - e.expiresAt() >= 0) {
			entries.remove(name, e);
			return null;
		}
		return e;
	}

	/** Keeps {@code addresses} for {@code ttlSeconds} (the answer's), cut to the bounds. */
	public void putAddresses(String name, List<InetAddress> addresses, long ttlSeconds) {
		long ttl = Math.max(minTtl, Math.min(maxTtl, seconds(ttlSeconds)));
		if (ttl > 0) {
			put(new Entry(name, List.copyOf(addresses), null, nanoTime.getAsLong() + ttl));
		}
	}

	/**
	 * Keeps the failure {@code message} (an {@code UnknownHostException}'s) for
	 * {@code negativeTtl}, or for {@code soaSeconds} if it is shorter (-1: no SOA).
	 */
	public void putNegative(String name, String message, long soaSeconds) {
		long ttl = soaSeconds < 0 ? negativeTtl : Math.min(negativeTtl, seconds(soaSeconds));
		if (ttl > 0) {
			put(new Entry(name, null, message, nanoTime.getAsLong() + ttl));
		}
	}

	private static long seconds(long s) {
		return Math.max(0, Math.min(s, Integer.MAX_VALUE)) * 1_000_000_000L;
	}

	private void put(Entry e) {
		entries.put(e.name(), e);
		order.add(e);
		int q = queued.incrementAndGet();
		while (entries.size() > maxSize) {
			Entry oldest = order.poll();
			if (oldest == null) {
				break;
			}
			queued.decrementAndGet();
			entries.remove(oldest.name(), oldest); // only if it is still that entry
		}
		if (q > 2 * Math.max(maxSize, entries.size()) + 64) {
			// names added again, or expired, left entries in the queue that the map no longer has
			order.removeIf(x -> entries.get(x.name()) != x);
			queued.set(order.size());
		}
	}

	/** Forgets every entry. */
	public void clear() {
		entries.clear();
		order.clear();
		queued.set(0);
	}

	/** How many names are kept (expired ones not yet read included). */
	public int size() {
		return entries.size();
	}
}
