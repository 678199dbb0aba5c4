/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which AES-GCM seals the TLS records: the CPU's instructions ({@code rmg_gcm.c}) where it has
 * them, on 256-bit registers where it has VAES and VPCLMULQDQ too (unless
 * {@code RMG_GCM_NO_VAES=1}), Mongoose's own code with {@code RMG_SOFT_GCM=1} (and on CPUs
 * without them). Each must speak TLS to the JDK both ways: the other tests run this JVM's path;
 * a child JVM here runs each other one, with a 1 MiB upload echoed back and a 3 MiB download
 * compared byte for byte.
 */
class AesGcmPathTest {

	@TempDir
	static Path dir;

	/** The CPU flags of /proc/cpuinfo. */
	private static List<String> cpuFlags() throws Exception {
		for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
			if (line.startsWith("flags")) {
				return Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
			}
		}
		return List.of();
	}

	/** The path rmg_gcm.c picks on this CPU with this environment (NativeConstants.gcmPath()). */
	private static int expectedPath(Map<String, String> env) throws Exception {
		List<String> flags = cpuFlags();
		if (!"amd64".equals(System.getProperty("os.arch")) || "1".equals(env.get("RMG_SOFT_GCM"))
				|| !flags.containsAll(List.of("aes", "pclmulqdq", "sse4_1"))) {
			return 0;
		}
		boolean wide = flags.containsAll(List.of("avx2", "vaes", "vpclmulqdq")) && !"1".equals(env.get("RMG_GCM_NO_VAES"));
		return wide ? 2 : 1;
	}

	@Test
	void thisJvmUsesTheCpuInstructionsWhereTheCpuHasThem() throws Exception {
		assertThat(NativeConstants.gcmPath()).isEqualTo(expectedPath(System.getenv()));
	}

	/** Mongoose's own code, and AES-NI on 128-bit registers on a CPU that has VAES too. */
	@ParameterizedTest
	@ValueSource(strings = {"RMG_SOFT_GCM", "RMG_GCM_NO_VAES"})
	void everyOtherPathStillSpeaksTlsBothWays(String variable) throws Exception {
		TestPki pki = TestPki.root(dir, "GCM CA " + variable);
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		Path log = dir.resolve("child-" + variable + ".log");
		ProcessBuilder pb = new ProcessBuilder(Commands.childJava(), "-cp", System.getProperty("java.class.path"),
				GcmPathMain.class.getName(), localhost.chain().toString(), localhost.key().toString())
				.redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().put(variable, "1");
		Process p = pb.start();
		try {
			assertThat(Commands.awaitLine(log, "gcm ")).isEqualTo("gcm " + expectedPath(pb.environment()));
			int port = Integer.parseInt(Commands.awaitLine(log, "port ").substring(5).trim());
			HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca()))
					.version(HttpClient.Version.HTTP_1_1).build();
			byte[] up = new byte[1 << 20];
			new Random(9).nextBytes(up);
			HttpResponse<byte[]> echo = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/echo"))
					.timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(up)).build(),
					HttpResponse.BodyHandlers.ofByteArray());
			assertThat(echo.statusCode()).isEqualTo(200);
			assertThat(Arrays.equals(echo.body(), up)).as("1 MiB echoed with " + variable).isTrue();
			byte[] big = new byte[3 << 20];
			new Random(5).nextBytes(big);
			HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/big"))
					.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(Arrays.equals(down.body(), big)).as("3 MiB with " + variable).isTrue();
		}
		finally {
			p.destroyForcibly();
			p.waitFor(10, TimeUnit.SECONDS);
		}
	}
}
