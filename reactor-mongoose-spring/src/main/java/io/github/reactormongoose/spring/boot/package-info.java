/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * Spring Boot's reactive web server on reactor-mongoose: {@link io.github.reactormongoose.spring.boot.MongooseReactiveWebServerFactory} and the server it makes.
 */
@NullMarked
package io.github.reactormongoose.spring.boot;

import org.jspecify.annotations.NullMarked;
