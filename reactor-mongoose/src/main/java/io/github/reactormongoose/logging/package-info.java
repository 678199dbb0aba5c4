/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * Wire logging ({@code wiretap}) settings of the servers and clients, named as Reactor Netty's
 * ({@code io.netty.handler.logging.LogLevel}, {@code reactor.netty.transport.logging.AdvancedByteBufFormat})
 * so that code written for Reactor Netty ports by changing its imports.
 */
@NullMarked
package io.github.reactormongoose.logging;

import org.jspecify.annotations.NullMarked;
