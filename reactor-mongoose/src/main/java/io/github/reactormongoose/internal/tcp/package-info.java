/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: raw TCP connections, listeners and connectors on the engine. Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.tcp;

import org.jspecify.annotations.NullMarked;
