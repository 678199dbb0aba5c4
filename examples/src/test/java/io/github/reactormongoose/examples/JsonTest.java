/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's tiny JSON validator and quoter. */
class JsonTest {

	@ParameterizedTest
	@ValueSource(strings = {"{}", "[]", " {\"a\": [1, -0.5, 2e10, 3E-2, true, false, null]} ", "\"x\\u00e9\\n\"", "0",
			"-12", "[[[]]]", "{\"a\":{\"b\":\"c\"}}", "\t\r\n[1]\n"})
	void acceptsJson(String text) {
		assertThat(Json.isValid(text)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = {"", " ", "{", "}", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1 2]", "01", "1.", ".5", "-", "+1",
			"tru", "nul", "'x'", "\"open", "\"bad \\x escape\"", "\"\\u12\"", "{a:1}", "[1]x", "{} {}", "NaN",
			"\"raw\ttab\""})
	void rejectsEverythingElse(String text) {
		assertThat(Json.isValid(text)).isFalse();
	}

	@Test
	void refusesNestingDeeperThanTheLimit() {
		String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
		String tooDeep = "[".repeat(100_000) + "]".repeat(100_000);

		assertThat(Json.isValid(ok)).isTrue();
		assertThat(Json.isValid(tooDeep)).isFalse();
	}

	@Test
	void quotesEveryCharacterThatNeedsEscaping() {
		assertThat(Json.quote("a\"b\\c\nd\re\tf\bg\fh\u0000i\u001fj\u2028k\u00e9"))
				.isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001fj\\u2028k\u00e9\"");
		assertThat(Json.isValid(Json.quote("any \u0001 text \"\\"))).isTrue();
	}
}
