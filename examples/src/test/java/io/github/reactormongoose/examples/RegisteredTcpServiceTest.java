/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RegisteredTcpService}: registered from {@code doOnBound} with its real port, gone from
 * the registry once disposed ({@code doOnUnbound}), and a client whose {@code doOnConnected}
 * and {@code doOnDisconnected} count each call's connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegisteredTcpServiceTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	@Test
	void registeredWhileBoundAndEveryConnectionCountedBothWays() {
		RegisteredTcpService.Registry registry = new RegisteredTcpService.Registry();
		assertThat(registry.lookup("upper")).isEmpty();
		DisposableServer server = RegisteredTcpService.start(registry, "upper");
		try {
			// doOnBound ran before bindNow returned, with the port picked for port 0
			assertThat(registry.lookup("upper")).hasValue(server.address());
			assertThat(server.port()).isPositive();

			RegisteredTcpService.Client client = new RegisteredTcpService.Client(registry, "upper");
			assertThat(client.call("hello").block(WAIT)).isEqualTo("HELLO");
			assertThat(client.call("h\u00e9llo \u2603").block(WAIT)).isEqualTo("H\u00c9LLO \u2603");
			assertThat(client.call("x".repeat(RegisteredTcpService.MAX_LINE + 1)).block(WAIT))
					.isEqualTo("error: line too long");
			// one connection per call, each closed by the server after its answer
			assertThat(client.connected()).isEqualTo(3);
			assertThat(client.disconnected()).isEqualTo(3);
		}
		finally {
			server.disposeNow();
		}
		// doOnUnbound ran before disposeNow returned
		assertThat(registry.entries()).isEmpty();
		RegisteredTcpService.Client late = new RegisteredTcpService.Client(registry, "upper");
		assertThatThrownBy(() -> late.call("hello").block(WAIT)).isInstanceOf(IllegalStateException.class)
				.hasMessage("upper is not registered");
		assertThat(late.connected()).isZero();
	}

	@Test
	void aNewerInstanceKeepsItsEntryWhenTheOlderGoes() {
		RegisteredTcpService.Registry registry = new RegisteredTcpService.Registry();
		DisposableServer older = RegisteredTcpService.start(registry, "upper");
		DisposableServer newer = RegisteredTcpService.start(registry, "upper");
		try {
			assertThat(registry.lookup("upper")).hasValue(newer.address());
			older.disposeNow();
			assertThat(registry.lookup("upper")).hasValue(newer.address());
			assertThat(new RegisteredTcpService.Client(registry, "upper").call("still here").block(WAIT)).isEqualTo("STILL HERE");
		}
		finally {
			older.disposeNow();
			newer.disposeNow();
		}
		assertThat(registry.entries()).isEmpty();
	}

	@Test
	void mainPrintsTheAnswersAndTheCounts() {
		PrintStream out = System.out;
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
		try {
			RegisteredTcpService.main(new String[] {"one", "two"});
		}
		finally {
			System.setOut(out);
		}
		assertThat(printed.toString(StandardCharsets.UTF_8)).contains("one -> ONE", "two -> TWO",
				"connected 2, disconnected 2", "registered after dispose: {}");
	}
}
