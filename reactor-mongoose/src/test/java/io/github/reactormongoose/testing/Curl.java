/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;


/**
 * Runs the {@code curl} command line client as an independent peer. Tests call
 * {@link #assumeInstalled()} first: they are skipped where no working {@code curl} is on the
 * {@code PATH}.
 * <p>
 * Shipped in the reactor-mongoose test-jar.
 */
public final class Curl {

	/** The exit code and output of one run; output decoded as ISO-8859-1 (byte for byte). */
	public record Result(int exitCode, String stdout, String stderr) {
	}

	private Curl() {
	}

	/**
	 * Runs {@code curl -sS --max-time 10 <args>} and waits up to 20 s for it to finish.
	 */
	public static Result run(String... args) throws IOException, InterruptedException {
		List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10"));
		cmd.addAll(List.of(args));
		Path err = Files.createTempFile("curl", ".err");
		Path out = Files.createTempFile("curl", ".out");
		try {
			Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
			if (!p.waitFor(20, TimeUnit.SECONDS)) {
				p.destroyForcibly();
				throw new AssertionError("curl did not finish: " + cmd);
			}
			return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
					Files.readString(err, StandardCharsets.ISO_8859_1));
		}
		finally {
			Files.deleteIfExists(err);
			Files.deleteIfExists(out);
		}
	}

	/** Skips the calling test when no working {@code curl} is on the {@code PATH}. */
	public static void assumeInstalled() {
		Commands.assumeAvailable("curl", "--version");
	}

}
