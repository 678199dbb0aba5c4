/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NotificationHub} with the JDK's HTTP client as listener: the SSE stream and the long
 * poll both answer (status and headers) before anything is published, then carry the
 * notification.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NotificationHubTest {

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private NotificationHub hub;

	@AfterEach
	void stop() {
		if (hub != null) {
			hub.dispose();
		}
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.port() + path)).timeout(Duration.ofSeconds(20));
	}

	private void awaitListeners(int n) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (hub.listeners() < n) {
			assertThat(System.nanoTime()).as("%d listeners subscribed", n).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	@Test
	void streamsAndLongPollsOpenBeforeTheFirstNotificationThenCarryIt() throws Exception {
		hub = NotificationHub.start("127.0.0.1", 0);

		// nothing is published yet: the responses (heads) arrive all the same
		HttpResponse<java.io.InputStream> stream = client.sendAsync(request("/notifications").build(),
				HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
		assertThat(stream.statusCode()).isEqualTo(200);
		assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
		HttpResponse<java.io.InputStream> poll = client.sendAsync(request("/notifications/next").build(),
				HttpResponse.BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS);
		assertThat(poll.statusCode()).isEqualTo(200);
		assertThat(poll.headers().firstValue("Cache-Control")).hasValue("no-store");
		awaitListeners(2);

		CompletableFuture<String> polled = CompletableFuture.supplyAsync(() -> {
			try (java.io.InputStream in = poll.body()) {
				return new String(in.readAllBytes(), StandardCharsets.UTF_8);
			}
			catch (java.io.IOException e) {
				throw new java.io.UncheckedIOException(e);
			}
		});
		HttpResponse<String> sent = client.send(request("/notify").POST(HttpRequest.BodyPublishers.ofString("deploy done")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(sent.body()).isEqualTo("delivered to 2\n");

		assertThat(polled.get(10, TimeUnit.SECONDS)).isEqualTo("deploy done");
		try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
			assertThat(lines.readLine()).isEqualTo("data:deploy done");
			assertThat(lines.readLine()).as("end of the event").isEmpty();
		}
	}
	/**
	 * The only listener's stream does not read: once its output is full, no listener can take a
	 * notification, and the hub's {@code emitNext} ended its sink with an overflow error, so
	 * that stream was cut and every later listener got nothing, for good. Now that listener
	 * misses what it cannot take, and a later long poll gets the next notification.
	 */
	@Test
	void aListenerThatDoesNotReadLeavesTheHubServingTheNextOnes() throws Exception {
		hub = NotificationHub.start("127.0.0.1", 0);
		try (java.net.Socket mute = new java.net.Socket()) {
			mute.setReceiveBufferSize(4096);
			mute.connect(new java.net.InetSocketAddress("127.0.0.1", hub.port()), 5000);
			mute.getOutputStream().write("GET /notifications HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			awaitListeners(1);
			String big = "n".repeat(64 * 1024);
			for (int i = 0; i < 128; i++) { // 8 MB to it, more than the buffers on the way hold
				client.send(request("/notify").POST(HttpRequest.BodyPublishers.ofString(big)).build(),
						HttpResponse.BodyHandlers.discarding());
			}
			CompletableFuture<HttpResponse<String>> poll = client.sendAsync(request("/notifications/next").build(),
					HttpResponse.BodyHandlers.ofString());
			awaitListeners(2);
			client.send(request("/notify").POST(HttpRequest.BodyPublishers.ofString("hello")).build(),
					HttpResponse.BodyHandlers.discarding());
			assertThat(poll.get(10, TimeUnit.SECONDS).body()).isEqualTo("hello");
		}
	}
}
