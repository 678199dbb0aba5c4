/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.time.Duration;

import reactor.core.publisher.Mono;

/**
 * Run in a child JVM by {@link ServerLifecycleTest}: a server in {@code bindUntilJavaShutdown}
 * whose {@code /slow} answers after 1 s; prints {@code port <n>}, {@code slow started} and
 * {@code unbound} as they happen.
 */
public final class ShutdownMain {

	private ShutdownMain() {
	}

	public static void main(String[] args) {
		HttpServer.create()
				.route(r -> r.get("/slow", (req, res) -> {
					System.out.println("slow started");
					return res.sendString(Mono.just("finished").delayElement(Duration.ofSeconds(1)));
				}))
				.doOnUnbound(s -> System.out.println("unbound"))
				.bindUntilJavaShutdown(Duration.ofSeconds(10), s -> System.out.println("port " + s.port()));
		System.out.println("returned");
	}
}
