/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.testing.PythonPeers;
import io.github.reactormongoose.testing.WebSocketRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link DrainableFeed}: its handler answers the clients' PINGs while the instance is live and
 * stops at {@code POST /drain}, so a client with a keepalive timeout (Python's
 * {@code websockets}) leaves on its own while the feed goes on; the JDK's client shows the PONGs
 * come from the handler and stop, and come back at {@code POST /live}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DrainableFeedTest {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private DrainableFeed feed;

	@AfterEach
	void stop() {
		if (feed != null) {
			feed.dispose();
		}
	}

	private String post(String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + feed.port() + path))
				.POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	/** Sends a PING then a text; returns the PONG that came before the text's echo, or null. */
	private static String pingThenEcho(WebSocket ws, WebSocketRecorder r, String payload) throws Exception {
		ws.sendPing(ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
		ws.sendText(payload, true).get(5, TimeUnit.SECONDS);
		Object message;
		do { // the feed's ticks come in between
			message = r.next();
		}
		while (String.valueOf(message).startsWith("tick "));
		assertThat(message).isEqualTo("echo " + payload);
		// frames come in order: a PONG sent for the PING is in before the echo
		byte[] pong = r.pongs.poll();
		return pong == null ? null : new String(pong, StandardCharsets.UTF_8);
	}

	@Test
	void pingsAreAnsweredWhileLiveAndNotWhileDraining() throws Exception {
		feed = DrainableFeed.start("127.0.0.1", 0);
		WebSocketRecorder r = new WebSocketRecorder();
		WebSocket ws = http.newWebSocketBuilder()
				.buildAsync(URI.create("ws://127.0.0.1:" + feed.port() + "/feed"), r).get(10, TimeUnit.SECONDS);
		assertThat(pingThenEcho(ws, r, "one")).isEqualTo("one");
		assertThat(post("/drain")).isEqualTo("draining\n");
		assertThat(pingThenEcho(ws, r, "two")).as("no PONG while draining").isNull();
		assertThat(post("/live")).isEqualTo("live\n");
		assertThat(pingThenEcho(ws, r, "three")).isEqualTo("three");
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
	}

	@Test
	void aClientWithAKeepaliveTimeoutLeavesOnItsOwnOnceDrained() throws Exception {
		String python = PythonPeers.pythonWith("websockets", "python3-websockets");
		feed = DrainableFeed.start("127.0.0.1", 0);
		String out = PythonPeers.run(python, "src/test/python/drain_client.py", feed.port());
		assertThat(PythonPeers.string(out, "echo")).isEqualTo("echo hello");
		assertThat(out).contains("\"open_before_drain\": true");
		// its pings (every 0.2 s, 1 s to answer) went unanswered: it closed itself
		assertThat(PythonPeers.counter(out, "close_code")).isEqualTo(1011);
		assertThat(PythonPeers.string(out, "close_reason")).contains("ping timeout");
		assertThat(PythonPeers.counter(out, "closed_after_drain_ms")).isBetween(900L, 5_000L);
		assertThat(PythonPeers.counter(out, "ticks")).isGreaterThanOrEqualTo(1);
	}
}
