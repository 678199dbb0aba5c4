/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The body of a request as {@link HttpClient.RequestSender#send(java.util.function.BiFunction)}'s
 * function builds it, Reactor Netty's {@code NettyOutbound} for
 * {@code send((req, out) -> out.sendString(Mono.just(json)))}. Each {@code send} returns a new
 * outbound whose body is this one's followed by {@code body}, so
 * {@code out.sendString(a).sendString(b)} sends {@code a} then {@code b}; the function returns
 * the outbound whose body is to be sent ({@code return out;}: none).
 *
 * <p>Nothing is written when a send is called or when the outbound is subscribed (it completes
 * at once, as {@link #then()} does): the body is recorded, and sent as
 * {@link HttpClient.RequestSender#send(Publisher)} sends one once the function returned and
 * the request took a connection. A body made only of {@link Mono}s is gathered first and goes
 * with {@code Content-Length}; one with any other publisher is sent as it emits, chunked
 * (unless the headers set a {@code Content-Length}). Sends are for the function's own run: one
 * after it returned throws {@link IllegalStateException}.
 */
public interface HttpClientOutbound extends Publisher<Void> {

	/** This body followed by the buffers of {@code body} (each read, not retained, when written). */
	HttpClientOutbound send(Publisher<? extends ByteBuffer> body);

	/** This body followed by the arrays of {@code body}. */
	HttpClientOutbound sendByteArray(Publisher<? extends byte[]> body);

	/** This body followed by the strings of {@code body}, encoded as UTF-8. */
	default HttpClientOutbound sendString(Publisher<? extends String> body) {
		return sendString(body, StandardCharsets.UTF_8);
	}

	/** This body followed by the strings of {@code body}, encoded with {@code charset}. */
	HttpClientOutbound sendString(Publisher<? extends String> body, Charset charset);

	/**
	 * A {@code Mono<Void>} that completes at once, as Reactor Netty's {@code then()}: returned
	 * by the function ({@code return out.sendString(m).then();}), the last body recorded by the
	 * function's sends is sent.
	 */
	Mono<Void> then();
}
