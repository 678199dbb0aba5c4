/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * {@link HttpServer#mapHandle}: every request's handler Mono goes through the mappers, in order,
 * with the request's connection; a time limit or a context set there reaches every handler.
 */
class HttpMapHandleTest extends BaseHttpTest {

	@Test
	void everyExchangeGoesThroughTheMappersInOrderWithItsConnection() throws Exception {
		List<String> trail = new CopyOnWriteArrayList<>();
		DisposableServer s = bind(HttpServer.create()
				.mapHandle((handling, connection) -> handling.contextWrite(Context.of("connection", connection.id()))
						.doOnSuccess(x -> trail.add("inner")))
				.mapHandle((handling, connection) -> handling
						.doOnSubscribe(x -> trail.add("start " + connection.remoteAddress().getPort()))
						.doOnSuccess(x -> trail.add("done")))
				.route(r -> r.get("/who", (req, res) -> Mono.deferContextual(ctx -> res.sendString(
						Mono.just("connection " + ctx.get("connection") + " = " + req.connectionId()))))));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			String first = c.write(RawHttp.get("/who")).read().bodyString();
			String second = c.write(RawHttp.get("/who")).read().bodyString();
			assertThat(first).matches("connection (\\d+) = \\1").isEqualTo(second);
			int port = c.socket().getLocalPort();
			// the handler's Mono completes just after its response went out
			long deadline = System.nanoTime() + 5_000_000_000L;
			while (trail.size() < 6 && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			// the second mapper got what the first returned: its completion comes after the first's
			assertThat(trail).containsExactly("start " + port, "inner", "done", "start " + port, "inner", "done");
		}
	}

	@Test
	void aTimeLimitThereFailsSlowHandlersWith500() throws Exception {
		DisposableServer s = bind(HttpServer.create()
				.mapHandle((handling, connection) -> handling.timeout(Duration.ofMillis(200)))
				.route(r -> r
						.get("/slow", (req, res) -> res.sendString(Mono.delay(Duration.ofSeconds(5)).thenReturn("late")))
						.get("/fast", (req, res) -> res.sendString(Mono.just("in time")))));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			assertThat(c.write(RawHttp.get("/slow")).read().status()).isEqualTo(500);
			RawHttp.Response fast = c.write(RawHttp.get("/fast")).read();
			assertThat(fast.status()).isEqualTo(200);
			assertThat(fast.bodyString()).isEqualTo("in time");
		}
	}

	@Test
	void aMapperThatReturnsNullOrThrowsFailsTheExchange() throws Exception {
		DisposableServer nulls = bind(HttpServer.create().mapHandle((handling, connection) -> null)
				.handle((req, res) -> res.sendString(Mono.just("never"))));
		DisposableServer throwing = bind(HttpServer.create().mapHandle((handling, connection) -> {
			throw new IllegalStateException("mapper failed");
		}).handle((req, res) -> res.sendString(Mono.just("never"))));
		for (DisposableServer s : List.of(nulls, throwing)) {
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
				assertThat(c.write(RawHttp.get("/")).read().status()).isEqualTo(500);
			}
		}
	}
}
