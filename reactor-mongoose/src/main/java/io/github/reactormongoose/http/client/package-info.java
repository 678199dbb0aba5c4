/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * The HTTP/1.1 and WebSocket client, {@link io.github.reactormongoose.http.client.HttpClient},
 * with its connection pool and the exceptions its responses fail with.
 */
@NullMarked
package io.github.reactormongoose.http.client;

import org.jspecify.annotations.NullMarked;
