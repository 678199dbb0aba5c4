/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * One Server-Sent Event. {@link #encode()} gives the wire form: optional {@code id},
 * {@code event}, {@code retry} and {@code :comment} lines, one {@code data:} line per line of
 * data (CR, LF and CRLF all split lines), and a blank line.
 *
 * @param id the event id, or {@code null}
 * @param event the event type, or {@code null}
 * @param data the data (may span lines), or {@code null}
 * @param retry reconnection time in ms, or {@code null}
 * @param comment a comment, or {@code null}
 */
public record ServerSentEvent(@Nullable String id, @Nullable String event, @Nullable String data, @Nullable Long retry,
		@Nullable String comment) {

	public ServerSentEvent {
		checkSingleLine(id, "id");
		checkSingleLine(event, "event");
		if (retry != null && retry < 0) {
			throw new IllegalArgumentException("retry must be >= 0");
		}
	}

	/** An event with only data. */
	public static ServerSentEvent of(String data) {
		return new ServerSentEvent(null, null, data, null, null);
	}

	public static Builder builder() {
		return Builder.EMPTY;
	}

	/** The UTF-8 wire form of the event, ending with a blank line. */
	public byte[] encode() {
		StringBuilder b = new StringBuilder();
		if (comment != null) {
			for (String line : comment.split("\r\n|\r|\n", -1)) {
				b.append(':').append(line).append('\n');
			}
		}
		if (id != null) {
			field(b, "id", id);
		}
		if (event != null) {
			field(b, "event", event);
		}
		if (retry != null) {
			b.append("retry:").append(retry).append('\n');
		}
		if (data != null) {
			for (String line : data.split("\r\n|\r|\n", -1)) {
				field(b, "data", line);
			}
		}
		b.append('\n');
		return b.toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * One {@code name:value} line. A receiver drops one space after the colon (the SSE parsing
	 * rules), so a value that starts with a space gets one more, which keeps its own.
	 */
	private static void field(StringBuilder b, String name, String value) {
		b.append(name).append(':');
		if (value.startsWith(" ")) {
			b.append(' ');
		}
		b.append(value).append('\n');
	}

	private static void checkSingleLine(String s, String what) {
		if (s != null && (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0)) {
			throw new IllegalArgumentException("SSE " + what + " must be a single line");
		}
	}

	/**
	 * Builder of {@link ServerSentEvent}; immutable like the library's other builders: every
	 * option returns a new builder, so a partly filled one can be shared and reused.
	 */
	public static final class Builder {
		private static final Builder EMPTY = new Builder(new ServerSentEvent(null, null, null, null, null));

		private final ServerSentEvent e;

		private Builder(ServerSentEvent e) {
			this.e = e;
		}

		public Builder id(String id) {
			return new Builder(new ServerSentEvent(id, e.event(), e.data(), e.retry(), e.comment()));
		}

		public Builder event(String event) {
			return new Builder(new ServerSentEvent(e.id(), event, e.data(), e.retry(), e.comment()));
		}

		public Builder data(String data) {
			return new Builder(new ServerSentEvent(e.id(), e.event(), data, e.retry(), e.comment()));
		}

		public Builder retry(long millis) {
			return new Builder(new ServerSentEvent(e.id(), e.event(), e.data(), millis, e.comment()));
		}

		public Builder comment(String comment) {
			return new Builder(new ServerSentEvent(e.id(), e.event(), e.data(), e.retry(), comment));
		}

		public ServerSentEvent build() {
			return e;
		}
	}
}
