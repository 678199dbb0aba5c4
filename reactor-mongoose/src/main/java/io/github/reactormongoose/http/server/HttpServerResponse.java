/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An HTTP response. Status and headers may change until the first send commits them.
 * <p>
 * Bodies are binary-safe, and their shape is chosen by the method, not guessed:
 * <ul>
 * <li>{@link #sendWhole(Publisher)} joins every buffer and writes one response with
 * {@code Content-Length};</li>
 * <li>{@link #sendStream(Publisher)} writes each buffer as it arrives: chunked, unless the
 * application set {@code Content-Length}; for an HTTP/1.0 request the body ends when the
 * connection closes;</li>
 * <li>{@link #send(Publisher)}, {@link #sendString(Publisher)} and
 * {@link #sendByteArray(Publisher)} send a {@link Mono} as a whole body and any other
 * publisher (a one-item {@code Flux.just(x)} included) as a stream.</li>
 * </ul>
 * The exchange ends when the handler's publisher completes; a handler that sent nothing gets
 * an empty response. Every send may be called from any thread.
 */
public interface HttpServerResponse {

	/**
	 * Sets the status code (default 200): a final one, 200 to 999. A 1xx is refused with
	 * {@link IllegalArgumentException}: it is an interim answer after which the client waits for
	 * the final one. Once the head is sent ({@link #hasSentHeaders()}), the status, like the
	 * headers, can no longer change: {@link IllegalStateException}, as in Reactor Netty.
	 */
	HttpServerResponse status(int status);

	int status();

	/**
	 * Sets a header, replacing previous values. Rejects CR, LF and NUL; after the head is sent,
	 * {@link IllegalStateException}.
	 */
	HttpServerResponse header(String name, String value);

	/**
	 * Adds a header value, keeping previous ones (e.g. several {@code Set-Cookie}); after the
	 * head is sent, {@link IllegalStateException}.
	 */
	HttpServerResponse addHeader(String name, String value);

	/** Adds a {@code Set-Cookie} header for {@code cookie} (one per cookie, as RFC 6265 wants). */
	default HttpServerResponse addCookie(io.github.reactormongoose.http.Cookie cookie) {
		return addHeader("Set-Cookie", cookie.encode());
	}

	/** The mutable response headers. */
	HttpHeaders responseHeaders();

	/** Forces {@code Connection: close} after this response when {@code false}. */
	HttpServerResponse keepAlive(boolean keepAlive);

	/** Whether the status line and headers were already written. */
	boolean hasSentHeaders();

	/** Sends the headers and an empty body. */
	Mono<Void> send();

	/**
	 * Sends the body buffers: a {@link Mono} as a whole body ({@link #sendWhole}), any other
	 * publisher streamed ({@link #sendStream}). Each buffer is read, not retained, once
	 * written.
	 */
	default Mono<Void> send(Publisher<? extends ByteBuffer> body) {
		return body instanceof Mono ? sendWhole(body) : sendStream(body);
	}

	/**
	 * Streams the body buffers ({@link #sendStream}), as Reactor Netty's
	 * {@code send(body, flushOn)}, a {@link Mono} too. Every buffer is written as soon as it
	 * arrives, which is what {@code b -> true} asks of Reactor Netty; this server has no
	 * write batching for {@code flushOn} to control, so it is not consulted.
	 */
	default Mono<Void> send(Publisher<? extends ByteBuffer> body, Predicate<? super ByteBuffer> flushOn) {
		Objects.requireNonNull(flushOn, "flushOn");
		return sendStream(body);
	}

	/**
	 * Sends the buffers of {@code body} as one whole body: they are joined once the publisher
	 * completes, then the headers (with {@code Content-Length}) and the body are written
	 * together and the response ends. An empty publisher sends an empty body. For HEAD the
	 * publisher is still subscribed, to measure the length. The publisher must be finite. If
	 * a streamed send already committed the headers, the bytes continue that stream instead.
	 * A body over 256 KiB is handed to the connection a slice at a time as the client reads
	 * (a slow reader holds a slice of native memory, not a copy of the body); the returned
	 * {@code Mono} completes once the last slice is handed over, or fails with
	 * {@link io.github.reactormongoose.ConnectionClosedException} if the client leaves first.
	 */
	Mono<Void> sendWhole(Publisher<? extends ByteBuffer> body);

	/**
	 * Streams the buffers of {@code body}, each written as soon as it arrives while the send
	 * buffer is below its high-water mark: {@code Transfer-Encoding: chunked}, unless the
	 * application set {@code Content-Length} (then exactly that many bytes must follow); for
	 * an HTTP/1.0 request, no length and the connection closes after the body. The response
	 * stays open for further streamed sends until the handler completes. For HEAD only the
	 * headers are written and {@code body} is not subscribed.
	 * <p>
	 * The status line and headers go out when the send starts, as Reactor Netty sends them for
	 * a {@code Flux} body: with the first buffers if the publisher has them at once, else
	 * right away, so a client sees the response begin before a slow first item (an SSE stream,
	 * a long poll). A {@link Mono} body waits for its buffer, so that an error before it still
	 * becomes a 500; once the headers are out, an error closes the connection.
	 */
	Mono<Void> sendStream(Publisher<? extends ByteBuffer> body);

	/**
	 * Writes the status line and headers now, as Reactor Netty's {@code sendHeaders()}: framed
	 * for a body that may follow with {@link #sendStream}, {@link #sendFile} or
	 * {@link #sendWhole} ({@code Transfer-Encoding: chunked}, unless {@code Content-Length} was
	 * set). Completes at once if they were already sent; fails with
	 * {@link IllegalStateException} after the response ended. Without a body the response ends
	 * when the handler completes (an empty chunked body).
	 */
	Mono<Void> sendHeaders();

	/**
	 * Trailer fields of a chunked response, as Reactor Netty's {@code trailerHeaders}: the
	 * callback runs on the poll thread when the body has ended, and what it sets goes after the
	 * last chunk (RFC 9112 section 7.1.2): a checksum or a status of a body streamed before it
	 * was known. Only names the response declared in its {@code Trailer} header are sent
	 * ({@code header("Trailer", "Checksum")}), and never framing, routing or content-format
	 * fields ({@code Content-Length}, {@code Transfer-Encoding}, {@code Trailer}, {@code Host},
	 * {@code Content-Type}, {@code Content-Encoding}, {@code Content-Range}, {@code TE}); a
	 * response framed by {@code Content-Length} (a whole body) has no trailer section, so the
	 * callback does not run. A callback that throws sends no trailers (logged); the response
	 * still ends normally. Calls add up, in order.
	 */
	HttpServerResponse trailerHeaders(Consumer<? super HttpHeaders> trailerHeaders);

	/** Sends byte arrays: a {@link Mono} as a whole body, any other publisher streamed. */
	default Mono<Void> sendByteArray(Publisher<byte[]> body) {
		if (body instanceof Mono<byte[]> m) {
			return sendWhole(WholeBody.map(m, ByteBuffer::wrap));
		}
		return sendStream(Flux.from(body).map(ByteBuffer::wrap));
	}

	/** Sends strings encoded in UTF-8: a {@link Mono} as a whole body, any other publisher streamed. */
	default Mono<Void> sendString(Publisher<String> body) {
		return sendString(body, java.nio.charset.StandardCharsets.UTF_8);
	}

	/** Sends strings encoded with {@code charset}: a {@link Mono} as a whole body, any other publisher streamed. */
	default Mono<Void> sendString(Publisher<String> body, Charset charset) {
		Function<String, ByteBuffer> encode = s -> ByteBuffer.wrap(s.getBytes(charset));
		if (body instanceof Mono<String> m) {
			return sendWhole(WholeBody.map(m, encode));
		}
		return sendStream(Flux.from(body).map(encode));
	}

	/**
	 * Sends a file with {@code Content-Length} (and a {@code Content-Type} probed from the
	 * file, unless set). A file on the default file system is sent by the native side with
	 * {@code sendfile(2)} (no copy through the JVM; the file is opened when the send starts);
	 * a file on another file system (a zip file system, for example), or a response whose
	 * headers ask for chunked framing, is read in 64 KiB pieces off the poll thread and
	 * written only while the send buffer is below its high-water mark.
	 */
	Mono<Void> sendFile(Path file);

	/** Sends {@code count} bytes of {@code file} from {@code position}. */
	Mono<Void> sendFile(Path file, long position, long count);

	/** Sends 404 with an empty body. */
	Mono<Void> sendNotFound();

	/** Sends 302 with {@code Location}. */
	Mono<Void> sendRedirect(String location);

	/**
	 * Sets the SSE headers ({@code text/event-stream}, no caching) and streams the events,
	 * each one written as soon as it arrives.
	 */
	Mono<Void> sendSse(Publisher<ServerSentEvent> events);

	/**
	 * Sets the SSE headers of {@link #sendSse} ({@code Content-Type: text/event-stream},
	 * {@code Cache-Control: no-cache}) for a stream the handler frames itself, as Reactor
	 * Netty's {@code sse()}: {@code res.sse().sendString(ticks.map(t -> "data: " + t + "\n\n"))}.
	 * A streamed send writes each item as soon as it arrives. After the head is sent,
	 * {@link IllegalStateException}.
	 */
	default HttpServerResponse sse() {
		return header("Content-Type", "text/event-stream").header("Cache-Control", "no-cache");
	}

	/**
	 * Upgrades to WebSocket (the request must be a WebSocket handshake, else 400) and runs
	 * {@code handler}; the session is closed (1000) when its publisher completes.
	 * @param spec the sub-protocols offered and whether permessage-deflate is accepted
	 */
	Mono<Void> sendWebsocket(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			WebsocketServerSpec spec);

	/**
	 * {@link #sendWebsocket(BiFunction, WebsocketServerSpec)} offering {@code protocols}
	 * (comma-separated, or {@code null}), without compression.
	 */
	default Mono<Void> sendWebsocket(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			@Nullable String protocols) {
		return sendWebsocket(handler, WebsocketServerSpec.builder().protocols(protocols).build());
	}

	default Mono<Void> sendWebsocket(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler) {
		return sendWebsocket(handler, WebsocketServerSpec.defaults());
	}
}
