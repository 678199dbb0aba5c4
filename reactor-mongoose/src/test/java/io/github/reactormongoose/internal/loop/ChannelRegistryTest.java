/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The id → channel map. A registry never calls into its channels, so these channels have no
 * loop (none of their native operations is used).
 */
class ChannelRegistryTest {

	private static final ChannelHandler HANDLER = new ChannelHandler() {
	};

	private static Channel channel(long id) {
		return new Channel(null, id, HANDLER);
	}

	@Test
	void anEmptyRegistry() {
		ChannelRegistry r = new ChannelRegistry();

		assertThat(r.isEmpty()).isTrue();
		assertThat(r.size()).isZero();
		assertThat(r.get(1)).isNull();
		assertThat(r.remove(1)).isNull();
		assertThat(r.snapshot()).isEmpty();
	}

	@Test
	void channelsAreFoundByTheirId() {
		ChannelRegistry r = new ChannelRegistry();
		Channel a = channel(1);
		Channel b = channel(2);
		Channel big = channel(Long.MAX_VALUE);

		r.put(a);
		r.put(b);
		r.put(big);

		assertThat(r.isEmpty()).isFalse();
		assertThat(r.size()).isEqualTo(3);
		assertThat(r.get(1)).isSameAs(a);
		assertThat(r.get(2)).isSameAs(b);
		assertThat(r.get(Long.MAX_VALUE)).isSameAs(big);
		assertThat(r.get(3)).isNull();
		assertThat(r.snapshot()).containsExactlyInAnyOrder(a, b, big);
	}

	@Test
	void removeReturnsTheChannelOnce() {
		ChannelRegistry r = new ChannelRegistry();
		Channel a = channel(7);
		r.put(a);

		assertThat(r.remove(7)).isSameAs(a);
		assertThat(r.remove(7)).isNull();
		assertThat(r.get(7)).isNull();
		assertThat(r.isEmpty()).isTrue();
	}

	@Test
	void puttingTheSameIdAgainReplacesTheChannel() {
		ChannelRegistry r = new ChannelRegistry();
		Channel first = channel(5);
		Channel second = channel(5);

		r.put(first);
		r.put(second);

		assertThat(r.size()).isOne();
		assertThat(r.get(5)).isSameAs(second);
	}

	@Test
	void aSnapshotIsACopyThatSurvivesChangesDuringIteration() {
		ChannelRegistry r = new ChannelRegistry();
		for (long id = 1; id <= 10; id++) {
			r.put(channel(id));
		}

		List<Channel> snapshot = r.snapshot();
		for (Channel c : snapshot) {
			r.remove(c.id()); // what a CLOSE during a forced shutdown does
			r.put(channel(c.id() + 100));
		}

		assertThat(snapshot).hasSize(10).extracting(Channel::id).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L,
				7L, 8L, 9L, 10L);
		assertThat(r.size()).isEqualTo(10);
		assertThat(r.get(1)).isNull();
		assertThat(r.get(101)).isNotNull();

		snapshot.clear();
		assertThat(r.size()).as("clearing the copy leaves the registry alone").isEqualTo(10);
	}

	@Test
	void clearEmptiesTheRegistry() {
		ChannelRegistry r = new ChannelRegistry();
		r.put(channel(1));
		r.put(channel(2));

		r.clear();

		assertThat(r.isEmpty()).isTrue();
		assertThat(r.get(1)).isNull();
		assertThat(r.snapshot()).isEmpty();
	}
}
