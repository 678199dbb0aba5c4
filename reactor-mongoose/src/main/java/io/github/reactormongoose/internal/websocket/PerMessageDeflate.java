/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.websocket;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import io.github.reactormongoose.http.websocket.WebSocketFrame;
import org.jspecify.annotations.Nullable;

/**
 * permessage-deflate (RFC 7692): a server's answer to the client's
 * {@code Sec-WebSocket-Extensions} offers, a client's offer and its check of the answer, and
 * each message's inflating and deflating.
 *
 * <p>The server compresses each message on its own (a compressor may always leave its context
 * unused), so one {@link Deflater} per poll thread serves every session of the loop. The JDK's
 * {@code Deflater} has no smaller window than 32 KiB, yet a peer may limit the window to
 * 2<sup>n</sup> bytes ({@code server_max_window_bits=n} from a client, {@code client_max_window_bits=n}
 * from a server; a Python {@code websockets} server answers 12 by default): a message compressed on its
 * own refers back only within itself, so a message of at most 2<sup>n</sup> bytes keeps within
 * any such window. Under a limit, longer messages go uncompressed (each message may choose). The answer
 * names only parameters the client offered (RFC 7692 lets a server add
 * {@code client_no_context_takeover} and {@code server_no_context_takeover} to any offer, but
 * Netty's client fails an answer with a parameter it did not ask for). A client that offered
 * {@code client_no_context_takeover} compresses each message on its own too, and the poll
 * thread's {@link Inflater} serves it; one that did not may refer back to its earlier
 * messages, so its session keeps an {@code Inflater} of its own (about 40 KB of zlib state and
 * window, from its first compressed message to the end of the session). The price of no
 * context on our side is a lower ratio for runs of small messages that repeat each other.
 *
 * <p>A client cannot choose the server's terms: it offers
 * {@value #CLIENT_OFFER} and follows the answer (a server that keeps its context gets a
 * per-session {@link Inflater}; one that limits the client's window to 2<sup>n</sup> bytes gets
 * only messages of up to 2<sup>n</sup> bytes compressed).
 *
 * <p>The inflated size of a message is bounded like an uncompressed one (the server's
 * {@code maxWebsocketFrameSize}, the client's {@code maxFramePayloadLength}): a small message
 * that inflates past it fails the session with 1009 before more than that limit is produced.
 * Poll-thread use only.
 */
public final class PerMessageDeflate {

	/** RSV1 of a message's first frame (RFC 7692 section 6): the message is compressed. */
	public static final int RSV1 = 0x40;

	/** The extension's name in {@code Sec-WebSocket-Extensions}. */
	public static final String NAME = "permessage-deflate";

	/** What a client offers: any server window, and ours limited if the server asks. */
	public static final String CLIENT_OFFER = "permessage-deflate; client_max_window_bits";

	/** Messages shorter than this go uncompressed (RFC 7692 lets each message choose). */
	static final int MIN_SIZE = 64;

	/** What SYNC_FLUSH leaves at the end of a message, and the sender strips (section 7.2.1). */
	private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

	private static final ThreadLocal<Deflater> DEFLATER = ThreadLocal
			.withInitial(() -> new Deflater(Deflater.DEFAULT_COMPRESSION, true));

	private static final ThreadLocal<Inflater> INFLATER = ThreadLocal.withInitial(() -> new Inflater(true));

	/** Eight bytes of an array at any index, for {@link #isUtf8}'s ASCII runs. */
	private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

	private PerMessageDeflate() {
	}

	/** A message that cannot be inflated: the session fails with {@link #code()}. */
	public static final class Failure extends Exception {

		private static final long serialVersionUID = 1L;

		private final int code;

		Failure(int code, String reason) {
			super(reason, null, false, false);
			this.code = code;
		}

		public int code() {
			return code;
		}
	}

	/**
	 * One session's inflating: with the poll thread's inflater when the peer compresses each
	 * message on its own, else with an inflater of the session's (created at the first
	 * compressed message) that keeps the earlier messages as context. Poll thread only.
	 */
	public static final class SessionInflater {

		private final boolean peerKeepsContext;
		private @Nullable Inflater own;

		public SessionInflater(boolean peerKeepsContext) {
			this.peerKeepsContext = peerKeepsContext;
		}

		/** {@code data}, one compressed message, inflated within {@code max} bytes. */
		public byte[] inflate(byte[] data, int max) throws Failure {
			if (!peerKeepsContext) {
				return PerMessageDeflate.inflate(data, max);
			}
			if (own == null) {
				own = new Inflater(true);
			}
			return PerMessageDeflate.inflate(own, data, max);
		}

		/** Frees the session's inflater now (zlib's memory), not at the next GC. */
		public void end() {
			if (own != null) {
				own.end();
				own = null;
			}
		}
	}

	/**
	 * Whether {@code data} is valid UTF-8 (a text message, RFC 6455 section 8.1): the well-formed
	 * sequences of the Unicode standard's table 3-7, so no overlong forms, no surrogates, nothing
	 * above U+10FFFF, no sequence cut at the end. Checked in place, without decoding (a
	 * decoder would allocate two bytes of chars per byte of every text message).
	 */
	public static boolean isUtf8(byte[] data) {
		int i = 0;
		int n = data.length;
		while (i < n) {
			// eight ASCII bytes at once; where that fails, the next eight (or the sequence that
			// crosses them) byte by byte, so that mixed text does not probe at every character
			if (n - i >= 8 && ((long) LONGS.get(data, i) & 0x8080808080808080L) == 0) {
				i += 8;
				continue;
			}
			int stop = Math.min(n, i + 8);
			while (i < stop) {
				int b = data[i];
				if (b >= 0) {
					i++;
					continue;
				}
				b &= 0xff;
				int len;
				int lo = 0x80; // the range of the second byte (table 3-7)
				int hi = 0xBF;
				if (b >= 0xC2 && b <= 0xDF) {
					len = 2;
				}
				else if (b >= 0xE0 && b <= 0xEF) {
					len = 3;
					lo = b == 0xE0 ? 0xA0 : 0x80; // E0: no overlong form
					hi = b == 0xED ? 0x9F : 0xBF; // ED: no surrogate
				}
				else if (b >= 0xF0 && b <= 0xF4) {
					len = 4;
					lo = b == 0xF0 ? 0x90 : 0x80; // F0: no overlong form
					hi = b == 0xF4 ? 0x8F : 0xBF; // F4: nothing above U+10FFFF
				}
				else {
					return false; // a continuation byte, C0, C1 or F5..FF where a sequence starts
				}
				if (n - i < len) {
					return false;
				}
				int b1 = data[i + 1] & 0xff;
				if (b1 < lo || b1 > hi) {
					return false;
				}
				for (int k = 2; k < len; k++) {
					if ((data[i + k] & 0xC0) != 0x80) {
						return false;
					}
				}
				i += len;
			}
		}
		return true;
	}

	/**
	 * What a server's answer to {@link #CLIENT_OFFER} asks of a client.
	 * @param serverNoContext the server compresses each message on its own (else the client's
	 *        inflater keeps the previous messages as context)
	 * @param maxDeflated the longest message the client may compress: 2<sup>n</sup> bytes when
	 *        the server limits the client's window to n bits below 15, else no limit
	 * @param clientNoContext the server asked the client to compress each message on its own
	 *        ({@code client_no_context_takeover}; this client always does)
	 */
	public record ClientTerms(boolean serverNoContext, int maxDeflated, boolean clientNoContext) {
	}

	/**
	 * The terms of a server's {@code Sec-WebSocket-Extensions} answer to {@link #CLIENT_OFFER}.
	 * @throws IllegalArgumentException with the reason, for an answer the client must fail the
	 *         connection for (RFC 6455 section 4.1, RFC 7692 section 5): another extension, two
	 *         of them, an unknown or repeated parameter, or an invalid value
	 */
	public static ClientTerms clientTerms(String answer) {
		String[] extensions = answer.split(",");
		if (extensions.length != 1) {
			throw new IllegalArgumentException("the server accepted more than the one extension offered: " + answer);
		}
		String[] parts = extensions[0].split(";");
		if (parts.length == 0 || !parts[0].trim().equalsIgnoreCase(NAME)) { // ";" splits into no part at all
			throw new IllegalArgumentException("the server accepted an extension that was not offered: " + answer);
		}
		boolean serverNoContext = false;
		boolean clientNoContext = false;
		int serverBits = -1;
		int clientBits = -1;
		for (int i = 1; i < parts.length; i++) {
			String p = parts[i].trim();
			int eq = p.indexOf('=');
			String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
			String value = eq < 0 ? null : unquote(p.substring(eq + 1).trim());
			boolean ok = switch (name) {
				case "server_no_context_takeover" -> !serverNoContext && value == null && (serverNoContext = true);
				case "client_no_context_takeover" -> !clientNoContext && value == null && (clientNoContext = true);
				case "server_max_window_bits" -> serverBits < 0 && (serverBits = windowBits(value)) > 0;
				case "client_max_window_bits" -> clientBits < 0 && (clientBits = windowBits(value)) > 0;
				default -> false;
			};
			if (!ok) {
				throw new IllegalArgumentException("invalid permessage-deflate answer: " + answer);
			}
		}
		return new ClientTerms(serverNoContext, maxDeflated(clientBits), clientNoContext);
	}

	/**
	 * A server's acceptance of an offer.
	 * @param answer the {@code Sec-WebSocket-Extensions} value of the 101
	 * @param clientNoContext the client compresses each message on its own (it offered
	 *        {@code client_no_context_takeover}, or the server asked for it); else its messages
	 *        may refer to earlier ones
	 * @param maxDeflated the longest message the server may compress: 2<sup>n</sup> bytes when
	 *        the client limited the server's window to n bits below 15, else no limit
	 */
	public record ServerTerms(String answer, boolean clientNoContext, int maxDeflated) {
	}

	/**
	 * The acceptance of the first acceptable permessage-deflate offer among {@code offers} (the
	 * request's header values, each a comma-separated list), or {@code null} when there is none.
	 * An offer is refused when it has an unknown or repeated parameter or an invalid value. A
	 * {@code server_max_window_bits=n} below 15 is honoured by compressing only messages of up
	 * to 2<sup>n</sup> bytes (see the class comment).
	 * @param preferClientNoContext the answer asks the client to compress each message on its
	 *        own ({@code client_no_context_takeover}, which RFC 7692 section 7.1.1.2 lets a server
	 *        add to any offer), so that no session keeps an inflater of its own
	 */
	public static @Nullable ServerTerms negotiate(List<String> offers, boolean preferClientNoContext) {
		for (String header : offers) {
			for (String offer : header.split(",")) {
				ServerTerms terms = accept(offer, preferClientNoContext);
				if (terms != null) {
					return terms;
				}
			}
		}
		return null;
	}

	private static @Nullable ServerTerms accept(String offer, boolean preferClientNoContext) {
		String[] parts = offer.split(";");
		if (parts.length == 0 || !parts[0].trim().equalsIgnoreCase(NAME)) { // ";" splits into no part at all
			return null;
		}
		boolean serverNoContext = false;
		boolean clientNoContext = false;
		int serverBits = -1;
		boolean clientBits = false;
		for (int i = 1; i < parts.length; i++) {
			String p = parts[i].trim();
			if (p.isEmpty()) {
				return null;
			}
			int eq = p.indexOf('=');
			String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
			String value = eq < 0 ? null : unquote(p.substring(eq + 1).trim());
			switch (name) {
				case "server_no_context_takeover" -> {
					if (serverNoContext || value != null) {
						return null;
					}
					serverNoContext = true;
				}
				case "client_no_context_takeover" -> {
					if (clientNoContext || value != null) {
						return null;
					}
					clientNoContext = true;
				}
				case "server_max_window_bits" -> {
					// a limit on our window: honoured by the length of what we compress
					if (serverBits >= 0 || (serverBits = windowBits(value)) < 0) {
						return null;
					}
				}
				case "client_max_window_bits" -> {
					// the client's own limit (any value, or none): our Inflater reads every window
					if (clientBits || (value != null && windowBits(value) < 0)) {
						return null;
					}
					clientBits = true;
				}
				default -> {
					return null;
				}
			}
		}
		// only what was offered (Netty's client fails an answer with a parameter it did not ask
		// for, unless told to allow it), or client_no_context_takeover when preferred; we
		// compress each message on our own whatever the answer says
		clientNoContext |= preferClientNoContext;
		return new ServerTerms(NAME + (serverNoContext ? "; server_no_context_takeover" : "")
				+ (clientNoContext ? "; client_no_context_takeover" : "")
				+ (serverBits >= 0 ? "; server_max_window_bits=" + serverBits : ""), clientNoContext,
				maxDeflated(serverBits));
	}

	private static @Nullable String unquote(String v) {
		return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
	}

	/**
	 * The longest message that compressed on its own keeps within a window of {@code bits}
	 * (2<sup>bits</sup> bytes: its back-references cannot reach further than its own start);
	 * no limit for 15, the JDK's own window, or none ({@code -1}).
	 */
	static int maxDeflated(int bits) {
		return bits < 0 || bits >= 15 ? Integer.MAX_VALUE : 1 << bits;
	}

	/** 8..15, or -1 when {@code v} is not such a number. */
	private static int windowBits(@Nullable String v) {
		if (v == null || v.isEmpty() || v.length() > 2 || !v.chars().allMatch(Character::isDigit)) {
			return -1;
		}
		int bits = Integer.parseInt(v);
		return bits >= 8 && bits <= 15 ? bits : -1;
	}

	/**
	 * The message {@code data} (one compressed message, its frames' payloads joined) inflated,
	 * on its own (no context from earlier messages).
	 * @throws Failure 1009 when it inflates past {@code max} bytes (no more than that is
	 *         produced), 1007 when it is not a valid DEFLATE stream
	 */
	public static byte[] inflate(byte[] data, int max) throws Failure {
		Inflater inf = INFLATER.get();
		inf.reset();
		return inflate(inf, data, max);
	}

	/**
	 * {@link #inflate(byte[], int)} with {@code inf}, which keeps the earlier messages of the
	 * session as context (a peer without no_context_takeover may refer to them).
	 */
	public static byte[] inflate(Inflater inf, byte[] data, int max) throws Failure {
		if (inf.finished()) {
			inf.reset(); // the previous message ended the stream (BFINAL): no context to keep
		}
		inf.setInput(data);
		boolean tailGiven = false;
		byte[] out = new byte[Math.min(max + 1, Math.max(256, data.length * 4))];
		int n = 0;
		try {
			while (true) {
				if (n == out.length) {
					if (n > max) {
						throw new Failure(1009, "message larger than the limit once inflated");
					}
					out = Arrays.copyOf(out, (int) Math.min(max + 1L, out.length * 2L));
				}
				int r = inf.inflate(out, n, out.length - n);
				n += r;
				if (r > 0) {
					continue;
				}
				if (inf.finished()) {
					break; // a final block (BFINAL): nothing may follow it
				}
				if (inf.needsDictionary()) {
					throw new Failure(1007, "compressed message needs a preset dictionary");
				}
				if (!inf.needsInput()) {
					// the JDK says this does not happen with room left; never spin the poll thread on it
					throw new Failure(1007, "compressed message could not be inflated");
				}
				if (tailGiven) {
					break;
				}
				inf.setInput(TAIL);
				tailGiven = true;
			}
		}
		catch (DataFormatException e) {
			throw new Failure(1007, "invalid compressed message: " + e.getMessage());
		}
		if (n > max) {
			throw new Failure(1009, "message larger than the limit once inflated");
		}
		if (inf.finished() && inf.getRemaining() > 0) {
			throw new Failure(1007, "bytes after the end of a compressed message");
		}
		return n == out.length ? out : Arrays.copyOf(out, n);
	}

	/**
	 * The payload of {@code frame} as it is sent compressed (with RSV1), or {@code null} when it
	 * goes as it is: not a text or binary message, permessage-deflate not negotiated
	 * ({@code maxDeflated} 0), or {@link #deflate(byte[], int)} declines it. The one rule of the
	 * server's and the client's sessions.
	 * @param maxDeflated the terms' {@code maxDeflated}, 0 without permessage-deflate
	 */
	public static byte @Nullable [] deflate(WebSocketFrame frame, int maxDeflated) {
		WebSocketFrame.Type t = frame.type();
		return maxDeflated > 0 && (t == WebSocketFrame.Type.TEXT || t == WebSocketFrame.Type.BINARY)
				? deflate(frame.payload(), maxDeflated) : null;
	}

	/**
	 * {@code data} deflated as one message (no context kept), without the final
	 * {@code 00 00 ff ff}; {@code null} when compressing would not make it shorter, it is
	 * shorter than {@link #MIN_SIZE} or longer than {@code maxDeflated} (the peer's window
	 * limit, see {@link #maxDeflated(int)}): then it goes as it is, without RSV1.
	 */
	static byte @Nullable [] deflate(byte[] data, int maxDeflated) {
		if (data.length < MIN_SIZE || data.length > maxDeflated) {
			return null;
		}
		Deflater d = DEFLATER.get();
		d.reset();
		d.setInput(data);
		byte[] out = new byte[data.length + 64];
		int n = 0;
		while (true) {
			int r = d.deflate(out, n, out.length - n, Deflater.SYNC_FLUSH);
			n += r;
			if (n < out.length) {
				break; // SYNC_FLUSH left room: all input is out
			}
			out = Arrays.copyOf(out, out.length * 2);
		}
		if (n < TAIL.length || !Arrays.equals(out, n - TAIL.length, n, TAIL, 0, TAIL.length)) {
			throw new IllegalStateException("SYNC_FLUSH did not end with 00 00 ff ff");
		}
		n -= TAIL.length;
		return n < data.length ? Arrays.copyOf(out, n) : null;
	}
}
