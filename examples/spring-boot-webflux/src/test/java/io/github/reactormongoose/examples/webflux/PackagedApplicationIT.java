/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reactormongoose.testing.Commands;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application as it is deployed: the jar that {@code spring-boot-maven-plugin} repackaged,
 * started with {@code java -jar} (so this runs in the {@code integration-test} phase, after
 * {@code package}), on the JDK of the build and on the newest JDK of the machine (Java 24 and
 * later warn about native code loaded without native access; the jar's manifest enables it).
 * It serves, calls itself with the auto-configured {@code WebClient}, and stops gracefully on
 * SIGTERM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PackagedApplicationIT {

	private static final Pattern STARTED = Pattern.compile("reactor-mongoose started on port (\\d+) \\(http\\)");

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@ParameterizedTest(name = "on {0}")
	@ValueSource(strings = {"the build's JDK", "the newest JDK"})
	void runsFromItsJarAndStopsGracefully(String jdk, @TempDir Path logs) throws Exception {
		String packaged = System.getProperty("app.jar");
		// set by the pom's integration-test execution only (-Dtest= also runs this in the test phase)
		Assumptions.assumeTrue(packaged != null, "NOTICE: runs in the integration-test phase, after package");
		Path jar = Path.of(packaged);
		assertThat(jar).as("the repackaged application (this test runs after package)").isRegularFile();
		String java = jdk.equals("the newest JDK") ? Commands.newestJava(24) : Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Path out = logs.resolve("app.out");
		Process app = new ProcessBuilder(java, "-jar", jar.toString(), "--server.port=0", "--server.address=127.0.0.1",
				"--spring.main.banner-mode=off", "--management.endpoints.web.exposure.include=health")
			.redirectErrorStream(true).redirectOutput(out.toFile()).start();
		try {
			int port = awaitPort(app, out);
			HttpResponse<String> hello = get(port, "/fn/hello?name=jar");
			assertThat(hello.statusCode()).isEqualTo(200);
			assertThat(hello.body()).isEqualTo("Hello from a router function, jar");
			// Boot's WebClient.Builder on reactor-mongoose's client, from inside the jar
			assertThat(get(port, "/fn/relay").body()).matches("relayed \\(mongoose-\\d+\\): Hello from a router function, relay");
			assertThat(get(port, "/actuator/health").body()).contains("\"status\":\"UP\"");
		}
		finally {
			app.destroy(); // SIGTERM, as a container stop or systemd sends it
		}
		assertThat(app.waitFor(30, TimeUnit.SECONDS)).as("stopped within 30 s of SIGTERM").isTrue();
		String log = Files.readString(out, StandardCharsets.UTF_8);
		assertThat(log).as("application output").contains("Commencing graceful shutdown", "Graceful shutdown complete")
				// the manifest's Enable-Native-Access: the library's System.load is not a restricted call
				.doesNotContain("restricted method")
				.doesNotContain(" ERROR ")
				.doesNotContain("did not stop cleanly");
	}

	private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
	}

	/** The port the application logged once it started; fails if it exits or takes over 60 s. */
	private static int awaitPort(Process app, Path out) throws IOException, InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (System.nanoTime() < deadline) {
			String log = Files.exists(out) ? Files.readString(out, StandardCharsets.UTF_8) : "";
			Matcher m = STARTED.matcher(log);
			if (m.find()) {
				return Integer.parseInt(m.group(1));
			}
			if (!app.isAlive()) {
				throw new AssertionError("the application exited with " + app.exitValue() + ":\n" + log);
			}
			Thread.sleep(100);
		}
		throw new AssertionError("the application did not log its port within 60 s:\n" + Files.readString(out));
	}
}
