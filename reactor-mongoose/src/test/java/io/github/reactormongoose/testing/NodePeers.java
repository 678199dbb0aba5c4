/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Peers written for Node.js with a library from Debian's packages (node-undici, node-ws), run
 * from {@code src/test/node}: each prints one JSON line of counters ({@link PythonPeers#counter}
 * reads them). Debian installs those libraries under {@code /usr/share/nodejs}, which its own
 * {@code node} searches; it is given as {@code NODE_PATH} too, for a Node.js from elsewhere.
 */
public final class NodePeers {

	private static final String DEBIAN_MODULES = "/usr/share/nodejs";

	private NodePeers() {
	}

	private static ProcessBuilder node(List<String> cmd) {
		ProcessBuilder b = new ProcessBuilder(cmd).redirectErrorStream(true);
		String path = b.environment().get("NODE_PATH");
		b.environment().put("NODE_PATH", path == null || path.isEmpty() ? DEBIAN_MODULES : path + ":" + DEBIAN_MODULES);
		return b;
	}

	/**
	 * A {@code node} that can load {@code module}; skips the test with a notice when there is
	 * none (Debian: nodejs and {@code debianPackage}).
	 */
	public static String nodeWith(String module, String debianPackage) {
		try {
			Process p = node(List.of("node", "-e", "require('" + module + "')")).start();
			p.getInputStream().readAllBytes();
			if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
				return "node";
			}
		}
		catch (IOException e) {
			// no node
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		System.err.println("NOTICE: no Node.js with " + module + " (Debian: nodejs " + debianPackage + "); a test that needs it is skipped");
		Assumptions.abort("no Node.js with " + module);
		return "";
	}

	/** Runs {@code script} with {@code args} under {@code node}, asserts it succeeded, returns its output. */
	public static String run(String node, String script, Object... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of(node, script));
		for (Object a : args) {
			cmd.add(String.valueOf(a));
		}
		Process p = node(cmd).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(out).isTrue();
		assertThat(p.exitValue()).as(out).isZero();
		return out;
	}
}
