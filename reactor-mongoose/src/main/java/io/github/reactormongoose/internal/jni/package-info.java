/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Internal: the JNI peers of the C glue and the only code that knows the native wire formats (event records, addresses, error codes). Not exported.
 */
@NullMarked
package io.github.reactormongoose.internal.jni;

import org.jspecify.annotations.NullMarked;
