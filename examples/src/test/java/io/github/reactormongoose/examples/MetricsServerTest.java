/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import io.github.reactormongoose.testing.LogCapture;
import org.junit.jupiter.api.Test;

/** The metrics example: requests show up in its Prometheus scrape. */
class MetricsServerTest {

	@Test
	void prometheusScrapeShowsTheServersMeters() throws Exception {
		LogCapture accessLog = LogCapture.of("reactor.mongoose.http.server.AccessLog");
		MetricsServer server = MetricsServer.start(0);
		try {
			HttpClient client = HttpClient.newHttpClient();
			String base = "http://127.0.0.1:" + server.port();
			for (String path : new String[] {"/hello", "/hello", "/items/1", "/items/2", "/items/3"}) {
				HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
						HttpResponse.BodyHandlers.ofString());
				assertThat(r.statusCode()).isEqualTo(200);
			}
			HttpResponse<String> scrape = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(scrape.statusCode()).isEqualTo(200);
			String text = scrape.body();
			assertThat(text).containsPattern(
					"reactor_mongoose_http_server_response_time_seconds_count\\{[^}]*uri=\"/hello\"[^}]*\\} 2(\\.0)?\\n");
			assertThat(text).containsPattern(
					"reactor_mongoose_http_server_response_time_seconds_count\\{[^}]*uri=\"/items/\\{id\\}\"[^}]*\\} 3(\\.0)?\\n");
			assertThat(text).doesNotContain("uri=\"/items/1\"");
			// Prometheus drops the _total suffix of a gauge: connections.total is reactor_mongoose_http_server_connections
			assertThat(text).contains("reactor_mongoose_http_server_connections{local_address=");
			assertThat(text).contains("reactor_mongoose_loop_poll_events");
			assertThat(text).contains("reactor_mongoose_native_allocations");
			assertThat(text).containsPattern("reactor_mongoose_native_bytes [1-9]");
			// the five requests are in the access log, the scrape is not
			long deadline = System.nanoTime() + 5_000_000_000L;
			while (accessLog.lines().size() < 5 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(accessLog.lines()).hasSize(5).allMatch(l -> l.contains("\"GET /hello HTTP/1.1\" 200 13 ")
					|| l.contains("\"GET /items/"));
		}
		finally {
			server.dispose();
			accessLog.close();
		}
	}

	/** The error log has the handler's error (a 500); a bad id answered with a 400 is no error. */
	@Test
	void errorLogKeepsTheServersFaultsOnly() throws Exception {
		LogCapture errorLog = LogCapture.of("reactor.mongoose.http.server.ErrorLog");
		MetricsServer server = MetricsServer.start(0);
		try {
			HttpClient client = HttpClient.newHttpClient();
			String base = "http://127.0.0.1:" + server.port();
			int[] statuses = new int[3];
			String[] paths = {"/items/7", "/items/abc", "/items/5000"};
			for (int i = 0; i < paths.length; i++) {
				statuses[i] = client.send(HttpRequest.newBuilder(URI.create(base + paths[i])).build(),
						HttpResponse.BodyHandlers.ofString()).statusCode();
			}
			assertThat(statuses).containsExactly(200, 400, 500);
			assertThat(errorLog.lines()).hasSize(1);
			assertThat(errorLog.lines().get(0)).contains("[client 127.0.0.1:")
					.endsWith("GET /items/5000: java.lang.IllegalStateException: no item store shard for id 5000");
		}
		finally {
			server.dispose();
			errorLog.close();
		}
	}

	/** A client that leaves before its report is ready: counted by the example's mapHandle, the wait not served. */
	@Test
	void abandonedExchangesAreCounted() throws Exception {
		MetricsServer server = MetricsServer.start(0);
		try {
			HttpClient client = HttpClient.newHttpClient();
			String base = "http://127.0.0.1:" + server.port();
			try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
				s.getOutputStream().write("GET /report HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				Thread.sleep(200); // the handler is waiting for its report
			}
			long deadline = System.nanoTime() + 5_000_000_000L;
			String text;
			do {
				Thread.sleep(20);
				text = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
						HttpResponse.BodyHandlers.ofString()).body();
			}
			while (!text.contains("app_exchanges_abandoned_total 1.0") && System.nanoTime() < deadline);
			assertThat(text).contains("app_exchanges_abandoned_total 1.0");
		}
		finally {
			server.dispose();
		}
	}
}
