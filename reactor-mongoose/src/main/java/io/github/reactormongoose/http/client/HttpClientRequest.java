/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.util.List;
import java.util.Map;

import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.HttpHeaders;
import reactor.util.context.ContextView;

/**
 * A request as the lifecycle hooks of {@link HttpClient} see it
 * ({@link HttpClient#doOnRequest}, {@link HttpClient#doAfterRequest},
 * {@link HttpClient#doOnRequestError}), and as the function of
 * {@code send((req, out) -> ...)} gets it
 * ({@link HttpClient.RequestSender#send(java.util.function.BiFunction)}):
 * one per request sent, so a followed redirect is a new one. Hooks run on the poll thread of
 * the request's loop and must not block; the send function runs before, off the poll thread.
 * What {@code doOnRequest} may set (headers, cookies, trailers, the response timeout) the send
 * function may set too, while it runs.
 */
public interface HttpClientRequest {

	/** The method, {@code GET}, {@code POST}... */
	String method();

	/** The absolute URI of this request. */
	String uri();

	/**
	 * The request's headers. In {@link HttpClient#doOnRequest} and the send function they can still
	 * be changed (a trace header, a signature): what the hook leaves is what is sent. Later, a
	 * read-only copy.
	 */
	HttpHeaders requestHeaders();

	/**
	 * Sets a header, replacing its values, as Reactor Netty's {@code header}: the same as
	 * {@code requestHeaders().set(name, value)}, so in {@link HttpClient#doOnRequest}, the send function and a
	 * redirect's request consumer ({@link HttpClient#followRedirect(boolean, java.util.function.Consumer)})
	 * only; later the headers are read-only ({@link UnsupportedOperationException}).
	 */
	default HttpClientRequest header(String name, String value) {
		requestHeaders().set(name, value);
		return this;
	}

	/** Adds a header value, keeping the others, as Reactor Netty's {@code addHeader}; where {@link #header} may be called. */
	default HttpClientRequest addHeader(String name, String value) {
		requestHeaders().add(name, value);
		return this;
	}

	/**
	 * Adds {@code cookie} to the request's {@code Cookie} header (as Reactor Netty's
	 * {@code addCookie}): its name and value, joined with {@code "; "} to the cookies already
	 * there, since a user agent sends one {@code Cookie} header (RFC 6265 §5.4). Its attributes
	 * are not sent. In {@link HttpClient#doOnRequest} and the send function only: elsewhere (the request already
	 * written) it throws {@link IllegalStateException}.
	 */
	HttpClientRequest addCookie(Cookie cookie);

	/**
	 * Trailer fields for the end of a streamed (chunked) request body, as
	 * {@code HttpServerResponse.trailerHeaders} for responses: {@code callback} runs once the
	 * body's last buffer has gone out, for what is known only then, such as a checksum of the
	 * body. Only names the request declared in its {@code Trailer} header are sent
	 * ({@code requestHeaders().set("Trailer", "Digest-SHA256")}), never framing, routing or
	 * content-format fields. A body with a {@code Content-Length} (a {@code Mono}, or a length
	 * set in the headers) has no trailer section: the callback does not run. A callback that
	 * throws fails the request with its exception (the connection is closed: the body cannot
	 * end). Calls add up, in order. In {@link HttpClient#doOnRequest} and the send function only:
	 * elsewhere (the request already written) it throws {@link IllegalStateException}. Read on the server with
	 * {@code HttpServerRequest.trailerHeaders()}.
	 */
	HttpClientRequest trailerHeaders(java.util.function.Consumer<? super HttpHeaders> callback);

	/**
	 * The cookies this request sends ({@code Cookie} header): name to values, in order, read as
	 * {@link io.github.reactormongoose.http.server.HttpServerRequest#cookies()} reads them.
	 */
	default Map<String, List<String>> cookies() {
		return Cookie.parseRequest(requestHeaders().getAll("Cookie"));
	}

	/** How many redirects were followed before this request. */
	int redirects();

	/**
	 * This request's response timeout, replacing the client's
	 * {@link HttpClient#responseTimeout(java.time.Duration)} (as Reactor Netty's): set it in
	 * {@link HttpClient#doOnRequest} or the send function, e.g. from a header or the Reactor context. Elsewhere (the
	 * request already written) it throws {@link IllegalStateException}.
	 */
	HttpClientRequest responseTimeout(java.time.Duration timeout);

	/** The Reactor context of the subscriber that sent the request (trace, MDC...). */
	ContextView currentContextView();
}
