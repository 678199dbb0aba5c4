/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: a file region read as a stream of buffers, and the last-chunk marker of streamed bodies. Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.io;

import org.jspecify.annotations.NullMarked;
