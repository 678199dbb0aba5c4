/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * Raw TCP shaped like Reactor Netty's {@code reactor.netty.tcp}: {@link TcpServer} and
 * {@link TcpClient} are immutable configurations whose {@code handle((in, out) -> ...)}
 * pipeline runs once per connection, over {@link TcpInbound} and {@link TcpOutbound}.
 * The low-level event stream of {@code MongooseLoop.listen} is the other way to serve raw TCP.
 */
@NullMarked
package io.github.reactormongoose.tcp;

import org.jspecify.annotations.NullMarked;
