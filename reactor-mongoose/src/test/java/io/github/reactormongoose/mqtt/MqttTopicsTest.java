/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Topic-filter matching and validation (MQTT 3.1.1 §4.7, the spec's own examples included). */
class MqttTopicsTest {

	@ParameterizedTest(name = "{0} matches {1}: {2}")
	@CsvSource({
			"sport/tennis/player1/#, sport/tennis/player1, true",
			"sport/tennis/player1/#, sport/tennis/player1/ranking, true",
			"sport/tennis/player1/#, sport/tennis/player1/score/wimbledon, true",
			"sport/tennis/player1/#, sport/tennis/player2, false",
			"sport/#, sport, true",
			"#, sport/tennis, true",
			"#, /, true",
			"sport/tennis/+, sport/tennis/player1, true",
			"sport/tennis/+, sport/tennis/player1/tracer, false",
			"sport/+, sport, false",
			"sport/+, sport/, true",
			"+/+, /finance, true",
			"/+, /finance, true",
			"+, /finance, false",
			"+/tennis/#, sport/tennis/player1, true",
			"+/tennis/#, sport/golf, false",
			"a/b, a/b, true",
			"a/b, a/b/c, false",
			"a/b/c, a/b, false",
			"a//b, a//b, true",
			"a/+/b, a//b, true",
			"#, $SYS/broker, false",
			"+/broker, $SYS/broker, false",
			"$SYS/#, $SYS/broker, true",
			"$SYS/+, $SYS/broker, true",
			"A/b, a/b, false",
	})
	void matches(String filter, String topic, boolean expected) {
		assertThat(MqttTopics.matches(filter, topic)).isEqualTo(expected);
	}

	@ParameterizedTest
	@ValueSource(strings = {"a/#/b", "a#", "a/b#", "a+/b", "+a", "", "a\u0000b"})
	void invalidFiltersAreRefused(String filter) {
		assertThatThrownBy(() -> MqttTopics.checkFilter(filter)).isInstanceOf(IllegalArgumentException.class);
	}

	@ParameterizedTest
	@ValueSource(strings = {"#", "+", "a/+/b/#", "/", "+/+", "$SYS/#"})
	void validFiltersPass(String filter) {
		MqttTopics.checkFilter(filter);
	}

	@Test
	void topicNamesHaveNoWildcardsAndNoNul() {
		MqttTopics.checkTopic("a/b c/\u00e9");
		assertThatThrownBy(() -> MqttTopics.checkTopic("a/+")).hasMessageContaining("wildcard");
		assertThatThrownBy(() -> MqttTopics.checkTopic("a/#")).hasMessageContaining("wildcard");
		assertThatThrownBy(() -> MqttTopics.checkTopic("a\u0000")).hasMessageContaining("U+0000");
		assertThatThrownBy(() -> MqttTopics.checkTopic("")).hasMessageContaining("empty");
		assertThatThrownBy(() -> MqttTopics.checkTopic("x".repeat(65536))).hasMessageContaining("65535");
	}
}
