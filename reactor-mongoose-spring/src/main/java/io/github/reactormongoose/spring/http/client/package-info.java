/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Spring's {@code ClientHttpConnector} on reactor-mongoose's HTTP client, for {@code WebClient}.
 */
@NullMarked
package io.github.reactormongoose.spring.http.client;

import org.jspecify.annotations.NullMarked;
