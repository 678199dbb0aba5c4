/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * HAProxy from Debian's package as a load balancer in front of the server (it speaks the PROXY
 * protocol, {@code send-proxy} and {@code send-proxy-v2}): one foreground process with a
 * configuration in a temporary folder; skipped with a visible notice where it is missing.
 */
public final class Haproxy implements AutoCloseable {

	private static final Path BINARY = Path.of("/usr/sbin/haproxy");

	private final Process process;

	private Haproxy(Process process) {
		this.process = process;
	}

	/** Aborts the calling test, with a notice on stderr, when HAProxy is not installed. */
	public static void assumeInstalled(String test) {
		Commands.assumeExecutable(BINARY, "haproxy", test);
	}

	/**
	 * Starts HAProxy in {@code dir} with {@code sections} after its global and defaults
	 * sections, and waits until every one of {@code ports} accepts.
	 */
	public static Haproxy start(Path dir, List<String> sections, int... ports) throws Exception {
		List<String> conf = new ArrayList<>(List.of("global", "  maxconn 256", "defaults", "  mode tcp",
				"  timeout connect 5s", "  timeout client 30s", "  timeout server 30s"));
		conf.addAll(sections);
		conf.add("");
		Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n", conf));
		Process p = new ProcessBuilder(BINARY.toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString())
				.redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
		Haproxy h = new Haproxy(p);
		try {
			for (int port : ports) {
				Commands.awaitListening(p, port, "haproxy", dir.resolve("haproxy.log"));
			}
		}
		catch (Exception | AssertionError e) {
			h.close();
			throw e;
		}
		return h;
	}

	@Override
	public void close() throws InterruptedException {
		Commands.stop(process);
	}
}
