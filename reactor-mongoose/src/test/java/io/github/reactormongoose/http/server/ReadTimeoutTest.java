/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code HttpServer.readTimeout}: a client that stalls in a streamed request body is answered
 * 408 and cut; a slow but moving body, and a pause the server makes itself (back-pressure), are
 * not.
 */
class ReadTimeoutTest extends BaseHttpTest {

	private final List<Throwable> bodyErrors = new CopyOnWriteArrayList<>();

	private DisposableServer server(Duration readTimeout) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).readTimeout(readTimeout).route(r -> r
			.post("/count", (req, res) -> res.sendString(req.receive().map(ByteBuffer::remaining)
				.reduce(0L, (a, b) -> a + b)
				.doOnError(bodyErrors::add)
				.map(String::valueOf)))
			// reads one piece at a time, slowly: the server pauses the socket meanwhile
			.post("/slowreader", (req, res) -> res.sendString(req.receive().limitRate(1)
				.delayElements(Duration.ofMillis(400))
				.map(ByteBuffer::remaining)
				.reduce(0L, (a, b) -> a + b)
				.map(String::valueOf)))));
	}

	private static String head(String path, long length) {
		return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n";
	}

	@Test
	void aStalledStreamedBodyGets408AndTheConnectionCloses() throws Exception {
		DisposableServer s = server(Duration.ofMillis(500));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(8_000)) {
			c.write(head("/count", 100_000) + "x".repeat(30_000));
			long start = System.nanoTime();
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(408);
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(c.isClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(400), Duration.ofSeconds(6));
		}
		assertThat(bodyErrors).singleElement().isInstanceOf(RequestBodyTimeoutException.class)
			.satisfies(e -> assertThat(e).hasMessageContaining("500 ms").hasMessageContaining("30000 bytes"));
		// the server goes on
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(head("/count", 20_000) + "y".repeat(20_000));
			assertThat(c.read().bodyString()).isEqualTo("20000");
		}
	}

	@Test
	void aSlowButMovingBodyIsServed() throws Exception {
		DisposableServer s = server(Duration.ofMillis(1_500));
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(head("/count", 6 * 20_000));
			for (int i = 0; i < 6; i++) {
				Thread.sleep(300); // the pace of a slow client, well within the timeout between pieces
				c.write("z".repeat(20_000));
			}
			assertThat(c.read().bodyString()).isEqualTo("120000");
		}
	}

	@Test
	void aPauseForBackPressureIsNotTheClientsStall() throws Exception {
		DisposableServer s = server(Duration.ofMillis(500));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(30_000)) {
			// 1 MiB at once to a handler that takes 400 ms per piece: reading pauses for seconds
			int n = 1 << 20;
			c.write(head("/slowreader", n) + "w".repeat(n));
			assertThat(c.read().bodyString()).isEqualTo(String.valueOf(n));
		}
	}

	/**
	 * A handler that subscribes to the body late (after an authorization call, say), or resumes
	 * it after a pause: the time before is not the client's stall, whatever the phase of the
	 * timer's checks (a subscription between two checks once inherited the time before it).
	 */
	@Test
	void aLateSubscriptionIsNotTheClientsStall() throws Exception {
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).readTimeout(Duration.ofMillis(300)).route(r -> r
			.post("/late", (req, res) -> res.sendString(Mono.delay(Duration.ofMillis(Long.parseLong(req.queryParam("ms"))))
				.then(req.receive().map(ByteBuffer::remaining).reduce(0L, (a, b) -> a + b))
				.doOnError(bodyErrors::add)
				.map(String::valueOf)))));
		int n = 1_500_000;
		// the subscription at a multiple of the timeout: as the timer checks (both count from
		// the head), so that some subscriptions come just before a check
		for (int i = 0, ms = 600; i < 8; i++) {
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(10_000)) {
				c.write("POST /late?ms=" + ms + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + "l".repeat(n));
				RawHttp.Response r = c.read();
				assertThat(r.status()).as("subscribed after %d ms, request %d", ms, i).isEqualTo(200);
				assertThat(r.bodyString()).isEqualTo(String.valueOf(n));
			}
		}
		assertThat(bodyErrors).isEmpty();
	}

	@Test
	void aBodyDrippedJustFastEnoughIsCutByTheRequestTimeout() throws Exception {
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).readTimeout(Duration.ofSeconds(2))
			.requestTimeout(Duration.ofMillis(1_500)).route(r -> r
				.post("/count", (req, res) -> res.sendString(req.receive().map(ByteBuffer::remaining)
					.reduce(0L, (a, b) -> a + b)
					.doOnError(bodyErrors::add)
					.map(String::valueOf)))));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(10_000)) {
			c.write(head("/count", 100_000) + "d".repeat(20_000));
			long start = System.nanoTime();
			// a few bytes every 300 ms: never 2 s without bytes, but never done either
			for (int i = 0; i < 8; i++) {
				Thread.sleep(300);
				try {
					c.write("d".repeat(100));
				}
				catch (java.io.IOException closed) {
					break; // the server cut the connection
				}
			}
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(408);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1_200), Duration.ofSeconds(9));
		}
		assertThat(bodyErrors).singleElement().isInstanceOf(RequestBodyTimeoutException.class)
			.satisfies(e -> assertThat(e).hasMessageContaining("1500 ms (HttpServer.requestTimeout)"));
	}

	/**
	 * A route that answers without reading the body (a 401, a 405): the server reads and drops
	 * the rest for keep-alive. A client that declares a length and stops short held that
	 * connection for good; now it is closed once nothing of the discarded body came for the
	 * read timeout, or without one for the request-head timeout (the server's own patience).
	 */
	@Test
	void aStalledBodyThatNobodyReadsClosesTheConnectionAfterItsResponse() throws Exception {
		for (boolean withReadTimeout : new boolean[] {false, true}) {
			HttpServer server = HttpServer.create().host("127.0.0.1").port(0).requestHeaderTimeout(Duration.ofMillis(800))
				.route(r -> r.post("/guarded", (req, res) -> res.status(401).sendString(Mono.just("who are you?"))));
			DisposableServer s = bind(withReadTimeout ? server.readTimeout(Duration.ofMillis(400)) : server);
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(8_000)) {
				c.write(head("/guarded", 100_000) + "x".repeat(30_000));
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(401);
				assertThat(r.bodyString()).isEqualTo("who are you?");
				long start = System.nanoTime();
				assertThat(c.isClosedByPeer()).as("closed, read timeout " + withReadTimeout).isTrue();
				assertThat(Duration.ofNanos(System.nanoTime() - start))
					.isBetween(Duration.ofMillis(withReadTimeout ? 200 : 500), Duration.ofSeconds(5));
			}
			// a client that keeps sending the rest, however slowly, keeps its connection
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(8_000)) {
				c.write(head("/guarded", 3 * 10_000));
				assertThat(c.read().status()).isEqualTo(401);
				for (int i = 0; i < 3; i++) {
					Thread.sleep(300); // under both limits between pieces, over both in all
					c.write("y".repeat(10_000));
				}
				c.write(head("/guarded", 0));
				assertThat(c.read().status()).as("the next request on the same connection").isEqualTo(401);
			}
			s.disposeNow();
		}
		// no limit at all: the connection stays (as before, and as Reactor Netty)
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).requestHeaderTimeout(Duration.ZERO)
			.route(r -> r.post("/guarded", (req, res) -> res.status(401).send())));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(1_500)) {
			c.write(head("/guarded", 100_000) + "x".repeat(30_000));
			assertThat(c.read().status()).isEqualTo(401);
			assertThat(c.isClosedByPeer()).as("still open after 1.5 s").isFalse();
		}
	}

	@Test
	void validation() {
		assertThat(HttpServer.create().configuration().readTimeout()).isNull();
		assertThat(HttpServer.create().configuration().requestTimeout()).isNull();
		assertThatThrownBy(() -> HttpServer.create().requestTimeout(Duration.ofSeconds(-1)))
			.isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> HttpServer.create().readTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
		assertThat(HttpServer.create().readTimeout(Duration.ofSeconds(3)).configuration().readTimeout())
			.isEqualTo(Duration.ofSeconds(3));
	}
}
