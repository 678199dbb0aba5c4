/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The server of the reliability scripts answers every kind of traffic they send, and its stats. */
class ReliabilityServerTest {

	@Test
	void servesTheMixedTrafficAndItsStats() throws Exception {
		ReliabilityServer server = ReliabilityServer.start(0, Duration.ofSeconds(5));
		try {
			HttpClient client = HttpClient.newHttpClient();
			String base = "http://127.0.0.1:" + server.port();
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/hello")).build(),
					HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("Hello, World!");
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/64k")).build(),
					HttpResponse.BodyHandlers.ofByteArray()).body()).hasSize(64 * 1024);
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/upload"))
					.POST(HttpRequest.BodyPublishers.ofByteArray(new byte[300_000])).build(),
					HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("300000");
			try (InputStream in = client.send(HttpRequest.newBuilder(URI.create(base + "/stream/3")).build(),
					HttpResponse.BodyHandlers.ofInputStream()).body()) {
				assertThat(in.transferTo(java.io.OutputStream.nullOutputStream())).isEqualTo(3L * 1024 * 1024);
			}
			JsonNode stats = new ObjectMapper().readTree(client.send(
					HttpRequest.newBuilder(URI.create(base + "/__stats")).build(), HttpResponse.BodyHandlers.ofString()).body());
			assertThat(stats.get("rss_kb").asLong()).isPositive();
			assertThat(stats.get("fds").asLong()).isPositive();
			assertThat(stats.get("native_allocations").asLong()).isPositive();
			assertThat(stats.get("native_bytes").asLong()).isPositive();
			assertThat(stats.get("connections").asLong()).isPositive();
		}
		finally {
			server.dispose();
		}
	}

	@Test
	void aRequestLineOrHeadPastItsLimitIsRefused() throws Exception {
		ReliabilityServer server = ReliabilityServer.start(0, Duration.ofSeconds(5));
		try {
			HttpClient client = HttpClient.newHttpClient();
			String base = "http://127.0.0.1:" + server.port();
			// "GET /hello?q=... HTTP/1.1": 22 bytes around the query
			String fits = "x".repeat(ReliabilityServer.MAX_REQUEST_LINE - 22);
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/hello?q=" + fits)).build(),
					HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/hello?q=" + fits + "x")).build(),
					HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(414);
			assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/hello"))
					.header("X-Padding", "p".repeat(ReliabilityServer.MAX_HEAD)).build(),
					HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(431);
			// short header lines: 150 are served (Mongoose's build default was 99), more than
			// MAX_HEADER_LINES are refused (the client adds a few of its own to those counted here)
			HttpRequest.Builder many = HttpRequest.newBuilder(URI.create(base + "/hello"));
			for (int i = 0; i < 150; i++) {
				many.header("X-Line-" + i, "v");
			}
			assertThat(client.send(many.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
			HttpRequest.Builder tooMany = HttpRequest.newBuilder(URI.create(base + "/hello"));
			for (int i = 0; i <= ReliabilityServer.MAX_HEADER_LINES; i++) {
				tooMany.header("X-Line-" + i, "v");
			}
			HttpResponse<String> refused = client.send(tooMany.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(refused.statusCode()).isEqualTo(431);
			assertThat(refused.body()).contains("too many request headers (more than " + ReliabilityServer.MAX_HEADER_LINES);
		}
		finally {
			server.dispose();
		}
	}

	@Test
	void aClientThatStallsInAnUploadGets408() throws Exception {
		ReliabilityServer server = ReliabilityServer.start(0, Duration.ofSeconds(5), Duration.ofMillis(500), Duration.ofSeconds(30));
		try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			// a streamed upload (over 16 KiB) of which only the first 40 KB ever come
			s.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n"
					+ "u".repeat(40_000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
			assertThat(answer).startsWith("HTTP/1.1 408 ");
		}
		finally {
			server.dispose();
		}
	}

	@Test
	void slowReadersOfTheCachedReportHoldASliceEachNotACopy() throws Exception {
		ReliabilityServer server = ReliabilityServer.start(0, Duration.ofSeconds(5));
		HttpClient client = HttpClient.newHttpClient();
		String base = "http://127.0.0.1:" + server.port();
		java.util.List<java.net.Socket> readers = new java.util.ArrayList<>();
		try {
			long before = nativeBytes(client, base);
			for (int i = 0; i < 8; i++) {
				java.net.Socket s = new java.net.Socket();
				s.setReceiveBufferSize(16 * 1024);
				s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
				s.setSoTimeout(10_000);
				s.getOutputStream().write("GET /report HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				readers.add(s);
			}
			Thread.sleep(1_000); // the readers stall (well within the 30 s write timeout)
			long held = nativeBytes(client, base) - before;
			// 8 copies of the report would be 64 MiB; a slice each is about 2 MiB in all
			assertThat(held).as("native bytes held for 8 stalled readers of the 8 MiB report").isLessThan(8L << 20);
			for (java.net.Socket s : readers) { // then each reads it whole
				InputStream in = s.getInputStream();
				StringBuilder head = new StringBuilder();
				while (!head.toString().endsWith("\r\n\r\n")) {
					int c = in.read();
					assertThat(c).as("head ended early: %s", head).isNotNegative();
					head.append((char) c);
				}
				assertThat(head.toString()).startsWith("HTTP/1.1 200").contains("Content-Length: " + ReliabilityServer.REPORT.length);
				assertThat(in.readNBytes(ReliabilityServer.REPORT.length)).isEqualTo(ReliabilityServer.REPORT);
			}
		}
		finally {
			for (java.net.Socket s : readers) {
				s.close();
			}
			server.dispose();
		}
	}

	private static long nativeBytes(HttpClient client, String base) throws Exception {
		return new ObjectMapper().readTree(client.send(HttpRequest.newBuilder(URI.create(base + "/__stats")).build(),
				HttpResponse.BodyHandlers.ofString()).body()).get("native_bytes").asLong();
	}

	@Test
	void aClientThatStopsReadingADownloadIsReset() throws Exception {
		ReliabilityServer server = ReliabilityServer.start(0, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(1));
		try (java.net.Socket s = new java.net.Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
			s.setSoTimeout(10_000);
			s.getOutputStream().write("GET /stream/1024 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			java.io.InputStream in = s.getInputStream();
			assertThat(new String(in.readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
			Thread.sleep(3_000); // the response under way, reads nothing of the 1 GiB for three times the write timeout
			long received = 12 + io.github.reactormongoose.testing.RawHttp.countUntilClosed(in); // until the server's reset
			assertThat(received).isLessThan(64L << 20);
			// and serves on
			assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/hello"))
					.build(), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("Hello, World!");
		}
		finally {
			server.dispose();
		}
	}
}
