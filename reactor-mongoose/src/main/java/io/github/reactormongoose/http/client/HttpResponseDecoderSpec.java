/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import io.github.reactormongoose.http.HttpDecoderSpec;

/**
 * How the client reads response heads, as Reactor Netty's {@code HttpResponseDecoderSpec}: given
 * to {@link HttpClient#httpResponseDecoder(java.util.function.Function)} with the client's current
 * settings, changed there, and returned. The usual reason to call it, as with Reactor Netty, is a
 * server whose response headers are larger than the default 8 KiB:
 *
 * <pre>{@code
 * HttpClient.create().httpResponseDecoder(spec -> spec.maxHeaderSize(32 * 1024))
 * }</pre>
 *
 * <table>
 * <caption>Settings</caption>
 * <tr><th>Setting</th><th>Default</th><th>When exceeded</th></tr>
 * <tr><td>{@link #maxInitialLineLength(int)}: the status line, without its CRLF</td>
 * <td>{@link #maxHeaderSize()}</td><td>{@link MalformedStatusLineException}</td></tr>
 * <tr><td>{@link #maxHeaderSize(int)}: status line plus headers, and a trailer section
 * ({@link HttpClient#maxHeaderSize(int)})</td><td>8192</td><td>{@link HeadersTooLargeException}</td></tr>
 * <tr><td>{@link #maxHeaderCount(int)}: header fields of the head, and of a trailer section
 * ({@link HttpClient#maxHeaders(int)})</td><td>{@value HttpClient#DEFAULT_MAX_HEADERS}</td>
 * <td>{@link HeadersTooLargeException}</td></tr>
 * <tr><td>{@link #allowDuplicateContentLengths(boolean)}</td><td>{@code true}</td>
 * <td>{@code false}: a second {@code Content-Length} (or a list) fails with
 * {@link AmbiguousFramingException}; with {@code true} only values that differ do</td></tr>
 * </table>
 * The request fails with that exception and the connection is closed. Unlike Netty, headers are
 * always validated ({@link #validateHeaders(boolean) validateHeaders(false)} is refused), and
 * {@link #initialBufferSize(int)}, {@link #maxChunkSize(int)}, {@link #failOnMissingResponse(boolean)}
 * and {@link #parseHttpAfterConnectRequest(boolean)} are accepted so that Reactor Netty code compiles,
 * but change nothing: the client sizes its own buffers, hands a body on as it is read, always fails
 * a request whose connection closes before the response ({@link PrematureCloseException}), and
 * reads a proxy's answer to {@code CONNECT} apart. Not thread-safe: a spec is filled in by one call.
 */
public final class HttpResponseDecoderSpec extends HttpDecoderSpec<HttpResponseDecoderSpec> {

	private boolean allowDuplicateContentLengths;
	private boolean failOnMissingResponse;
	private boolean parseHttpAfterConnectRequest;

	HttpResponseDecoderSpec(ClientConfig config) {
		super(config.maxHeaderSize, config.maxStatusLine, config.maxHeaders);
		this.allowDuplicateContentLengths = config.allowDuplicateContentLengths;
	}

	@Override
	protected void checkMaxHeaderSize(int bytes) {
		HttpClient.checkMaxHeaderSize(bytes);
	}

	@Override
	protected void checkMaxHeaderCount(int count) {
		HttpClient.checkMaxHeaders(count);
	}

	/**
	 * The most header fields of a response head, and of a trailer section (default
	 * {@value HttpClient#DEFAULT_MAX_HEADERS}; a field folded over several lines counts once): a
	 * response with more fails with {@link HeadersTooLargeException} naming the limit. The same
	 * setting as {@link HttpClient#maxHeaders(int)}.
	 */
	@Override
	public HttpResponseDecoderSpec maxHeaderCount(int count) {
		return super.maxHeaderCount(count);
	}

	@Override
	protected String messageKind() {
		return "response";
	}

	/**
	 * The longest status line ({@code HTTP/1.1 200 OK}, without its CRLF) in bytes, 64..1048576;
	 * a longer one fails the request with {@link MalformedStatusLineException}.
	 */
	@Override
	public HttpResponseDecoderSpec maxInitialLineLength(int bytes) {
		return super.maxInitialLineLength(bytes);
	}

	/**
	 * Whether {@code Content-Length} headers (or a list in one) that all have the same value are
	 * taken as one (RFC 9110 §8.6; default {@code true}). With {@code false} any second value fails
	 * the response with {@link AmbiguousFramingException}; values that differ always do.
	 */
	@Override
	public HttpResponseDecoderSpec allowDuplicateContentLengths(boolean allow) {
		this.allowDuplicateContentLengths = allow;
		return this;
	}

	@Override
	public boolean allowDuplicateContentLengths() {
		return allowDuplicateContentLengths;
	}

	/**
	 * Accepted for Reactor Netty's code: a connection that closes before its response always fails
	 * the request with {@link PrematureCloseException}, whatever this says.
	 */
	public HttpResponseDecoderSpec failOnMissingResponse(boolean fail) {
		this.failOnMissingResponse = fail;
		return this;
	}

	/** Accepted for Reactor Netty's code: a proxy's answer to {@code CONNECT} is read apart. */
	public HttpResponseDecoderSpec parseHttpAfterConnectRequest(boolean parse) {
		this.parseHttpAfterConnectRequest = parse;
		return this;
	}

	public boolean failOnMissingResponse() {
		return failOnMissingResponse;
	}

	public boolean parseHttpAfterConnectRequest() {
		return parseHttpAfterConnectRequest;
	}

	void applyTo(ClientConfig c) {
		c.maxStatusLine = firstLineLimit();
		c.maxHeaderSize = maxHeaderSize();
		c.maxHeaders = maxHeaderCount();
		c.allowDuplicateContentLengths = allowDuplicateContentLengths;
	}
}
