/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * The loop and connection API: {@link io.github.reactormongoose.MongooseLoop} (one Mongoose manager and its poll thread), raw {@link io.github.reactormongoose.Connection}s and the exceptions of the library. Parameters and results are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.github.reactormongoose;

import org.jspecify.annotations.NullMarked;
