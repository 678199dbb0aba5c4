/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.nio.charset.StandardCharsets;

/** Topic names and topic filters: validation and matching with {@code +} and {@code #}. */
public final class MqttTopics {

	private MqttTopics() {
	}

	/**
	 * Whether {@code topic} matches {@code filter}: {@code +} matches one level, {@code #}
	 * (last) the rest including the parent level, levels are split at {@code /} and may be
	 * empty. A filter starting with a wildcard does not match a topic starting with
	 * {@code $} (MQTT 3.1.1 §4.7.2).
	 */
	public static boolean matches(String filter, String topic) {
		if (!topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()
				&& (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
			return false;
		}
		String[] f = filter.split("/", -1);
		String[] t = topic.split("/", -1);
		for (int i = 0; i < f.length; i++) {
			if (f[i].equals("#")) {
				return true;
			}
			if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
				return false;
			}
		}
		return f.length == t.length;
	}

	/**
	 * Checks a topic name to publish to: 1 to 65535 UTF-8 bytes, no wildcards, no U+0000, no lone
	 * surrogate.
	 * @throws IllegalArgumentException otherwise
	 */
	public static void checkTopic(String topic) {
		checkString(topic, "topic");
		if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
			throw new IllegalArgumentException("a topic name must not contain wildcards: " + topic);
		}
	}

	/**
	 * Checks a topic filter: 1 to 65535 UTF-8 bytes, no U+0000 or lone surrogate, {@code +} only
	 * as a whole level, {@code #} only as the last whole level.
	 * @throws IllegalArgumentException otherwise
	 */
	public static void checkFilter(String filter) {
		checkString(filter, "topic filter");
		String[] levels = filter.split("/", -1);
		for (int i = 0; i < levels.length; i++) {
			String l = levels[i];
			if (l.contains("#") && (!l.equals("#") || i != levels.length - 1)) {
				throw new IllegalArgumentException("'#' must be the last level of a topic filter: " + filter);
			}
			if (l.contains("+") && !l.equals("+")) {
				throw new IllegalArgumentException("'+' must be a whole level of a topic filter: " + filter);
			}
		}
	}

	/**
	 * Checks that {@code s} is well-formed UTF-16, so that it has a UTF-8 form: a lone surrogate
	 * (U+D800 to U+DFFF, which MQTT strings must not hold, 3.1.1 section 1.5.3, 5.0 section 1.5.4)
	 * would be encoded as '?' by {@link String#getBytes}.
	 * @throws IllegalArgumentException otherwise
	 */
	static void checkSurrogates(String s, String what) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (Character.isSurrogate(c)) {
				if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
					i++;
				}
				else {
					throw new IllegalArgumentException("a " + what + " must not contain a lone surrogate (U+"
							+ Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + " at index " + i + ")");
				}
			}
		}
	}

	private static void checkString(String s, String what) {
		if (s.isEmpty()) {
			throw new IllegalArgumentException("empty " + what);
		}
		if (s.indexOf('\0') >= 0) {
			throw new IllegalArgumentException("a " + what + " must not contain U+0000");
		}
		checkSurrogates(s, what);
		if (s.getBytes(StandardCharsets.UTF_8).length > 65535) {
			throw new IllegalArgumentException(what + " longer than 65535 bytes");
		}
	}
}
