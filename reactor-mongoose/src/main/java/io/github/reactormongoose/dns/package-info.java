/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * A non-blocking DNS resolver ({@link DnsResolver}): A and AAAA lookups over this library's
 * UDP, to the nameserver of {@code /etc/resolv.conf} or one you choose, with the names of
 * {@code /etc/hosts}, a cache of the answers and the lookups in flight shared.
 */
@NullMarked
package io.github.reactormongoose.dns;

import org.jspecify.annotations.NullMarked;
