/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests and connections served per poll thread (the "connection spread" of a server on several
 * loops). {@link #count} runs on the thread that calls the handler (the poll thread of the
 * connection's loop); {@link #drain} reads and resets every counter from any thread.
 * <p>Text of {@link #drain}: one line per thread, sorted by name,
 * {@code <thread> requests=<n> connections=<distinct connection ids>}.
 */
final class LoopSpread {

	/** The path that returns the counts and resets them (not counted itself). */
	static final String PATH = "/__spread";

	private final Map<String, Counter> byThread = new ConcurrentHashMap<>();

	private final ThreadLocal<Counter> mine = ThreadLocal.withInitial(
			() -> byThread.computeIfAbsent(Thread.currentThread().getName(), n -> new Counter()));

	/** One request of {@code connectionId} on the current thread. */
	void count(long connectionId) {
		Counter c = mine.get();
		synchronized (c) { // uncontended except while drain reads it
			c.requests++;
			c.connections.add(connectionId);
		}
	}

	/** The counts since the last drain, as text; resets them. */
	String drain() {
		StringBuilder sb = new StringBuilder();
		for (Map.Entry<String, Counter> e : new TreeMap<>(byThread).entrySet()) {
			Counter c = e.getValue();
			long requests;
			int connections;
			synchronized (c) {
				requests = c.requests;
				connections = c.connections.size();
				c.requests = 0;
				c.connections.clear();
			}
			sb.append(e.getKey()).append(" requests=").append(requests).append(" connections=").append(connections)
					.append('\n');
		}
		return sb.toString();
	}

	private static final class Counter {

		long requests;

		final Set<Long> connections = new HashSet<>();
	}
}
