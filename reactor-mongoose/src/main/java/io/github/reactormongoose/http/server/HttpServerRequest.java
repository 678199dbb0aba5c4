/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.ByteArrayMono;
import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.http.HttpHeaders;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An HTTP request. The handler runs as soon as the head has arrived; the body streams
 * through {@link #receive()} as it arrives (a small body that came with the head is already
 * there). Reading follows demand: while nobody reads, the connection stops reading and TCP
 * pushes back on the client. The body publishers error with
 * {@link io.github.reactormongoose.ConnectionClosedException} if the client goes away before
 * the body is complete.
 */
public interface HttpServerRequest {

	/** The method, e.g. {@code GET}. */
	String method();

	/** The request target as sent: path plus query, still percent-encoded. */
	String uri();

	/** The decoded path, without the query. */
	String path();

	/** The decoded path, without the query, as Reactor Netty's {@code fullPath()}: the same as {@link #path()}. */
	default String fullPath() {
		return path();
	}

	/** The raw query string (without {@code ?}), empty if none. */
	String query();

	/** Decoded query parameters, in order; values of repeated names kept. */
	Map<String, List<String>> queryParams();

	/** The first value of a query parameter, or {@code null}. */
	default @Nullable String queryParam(String name) {
		List<String> v = queryParams().get(name);
		return v == null || v.isEmpty() ? null : v.get(0);
	}

	/** A path variable captured by a route such as {@code /users/{id}}, or {@code null}. */
	@Nullable String param(String name);

	/** All captured path variables. */
	Map<String, String> params();

	/** {@code HTTP/1.1} or {@code HTTP/1.0}. */
	String protocol();

	/** The request headers (read-only). */
	HttpHeaders requestHeaders();

	/**
	 * The request's cookies ({@code Cookie} headers): name to values, in order. Pairs without
	 * {@code =} or without a name are skipped; double quotes around a value are removed.
	 */
	default Map<String, List<String>> cookies() {
		return io.github.reactormongoose.http.Cookie.parseRequest(requestHeaders().getAll("Cookie"));
	}

	/** The first value of the cookie {@code name}, or {@code null}. */
	default @Nullable String cookie(String name) {
		List<String> v = cookies().get(name);
		return v == null || v.isEmpty() ? null : v.get(0);
	}

	/** Whether the connection stays open after this exchange. */
	boolean isKeepAlive();

	/** Whether this is a WebSocket upgrade request. */
	boolean isWebsocket();

	InetSocketAddress remoteAddress();

	/** {@code https} on a server with {@code secure(...)} (the connection is TLS), else {@code http}. */
	default String scheme() {
		return "http";
	}

	InetSocketAddress hostAddress();

	/**
	 * The host the client addressed, as Reactor Netty's {@code hostName()}: from the
	 * {@code Host} header (with {@code forwarded(true)}, from what the proxy forwarded, if it
	 * did), else the server's own address; an IPv6 literal keeps its brackets.
	 */
	default String hostName() {
		return hostAddress().getHostString();
	}

	/**
	 * The port the client addressed, as Reactor Netty's {@code hostPort()}: from the same
	 * source as {@link #hostName()}; a {@code Host} header without a port means the scheme's
	 * (80 or 443).
	 */
	default int hostPort() {
		return hostAddress().getPort();
	}

	/**
	 * The connection's own peer, as Reactor Netty's {@code connectionRemoteAddress()}: the
	 * socket's (or the client a PROXY protocol header named), not what {@code forwarded(true)}
	 * made of {@link #remoteAddress()}.
	 */
	default InetSocketAddress connectionRemoteAddress() {
		return remoteAddress();
	}

	/**
	 * The server's own address on this connection, as Reactor Netty's
	 * {@code connectionHostAddress()}: not what {@code forwarded(true)} made of {@link #hostAddress()}.
	 */
	default InetSocketAddress connectionHostAddress() {
		return hostAddress();
	}

	/**
	 * {@code https} when the connection is TLS, else {@code http}, as Reactor Netty's
	 * {@code connectionScheme()}: not what {@code forwarded(true)} made of {@link #scheme()}.
	 */
	default String connectionScheme() {
		return scheme();
	}

	/**
	 * The certificate chain the client authenticated with, as it sent it (its own certificate
	 * first, then what it added: intermediates, sometimes the root), on a server with
	 * {@code TlsSpec.clientAuth(REQUIRE)} or {@code OPTIONAL} (checked against the trusted CA
	 * during the handshake); empty without TLS or without a client certificate. Not affected by
	 * forwarded headers. The Spring adapter gives it as {@code SslInfo.getPeerCertificates()}.
	 */
	default java.util.List<java.security.cert.X509Certificate> peerCertificates() {
		return java.util.List.of();
	}

	/** The id of the Mongoose connection the request came on. */
	long connectionId();

	/** A unique id for logs: {@code <connection id>-<request number on it>}. */
	String requestId();

	/**
	 * When the request arrived, as Reactor Netty's {@code timestamp()}: the time the poll that
	 * read its head returned (to the millisecond, in the system's time zone). For how long a
	 * request waited before its handler ran, or a log line's time of arrival.
	 */
	java.time.ZonedDateTime timestamp();

	/**
	 * The body as it arrives, in read-only buffers of at most 128 KiB. Single subscriber: a
	 * second subscription gets an {@link IllegalStateException}. A body that is not read by
	 * the time the response ends is discarded (up to {@link HttpServer#maxDiscardedBodySize(long)},
	 * then the connection closes); a subscriber still reading then gets an error.
	 * <p>
	 * A {@code Flux<ByteBuffer>} with Reactor Netty's conversions: {@code receive().asString()}
	 * (text as it arrives, a character split between buffers decoded whole) and
	 * {@code receive().aggregate()}, which is {@link #receiveBytes()}, with its limit
	 * ({@code receive().aggregate().asString()}).
	 */
	ByteBufferFlux receive();

	/**
	 * The whole body, gathered in memory up to {@link HttpServer#maxAggregatedBodySize(long)};
	 * a larger body fails with {@link RequestBodyTooLargeException} (answered with 413 if it
	 * reaches the server and the response has not started): a body whose {@code Content-Length}
	 * says so before it is read. An empty body is an empty array. The same as
	 * {@code receive().aggregate()}; consumes the body (single subscriber, as {@link #receive()}).
	 */
	ByteArrayMono receiveBytes();

	/** The whole body decoded with {@code charset}; same limit as {@link #receiveBytes()}. */
	Mono<String> receiveString(Charset charset);

	/** The whole body as UTF-8 text. */
	default Mono<String> receiveString() {
		return receiveString(java.nio.charset.StandardCharsets.UTF_8);
	}

	/**
	 * The trailer fields of a chunked request body, as the client's
	 * {@code HttpClientResponse.trailerHeaders()}: what a client knows only once it has sent
	 * the body, such as a checksum of it. Emitted once the body has arrived to its end (read,
	 * or discarded after the response): read the body first,
	 * {@code req.receive().reduce(...).zipWith(req.trailerHeaders())}, or subscribe to both: the
	 * body is not read while nobody reads it. Empty when the body had none, or was not
	 * chunked. An error when the body cannot end (the connection closed, a read timeout).
	 * The fields are as the client sent them, read-only; the section is limited with the head
	 * ({@link HttpServer#maxHeaderSize(int)}), and a malformed or oversized one is answered
	 * with 400 (the body fails with it).
	 */
	Mono<HttpHeaders> trailerHeaders();

	/** Whether the body is an {@code application/x-www-form-urlencoded} form. */
	default boolean isFormUrlencoded() {
		String type = requestHeaders().get("Content-Type");
		return type != null && FormDecoder.mediaType(type).equals("application/x-www-form-urlencoded");
	}

	/** Whether the body is a {@code multipart/form-data} form. */
	default boolean isMultipart() {
		String type = requestHeaders().get("Content-Type");
		return type != null && FormDecoder.mediaType(type).equals("multipart/form-data");
	}

	/**
	 * The body decoded as a form ({@code application/x-www-form-urlencoded} or
	 * {@code multipart/form-data}), one {@link FormPart} per field or file, in order, each
	 * emitted once its content is complete, with the server's
	 * {@link HttpServer#httpFormDecoder form decoder settings}. Decoding streams: a part's
	 * content beyond {@link FormDecoderSpec#maxInMemorySize(long)} goes to a temporary file,
	 * deleted when the exchange ends. Parts are emitted on the decoder's
	 * {@linkplain FormDecoderSpec#scheduler(reactor.core.scheduler.Scheduler) scheduler}
	 * (default {@code boundedElastic}). Fails with {@link FormDecodingException}: 415 if the body
	 * is not a form, 400 if it is malformed, 413 over a limit; a handler that lets it propagate
	 * gets that status. Consumes the body (single subscriber, as {@link #receive()}).
	 */
	default Flux<FormPart> receiveForm() {
		return receiveForm(spec -> { });
	}

	/** {@link #receiveForm()} with this request's own changes to the server's decoder settings. */
	Flux<FormPart> receiveForm(java.util.function.Consumer<? super FormDecoderSpec> customizer);
}
