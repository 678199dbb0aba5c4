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
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which AES-GCM seals the TLS records: the CPU's instructions ({@code rmg_gcm.c}) where it has
 * them, Mongoose's own code with {@code RMG_SOFT_GCM=1} (and on CPUs without them). Both must
 * speak TLS to the JDK both ways: the other tests run this JVM's path; a child JVM here runs
 * Mongoose's, with a 1 MiB upload echoed back and a 3 MiB download compared byte for byte.
 */
class AesGcmPathTest {

	@TempDir
	static Path dir;

	/** Whether /proc/cpuinfo lists the instructions rmg_gcm.c needs. */
	private static boolean cpuHasAesNi() throws Exception {
		for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
			if (line.startsWith("flags")) {
				List<String> flags = Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
				return flags.contains("aes") && flags.contains("pclmulqdq") && flags.contains("sse4_1");
			}
		}
		return false;
	}

	@Test
	void thisJvmUsesTheCpuInstructionsWhereTheCpuHasThem() throws Exception {
		boolean expected = cpuHasAesNi() && !"1".equals(System.getenv("RMG_SOFT_GCM"))
				&& "amd64".equals(System.getProperty("os.arch"));
		assertThat(NativeConstants.aesNiGcm()).isEqualTo(expected);
	}

	@Test
	void mongooseOwnAesGcmStillSpeaksTlsBothWays() throws Exception {
		TestPki pki = TestPki.root(dir, "Soft GCM CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Path log = dir.resolve("child.log");
		ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
				SoftGcmMain.class.getName(), localhost.chain().toString(), localhost.key().toString())
				.redirectErrorStream(true).redirectOutput(log.toFile());
		pb.environment().put("RMG_SOFT_GCM", "1");
		Process p = pb.start();
		try {
			assertThat(Commands.awaitLine(log, "aesni ")).isEqualTo("aesni false");
			int port = Integer.parseInt(Commands.awaitLine(log, "port ").substring(5).trim());
			HttpClient client = HttpClient.newBuilder().sslContext(TestPki.trusting(pki.ca()))
					.version(HttpClient.Version.HTTP_1_1).build();
			byte[] up = new byte[1 << 20];
			new Random(9).nextBytes(up);
			HttpResponse<byte[]> echo = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/echo"))
					.timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(up)).build(),
					HttpResponse.BodyHandlers.ofByteArray());
			assertThat(echo.statusCode()).isEqualTo(200);
			assertThat(Arrays.equals(echo.body(), up)).as("1 MiB echoed through Mongoose's AES-GCM").isTrue();
			byte[] big = new byte[3 << 20];
			new Random(5).nextBytes(big);
			HttpResponse<byte[]> down = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/big"))
					.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(Arrays.equals(down.body(), big)).as("3 MiB through Mongoose's AES-GCM").isTrue();
		}
		finally {
			p.destroyForcibly();
			p.waitFor(10, TimeUnit.SECONDS);
		}
	}
}
