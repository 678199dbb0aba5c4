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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Peers written in Python with a library from Debian's packages (h11, wsproto), run from
 * {@code src/test/python}: each prints one JSON line of counters.
 */
public final class PythonPeers {

	private PythonPeers() {
	}

	/**
	 * A Python 3 that can import {@code module}: Debian's {@code /usr/bin/python3} (where
	 * {@code debianPackage} installs it), else the one on the PATH. Skips the test with a notice
	 * when there is none.
	 */
	public static String pythonWith(String module, String debianPackage) {
		for (String python : List.of("/usr/bin/python3", "python3")) {
			try {
				Process p = new ProcessBuilder(python, "-c", "import " + module).redirectErrorStream(true).start();
				p.getInputStream().readAllBytes();
				if (p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0) {
					return python;
				}
			}
			catch (IOException e) {
				// not this one
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		System.err.println("NOTICE: no Python 3 with " + module + " (Debian: " + debianPackage + "); a test that needs it is skipped");
		Assumptions.abort("no Python 3 with " + module);
		return "";
	}

	/** Runs {@code script} with {@code args} under {@code python}, asserts it succeeded, returns its output. */
	public static String run(String python, String script, Object... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of(python, script));
		for (Object a : args) {
			cmd.add(String.valueOf(a));
		}
		Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(90, TimeUnit.SECONDS)).as(out).isTrue();
		assertThat(p.exitValue()).as(out).isZero();
		return out;
	}

	/** The string {@code name} of the script's JSON line (a value without escaped quotes). */
	public static String string(String json, String name) {
		Matcher m = Pattern.compile("\"" + name + "\": \"([^\"]*)\"").matcher(json);
		assertThat(m.find()).as(json).isTrue();
		return m.group(1);
	}

	/** The counter {@code name} of the script's JSON line. */
	public static long counter(String json, String name) {
		Matcher m = Pattern.compile("\"" + name + "\": (\\d+)").matcher(json);
		assertThat(m.find()).as(json).isTrue();
		return Long.parseLong(m.group(1));
	}
}
