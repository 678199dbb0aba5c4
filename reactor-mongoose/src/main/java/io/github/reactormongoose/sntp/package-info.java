/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/** An SNTP client on Mongoose's SNTP code ({@link Sntp}): a server's time and the local clock's offset. */
@NullMarked
package io.github.reactormongoose.sntp;

import org.jspecify.annotations.NullMarked;
