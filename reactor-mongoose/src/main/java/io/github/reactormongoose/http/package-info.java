/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * HTTP types shared by servers and clients: headers, cookies, Server-Sent Events and the protocol versions.
 */
@NullMarked
package io.github.reactormongoose.http;

import org.jspecify.annotations.NullMarked;
