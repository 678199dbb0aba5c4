/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.github.reactormongoose.http.HttpHeaders;

/**
 * An incremental, strict HTTP/1.1 response parser (RFC 9112): status line, header fields,
 * then a body framed by {@code Content-Length}, chunked coding (extensions ignored, trailer
 * fields kept: {@link #trailers()}) or the end of the connection. Interim 1xx responses are skipped (101 is
 * final when the request asked for an upgrade); HEAD, 204 and 304 have no body. Fed on the poll
 * thread with the bytes of each read; throws a {@link MalformedResponseException} subtype on
 * the first violation, after which the connection must be closed.
 */
final class ResponseParser {

	/** What the parser found. Body views are valid only during the call. */
	interface Listener {
		void onHead(int status, String version, String reason, HttpHeaders headers);

		void onBody(ByteBuffer buf, int offset, int length);

		/** The response is complete. */
		void onEnd();
	}

	private enum State {
		HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_CRLF, TRAILERS, UNTIL_CLOSE, DONE
	}

	/** What every status line begins with. */
	private static final byte[] VERSION_PREFIX = "HTTP/1.".getBytes(StandardCharsets.ISO_8859_1);

	/**
	 * Most interim (1xx) responses taken before the final one, as the JDK's client: a server
	 * that sends them for ever would hold the request for ever, each byte counting as an answer.
	 */
	static final int MAX_INTERIM = 8;

	/** Longest chunk-size line accepted (size and extensions). */
	static final int MAX_CHUNK_LINE = 4096;

	private static final HttpHeaders NO_TRAILERS = HttpHeaders.received(List.of(), List.of());

	private int maxHeaderSize = 8192;
	private int maxStatusLine = 8192;
	private boolean duplicateLengths = true;
	private int maxHeaders = 100;
	private Listener listener;
	private State state = State.DONE;
	private HttpHeaders trailers = NO_TRAILERS;
	private boolean headRequest;
	private boolean upgrade;
	private byte[] head = new byte[512];
	private int headLen;
	private int lineStart;
	private long remaining;
	private int status;
	/** The code of the head's status line, checked when that line ended ({@link #statusLine}). */
	private int lineCode;
	private boolean received;
	/** Interim responses skipped for the expected response. */
	private int interim;
	private boolean keepAlive;
	/** The end of the input being fed ({@link #feed}): bytes from a response's end to it follow the response. */
	private int feedEnd;
	/** The body is gzip as a transfer coding (Transfer-Encoding: gzip, chunked). */
	private boolean transferGzip;

	ResponseParser() {
		this.listener = NONE;
	}

	private static final Listener NONE = new Listener() {
		@Override
		public void onHead(int status, String version, String reason, HttpHeaders headers) {
		}

		@Override
		public void onBody(ByteBuffer buf, int offset, int length) {
		}

		@Override
		public void onEnd() {
		}
	};

	/**
	 * Expects a new response, to a request with {@code method}, reported to {@code listener};
	 * with {@code upgrade}, 101 is the final response; the head (and the trailers) may have at
	 * most {@code maxHeaderSize} bytes and {@code maxHeaders} fields, the status line
	 * {@code maxStatusLine} bytes (0: the head's limit); {@code duplicateLengths}: repeated
	 * {@code Content-Length} values that are equal count as one.
	 */
	void expect(String method, boolean upgrade, int maxHeaderSize, int maxStatusLine, int maxHeaders,
			boolean duplicateLengths, Listener listener) {
		this.listener = listener;
		this.maxHeaderSize = maxHeaderSize;
		this.maxStatusLine = maxStatusLine > 0 ? Math.min(maxStatusLine, maxHeaderSize) : maxHeaderSize;
		this.duplicateLengths = duplicateLengths;
		this.maxHeaders = maxHeaders;
		this.received = false;
		this.interim = 0;
		this.headRequest = method.equals("HEAD");
		this.upgrade = upgrade;
		startHead();
	}

	/** Whether no byte of the expected response has arrived yet. */
	boolean nothingReceived() {
		return !received;
	}

	private void startHead() {
		trailers = NO_TRAILERS;
		state = State.HEAD;
		headLen = 0;
		lineStart = 0;
		status = 0;
	}

	/** The trailer fields of the response's chunked body (none for another body), once it is done. */
	HttpHeaders trailers() {
		return trailers;
	}

	/** Whether a complete response was parsed. */
	boolean isDone() {
		return state == State.DONE;
	}

	/** Whether the head of the response has been parsed (body may follow). */
	boolean headSeen() {
		return state != State.HEAD && status != 0;
	}

	/** Whether the body has the transfer coding gzip before chunked, which the reader must decode. */
	boolean transferGzip() {
		return transferGzip;
	}

	/** Whether the connection may carry another request after this response (valid once done). */
	boolean keepAlive() {
		return keepAlive;
	}

	/**
	 * Parses {@code buf[offset, offset + length)}.
	 * @return how many bytes were consumed: less than {@code length} only when the response
	 *     ended before the input did
	 */
	int feed(ByteBuffer buf, int offset, int length) {
		int p = offset;
		int end = offset + length;
		feedEnd = end;
		received |= length > 0;
		while (p < end && state != State.DONE) {
			switch (state) {
				case HEAD:
				case TRAILERS:
					p = headBytes(buf, p, end);
					break;
				case LENGTH: {
					int n = (int) Math.min(remaining, end - p);
					listener.onBody(buf, p, n);
					p += n;
					remaining -= n;
					if (remaining == 0) {
						finish(p);
					}
					break;
				}
				case UNTIL_CLOSE:
					listener.onBody(buf, p, end - p);
					p = end;
					break;
				case CHUNK_SIZE:
				case CHUNK_CRLF:
					p = lineBytes(buf, p, end);
					break;
				case CHUNK_DATA: {
					int n = (int) Math.min(remaining, end - p);
					listener.onBody(buf, p, n);
					p += n;
					remaining -= n;
					if (remaining == 0) {
						state = State.CHUNK_CRLF;
						headLen = 0;
					}
					break;
				}
				default:
					throw new IllegalStateException(state.name());
			}
		}
		return p - offset;
	}

	/**
	 * The connection ended. Completes a read-until-close body.
	 * @throws PrematureCloseException if a response was expected or unfinished
	 */
	void eof() {
		if (state == State.UNTIL_CLOSE) {
			feedEnd = 0;
			finish(0);
			return;
		}
		if (state == State.DONE) {
			return;
		}
		throw new PrematureCloseException(!received
				? "Connection closed before the response head arrived"
				: state == State.HEAD ? "Connection closed in the middle of the response head"
						: "Connection closed in the middle of the response body (" + describe() + ")");
	}

	private String describe() {
		switch (state) {
			case LENGTH: return remaining + " bytes of Content-Length missing";
			case TRAILERS: return "in the trailers";
			default: return "in a chunk";
		}
	}

	/**
	 * The response ended at {@code p} of the input being fed. Bytes after it in the same read
	 * are no response of ours (RFC 9112 6.3: never to be taken for the next one): the connection
	 * is not kept, and this is known before {@link Listener#onEnd()} hands it back to the pool,
	 * where a request chained on the end (concatMap) could take it at once.
	 */
	private void finish(int p) {
		state = State.DONE;
		if (p < feedEnd) {
			keepAlive = false;
		}
		listener.onEnd();
	}

	// ---- head and trailers: collected up to CRLF CRLF ----

	private int headBytes(ByteBuffer buf, int p, int end) {
		while (p < end) {
			byte b = buf.get(p++);
			if (headLen == maxHeaderSize) {
				throw state == State.HEAD && lineStart == 0
						? new MalformedStatusLineException("Status line longer than " + maxHeaderSize + " bytes")
						: new HeadersTooLargeException("Response " + (state == State.HEAD ? "head" : "trailers")
								+ " larger than " + maxHeaderSize + " bytes");
			}
			if (headLen == head.length) {
				head = java.util.Arrays.copyOf(head, Math.min(maxHeaderSize, head.length * 2));
			}
			head[headLen++] = b;
			if (state == State.HEAD && lineStart == 0 && b != '\n' && headLen > maxStatusLine + 1) {
				throw new MalformedStatusLineException("Status line longer than " + maxStatusLine + " bytes");
			}
			if (state == State.HEAD && lineStart == 0 && headLen <= VERSION_PREFIX.length && b != '\r' && b != '\n'
					&& b != VERSION_PREFIX[headLen - 1]) {
				// not HTTP: a mail server's greeting, an SSH banner (the wrong port), which would
				// wait for us without ever sending the blank line that ends a head
				throw new MalformedStatusLineException("Malformed status line: "
						+ printable(new String(head, 0, headLen, StandardCharsets.ISO_8859_1)));
			}
			if (b == '\n') {
				int contentEnd = headLen - 1;
				if (contentEnd > lineStart && head[contentEnd - 1] == '\r') {
					contentEnd--;
				}
				if (state == State.HEAD && lineStart == 0 && contentEnd > 0) {
					// judged as soon as it ends, not when the head does: a peer that sent one
					// line that is not a status line may wait for us
					lineCode = statusLine(new String(head, 0, contentEnd, StandardCharsets.ISO_8859_1));
				}
				if (contentEnd == lineStart) { // empty line: end of head or trailers
					if (state == State.HEAD) {
						if (lineStart == 0) {
							throw new MalformedStatusLineException("Empty line where the status line was expected");
						}
						parseHead();
						if (state == State.DONE) { // a response without a body
							finish(p);
						}
					}
					else {
						trailers = fields(lines(), 0, "trailer");
						finish(p);
					}
					return p;
				}
				lineStart = headLen;
			}
		}
		return p;
	}

	private void parseHead() {
		List<String> lines = lines();
		String statusLine = lines.get(0);
		int code = lineCode; // the line was checked when it ended, before the rest of the head came
		// a higher HTTP/1 minor version is taken as HTTP/1.1 (RFC 9110 2.5), as Netty and the JDK do
		String version = statusLine.startsWith("HTTP/1.0") ? "HTTP/1.0" : "HTTP/1.1";
		String reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
		HttpHeaders headers = fields(lines, 1, "header");
		if (code < 200 && !(code == 101 && upgrade)) {
			if (++interim > MAX_INTERIM) {
				throw new MalformedResponseException("Too many interim (1xx) responses: more than " + MAX_INTERIM);
			}
			startHead(); // interim response (100 Continue, 103 Early Hints): the final one follows
			return;
		}
		status = code;
		boolean http10 = version.equals("HTTP/1.0");
		keepAlive = http10 ? headers.containsToken("Connection", "keep-alive") : !headers.containsToken("Connection", "close");
		if (http10 && headers.contains("Transfer-Encoding")) {
			// HTTP/1.0 has no transfer codings: the framing is faulty, the message is read (as
			// chunked here) and the connection closed after it (RFC 9112 6.1), keep-alive or not
			keepAlive = false;
		}
		framing(code, headers);
		listener.onHead(code, version, reason, headers);
	}

	/**
	 * The status code of {@code statusLine}, checked.
	 * @throws MalformedStatusLineException if it is not {@code HTTP/1.x NNN [reason]} or too long
	 */
	private int statusLine(String statusLine) {
		if (statusLine.length() > maxStatusLine) {
			throw new MalformedStatusLineException("Status line longer than " + maxStatusLine + " bytes");
		}
		// HTTP-version SP 3DIGIT SP [reason]; a missing SP before an empty reason is tolerated
		if (statusLine.length() < 12 || !statusLine.startsWith("HTTP/1.") || statusLine.charAt(8) != ' '
				|| !Character.isDigit(statusLine.charAt(7))) {
			throw new MalformedStatusLineException("Malformed status line: " + printable(statusLine));
		}
		int code = 0;
		for (int i = 9; i < 12; i++) {
			char c = statusLine.charAt(i);
			if (c < '0' || c > '9') {
				throw new MalformedStatusLineException("Malformed status code: " + printable(statusLine));
			}
			code = code * 10 + (c - '0');
		}
		// 600 to 999 are invalid but used (RFC 9110 15: processed as a server error): the caller sees them
		if (code < 100 || (statusLine.length() > 12 && statusLine.charAt(12) != ' ')) {
			throw new MalformedStatusLineException("Malformed status line: " + printable(statusLine));
		}
		// reason-phrase = *( HTAB / SP / VCHAR / obs-text ) (RFC 9112 4): no bare CR (2.2), NUL or other control
		for (int i = 13; i < statusLine.length(); i++) {
			char c = statusLine.charAt(i);
			if ((c < ' ' && c != '\t') || c == 127) {
				throw new MalformedStatusLineException("Control character in the reason phrase: " + printable(statusLine));
			}
		}
		return code;
	}

	/**
	 * The {@code kind} ("header" or "trailer") fields of {@code lines} from {@code from} on,
	 * checked: at most {@code maxHeaders} of them, each well-formed.
	 */
	private HttpHeaders fields(List<String> lines, int from, String kind) {
		int count = 0; // fields, not lines: an obs-fold continuation is part of the field before it
		for (int i = from; i < lines.size(); i++) {
			if (i == from || !lines.get(i).startsWith(" ") && !lines.get(i).startsWith("\t")) {
				count++;
			}
		}
		if (count > maxHeaders) {
			throw new HeadersTooLargeException("Response has " + count + " " + kind + " fields, more than maxHeaders ("
					+ maxHeaders + "; HttpClient.maxHeaders, httpResponseDecoder's maxHeaderCount)");
		}
		List<String> names = new ArrayList<>(Math.max(0, lines.size() - from));
		List<String> values = new ArrayList<>(Math.max(0, lines.size() - from));
		for (int i = from; i < lines.size(); i++) {
			String line = lines.get(i);
			if (!values.isEmpty() && (line.startsWith(" ") || line.startsWith("\t"))) {
				// obsolete line folding: a user agent replaces it with SP (RFC 9112 5.2)
				int last = values.size() - 1;
				values.set(last, (values.get(last) + " " + checkedValue(line.strip(), line)).strip());
				continue;
			}
			int colon = line.indexOf(':');
			if (colon <= 0) {
				throw new MalformedResponseException("Malformed header line: " + printable(line));
			}
			for (int k = 0; k < colon; k++) {
				char c = line.charAt(k);
				if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
					throw new MalformedResponseException("Malformed header name (obsolete folding or whitespace): "
							+ printable(line));
				}
			}
			names.add(line.substring(0, colon));
			values.add(checkedValue(line.substring(colon + 1).strip(), line));
		}
		return HttpHeaders.received(names, values);
	}

	/** {@code value}, refused if it holds a CR or NUL (RFC 9110 5.5: reject or replace; Netty rejects). */
	private static String checkedValue(String value, String line) {
		if (value.indexOf('\r') >= 0 || value.indexOf('\0') >= 0) {
			throw new MalformedResponseException("Header value with a CR or NUL: " + printable(line));
		}
		return value;
	}

	private void framing(int code, HttpHeaders headers) {
		List<String> te = headers.getAll("Transfer-Encoding");
		List<String> cl = headers.getAll("Content-Length");
		if (!te.isEmpty() && !cl.isEmpty()) {
			throw new AmbiguousFramingException("Response has both Content-Length and Transfer-Encoding");
		}
		if (headRequest || code == 204 || code == 304 || code == 101) {
			state = State.DONE;
			return;
		}
		transferGzip = false;
		if (!te.isEmpty()) {
			// empty list elements ("chunked, ", ", gzip") are no codings (RFC 9110 5.6.1: a
			// recipient ignores them); a value with none at all ("," or nothing, where split gives
			// no element) names no framing that could be trusted
			List<String> codings = new ArrayList<>();
			for (String c : String.join(",", te).split(",")) {
				if (!c.isBlank()) {
					codings.add(c.strip());
				}
			}
			if (codings.isEmpty()) {
				throw new MalformedResponseException("Transfer-Encoding without a transfer coding: "
						+ printable(String.join(",", te)));
			}
			String last = codings.get(codings.size() - 1);
			if (last.equalsIgnoreCase("chunked")) {
				// the codings before chunked are the body's too (RFC 9112 6.1): gzip once is
				// decoded, anything else cannot be
				for (int i = 0; i < codings.size() - 1; i++) {
					String c = codings.get(i);
					if (!transferGzip && (c.equalsIgnoreCase("gzip") || c.equalsIgnoreCase("x-gzip"))) {
						transferGzip = true;
					}
					else {
						throw new MalformedResponseException("Transfer-Encoding " + String.join(",", te)
								+ " is not supported (chunked, after gzip at most)");
					}
				}
				state = State.CHUNK_SIZE;
				headLen = 0;
			}
			else {
				state = State.UNTIL_CLOSE; // RFC 9112 6.3: not chunked last, read until close
				keepAlive = false;
			}
			return;
		}
		if (!cl.isEmpty()) {
			long length = -1;
			for (String v : cl) {
				for (String part : v.split(",", -1)) {
					long n = parseLength(part.strip());
					if (length >= 0 && n != length) {
						throw new AmbiguousFramingException("Response has different Content-Length values: " + cl);
					}
					if (length >= 0 && !duplicateLengths) {
						throw new AmbiguousFramingException("Response has more than one Content-Length: " + cl
								+ " (allowDuplicateContentLengths is false)");
					}
					length = n;
				}
			}
			remaining = length;
			state = length == 0 ? State.DONE : State.LENGTH;
			return;
		}
		state = State.UNTIL_CLOSE;
		keepAlive = false;
	}

	private static long parseLength(String s) {
		if (s.isEmpty() || s.length() > 18) {
			throw new MalformedResponseException("Invalid Content-Length: " + printable(s));
		}
		long n = 0;
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c < '0' || c > '9') {
				throw new MalformedResponseException("Invalid Content-Length: " + printable(s));
			}
			n = n * 10 + (c - '0');
		}
		return n;
	}

	private List<String> lines() {
		List<String> out = new ArrayList<>();
		int start = 0;
		for (int i = 0; i < headLen; i++) {
			if (head[i] == '\n') {
				int e = i > start && head[i - 1] == '\r' ? i - 1 : i;
				if (e > start) {
					out.add(new String(head, start, e - start, StandardCharsets.ISO_8859_1));
				}
				start = i + 1;
			}
		}
		return out;
	}

	// ---- chunk-size lines and the CRLF after chunk data ----

	private int lineBytes(ByteBuffer buf, int p, int end) {
		while (p < end) {
			byte b = buf.get(p++);
			if (state == State.CHUNK_CRLF) {
				if ((headLen == 0 && b == '\r') || b == '\n') {
					if (b == '\n') {
						state = State.CHUNK_SIZE;
						headLen = 0;
						return p;
					}
					headLen = 1;
					continue;
				}
				throw new ChunkFramingException("Chunk data not followed by CRLF");
			}
			if (b == '\n') {
				chunkSize();
				return p;
			}
			if (headLen == MAX_CHUNK_LINE) {
				throw new ChunkFramingException("Chunk-size line longer than " + MAX_CHUNK_LINE + " bytes");
			}
			if (headLen == head.length) {
				head = java.util.Arrays.copyOf(head, Math.max(head.length * 2, MAX_CHUNK_LINE));
			}
			head[headLen++] = b;
		}
		return p;
	}

	private void chunkSize() {
		int e = headLen > 0 && head[headLen - 1] == '\r' ? headLen - 1 : headLen;
		long size = 0;
		int i = 0;
		for (; i < e; i++) {
			int d = Character.digit(head[i], 16);
			if (d < 0) {
				break;
			}
			if (size > (Long.MAX_VALUE >> 4)) {
				throw new ChunkFramingException("Chunk size overflows");
			}
			size = (size << 4) | d;
		}
		if (i == 0) {
			throw new ChunkFramingException("Malformed chunk-size line: "
					+ printable(new String(head, 0, e, StandardCharsets.ISO_8859_1)));
		}
		// only whitespace before ';' and the extensions (ignored) may follow the size
		for (int k = i; k < e; k++) {
			if (head[k] == ';') {
				break;
			}
			if (head[k] != ' ' && head[k] != '\t') {
				throw new ChunkFramingException("Malformed chunk-size line: "
						+ printable(new String(head, 0, e, StandardCharsets.ISO_8859_1)));
			}
		}
		headLen = 0;
		if (size == 0) {
			state = State.TRAILERS;
			lineStart = 0;
			return;
		}
		remaining = size;
		state = State.CHUNK_DATA;
	}

	private static String printable(String s) {
		String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
		StringBuilder b = new StringBuilder(t.length() + 2).append('"');
		for (int i = 0; i < t.length(); i++) {
			char c = t.charAt(i);
			b.append(c < ' ' || c >= 127 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
		}
		return b.append('"').toString();
	}
}
