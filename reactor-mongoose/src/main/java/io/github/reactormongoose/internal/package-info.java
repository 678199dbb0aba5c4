/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/** Helpers the engine and the public API share; not exported. */
@NullMarked
package io.github.reactormongoose.internal;

import org.jspecify.annotations.NullMarked;
