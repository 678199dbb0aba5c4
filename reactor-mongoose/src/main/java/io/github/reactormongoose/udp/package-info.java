/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * UDP on a Mongoose loop, shaped like Reactor Netty's {@code reactor.netty.udp}:
 * {@link UdpServer} binds a local address, {@link UdpClient} connects to one remote, both give
 * a {@link UdpConnection} whose {@link UdpInbound#receive()} is a {@code Flux} of
 * {@link Datagram}s (bytes and sender) and whose {@link UdpOutbound#send} sends them. Losses
 * are UDP's only: see {@link UdpInbound#receive()} for what happens without demand.
 */
@NullMarked
package io.github.reactormongoose.udp;

import org.jspecify.annotations.NullMarked;
