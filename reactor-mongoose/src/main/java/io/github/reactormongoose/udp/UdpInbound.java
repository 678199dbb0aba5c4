/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import reactor.core.publisher.Flux;

/** The receiving side of a UDP socket. */
public interface UdpInbound {

	/**
	 * The datagrams received, each with its sender, delivered on the socket's poll thread.
	 * One subscriber only. Without demand, datagrams wait in a bounded queue
	 * ({@code receiveQueue}); once it is full, the socket is no longer read and the kernel's
	 * receive buffer fills, then the kernel drops what arrives (counted by
	 * {@link UdpConnection#receiveDrops()}). Completes when the socket is disposed; fails when
	 * a socket error closes it (for example {@link java.net.PortUnreachableException} on a
	 * connected client whose peer port is closed).
	 */
	Flux<Datagram> receive();

	/** {@link #receive()} with each datagram decoded as UTF-8. */
	default Flux<String> receiveString() {
		return receive().map(Datagram::text);
	}
}
