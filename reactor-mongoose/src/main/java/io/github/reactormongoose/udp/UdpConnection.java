/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A bound UDP socket on a Mongoose loop, from {@link UdpServer#bind()} or
 * {@link UdpClient#connect()}. {@link #dispose()} closes it: {@link #receive()} completes and
 * {@link #onDispose()} fires.
 */
public interface UdpConnection extends UdpInbound, UdpOutbound, Disposable {

	/** The address the socket is bound to (with the port the kernel chose for port 0). */
	InetSocketAddress localAddress();

	/** The peer of a connected client; {@code null} for a server socket. */
	@Nullable
	InetSocketAddress remoteAddress();

	/**
	 * Datagrams that reached this socket but were not delivered: dropped by the kernel because
	 * its receive buffer was full (the Linux counter {@code SK_MEMINFO_DROPS}), plus any the
	 * native side could not store for lack of memory. UDP's own losses on the way are not
	 * visible here. Errors once the socket is closed.
	 */
	Mono<Long> receiveDrops();

	/** Completes once the socket is closed. */
	Mono<Void> onDispose();
}
