/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.HttpServer;
import reactor.core.publisher.Mono;

/**
 * The program {@link PackagedJarTest} runs in a fresh JVM that has only the packaged
 * reactor-mongoose jar, reactor-core and reactive-streams (on the class path or on the module
 * path) and this class: it starts an {@link HttpServer}, sends it one request over 127.0.0.1,
 * disposes it and prints one {@code key: value} line per fact the test checks. It returns from {@code main} without
 * {@code System.exit}: the JVM exits only if the server left no thread running.
 */
public final class PackagedJarMain {

	static final String BODY = "hello from the packaged jar";
	/** Sent as an unparsable request: none of it may reach the process's output. */
	static final String SECRET = "NOT_HTTP_s3cr3t";

	private PackagedJarMain() {
	}

	public static void main(String[] args) throws IOException {
		DisposableServer server = HttpServer.create()
				.host("127.0.0.1")
				.port(0)
				.route(routes -> routes.get("/hello", (req, res) -> res
						.header("Content-Type", "text/plain")
						.sendString(Mono.just(BODY))))
				.bindNow(Duration.ofSeconds(10));
		try {
			System.out.println("response: " + get(server.port(), "/hello"));
			System.out.println("garbage answered: " + raw(server.port(), SECRET + " garbage\r\n\r\n"));
		}
		finally {
			server.disposeNow(Duration.ofSeconds(5));
		}
		System.out.println("mongoose version: " + MongooseLoop.mongooseVersion());
		System.out.println("classes from: " + MongooseLoop.class.getProtectionDomain().getCodeSource().getLocation());
		System.out.println("library from: " + mappedLibrary());
		System.out.println("path property: " + System.getProperty("io.github.reactormongoose.native.path"));
		Module module = MongooseLoop.class.getModule();
		System.out.println("module: " + module.getName());
		System.out.println("internal.jni exported: " + module.isExported("io.github.reactormongoose.internal.jni"));
		System.out.println("done");
	}

	/** {@code <status line> | <body>} of one {@code Connection: close} request. */
	private static String get(int port, String path) throws IOException {
		return raw(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	}

	/** Sends {@code request}, reads until the server closes: {@code <status line> | <body>}. */
	private static String raw(int port, String request) throws IOException {
		try (Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			out.write(request.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = s.getInputStream();
			String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
			int headEnd = response.indexOf("\r\n\r\n");
			if (headEnd < 0) {
				return "no complete response: " + response;
			}
			return response.substring(0, response.indexOf("\r\n")) + " | " + response.substring(headEnd + 4);
		}
	}

	/**
	 * The file the reactor-mongoose library is mapped from, as {@code /proc/self/maps} names it
	 * (with {@code " (deleted)"} when the file was deleted after loading).
	 */
	private static String mappedLibrary() throws IOException {
		try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
			return lines.filter(l -> l.contains("reactor_mongoose"))
					// address perms offset dev inode path
					.map(l -> l.split("\\s+", 6))
					.filter(f -> f.length == 6)
					.map(f -> f[5])
					.distinct()
					.collect(Collectors.joining(", "));
		}
	}
}
