/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * The HTTP/1.1 and WebSocket server, shaped like Reactor Netty's {@code HttpServer}.
 */
@NullMarked
package io.github.reactormongoose.http.server;

import org.jspecify.annotations.NullMarked;
