/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: TLS inputs for Mongoose's built-in stack (PEM, key forms, what the stack can do)
 * and the JDK verification of a server's chain and host name. Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.tls;

import org.jspecify.annotations.NullMarked;
