/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.function.BiFunction;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * An HTTP response. Status and headers may change until the first send commits them.
 * <p>
 * Bodies are binary-safe. A {@link Mono} body (or a file) is sent with
 * {@code Content-Length}; a multi-item body is sent chunked unless the application set
 * {@code Content-Length}; HTTP/1.0 bodies of unknown length end with the connection. The
 * exchange ends when the handler's publisher completes; a handler that sent nothing gets an
 * empty response. Every send may be called from any thread.
 */
public interface HttpServerResponse {

	/** Sets the status code (default 200). */
	HttpServerResponse status(int status);

	int status();

	/** Sets a header, replacing previous values. Rejects CR, LF and NUL. */
	HttpServerResponse header(String name, String value);

	/** Adds a header value, keeping previous ones (e.g. several {@code Set-Cookie}). */
	HttpServerResponse addHeader(String name, String value);

	/** The mutable response headers. */
	HttpHeaders responseHeaders();

	/** Forces {@code Connection: close} after this response when {@code false}. */
	HttpServerResponse keepAlive(boolean keepAlive);

	/** Whether the status line and headers were already written. */
	boolean hasSentHeaders();

	/** Sends the headers and an empty body. */
	Mono<Void> send();

	/** Sends the body buffers (each buffer is read, not retained, once written). */
	Mono<Void> send(Publisher<? extends ByteBuffer> body);

	Mono<Void> sendByteArray(Publisher<byte[]> body);

	/** Sends strings encoded in UTF-8. */
	default Mono<Void> sendString(Publisher<String> body) {
		return sendString(body, java.nio.charset.StandardCharsets.UTF_8);
	}

	Mono<Void> sendString(Publisher<String> body, Charset charset);

	/**
	 * Sends a file with {@code Content-Length}, read in 64 KiB pieces off the poll thread and
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
	 * Upgrades to WebSocket (the request must be a WebSocket handshake, else 400) and runs
	 * {@code handler}; the session is closed (1000) when its publisher completes.
	 * @param protocols supported sub-protocols, comma-separated, or {@code null}
	 */
	Mono<Void> sendWebsocket(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler,
			String protocols);

	default Mono<Void> sendWebsocket(BiFunction<? super WebsocketInbound, ? super WebsocketOutbound, ? extends Publisher<Void>> handler) {
		return sendWebsocket(handler, null);
	}
}
