/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import org.jspecify.annotations.Nullable;

/** The connections of one loop that have a Java handler, by id. Poll thread only. */
final class ChannelRegistry {

	private final HashMap<Long, Channel> channels = new HashMap<>();

	void put(Channel c) {
		channels.put(c.id(), c);
	}

	@Nullable
	Channel get(long id) {
		return channels.get(id);
	}

	@Nullable
	Channel remove(long id) {
		return channels.remove(id);
	}

	boolean isEmpty() {
		return channels.isEmpty();
	}

	int size() {
		return channels.size();
	}

	/** A copy, safe to iterate while handlers change the registry. */
	List<Channel> snapshot() {
		return new ArrayList<>(channels.values());
	}

	void clear() {
		channels.clear();
	}
}
