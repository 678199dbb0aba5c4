/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.FullBacklog;
import io.github.reactormongoose.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link BackendRelay}: both hops in the wire log, and a backend that never accepts gives a 504 in time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackendRelayTest {

	private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
	private BackendRelay relay;
	private DisposableServer backend;

	@AfterEach
	void stop() {
		if (relay != null) {
			relay.dispose();
		}
		if (backend != null) {
			backend.disposeNow(Duration.ofSeconds(5));
		}
	}

	private HttpResponse<String> get(String path) throws Exception {
		return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
				.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void answersFromTheBackendAndLogsBothHopsOnTheWire() throws Exception {
		try (LogCapture log = LogCapture.allLevels(BackendRelay.WIRE_LOG)) {
			backend = BackendRelay.startBackend(0);
			relay = BackendRelay.start(0, "127.0.0.1", backend.port(), Duration.ofSeconds(2), true);
			HttpResponse<String> r = get("/ask/hello");
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("HELLO\n");
			assertThat(Long.parseLong(r.headers().firstValue("X-Relay-Ms").orElseThrow())).isBetween(0L, 10_000L);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (log.lines().stream().noneMatch(l -> l.contains("WRITE") && l.endsWith("HELLO\n"))
					&& System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			String all = String.join("\n", log.lines());
			assertThat(log.levels()).containsOnly("info");
			// the HTTP hop: the JDK client's request and our answer, as text
			assertThat(all).contains("R:/127.0.0.1:").contains("READ: ").contains("GET /ask/hello HTTP/1.1\r\n");
			assertThat(all).contains("HTTP/1.1 200 OK\r\n");
			// the backend hop: our line out, its line back
			assertThat(log.lines()).anyMatch(l -> l.contains("R:/127.0.0.1:" + backend.port() + "] WRITE: 6B\nhello\n"));
			assertThat(log.lines()).anyMatch(l -> l.contains("R:/127.0.0.1:" + backend.port() + "] READ: 6B\nHELLO\n"));
		}
	}

	@Test
	void aBackendThatNeverAcceptsGivesA504AfterTheConnectTimeout() throws Exception {
		try (FullBacklog dead = FullBacklog.open()) {
			relay = BackendRelay.start(0, "127.0.0.1", dead.port(), Duration.ofMillis(300), false);
			long start = System.nanoTime();
			HttpResponse<String> r = get("/ask/anyone");
			assertThat(r.statusCode()).isEqualTo(504);
			assertThat(r.body()).startsWith("backend timeout: ").contains("timed out after 300 ms");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
		}
	}

	@Test
	void aRefusedBackendGivesA502() throws Exception {
		int port;
		try (ServerSocket s = new ServerSocket(0)) {
			port = s.getLocalPort();
		}
		relay = BackendRelay.start(0, "127.0.0.1", port, Duration.ofSeconds(2), false);
		HttpResponse<String> r = get("/ask/anyone");
		assertThat(r.statusCode()).isEqualTo(502);
		assertThat(r.body()).startsWith("backend failed: ").contains("127.0.0.1:" + port);
	}
}
