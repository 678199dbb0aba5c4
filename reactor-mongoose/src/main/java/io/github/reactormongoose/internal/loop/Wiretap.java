/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A wiretap's settings ({@code wiretap(...)} of the servers and clients) and its log lines,
 * in the shape of Netty's {@code LoggingHandler}: {@code [id: 12, L:/127.0.0.1:8080 -
 * R:/127.0.0.1:40312] READ: 78B} and the bytes. The bytes come from the native side
 * ({@code RMG_EV_WIRE} records of a channel with {@link Channel#wiretap(Wiretap)}): what each
 * socket read gave and what the socket took, before encryption on TLS. Runs on the poll
 * thread. Equal settings are equal (the HTTP client's pools are keyed by them).
 */
public final class Wiretap {

	private static final char[] HEX = "0123456789abcdef".toCharArray();
	private static final String NL = System.lineSeparator();

	private final String category;
	private final LogLevel level;
	private final AdvancedByteBufFormat format;
	private final Charset charset;

	private Wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		this.category = category;
		this.level = level;
		this.format = format;
		this.charset = charset;
	}

	/** The settings of {@code wiretap(...)}; the defaults are DEBUG, HEX_DUMP and UTF-8. */
	public static Wiretap of(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		Objects.requireNonNull(category, "category");
		Objects.requireNonNull(level, "level");
		Objects.requireNonNull(format, "format");
		Objects.requireNonNull(charset, "charset");
		if (category.isBlank()) {
			throw new IllegalArgumentException("wiretap category must not be blank");
		}
		return new Wiretap(category, level, format, charset);
	}

	/** {@code wiretap(true)}: the class's name as the category, DEBUG, HEX_DUMP; {@code false}: none. */
	public static @Nullable Wiretap of(boolean enable, Class<?> owner) {
		return enable ? of(owner.getName(), LogLevel.DEBUG, AdvancedByteBufFormat.HEX_DUMP, StandardCharsets.UTF_8) : null;
	}

	/**
	 * A connection opened (accepted, or connected), or a UDP socket (its {@code remote} only
	 * when connected): its label from now on, and an ACTIVE line.
	 */
	void active(Channel c, @Nullable InetSocketAddress local, @Nullable InetSocketAddress remote) {
		c.wireLabel = "[id: " + c.id() + ", L:" + local + (remote != null ? " - R:" + remote : "") + "]";
		Logger log = logger();
		if (enabled(log)) {
			write(log, c.wireLabel + " ACTIVE");
		}
	}

	/**
	 * Bytes a read gave ({@code written} false) or the socket took; for a datagram, received
	 * from or sent to {@code peer} (null: a connection, or a connected socket's peer).
	 */
	void bytes(Channel c, boolean written, @Nullable InetSocketAddress peer, ByteBuffer b, int off, int len) {
		Logger log = logger();
		if (!enabled(log)) {
			return;
		}
		StringBuilder sb = new StringBuilder(format == AdvancedByteBufFormat.HEX_DUMP ? 80 + len * 5 : 64 + len);
		sb.append(label(c)).append(written ? " WRITE: " : " READ: ").append(len).append('B');
		if (peer != null) {
			sb.append(written ? " to " : " from ").append(peer);
		}
		if (format == AdvancedByteBufFormat.HEX_DUMP) {
			hexDump(sb, b, off, len);
		}
		else if (format == AdvancedByteBufFormat.TEXTUAL) {
			byte[] bytes = new byte[len];
			b.get(off, bytes);
			sb.append(NL).append(new String(bytes, charset));
		}
		write(log, sb.toString());
	}

	/**
	 * A half-close of a raw TCP connection, under the name of Netty's user event: the peer's FIN
	 * ended reading ({@code input}: ChannelInputShutdownEvent, a half-closing connection only;
	 * elsewhere the FIN closes it) or our own FIN went out (ChannelOutputShutdownEvent,
	 * {@code shutdownOutput()}).
	 */
	void shutdown(Channel c, boolean input) {
		Logger log = logger();
		if (enabled(log)) {
			write(log, label(c) + (input ? " USER_EVENT: ChannelInputShutdownEvent" : " USER_EVENT: ChannelOutputShutdownEvent"));
		}
	}

	/** The connection is gone. */
	void inactive(Channel c) {
		Logger log = logger();
		if (enabled(log)) {
			write(log, label(c) + " INACTIVE");
		}
	}

	/** Looked up per line, as the access log's: follows {@code Loggers.useCustomLoggers} and the like. */
	private Logger logger() {
		return Loggers.getLogger(category);
	}

	private static String label(Channel c) {
		String l = c.wireLabel;
		return l != null ? l : "[id: " + c.id() + "]";
	}

	private boolean enabled(Logger log) {
		return switch (level) {
			case TRACE -> log.isTraceEnabled();
			case DEBUG -> log.isDebugEnabled();
			case INFO -> log.isInfoEnabled();
			case WARN -> log.isWarnEnabled();
			case ERROR -> log.isErrorEnabled();
		};
	}

	private void write(Logger log, String line) {
		switch (level) {
			case TRACE -> log.trace(line);
			case DEBUG -> log.debug(line);
			case INFO -> log.info(line);
			case WARN -> log.warn(line);
			case ERROR -> log.error(line);
		}
	}

	/** Netty's table: offset, 16 bytes in hex, the same bytes as ASCII ('.' for the others). */
	private static void hexDump(StringBuilder sb, ByteBuffer b, int off, int len) {
		sb.append(NL).append("         +-------------------------------------------------+")
				.append(NL).append("         |  0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f |")
				.append(NL).append("+--------+-------------------------------------------------+----------------+");
		for (int row = 0; row < len; row += 16) {
			int n = Math.min(16, len - row);
			sb.append(NL).append('|');
			for (int shift = 28; shift >= 0; shift -= 4) {
				sb.append(HEX[(row >>> shift) & 0xf]);
			}
			sb.append('|');
			for (int i = 0; i < 16; i++) {
				if (i < n) {
					int v = b.get(off + row + i) & 0xff;
					sb.append(' ').append(HEX[v >>> 4]).append(HEX[v & 0xf]);
				}
				else {
					sb.append("   ");
				}
			}
			sb.append(" |");
			for (int i = 0; i < 16; i++) {
				if (i < n) {
					int v = b.get(off + row + i) & 0xff;
					sb.append(v >= 0x20 && v < 0x7f ? (char) v : '.');
				}
				else {
					sb.append(' ');
				}
			}
			sb.append('|');
		}
		sb.append(NL).append("+--------+-------------------------------------------------+----------------+");
	}

	@Override
	public boolean equals(@Nullable Object o) {
		return o instanceof Wiretap w && category.equals(w.category) && level == w.level && format == w.format
				&& charset.equals(w.charset);
	}

	@Override
	public int hashCode() {
		return Objects.hash(category, level, format, charset);
	}

	@Override
	public String toString() {
		return "Wiretap[" + category + ", " + level + ", " + format + ", " + charset + "]";
	}
}
