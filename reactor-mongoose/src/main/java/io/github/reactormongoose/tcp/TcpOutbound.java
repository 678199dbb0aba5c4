/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import io.github.reactormongoose.Connection;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * The sending side of a TCP connection handled by {@link TcpServer#handle} or
 * {@link TcpClient#handle}. Sends may be subscribed from any thread; the bytes are appended
 * to the connection's send buffer on the poll thread. To write one after the other, chain
 * the sends with {@code then(...)}; sends running at the same time interleave at buffer
 * boundaries.
 */
public interface TcpOutbound {

	/**
	 * Writes every buffer of {@code data} in order (each is copied once, into the native send
	 * buffer; its position is not moved). The next buffer is pulled only while the send buffer
	 * is at or below the loop's high-water mark (256 KiB by default), so a slow peer stops the
	 * producer. Completes after the last buffer was taken; errors with
	 * {@link io.github.reactormongoose.ConnectionClosedException} if the connection closes
	 * first.
	 */
	Mono<Void> send(Publisher<? extends ByteBuffer> data);

	/** Like {@link #send(Publisher)} for byte arrays. */
	Mono<Void> sendByteArray(Publisher<? extends byte[]> data);

	/** Sends each string encoded as UTF-8. */
	default Mono<Void> sendString(Publisher<? extends String> data) {
		return sendString(data, StandardCharsets.UTF_8);
	}

	/** Sends each string encoded with {@code charset}. */
	Mono<Void> sendString(Publisher<? extends String> data, Charset charset);

	/**
	 * Shuts down the sending side only, after what was sent before: the peer reads its end (a
	 * FIN, {@code Socket.shutdownOutput()}'s) while {@code in.receive()} goes on, so the handler
	 * can read the answer of a service that answers at the end of its input:
	 * {@code out.sendString(request).then(out.shutdownOutput()).thenMany(in.receiveString())}.
	 * Completes once the FIN follows the last byte written; sends after it fail with
	 * {@link io.github.reactormongoose.ConnectionClosedException}. Not on TLS connections
	 * ({@link UnsupportedOperationException}). {@link Connection#shutdownOutput()} of
	 * {@link #connection()}.
	 */
	default Mono<Void> shutdownOutput() {
		return connection().shutdownOutput();
	}

	/** The connection: addresses, {@code onClose()}, {@code close()}. */
	Connection connection();
}
