/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The sending side of a UDP socket. */
public interface UdpOutbound {

	/**
	 * Sends each datagram to its {@link Datagram#address() address}, or to the connected peer
	 * when it has none. Each datagram goes to the kernel at once; when the socket's send
	 * buffer is full ({@code EAGAIN}) the datagram is kept and retried, and no more are
	 * requested meanwhile, so nothing is dropped on this side. Completes once every datagram
	 * was handed to the kernel; fails on the first that cannot be sent (too large, no route,
	 * no address on an unconnected socket). When the socket closes (disposed, its loop
	 * disposed, or failed) before the send ended, even while the publisher has nothing to
	 * emit, the send fails with {@link io.github.reactormongoose.ConnectionClosedException} and
	 * the publisher is cancelled. Cancelling the returned {@code Mono} cancels the publisher;
	 * what was sent stays sent.
	 */
	Mono<Void> send(Publisher<? extends Datagram> datagrams);

	/** Sends each string, in UTF-8, as one datagram to the connected peer. */
	default Mono<Void> sendString(Publisher<? extends String> data) {
		return send(Flux.from(data).map(s -> Datagram.of(s, null)));
	}
}
