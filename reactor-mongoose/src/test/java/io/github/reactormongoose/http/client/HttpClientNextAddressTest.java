/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.testing.Commands;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host name with several addresses: when one cannot be connected to, the next is tried, as
 * Reactor Netty does (a dual-stack name whose first address has no listener, a service behind
 * several A records with one node down). The name comes from a hosts file given to a child JVM
 * ({@code jdk.net.hosts.file}), where {@code multi.test} is 127.0.0.2, where nothing listens,
 * then 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpClientNextAddressTest {

	@Test
	void theNextAddressIsTriedWhenOneRefuses(@TempDir Path dir) throws Exception {
		Path hosts = dir.resolve("hosts");
		Files.writeString(hosts, "127.0.0.2 multi.test\n127.0.0.1 multi.test\n127.0.0.1 slow.test\n127.0.0.2 slow.test\n");
		Path log = dir.resolve("child.log");
		Process p = new ProcessBuilder(Commands.childJava(), "-Djdk.net.hosts.file=" + hosts,
				"-cp", System.getProperty("java.class.path"), NextAddressMain.class.getName())
			.redirectErrorStream(true).redirectOutput(log.toFile()).start();
		assertThat(p.waitFor(45, TimeUnit.SECONDS)).as("child exited").isTrue();
		List<String> lines = Files.readAllLines(log);
		assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
		assertThat(lines).as(String.join("\n", lines))
			.contains("done")
			// 127.0.0.2 refused; the same call then reached the server on the name's second address
			.anyMatch(l -> l.matches("plain: served on /127\\.0\\.0\\.1:\\d+"))
			.anyMatch(l -> l.matches("filtered: served on /127\\.0\\.0\\.1:\\d+"))
			.anyMatch(l -> l.matches("tcp: connected to /127\\.0\\.0\\.1:\\d+"))
			// the only admitted address refused: its refusal, by its errno, is the error
			.anyMatch(l -> l.matches("only-refusing: ConnectException: cannot connect to tcp://127\\.0\\.0\\.2:\\d+: Connection refused"));
		// a first address that takes no connection: the second after the connect timeout (500 ms)
		String timeout = lines.stream().filter(l -> l.startsWith("after-timeout: ")).findFirst().orElseThrow();
		Assumptions.assumeFalse(timeout.startsWith("after-timeout: skipped"), timeout);
		assertThat(timeout).matches("after-timeout: served on /127\\.0\\.0\\.2:\\d+");
		long ms = Long.parseLong(lines.stream().filter(l -> l.startsWith("after-timeout-ms: ")).findFirst().orElseThrow()
			.substring("after-timeout-ms: ".length()));
		assertThat(ms).isBetween(400L, 10_000L);
	}
}
