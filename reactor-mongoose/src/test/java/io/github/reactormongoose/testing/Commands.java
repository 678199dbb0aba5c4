/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Interop peers from Debian's packages: skip a test, with a visible notice, when one is missing;
 * and waiting for child processes (listening, printing a line).
 */
public final class Commands {

	/**
	 * The java of a child JVM that loads the native library: this JVM's, or under {@code -Pasan}
	 * the wrapper that preloads the sanitizer runtime (the profile names it in
	 * {@code RMG_CHILD_JAVA}; without it the instrumented library cannot load).
	 */
	public static String childJava() {
		String asan = System.getenv("RMG_CHILD_JAVA");
		return asan != null ? asan : Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private Commands() {
	}

	/**
	 * The {@code java} of the newest JDK of this machine whose feature release is at least
	 * {@code feature} (the JDK {@code rmg.test.newestJdk} names, else the newest under
	 * {@code /usr/lib/jvm}: a CI image with a Temurin 25 beside the Java 17 that builds); the
	 * test is skipped, with a notice, when there is none, or under {@code -Pasan} (the sanitizer
	 * runtime is preloaded by a wrapper of this JVM only).
	 */
	public static String newestJava(int feature) throws IOException {
		Assumptions.assumeTrue(System.getenv("RMG_CHILD_JAVA") == null,
				"NOTICE: skipped under -Pasan (the sanitizer wrapper starts this JVM's java only)");
		String named = System.getProperty("rmg.test.newestJdk");
		Path best = null;
		int bestFeature = 0;
		if (named != null) {
			best = Path.of(named);
			bestFeature = featureOf(best);
		}
		else if (Files.isDirectory(Path.of("/usr/lib/jvm"))) {
			try (var homes = Files.list(Path.of("/usr/lib/jvm"))) {
				for (Path home : (Iterable<Path>) homes::iterator) {
					int f = featureOf(home);
					if (f > bestFeature && Files.isExecutable(home.resolve("bin/java"))) {
						best = home;
						bestFeature = f;
					}
				}
			}
		}
		Assumptions.assumeTrue(best != null && bestFeature >= feature, "NOTICE: no JDK " + feature
				+ " or newer on this machine (set rmg.test.newestJdk to one); skipped");
		return best.resolve("bin/java").toString();
	}

	/** {@code JAVA_VERSION="25.0.1"} (or {@code "1.8.0_412"}) in a JDK's {@code release} file: its feature release. */
	private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"(?:1\\.)?(\\d+)");

	/** The feature release in a JDK's {@code release} file ({@code JAVA_VERSION="25.0.1"}: 25), else 0. */
	private static int featureOf(Path home) throws IOException {
		Path release = home.resolve("release");
		if (!Files.isRegularFile(release)) {
			return 0;
		}
		for (String line : Files.readAllLines(release)) {
			Matcher m = JAVA_VERSION.matcher(line);
			if (m.find()) {
				return Integer.parseInt(m.group(1));
			}
		}
		return 0;
	}

	/**
	 * Waits up to 10 s until {@code process} accepts connections on 127.0.0.1:{@code port}.
	 * @throws AssertionError when it exits first (with what {@code logs} hold) or never listens
	 */
	public static void awaitListening(Process process, int port, String name, Path... logs)
			throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			if (!process.isAlive()) {
				StringBuilder out = new StringBuilder();
				for (Path log : logs) {
					if (Files.exists(log)) {
						out.append(Files.readString(log));
					}
				}
				throw new AssertionError(name + " exited with " + process.exitValue() + ": " + out);
			}
			try (Socket s = new Socket("127.0.0.1", port)) {
				return;
			}
			catch (IOException e) {
				Thread.sleep(50); // not listening yet
			}
		}
		throw new AssertionError(name + " did not listen on " + port);
	}

	/**
	 * Waits up to 20 s for a line starting with {@code prefix} in {@code log}, the output file of
	 * a child process, and returns it.
	 * @throws AssertionError when none comes (with the file's content)
	 */
	public static String awaitLine(Path log, String prefix) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (System.nanoTime() < deadline) {
			if (Files.exists(log)) {
				for (String l : Files.readAllLines(log)) {
					if (l.startsWith(prefix)) {
						return l;
					}
				}
			}
			Thread.sleep(20);
		}
		throw new AssertionError("the child did not print '" + prefix + "': " + Files.readString(log));
	}

	/**
	 * Aborts the calling {@code test}, with a notice on stderr naming the Debian package that
	 * provides it, when {@code binary} is not installed.
	 */
	public static void assumeExecutable(Path binary, String debianPackage, String test) {
		if (!Files.isExecutable(binary)) {
			System.err.println("SKIPPED " + test + ": " + binary + " is not installed (Debian package " + debianPackage + ")");
			Assumptions.abort(binary.getFileName() + " is not installed");
		}
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

	/** Stops a peer process: SIGTERM, then SIGKILL if it has not exited within 5 s. */
	public static void stop(Process process) throws InterruptedException {
		process.destroy();
		if (!process.waitFor(5, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
	}
}
