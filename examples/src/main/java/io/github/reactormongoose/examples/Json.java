/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

/**
 * Just enough JSON for the demo's echo endpoint: a strict validator (RFC 8259) and a string
 * quoter. Not a parser: it builds no values.
 */
final class Json {

	/** Deeper nesting is refused rather than risking the stack of the poll thread. */
	static final int MAX_DEPTH = 256;

	private final String s;
	private int pos;

	private Json(String s) {
		this.s = s;
	}

	/** Whether {@code text} is exactly one JSON value, optionally surrounded by whitespace. */
	static boolean isValid(String text) {
		Json p = new Json(text);
		p.skipWhitespace();
		if (!p.value(0)) {
			return false;
		}
		p.skipWhitespace();
		return p.pos == text.length();
	}

	/** {@code text} as a JSON string literal, quotes included. */
	static String quote(String text) {
		StringBuilder b = new StringBuilder(text.length() + 2).append('"');
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			switch (c) {
				case '"' -> b.append("\\\"");
				case '\\' -> b.append("\\\\");
				case '\n' -> b.append("\\n");
				case '\r' -> b.append("\\r");
				case '\t' -> b.append("\\t");
				case '\b' -> b.append("\\b");
				case '\f' -> b.append("\\f");
				default -> {
					// control characters, and U+2028/U+2029 which break JavaScript string literals
					if (c < 0x20 || c == '\u2028' || c == '\u2029') {
						b.append(String.format("\\u%04x", (int) c));
					}
					else {
						b.append(c);
					}
				}
			}
		}
		return b.append('"').toString();
	}

	private boolean value(int depth) {
		if (pos >= s.length() || depth > MAX_DEPTH) {
			return false;
		}
		return switch (s.charAt(pos)) {
			case '{' -> object(depth + 1);
			case '[' -> array(depth + 1);
			case '"' -> string();
			case 't' -> literal("true");
			case 'f' -> literal("false");
			case 'n' -> literal("null");
			default -> number();
		};
	}

	private boolean object(int depth) {
		pos++; // '{'
		skipWhitespace();
		if (peek('}')) {
			pos++;
			return true;
		}
		for (;;) {
			skipWhitespace();
			if (!peek('"') || !string()) {
				return false;
			}
			skipWhitespace();
			if (!peek(':')) {
				return false;
			}
			pos++;
			skipWhitespace();
			if (!value(depth)) {
				return false;
			}
			skipWhitespace();
			if (peek('}')) {
				pos++;
				return true;
			}
			if (!peek(',')) {
				return false;
			}
			pos++;
		}
	}

	private boolean array(int depth) {
		pos++; // '['
		skipWhitespace();
		if (peek(']')) {
			pos++;
			return true;
		}
		for (;;) {
			skipWhitespace();
			if (!value(depth)) {
				return false;
			}
			skipWhitespace();
			if (peek(']')) {
				pos++;
				return true;
			}
			if (!peek(',')) {
				return false;
			}
			pos++;
		}
	}

	private boolean string() {
		pos++; // opening quote
		while (pos < s.length()) {
			char c = s.charAt(pos++);
			if (c == '"') {
				return true;
			}
			if (c < 0x20) {
				return false;
			}
			if (c == '\\') {
				if (pos >= s.length()) {
					return false;
				}
				char e = s.charAt(pos++);
				if (e == 'u') {
					for (int i = 0; i < 4; i++) {
						if (pos >= s.length() || Character.digit(s.charAt(pos++), 16) < 0) {
							return false;
						}
					}
				}
				else if ("\"\\/bfnrt".indexOf(e) < 0) {
					return false;
				}
			}
		}
		return false;
	}

	private boolean number() {
		int start = pos;
		if (peek('-')) {
			pos++;
		}
		if (peek('0')) {
			pos++;
		}
		else if (digits() == 0) {
			return false;
		}
		if (peek('.')) {
			pos++;
			if (digits() == 0) {
				return false;
			}
		}
		if (peek('e') || peek('E')) {
			pos++;
			if (peek('+') || peek('-')) {
				pos++;
			}
			if (digits() == 0) {
				return false;
			}
		}
		return pos > start;
	}

	private int digits() {
		int start = pos;
		while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
			pos++;
		}
		return pos - start;
	}

	private boolean literal(String word) {
		if (s.startsWith(word, pos)) {
			pos += word.length();
			return true;
		}
		return false;
	}

	private boolean peek(char c) {
		return pos < s.length() && s.charAt(pos) == c;
	}

	private void skipWhitespace() {
		while (pos < s.length()) {
			char c = s.charAt(pos);
			if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
				return;
			}
			pos++;
		}
	}
}
