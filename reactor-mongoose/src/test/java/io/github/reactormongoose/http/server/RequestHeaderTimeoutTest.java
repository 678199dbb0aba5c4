/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The request head timeout (slowloris defence): 408 for a slow head or a slow small body gathered
 * with it; a new connection that sends nothing is closed without an answer; an idle keep-alive
 * connection and a streamed body are not cut.
 */
class RequestHeaderTimeoutTest extends BaseHttpTest {

	/**
	 * The timeout most tests set: short, for a short test. Pauses that must not meet it are under
	 * a third of it; an idle time that must be let pass is half again as long.
	 */
	private static final Duration LIMIT = Duration.ofMillis(500);

	private DisposableServer server(Duration timeout) {
		return bind(HttpServer.create().requestHeaderTimeout(timeout).route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
				.post("/echo", (req, res) -> res.sendString(req.receiveString()))));
	}

	@Test
	void aHeadThatStallsGets408AndTheConnectionClosesWhileOthersAreServed() throws Exception {
		DisposableServer server = server(LIMIT);
		try (RawHttp slow = RawHttp.connect(server.port()).soTimeout(6_000)) {
			slow.write("GET /hello HTTP/1.1\r\nHo");
			try (RawHttp other = RawHttp.connect(server.port())) {
				other.write(RawHttp.get("/hello"));
				assertThat(other.read().bodyString()).isEqualTo("hello");
			}
			long start = System.nanoTime();
			RawHttp.Response r = slow.read();
			assertThat(r.status()).isEqualTo(408);
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(slow.isClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		}
	}

	@Test
	void aNewConnectionThatSendsNothingIsClosedWithoutAnAnswer() throws Exception {
		DisposableServer server = server(LIMIT);
		try (RawHttp silent = RawHttp.connect(server.port()).soTimeout(6_000)) {
			long start = System.nanoTime();
			assertThat(silent.isClosedByPeer()).as("closed, no byte sent").isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(5));
		}
		// the timer of the first request starts at the accept: a head begun late is cut with 408
		try (RawHttp late = RawHttp.connect(server.port()).soTimeout(6_000)) {
			Thread.sleep(350);
			late.write("GET /hello HTTP/1.1\r\n");
			assertThat(late.read().status()).isEqualTo(408);
		}
		// one that asks in time is served, and may then idle for longer (the idle timeout's business)
		try (RawHttp c = RawHttp.connect(server.port())) {
			Thread.sleep(150);
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().bodyString()).isEqualTo("hello");
			Thread.sleep(750);
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().bodyString()).isEqualTo("hello");
		}
	}

	@Test
	void aHeadSentByteByByteWithinTheLimitIsServed() throws Exception {
		DisposableServer server = server(Duration.ofSeconds(3));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (byte b : RawHttp.get("/hello").getBytes()) {
				c.write(new byte[] {b});
				Thread.sleep(10); // pacing of a slow client, not synchronisation
			}
			assertThat(c.read().bodyString()).isEqualTo("hello");
		}
	}

	@Test
	void anIdleKeepAliveConnectionAndASlowStreamedBodyAreNotCut() throws Exception {
		DisposableServer server = server(LIMIT);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().status()).isEqualTo(200);
			Thread.sleep(750); // idle for longer than the head timeout: the idle timeout's business
			// a body over 16 KiB streams to the handler, which can time it out itself
			String body = "x".repeat(20_000);
			c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 10));
			Thread.sleep(750); // a slow streamed body: the application's business
			c.write(body.substring(10));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo(body);
		}
	}

	@Test
	void aSmallBodyGatheredWithItsHeadIsBoundedByTheSameTimeout() throws Exception {
		DisposableServer server = server(LIMIT);
		// no handler runs before a body of up to 16 KiB is whole, so none could time it out:
		// the head timeout covers it, counted from the head's first byte
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(6_000)) {
			c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
			long start = System.nanoTime();
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(408);
			assertThat(r.bodyString()).contains("request not received in time");
			assertThat(c.isClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(5));
		}
		// within the limit, a paced small body is served, and so is the next request
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
			Thread.sleep(150);
			c.write("56789");
			assertThat(c.read().bodyString()).isEqualTo("0123456789");
			Thread.sleep(750); // idle after a gathered body: not cut
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().bodyString()).isEqualTo("hello");
		}
	}

	@Test
	void zeroDisablesTheTimeout() throws Exception {
		DisposableServer server = server(Duration.ZERO);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /hello HTTP/1.1\r\n");
			Thread.sleep(750); // longer than the 500 ms the other tests set
			c.write("Host: x\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("hello");
		}
	}

	@Test
	void defaultsAndValidation() {
		assertThat(HttpServer.create().configuration().requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(20));
		assertThatThrownBy(() -> HttpServer.create().requestHeaderTimeout(Duration.ofSeconds(-1)))
				.isInstanceOf(IllegalArgumentException.class);
	}
}
