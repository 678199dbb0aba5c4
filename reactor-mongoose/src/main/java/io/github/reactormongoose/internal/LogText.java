/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal;

/**
 * A peer's text as it may go into a log line, in one format wherever it is logged (the access
 * and error logs, the exception messages of the MQTT codec, which servers log): control
 * characters as {@code \xNN} (C0, DEL and C1: NEL U+0085 breaks a line for some readers) and
 * the line and paragraph separators as {@code \u2028} and {@code \u2029}, so the text cannot
 * forge log lines.
 */
public final class LogText {

	private LogText() {
	}

	/** {@code s} escaped; tabs stay (a line of the application's keeps its tabs). */
	public static String escape(String s) {
		return escape(s, false);
	}

	/** {@code s} escaped for a quoted field: also {@code "}, {@code \} and tabs escaped. */
	public static String escapeQuoted(String s) {
		return escape(s, true);
	}

	private static String escape(String s, boolean quoted) {
		StringBuilder b = null;
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			String esc = quoted && c == '"' ? "\\\"" : quoted && c == '\\' ? "\\\\"
					: c < 0x20 && (quoted || c != '\t') || c >= 0x7f && c <= 0x9f ? String.format("\\x%02x", (int) c)
					: c == 0x2028 || c == 0x2029 ? String.format("\\u%04x", (int) c) : null;
			if (esc != null && b == null) {
				b = new StringBuilder(s.length() + 8).append(s, 0, i);
			}
			if (b != null) {
				if (esc != null) {
					b.append(esc);
				}
				else {
					b.append(c);
				}
			}
		}
		return b == null ? s : b.toString();
	}
}
