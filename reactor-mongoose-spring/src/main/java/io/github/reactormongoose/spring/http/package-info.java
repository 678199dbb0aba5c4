/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Spring WebFlux's {@code HttpHandler} on reactor-mongoose's HTTP server: the request, response and header adapters.
 */
@NullMarked
package io.github.reactormongoose.spring.http;

import org.jspecify.annotations.NullMarked;
