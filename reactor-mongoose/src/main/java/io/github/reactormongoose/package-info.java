/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * The loop and connection API: {@link io.github.reactormongoose.MongooseLoop} (one Mongoose manager and its poll thread), raw {@link io.github.reactormongoose.Connection}s, the received bodies with Reactor Netty's {@code ByteBufFlux}/{@code ByteBufMono} conversions ({@link io.github.reactormongoose.ByteBufferFlux}, {@link io.github.reactormongoose.ByteArrayMono}) and the exceptions of the library. Parameters and results are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package io.github.reactormongoose;

import org.jspecify.annotations.NullMarked;
