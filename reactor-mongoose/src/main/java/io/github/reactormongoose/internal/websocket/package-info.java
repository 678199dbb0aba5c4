/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: the WebSocket session shared by the server (and clients). Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.websocket;

import org.jspecify.annotations.NullMarked;
