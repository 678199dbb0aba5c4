/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Spring Boot auto-configuration of the reactor-mongoose web server and its {@code server.mongoose.*} properties.
 */
@NullMarked
package io.github.reactormongoose.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
