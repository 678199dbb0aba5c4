/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.util.function.Function;

import io.github.reactormongoose.http.server.HttpServer;

/**
 * Customizes the reactor-mongoose {@link HttpServer} a {@link MongooseReactiveWebServerFactory}
 * builds, e.g. {@code server -> server.maxRequestBodySize(8 << 20).idleTimeout(Duration.ofMinutes(1))}.
 * Declare one as a bean and the auto-configuration applies it. Host, port and handler are set
 * by the factory after the customizers ran.
 */
@FunctionalInterface
public interface MongooseServerCustomizer extends Function<HttpServer, HttpServer> {
}
