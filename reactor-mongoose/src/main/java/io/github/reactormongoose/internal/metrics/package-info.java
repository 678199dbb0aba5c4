/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Metrics (Micrometer, an optional dependency: only the {@code Micrometer*} classes refer to
 * it, and they are loaded only when metrics are enabled) and the access log.
 */
@NullMarked
package io.github.reactormongoose.internal.metrics;

import org.jspecify.annotations.NullMarked;
