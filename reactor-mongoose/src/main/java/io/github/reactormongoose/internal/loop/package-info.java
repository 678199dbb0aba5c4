/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: the engine. One poll thread per Mongoose manager, the command queue and its doorbell, timers, the connection registry, shutdown, and the per-connection {@link io.github.reactormongoose.internal.loop.Channel}. Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.loop;

import org.jspecify.annotations.NullMarked;
