/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link ServerSentEvent}: its wire form and its immutable builder. */
class ServerSentEventTest {

	private static String wire(ServerSentEvent e) {
		return new String(e.encode(), StandardCharsets.UTF_8);
	}

	@Test
	void encodesEveryFieldAndOneDataLinePerLine() {
		ServerSentEvent e = ServerSentEvent.builder().id("7").event("tick").retry(2500).comment("c")
				.data("a\nb\r\nc").build();
		assertThat(wire(e)).isEqualTo(":c\nid:7\nevent:tick\nretry:2500\ndata:a\ndata:b\ndata:c\n\n");
	}

	@Test
	void aBuilderIsImmutableAndCanBeShared() {
		ServerSentEvent.Builder base = ServerSentEvent.builder().event("tick");
		ServerSentEvent one = base.data("1").build();
		ServerSentEvent two = base.data("2").id("b").build();
		assertThat(one).isEqualTo(new ServerSentEvent(null, "tick", "1", null, null));
		assertThat(two).isEqualTo(new ServerSentEvent("b", "tick", "2", null, null));
		assertThat(base.build()).isEqualTo(new ServerSentEvent(null, "tick", null, null, null));
		assertThat(ServerSentEvent.builder().build()).isEqualTo(new ServerSentEvent(null, null, null, null, null));
	}

	@Test
	void rejectsMultiLineIdsAndEventsAndNegativeRetry() {
		assertThatThrownBy(() -> ServerSentEvent.builder().id("a\nb")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> ServerSentEvent.builder().event("a\rb")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> ServerSentEvent.builder().retry(-1)).isInstanceOf(IllegalArgumentException.class);
	}
}
