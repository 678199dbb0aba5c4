/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * nginx from Debian's package as a peer of the tests (a server for the client, a reverse proxy in
 * front of the server): one foreground process with a
 * configuration in a temporary folder; skipped with a visible notice where it is missing.
 */
public final class Nginx implements AutoCloseable {

	private static final Path BINARY = Path.of("/usr/sbin/nginx");

	private final Process process;

	private Nginx(Process process) {
		this.process = process;
	}

	/** Aborts the calling test, with a notice on stderr, when nginx is not installed. */
	public static void assumeInstalled(String test) {
		Commands.assumeExecutable(BINARY, "nginx-light", test);
	}

	/** A port that was free a moment ago. */
	public static int freePort() throws IOException {
		try (ServerSocket ss = new ServerSocket(0)) {
			return ss.getLocalPort();
		}
	}

	/**
	 * Starts nginx in {@code dir} with {@code http} as the lines of its {@code http} block
	 * (temporary paths and logs are set here) and waits until every one of {@code ports} accepts.
	 */
	public static Nginx start(Path dir, List<String> http, int... ports) throws Exception {
		List<String> conf = new ArrayList<>(List.of("daemon off;", "master_process off;", "worker_processes 1;",
				"pid " + dir + "/nginx.pid;", "error_log " + dir + "/error.log;", "events { worker_connections 64; }",
				"http {", "  access_log off;", "  client_body_temp_path " + dir + "/body;",
				"  proxy_temp_path " + dir + "/proxy;", "  fastcgi_temp_path " + dir + "/fcgi;",
				"  uwsgi_temp_path " + dir + "/uwsgi;", "  scgi_temp_path " + dir + "/scgi;"));
		conf.addAll(http);
		conf.add("}");
		conf.add("");
		Files.writeString(dir.resolve("nginx.conf"), String.join("\n", conf));
		Process p = new ProcessBuilder(BINARY.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString())
				.redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
		Nginx n = new Nginx(p);
		try {
			for (int port : ports) {
				awaitPort(port, p, dir);
			}
		}
		catch (Exception | AssertionError e) {
			n.close();
			throw e;
		}
		return n;
	}

	private static void awaitPort(int port, Process p, Path dir) throws Exception {
		Commands.awaitListening(p, port, "nginx", dir.resolve("stdout.log"), dir.resolve("error.log"));
	}

	@Override
	public void close() throws InterruptedException {
		Commands.stop(process);
	}
}
