/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import io.github.reactormongoose.http.HttpDecoderSpec;

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
 * ({@link HttpServer#maxHeaderSize(int)}, 256..1048576)</td><td>{@value HttpServer#DEFAULT_MAX_HEADER_SIZE}</td>
 * <td>431, connection closed</td></tr>
 * <tr><td>{@link #maxHeaderCount(int)}: header lines, however short
 * (1..{@value HttpServer#MAX_HEADER_COUNT})</td><td>{@value HttpServer#DEFAULT_MAX_HEADER_COUNT}</td>
 * <td>431, connection closed</td></tr>
 * </table>
 * The checks are made in the native layer before any handler runs. Unlike Netty, headers are
 * always validated ({@link #validateHeaders(boolean) validateHeaders(false)} is refused), a
 * second {@code Content-Length} header is always answered 400
 * ({@link #allowDuplicateContentLengths(boolean) allowDuplicateContentLengths(true)} is
 * refused), and {@link #initialBufferSize(int)}, {@link #maxChunkSize(int)} and
 * {@link #h2cMaxContentLength(int)} are accepted so that Reactor Netty code compiles, but change
 * nothing: Mongoose sizes its own buffers, a chunked body reaches the handler as it arrives,
 * whatever its chunk sizes, and there is no HTTP/2. Not thread-safe: a spec is filled in by one
 * call.
 */
public final class HttpRequestDecoderSpec extends HttpDecoderSpec<HttpRequestDecoderSpec> {

	private int h2cMaxContentLength;

	HttpRequestDecoderSpec(HttpServerConfig config) {
		super(config.maxHeaderSize(), config.requestLineLimit(), config.maxHeaderCount());
	}

	@Override
	protected void checkMaxHeaderSize(int bytes) {
		HttpServer.checkMaxHeaderSize(bytes);
	}

	@Override
	protected void checkMaxHeaderCount(int count) {
		if (count < 1 || count > HttpServer.MAX_HEADER_COUNT) {
			throw new IllegalArgumentException("maxHeaderCount must be 1.." + HttpServer.MAX_HEADER_COUNT
					+ " (the native build parses at most " + HttpServer.MAX_HEADER_COUNT + " header lines): " + count);
		}
	}

	/**
	 * The most header lines of a request head, 1..{@value HttpServer#MAX_HEADER_COUNT} (default
	 * {@value HttpServer#DEFAULT_MAX_HEADER_COUNT}); a request with more is answered 431
	 * {@code Request Header Fields Too Large} ({@code too many request headers (more than N
	 * lines)}) and its connection closed, before any handler runs. The head is still bounded by
	 * {@link #maxHeaderSize(int)}.
	 */
	@Override
	public HttpRequestDecoderSpec maxHeaderCount(int count) {
		return super.maxHeaderCount(count);
	}

	@Override
	protected String messageKind() {
		return "request";
	}

	/**
	 * The longest request line ({@code GET /path?query HTTP/1.1}, without its CRLF) in bytes,
	 * 64..1048576; a longer one is answered 414 {@code URI Too Long} and the connection closed.
	 */
	@Override
	public HttpRequestDecoderSpec maxInitialLineLength(int bytes) {
		return super.maxInitialLineLength(bytes);
	}

	/**
	 * {@code false} only (Netty's default): a request with two {@code Content-Length} headers,
	 * even of one value, is answered 400 and its connection closed (Mongoose's parser refuses a
	 * second {@code Content-Length}, {@code Transfer-Encoding}, {@code Authorization} or
	 * {@code Connection} header).
	 * @throws IllegalArgumentException for {@code true}
	 */
	@Override
	public HttpRequestDecoderSpec allowDuplicateContentLengths(boolean allow) {
		if (allow) {
			throw new IllegalArgumentException("allowDuplicateContentLengths(true) is not supported: "
					+ "a second Content-Length header is always answered 400");
		}
		return this;
	}

	/** Always {@code false}. */
	@Override
	public boolean allowDuplicateContentLengths() {
		return false;
	}

	/** Accepted for Reactor Netty's code (must not be negative); there is no HTTP/2 (h2c). */
	public HttpRequestDecoderSpec h2cMaxContentLength(int bytes) {
		if (bytes < 0) {
			throw new IllegalArgumentException("h2cMaxContentLength must not be negative: " + bytes);
		}
		this.h2cMaxContentLength = bytes;
		return this;
	}

	public int h2cMaxContentLength() {
		return h2cMaxContentLength;
	}

	/** The request line limit as set ({@code 0}: none of its own). */
	int requestLineLimit() {
		return firstLineLimit();
	}
}
