/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** Interop peers from Debian's packages: skip a test, with a visible notice, when one is missing. */
public final class Commands {

	private Commands() {
	}

	/** Runs {@code versionCommand}; if it does not succeed, prints a notice and skips the test. */
	public static void assumeAvailable(String... versionCommand) {
		boolean ok;
		try {
			Process p = new ProcessBuilder(versionCommand).redirectErrorStream(true).start();
			p.getInputStream().readAllBytes();
			ok = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
		}
		catch (IOException e) {
			ok = false;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			ok = false;
		}
		if (!ok) {
			System.err.println("NOTICE: " + versionCommand[0] + " is not installed; a test that needs it is skipped");
		}
		Assumptions.assumeTrue(ok, versionCommand[0] + " is not installed (" + String.join(" ", versionCommand) + " failed)");
	}
}
