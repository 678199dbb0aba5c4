/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code POST /echo} answers ({@link DemoServer#echoJson(String)}): a JSON text comes back
 * as sent, anything else comes back wrapped in {@code {"echo": ...}}.
 */
class EchoJsonTest {

	@ParameterizedTest
	@ValueSource(strings = {"{}", "[]", " {\"a\": [1, -0.5, 2e10, 3E-2, true, false, null]} ", "\"x\\u00e9\\n\"", "0",
			"-12", "[[[]]]", "{\"a\":{\"b\":\"c\"}}", "\t\r\n[1]\n"})
	void jsonComesBackAsSent(String text) {
		assertThat(DemoServer.isJson(text)).isTrue();
		assertThat(DemoServer.echoJson(text)).isSameAs(text);
	}

	@ParameterizedTest
	@ValueSource(strings = {"", " ", "{", "}", "{\"a\"}", "{\"a\":1,}", "[1,]", "[1 2]", "01", "1.", ".5", "-", "+1",
			"tru", "nul", "'x'", "\"open", "\"bad \\x escape\"", "\"\\u12\"", "{a:1}", "[1]x", "{} {}", "NaN",
			"\"raw\ttab\""})
	void everythingElseIsWrapped(String text) throws Exception {
		assertThat(DemoServer.isJson(text)).isFalse();
		assertWrapped(text);
	}

	@Test
	void nestingIsLimited() throws Exception {
		String ok = "[".repeat(256) + "]".repeat(256);
		String tooDeep = "[".repeat(100_000) + "]".repeat(100_000);

		assertThat(DemoServer.echoJson(ok)).isSameAs(ok);
		// refused by Jackson's nesting limit, not by a StackOverflowError
		assertThat(DemoServer.isJson(tooDeep)).isFalse();
		assertWrapped(tooDeep);
	}

	@Test
	void wrappingEscapesEveryCharacterThatNeedsIt() throws Exception {
		String text = "a\"b\\c\nd\re\tf\bg\fh\u0000i\u001fj\u2028k\u00e9";
		String wrapped = DemoServer.echoJson(text);

		assertThat(wrapped).startsWith("{\"echo\":\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001").endsWith("k\u00e9\"}");
		assertThat(wrapped.chars()).as("no raw control character").allMatch(c -> c >= 0x20);
		assertWrapped(text);
	}

	/** {@code echoJson(text)} is one JSON object whose only field {@code echo} is {@code text}. */
	private static void assertWrapped(String text) throws Exception {
		String wrapped = DemoServer.echoJson(text);
		assertThat(DemoServer.isJson(wrapped)).as("wrapped answer is JSON: %s", wrapped).isTrue();
		JsonNode node = DemoServer.JSON.readTree(wrapped);
		assertThat(node.isObject()).isTrue();
		assertThat(node.size()).isEqualTo(1);
		assertThat(node.get("echo").isTextual()).isTrue();
		assertThat(node.get("echo").textValue()).isEqualTo(text);
	}
}
