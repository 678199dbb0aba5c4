/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * WebSocket inbound and outbound API, frames and close statuses.
 */
@NullMarked
package io.github.reactormongoose.http.websocket;

import org.jspecify.annotations.NullMarked;
