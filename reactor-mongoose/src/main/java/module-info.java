/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/**
 * reactor-mongoose: a Project Reactor API over the Mongoose networking library.
 * <p>
 * Exported: the loop and connection API ({@code io.github.reactormongoose}), HTTP types, the
 * HTTP server and WebSocket API. Everything under {@code io.github.reactormongoose.internal}
 * is the engine and the JNI boundary and is not exported.
 */
module io.github.reactormongoose {
	requires transitive reactor.core;
	requires transitive org.reactivestreams;
	requires static transitive org.jspecify;
	// optional: only with HttpServer.metrics(true)
	requires static micrometer.core;

	exports io.github.reactormongoose;
	exports io.github.reactormongoose.http;
	exports io.github.reactormongoose.http.server;
	exports io.github.reactormongoose.http.websocket;
	exports io.github.reactormongoose.tcp;
	exports io.github.reactormongoose.mqtt;
	exports io.github.reactormongoose.udp;
	exports io.github.reactormongoose.dns;
	exports io.github.reactormongoose.sntp;
	exports io.github.reactormongoose.http.client;
	exports io.github.reactormongoose.tls;
	exports io.github.reactormongoose.logging;
}
