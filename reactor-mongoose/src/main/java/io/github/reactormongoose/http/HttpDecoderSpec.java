/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http;

/**
 * What the request decoder of a server and the response decoder of a client share, as Reactor
 * Netty's {@code HttpDecoderSpec}: the limits of a message head, and the settings Netty has that
 * are accepted here so that its code compiles but change nothing ({@link #initialBufferSize(int)},
 * {@link #maxChunkSize(int)}). See
 * {@link io.github.reactormongoose.http.server.HttpRequestDecoderSpec} and
 * {@link io.github.reactormongoose.http.client.HttpResponseDecoderSpec}.
 *
 * @param <T> the spec itself, returned by every setter
 */
public abstract class HttpDecoderSpec<T extends HttpDecoderSpec<T>> {

	/** Set with {@link #maxInitialLineLength(int)}; 0: as long as the head. */
	private int maxInitialLineLength;
	private int maxHeaderSize;
	private int maxHeaderCount;
	private int initialBufferSize = 128;
	private int maxChunkSize = 8192;

	/** A spec with the current settings: {@code maxInitialLineLength} 0 means none of its own. */
	protected HttpDecoderSpec(int maxHeaderSize, int maxInitialLineLength, int maxHeaderCount) {
		this.maxHeaderSize = maxHeaderSize;
		this.maxInitialLineLength = maxInitialLineLength;
		this.maxHeaderCount = maxHeaderCount;
	}

	@SuppressWarnings("unchecked")
	private T self() {
		return (T) this;
	}

	/** Throws {@link IllegalArgumentException} for a head limit this side does not take. */
	protected abstract void checkMaxHeaderSize(int bytes);

	/** Throws {@link IllegalArgumentException} for a header line count this side does not take. */
	protected abstract void checkMaxHeaderCount(int count);

	/** {@code "request"} or {@code "response"}, for the messages of refusals. */
	protected abstract String messageKind();

	/**
	 * The longest first line of a message (a request line or a status line, without its CRLF) in
	 * bytes, 64..1048576. By default it is as long as {@link #maxHeaderSize()}; a value above that
	 * has no effect (the whole head is limited by {@code maxHeaderSize}).
	 */
	public T maxInitialLineLength(int bytes) {
		if (bytes < 64 || bytes > 1024 * 1024) {
			throw new IllegalArgumentException("maxInitialLineLength must be 64..1048576: " + bytes);
		}
		this.maxInitialLineLength = bytes;
		return self();
	}

	/** The first line plus the header fields, in bytes. */
	public T maxHeaderSize(int bytes) {
		checkMaxHeaderSize(bytes);
		this.maxHeaderSize = bytes;
		return self();
	}

	/**
	 * The most header fields (lines) of a head, however short they are; Reactor Netty has no such
	 * limit, only {@link #maxHeaderSize(int)}. The name follows Netty's {@code maxHeaderSize}
	 * (and Tomcat's {@code maxHeaderCount}).
	 */
	public T maxHeaderCount(int count) {
		checkMaxHeaderCount(count);
		this.maxHeaderCount = count;
		return self();
	}

	/**
	 * {@code true} only: heads are always checked (RFC 9112 field syntax, framing), the checks
	 * that keep messages from being smuggled.
	 * @throws IllegalArgumentException for {@code false}
	 */
	public T validateHeaders(boolean validate) {
		if (!validate) {
			throw new IllegalArgumentException("validateHeaders(false) is not supported: reactor-mongoose always validates "
					+ messageKind() + " heads");
		}
		return self();
	}

	/** Accepted for Reactor Netty's code (must be positive); the buffers are sized by the library itself. */
	public T initialBufferSize(int bytes) {
		if (bytes <= 0) {
			throw new IllegalArgumentException("initialBufferSize must be positive: " + bytes);
		}
		this.initialBufferSize = bytes;
		return self();
	}

	/**
	 * Accepted for Reactor Netty's code (must be positive; deprecated there); a body is handed on
	 * in the pieces it is read in, whatever its chunk sizes.
	 */
	public T maxChunkSize(int bytes) {
		if (bytes <= 0) {
			throw new IllegalArgumentException("maxChunkSize must be positive: " + bytes);
		}
		this.maxChunkSize = bytes;
		return self();
	}

	/** Whether {@code Content-Length} headers of one value count as one. */
	public abstract T allowDuplicateContentLengths(boolean allow);

	/** The longest first line: the one set, else {@link #maxHeaderSize()}. */
	public int maxInitialLineLength() {
		return maxInitialLineLength > 0 ? maxInitialLineLength : maxHeaderSize;
	}

	public int maxHeaderSize() {
		return maxHeaderSize;
	}

	public int maxHeaderCount() {
		return maxHeaderCount;
	}

	/** Always {@code true}. */
	public boolean validateHeaders() {
		return true;
	}

	public int initialBufferSize() {
		return initialBufferSize;
	}

	public int maxChunkSize() {
		return maxChunkSize;
	}

	public abstract boolean allowDuplicateContentLengths();

	/** {@link #maxInitialLineLength(int)} as set; 0: none of its own. */
	protected int firstLineLimit() {
		return maxInitialLineLength;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[maxInitialLineLength=" + maxInitialLineLength() + ", maxHeaderSize="
				+ maxHeaderSize + ", maxHeaderCount=" + maxHeaderCount + ", allowDuplicateContentLengths=" + allowDuplicateContentLengths() + "]";
	}
}
