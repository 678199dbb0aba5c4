/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

import io.github.reactormongoose.ByteBufferFlux;
import io.github.reactormongoose.Connection;
import reactor.core.publisher.Flux;

/**
 * The receiving side of a TCP connection handled by {@link TcpServer#handle} or
 * {@link TcpClient#handle}. Bytes are delivered on the loop's poll thread.
 */
public interface TcpInbound {

	/**
	 * The received bytes, in order, each buffer a private copy of one read. Completes when the
	 * connection closes; errors if Mongoose reported an error on it. Reading from the socket
	 * pauses while the subscriber has no demand (64 buffers queue up, reading resumes at 16),
	 * so TCP pushes back on the peer. Single subscriber, shared with {@link #receiveString}:
	 * the data of a connection can be consumed once. A {@code Flux<ByteBuffer>} with Reactor
	 * Netty's conversions: {@code receive().asString()} is {@link #receiveString()},
	 * {@code receive().aggregate()} all the bytes once the connection closes (no limit).
	 */
	ByteBufferFlux receive();

	/** {@link #receive()} decoded as UTF-8. */
	default Flux<String> receiveString() {
		return receiveString(StandardCharsets.UTF_8);
	}

	/**
	 * {@link #receive()} decoded with {@code charset}: {@code receive().asString(charset)}. A
	 * character split between two reads is decoded whole; malformed input becomes the
	 * replacement character. The strings follow the reads, not lines or messages: frame them
	 * yourself.
	 */
	default Flux<String> receiveString(Charset charset) {
		return receive().asString(charset);
	}

	/** The connection: addresses, {@code onClose()}, {@code close()}. */
	Connection connection();
}
