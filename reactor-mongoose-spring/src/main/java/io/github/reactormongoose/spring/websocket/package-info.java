/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Spring WebFlux WebSocket support on reactor-mongoose: the upgrade strategy, the session and the client.
 */
@NullMarked
package io.github.reactormongoose.spring.websocket;

import org.jspecify.annotations.NullMarked;
