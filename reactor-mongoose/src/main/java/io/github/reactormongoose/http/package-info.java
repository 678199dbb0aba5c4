/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * HTTP types shared by servers and clients: headers and Server-Sent Events.
 */
@NullMarked
package io.github.reactormongoose.http;

import org.jspecify.annotations.NullMarked;
