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

	/** The value of field {@code name} in {@code wire} as the SSE parsing rules read it (one leading space dropped). */
	private static java.util.List<String> parsed(String wire, String name) {
		java.util.List<String> values = new java.util.ArrayList<>();
		for (String line : wire.split("\n")) {
			if (line.startsWith(name + ":")) {
				String v = line.substring(name.length() + 1);
				values.add(v.startsWith(" ") ? v.substring(1) : v);
			}
		}
		return values;
	}

	@Test
	void valuesThatStartWithASpaceKeepIt() {
		// a receiver drops one space after the colon: " x" went out as "data: x" and arrived as "x"
		ServerSentEvent e = ServerSentEvent.builder().id(" 42").event(" update").data(" indented\n    code\nplain").build();
		String w = wire(e);
		assertThat(parsed(w, "id")).containsExactly(" 42");
		assertThat(parsed(w, "event")).containsExactly(" update");
		assertThat(parsed(w, "data")).containsExactly(" indented", "    code", "plain");
		assertThat(w).contains("data:plain\n"); // values without a leading space are written as before
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
