/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/** DNS messages and the system resolver configuration for {@code DnsResolver}. Internal API. */
@NullMarked
package io.github.reactormongoose.internal.dns;

import org.jspecify.annotations.NullMarked;
