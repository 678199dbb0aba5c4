/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Run in a child JVM by {@link StaticFilesTest} under another locale: serves the directory
 * {@code args[0]} at {@code /}; prints {@code jnu <sun.jnu.encoding>}, then {@code port <n>}.
 */
public final class StaticFilesLocaleMain {

	private StaticFilesLocaleMain() {
	}

	public static void main(String[] args) {
		System.out.println("jnu " + System.getProperty("sun.jnu.encoding"));
		HttpServer.create()
				.host("127.0.0.1")
				.route(r -> r.directory("/", Path.of(args[0])))
				.bindUntilJavaShutdown(Duration.ofSeconds(5), s -> System.out.println("port " + s.port()));
	}
}
