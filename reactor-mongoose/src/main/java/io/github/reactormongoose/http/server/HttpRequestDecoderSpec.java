/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

/**
 * How the server reads request heads, as Reactor Netty's {@code HttpRequestDecoderSpec}: given to
 * {@link HttpServer#httpRequestDecoder(java.util.function.Function)} with the server's current
 * settings, changed there, and returned.
 *
 * <pre>{@code
 * HttpServer.create().httpRequestDecoder(spec -> spec.maxInitialLineLength(8192).maxHeaderSize(32768))
 * }</pre>
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>Setting</th><th>Default</th><th>When exceeded</th></tr>
 * <tr><td>{@link #maxInitialLineLength(int)}: the request line, without its CRLF</td>
 * <td>{@link #maxHeaderSize()}</td><td>414, connection closed</td></tr>
 * <tr><td>{@link #maxHeaderSize(int)}: request line plus headers
 * ({@link HttpServer#maxHeaderSize(int)})</td><td>{@value HttpServer#DEFAULT_MAX_HEADER_SIZE}</td>
 * <td>431, connection closed</td></tr>
 * </table>
 * The checks are made in the native layer before any handler runs. Unlike Netty, headers are
 * always validated ({@link #validateHeaders(boolean) validateHeaders(false)} is refused), a
 * second {@code Content-Length} header is always answered 400
 * ({@link #allowDuplicateContentLengths(boolean) allowDuplicateContentLengths(true)} is
 * refused), and
 * {@link #initialBufferSize(int)}, {@link #maxChunkSize(int)} and
 * {@link #h2cMaxContentLength(int)} are accepted so that Reactor Netty code compiles, but change
 * nothing: Mongoose sizes its own buffers, a chunked body reaches the handler as it arrives,
 * whatever its chunk sizes, and there is no HTTP/2. Not thread-safe: a spec is filled in by one
 * call.
 */
public final class HttpRequestDecoderSpec {

	private int maxInitialLineLength;
	private int maxHeaderSize;
	private int initialBufferSize = 128;
	private int maxChunkSize = 8192;
	private int h2cMaxContentLength;

	HttpRequestDecoderSpec(HttpServerConfig config) {
		this.maxHeaderSize = config.maxHeaderSize();
		this.maxInitialLineLength = config.requestLineLimit();
	}

	/**
	 * The longest request line ({@code GET /path?query HTTP/1.1}, without its CRLF) in bytes,
	 * 64..1048576; a longer one is answered 414 {@code URI Too Long} and the connection closed.
	 * By default it is as long as {@link #maxHeaderSize()}; a value above that has no effect
	 * (the whole head is limited by {@code maxHeaderSize}).
	 */
	public HttpRequestDecoderSpec maxInitialLineLength(int bytes) {
		if (bytes < 64 || bytes > 1024 * 1024) {
			throw new IllegalArgumentException("maxInitialLineLength must be 64..1048576: " + bytes);
		}
		this.maxInitialLineLength = bytes;
		return this;
	}

	/** The request line plus headers in bytes: {@link HttpServer#maxHeaderSize(int)}. */
	public HttpRequestDecoderSpec maxHeaderSize(int bytes) {
		HttpServer.checkMaxHeaderSize(bytes);
		this.maxHeaderSize = bytes;
		return this;
	}

	/**
	 * {@code false} only (Netty's default): a request with two {@code Content-Length} headers,
	 * even of one value, is answered 400 and its connection closed (Mongoose's parser refuses a
	 * second {@code Content-Length}, {@code Transfer-Encoding}, {@code Authorization} or
	 * {@code Connection} header).
	 * @throws IllegalArgumentException for {@code true}
	 */
	public HttpRequestDecoderSpec allowDuplicateContentLengths(boolean allow) {
		if (allow) {
			throw new IllegalArgumentException("allowDuplicateContentLengths(true) is not supported: "
					+ "a second Content-Length header is always answered 400");
		}
		return this;
	}

	/**
	 * {@code true} only: requests are always checked against RFC 9112 (malformed names, control
	 * bytes in values, framing), the checks that keep requests from being smuggled.
	 * @throws IllegalArgumentException for {@code false}
	 */
	public HttpRequestDecoderSpec validateHeaders(boolean validate) {
		if (!validate) {
			throw new IllegalArgumentException(
					"validateHeaders(false) is not supported: reactor-mongoose always validates request heads (RFC 9112)");
		}
		return this;
	}

	/** Accepted for Reactor Netty's code (must be positive); Mongoose sizes its buffers itself. */
	public HttpRequestDecoderSpec initialBufferSize(int bytes) {
		if (bytes <= 0) {
			throw new IllegalArgumentException("initialBufferSize must be positive: " + bytes);
		}
		this.initialBufferSize = bytes;
		return this;
	}

	/**
	 * Accepted for Reactor Netty's code (must be positive; deprecated there); a chunked body
	 * reaches the handler in the pieces it is read in, whatever its chunk sizes.
	 */
	public HttpRequestDecoderSpec maxChunkSize(int bytes) {
		if (bytes <= 0) {
			throw new IllegalArgumentException("maxChunkSize must be positive: " + bytes);
		}
		this.maxChunkSize = bytes;
		return this;
	}

	/** Accepted for Reactor Netty's code (must not be negative); there is no HTTP/2 (h2c). */
	public HttpRequestDecoderSpec h2cMaxContentLength(int bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("h2cMaxContentLength must not be negative: " + bytes);
		}
		this.h2cMaxContentLength = bytes;
		return this;
	}

	/** The longest request line: the one set, else {@link #maxHeaderSize()}. */
	public int maxInitialLineLength() {
		return maxInitialLineLength > 0 ? maxInitialLineLength : maxHeaderSize;
	}

	public int maxHeaderSize() {
		return maxHeaderSize;
	}

	/** Always {@code false}. */
	public boolean allowDuplicateContentLengths() {
		return false;
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

	public int h2cMaxContentLength() {
		return h2cMaxContentLength;
	}

	/** The request line limit as set ({@code 0}: none of its own). */
	int requestLineLimit() {
		return maxInitialLineLength;
	}

	@Override
	public String toString() {
		return "HttpRequestDecoderSpec[maxInitialLineLength=" + maxInitialLineLength() + ", maxHeaderSize=" + maxHeaderSize
				+ "]";
	}
}
