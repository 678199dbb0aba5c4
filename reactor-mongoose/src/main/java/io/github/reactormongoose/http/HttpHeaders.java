/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Ordered, multi-valued HTTP headers with case-insensitive names. Duplicate names are kept
 * (e.g. several {@code Set-Cookie}). Names and values containing CR, LF or NUL are rejected
 * with {@link IllegalArgumentException}, so a header can never split a response; so are other
 * control characters in values, and names that are not tokens (RFC 9110 5.1, 5.5).
 * Not thread-safe: mutate from one thread before the response is committed.
 */
public final class HttpHeaders implements Iterable<Map.Entry<String, String>> {

	private final List<String> names = new ArrayList<>();
	private final List<String> values = new ArrayList<>();
	private final boolean readOnly;

	public HttpHeaders() {
		this(false);
	}

	private HttpHeaders(boolean readOnly) {
		this.readOnly = readOnly;
	}

	/** Headers of a request, as received (not validated, read-only). */
	public static HttpHeaders received(List<String> names, List<String> values) {
		HttpHeaders h = new HttpHeaders(true);
		h.names.addAll(names);
		h.values.addAll(values);
		return h;
	}

	/** Replaces every value of {@code name} with {@code value}. */
	public HttpHeaders set(String name, Object value) {
		remove(name);
		return add(name, value);
	}

	/** Adds a value, keeping the existing ones. */
	public HttpHeaders add(String name, Object value) {
		checkWritable();
		String n = validate(Objects.requireNonNull(name, "name"), "name");
		if (n.isEmpty()) {
			throw new IllegalArgumentException("empty header name");
		}
		for (int i = 0; i < n.length(); i++) {
			if (!isTchar(n.charAt(i))) { // a field name is a token (RFC 9110 5.1, 5.6.2)
				throw new IllegalArgumentException("invalid character in header name: " + n);
			}
		}
		String v = validate(String.valueOf(Objects.requireNonNull(value, "value")), "value");
		names.add(n);
		values.add(v);
		return this;
	}

	/** Removes every value of {@code name}; returns whether there was one. */
	public boolean remove(String name) {
		checkWritable();
		boolean found = false;
		for (int i = names.size() - 1; i >= 0; i--) {
			if (names.get(i).equalsIgnoreCase(name)) {
				names.remove(i);
				values.remove(i);
				found = true;
			}
		}
		return found;
	}

	/** The first value of {@code name}, or {@code null}. */
	public @Nullable String get(String name) {
		for (int i = 0; i < names.size(); i++) {
			if (names.get(i).equalsIgnoreCase(name)) {
				return values.get(i);
			}
		}
		return null;
	}

	/** Every value of {@code name}, in order (empty if none). */
	public List<String> getAll(String name) {
		List<String> r = new ArrayList<>(1);
		for (int i = 0; i < names.size(); i++) {
			if (names.get(i).equalsIgnoreCase(name)) {
				r.add(values.get(i));
			}
		}
		return r;
	}

	public boolean contains(String name) {
		return get(name) != null;
	}

	/** Whether a comma-separated value of {@code name} equals {@code token}, ignoring case. */
	public boolean containsToken(String name, String token) {
		for (int i = 0; i < names.size(); i++) { // no list of values: this runs for every request
			if (names.get(i).equalsIgnoreCase(name)) {
				for (String part : values.get(i).split(",")) {
					if (part.trim().equalsIgnoreCase(token)) {
						return true;
					}
				}
			}
		}
		return false;
	}

	/** Distinct names, in first-seen order, as sent. */
	public Set<String> names() {
		Set<String> seen = new LinkedHashSet<>();
		Set<String> lower = new java.util.HashSet<>();
		for (String n : names) {
			if (lower.add(n.toLowerCase(java.util.Locale.ROOT))) {
				seen.add(n);
			}
		}
		return Collections.unmodifiableSet(seen);
	}

	public int size() {
		return names.size();
	}

	public boolean isEmpty() {
		return names.isEmpty();
	}

	@Override
	public Iterator<Map.Entry<String, String>> iterator() {
		List<Map.Entry<String, String>> l = new ArrayList<>(names.size());
		for (int i = 0; i < names.size(); i++) {
			l.add(Map.entry(names.get(i), values.get(i)));
		}
		return Collections.unmodifiableList(l).iterator();
	}

	/** Name at {@code i} (insertion order). */
	public String nameAt(int i) {
		return names.get(i);
	}

	/** Value at {@code i} (insertion order). */
	public String valueAt(int i) {
		return values.get(i);
	}

	private void checkWritable() {
		if (readOnly) {
			throw new UnsupportedOperationException("request headers are read-only");
		}
	}

	private static String validate(String s, String what) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c == '\r' || c == '\n' || c == 0) {
				throw new IllegalArgumentException("header " + what + " must not contain CR, LF or NUL: "
						+ s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0"));
			}
			if ((c < ' ' && c != '\t') || c == 0x7f) {
				// RFC 9110 5.5: a field value is visible characters, SP and HTAB; strict clients (the
				// JDK's, Node's) refuse the whole response over one control character
				throw new IllegalArgumentException("header " + what + " must not contain control characters (0x"
						+ Integer.toHexString(c) + "): " + s.replaceAll("\\p{Cntrl}", "?"));
			}
		}
		return s;
	}

	/** tchar of RFC 9110 5.6.2: the characters of a token, such as a field name. */
	private static boolean isTchar(char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
	}

	@Override
	public String toString() {
		StringBuilder b = new StringBuilder("[");
		for (int i = 0; i < names.size(); i++) {
			b.append(i == 0 ? "" : ", ").append(names.get(i)).append(": ").append(values.get(i));
		}
		return b.append(']').toString();
	}
}
