/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

import org.springframework.util.MultiValueMap;

/**
 * A Spring {@link MultiValueMap} view of reactor-mongoose {@link HttpHeaders}, the way Spring's
 * own adapters present Netty's, Jetty's or Tomcat's headers: reads and writes go to the native
 * headers, nothing is copied. Names are case-insensitive and keep the case they were first
 * given; a name's values keep their order. Writes to request headers (read-only natively) throw
 * {@link UnsupportedOperationException}; a name or value with CR, LF or NUL is refused with
 * {@link IllegalArgumentException} at the call that sets it.
 */
final class MongooseHeadersAdapter extends AbstractMap<String, List<String>> implements MultiValueMap<String, String> {

	private final HttpHeaders headers;

	MongooseHeadersAdapter(HttpHeaders headers) {
		this.headers = headers;
	}

	@Override
	public @Nullable String getFirst(String key) {
		return this.headers.get(key);
	}

	@Override
	public void add(String key, String value) {
		this.headers.add(key, value);
	}

	@Override
	public void addAll(String key, List<? extends String> values) {
		for (String value : values) {
			this.headers.add(key, value);
		}
	}

	@Override
	public void addAll(MultiValueMap<String, String> values) {
		for (Map.Entry<String, List<String>> e : values.entrySet()) {
			addAll(e.getKey(), e.getValue());
		}
	}

	@Override
	public void set(String key, String value) {
		this.headers.set(key, value);
	}

	@Override
	public void setAll(Map<String, String> values) {
		values.forEach(this::set);
	}

	@Override
	public Map<String, String> toSingleValueMap() {
		Map<String, String> single = new LinkedHashMap<>();
		for (String name : this.headers.names()) {
			single.put(name, this.headers.get(name));
		}
		return single;
	}

	@Override
	public int size() {
		return this.headers.names().size();
	}

	@Override
	public boolean isEmpty() {
		return this.headers.isEmpty();
	}

	@Override
	public boolean containsKey(Object key) {
		return key instanceof String name && this.headers.contains(name);
	}

	@Override
	public @Nullable List<String> get(Object key) {
		if (!(key instanceof String name)) {
			return null;
		}
		List<String> values = this.headers.getAll(name);
		return values.isEmpty() ? null : values;
	}

	@Override
	public @Nullable List<String> put(String key, List<String> values) {
		List<String> previous = get(key);
		this.headers.remove(key);
		addAll(key, values);
		return previous;
	}

	@Override
	public @Nullable List<String> remove(Object key) {
		if (!(key instanceof String name)) {
			return null;
		}
		List<String> previous = get(name);
		if (previous != null) {
			this.headers.remove(name);
		}
		return previous;
	}

	@Override
	public void clear() {
		for (String name : this.headers.names()) {
			this.headers.remove(name);
		}
	}

	@Override
	public Set<Map.Entry<String, List<String>>> entrySet() {
		return new AbstractSet<>() {
			@Override
			public Iterator<Map.Entry<String, List<String>>> iterator() {
				return new EntryIterator(new ArrayList<>(MongooseHeadersAdapter.this.headers.names()));
			}

			@Override
			public int size() {
				return MongooseHeadersAdapter.this.size();
			}
		};
	}

	@Override
	public String toString() {
		return this.headers.toString();
	}

	/** Iterates over the names present when it was made; {@code remove()} removes a name's values. */
	private final class EntryIterator implements Iterator<Map.Entry<String, List<String>>> {

		private final List<String> names;

		private int next;

		EntryIterator(List<String> names) {
			this.names = names;
		}

		@Override
		public boolean hasNext() {
			return this.next < this.names.size();
		}

		@Override
		public Map.Entry<String, List<String>> next() {
			if (!hasNext()) {
				throw new NoSuchElementException();
			}
			String name = this.names.get(this.next++);
			return new Entry(name);
		}

		@Override
		public void remove() {
			if (this.next == 0) {
				throw new IllegalStateException();
			}
			MongooseHeadersAdapter.this.headers.remove(this.names.get(this.next - 1));
		}
	}

	/** One name and its values, read when asked; {@code setValue} replaces them. */
	private final class Entry implements Map.Entry<String, List<String>> {

		private final String name;

		Entry(String name) {
			this.name = name;
		}

		@Override
		public String getKey() {
			return this.name;
		}

		@Override
		public List<String> getValue() {
			return MongooseHeadersAdapter.this.headers.getAll(this.name);
		}

		@Override
		public List<String> setValue(List<String> value) {
			List<String> previous = getValue();
			MongooseHeadersAdapter.this.put(this.name, value);
			return previous;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof Map.Entry<?, ?> e && this.name.equals(e.getKey()) && getValue().equals(e.getValue());
		}

		@Override
		public int hashCode() {
			return this.name.hashCode() ^ getValue().hashCode();
		}
	}
}
