/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Misuse from user code: each gets a clear error, the JVM survives, and nothing leaks (the
 * native leak check runs after the class).
 */
class MisuseTest extends BaseHttpTest {

	@Test
	void sixteenThreadsClosingOneWebSocketSessionAtOnceSendOneCloseFrame() throws Exception {
		AtomicReference<WebsocketOutbound> out = new AtomicReference<>();
		CountDownLatch open = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().route(r -> r.ws("/ws", (in, o) -> {
			out.set(o);
			open.countDown();
			return in.receive().then();
		})));
		try (RawWebSocket ws = RawWebSocket.connect(server.port(), "/ws")) {
			assertThat(open.await(10, TimeUnit.SECONDS)).isTrue();
			List<Throwable> errors = closeFromThreads(16, i -> out.get().sendClose(4000 + i, "thread " + i).block(TIMEOUT));
			// every call either sent the close or failed with ConnectionClosedException
			for (Throwable e : errors) {
				assertThat(e).isInstanceOf(ConnectionClosedException.class);
			}
			assertThat(errors).hasSizeLessThan(16);
			RawWebSocket.Frame close = ws.read();
			assertThat(close.opcode()).isEqualTo(RawWebSocket.CLOSE);
			assertThat(close.closeCode()).isBetween(4000, 4015);
			assertThat(ws.isClosedByPeer()).as("exactly one close frame, then EOF").isTrue();
		}
		StepVerifier.create(out.get().sendString(Mono.just("after close")))
				.expectError(ConnectionClosedException.class)
				.verify(TIMEOUT);
	}

	/** An interim status as the final one would leave the client waiting: refused, the handler gets 500. */
	@Test
	void anInterimStatusIsRefusedAsAFinalOne() throws Exception {
		List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/status/{code}", (req, res) -> {
					try {
						return res.status(Integer.parseInt(req.param("code"))).send();
					}
					catch (IllegalArgumentException e) {
						errors.add(e.getMessage());
						return res.status(500).sendString(Mono.just("refused"));
					}
				})));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String code : new String[] { "100", "101", "103", "199", "99", "1000" }) {
				c.write(RawHttp.get("/status/" + code));
				RawHttp.Response r = c.read();
				assertThat(r.status()).as(code).isEqualTo(500);
			}
			c.write(RawHttp.get("/status/299"));
			assertThat(c.read().status()).isEqualTo(299);
		}
		assertThat(errors).hasSize(6);
		assertThat(errors.get(1)).contains("101 comes from sendWebsocket");
		assertThat(errors.get(4)).contains("out of range");
	}

	/**
	 * As Reactor Netty's: once the head is sent, the status and headers cannot change. They were
	 * taken silently, so the access log and the metrics recorded a status the client never got
	 * (an {@code onErrorResume} that sets 500 after a stream began, say).
	 */
	@Test
	void theStatusAndHeadersCannotChangeOnceTheHeadIsSent() throws Exception {
		List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
		AtomicInteger statusAfter = new AtomicInteger();
		DisposableServer server = bind(HttpServer.create().route(r -> r.get("/late", (req, res) -> res
				.sendString(reactor.core.publisher.Flux.just("a", "b").delayElements(Duration.ofMillis(250)).doOnNext(chunk -> {
					if (chunk.equals("b") && res.hasSentHeaders()) {
						for (Runnable late : new Runnable[] { () -> res.status(404), () -> res.header("X-Late", "1"),
								() -> res.addHeader("X-Late", "2"),
								() -> res.addCookie(io.github.reactormongoose.http.Cookie.of("late", "1")) }) {
							try {
								late.run();
							}
							catch (IllegalStateException e) {
								refused.add(e.getMessage());
							}
						}
						statusAfter.set(res.status());
					}
				})))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/late"));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("ab");
			assertThat(r.header("X-Late")).isNull();
		}
		assertThat(refused).hasSize(4).allMatch(m -> m.equals("Status and headers already sent"));
		assertThat(statusAfter).hasValue(200);
	}

	@Test
	void aHandlerThatBlocksOnThePollThreadFailsFastWith500() throws Exception {
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/block", (req, res) -> {
					try {
						Mono.delay(Duration.ofSeconds(30)).block();
					}
					catch (RuntimeException e) {
						thrown.set(e);
						throw e;
					}
					return res.sendString(Mono.just("never"));
				})
				.get("/ok", (req, res) -> res.sendString(Mono.just("ok")))));
		long start = System.nanoTime();
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/block"));
			assertThat(c.read().status()).isEqualTo(500);
			c.write(RawHttp.get("/ok"));
			assertThat(c.read().bodyString()).isEqualTo("ok");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed fast, not after the 30 s delay")
				.isLessThan(Duration.ofSeconds(10));
		assertThat(thrown.get()).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("block");
	}

	/**
	 * A handler that interrupts its thread (the poll thread) affects no other exchange: the
	 * interrupt stayed set, so the next handler of the loop, on another connection, that handed
	 * work over through a queue with room ({@code put} returns at once, but waits
	 * interruptibly) failed with InterruptedException. The loop clears it before each handler
	 * and task, as Netty's NIO loop does.
	 */
	@Test
	void aHandlerThatInterruptsThePollThreadLeavesTheNextHandlersUninterrupted() throws Exception {
		java.util.concurrent.BlockingQueue<String> work = new java.util.concurrent.ArrayBlockingQueue<>(16);
		DisposableServer server = bind(HttpServer.create().runOn(newLoop()).route(r -> r
				.get("/interrupt", (req, res) -> {
					Thread.currentThread().interrupt();
					return res.sendString(Mono.just("interrupted"));
				})
				.get("/handoff", (req, res) -> {
					try {
						work.put(req.uri());
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
						return res.status(500).sendString(Mono.just("interrupted by another exchange"));
					}
					return res.sendString(Mono.just("queued"));
				})));
		try (RawHttp a = RawHttp.connect(server.port()); RawHttp b = RawHttp.connect(server.port())) {
			a.write(RawHttp.get("/interrupt"));
			assertThat(a.read().bodyString()).isEqualTo("interrupted");
			b.write(RawHttp.get("/handoff"));
			assertThat(b.read().bodyString()).isEqualTo("queued");
		}
		assertThat(work).containsExactly("/handoff");
	}

	@Test
	void subscribingTheRequestBodyTwiceGivesTheSecondSubscriberAClearError() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r.post("/twice", (req, res) -> res.sendString(
				req.receiveString().flatMap(first -> req.receive().then(Mono.just(first + "|second subscriber served"))
						.onErrorResume(IllegalStateException.class, e -> Mono.just(first + "|" + e.getMessage())))))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.request("POST", "/twice", "body".getBytes()));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).startsWith("body|").doesNotContain("second subscriber served");
		}
	}

	@Test
	void aSendAfterTheClientWentAwayFailsWithConnectionClosed() throws Exception {
		Sinks.One<HttpServerResponse> response = Sinks.one();
		CountDownLatch cancelled = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().route(r -> r.get("/hold", (req, res) -> {
			response.tryEmitValue(res);
			return Mono.never().doOnCancel(cancelled::countDown).then();
		})));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/hold"));
			response.asMono().block(TIMEOUT);
		}
		// the server saw the client leave: it cancelled the handler's publisher
		assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
		HttpServerResponse res = response.asMono().block(TIMEOUT);
		StepVerifier.create(res.sendString(Mono.just("late")))
				.expectError(ConnectionClosedException.class)
				.verify(TIMEOUT);
	}

	@Test
	void disposeNowUnderLoadAnswersOrRefusesEveryRequestAndStops() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r.get("/x",
				(req, res) -> res.sendString(Mono.just("x").delayElement(Duration.ofMillis(2))))));
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		URI uri = URI.create("http://127.0.0.1:" + server.port() + "/x");
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger ok = new AtomicInteger();
		AtomicInteger refused = new AtomicInteger();
		List<Throwable> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				workers.add(pool.submit(() -> {
					while (!stop.get()) {
						try {
							HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
									HttpResponse.BodyHandlers.ofString());
							if (r.statusCode() == 200 && r.body().equals("x")) {
								ok.incrementAndGet();
							}
							else {
								unexpected.add(new AssertionError("answer " + r.statusCode() + " " + r.body()));
							}
						}
						catch (IOException e) {
							refused.incrementAndGet(); // refused or closed by the disposal
						}
						catch (InterruptedException e) {
							Thread.currentThread().interrupt();
							return;
						}
					}
				}));
			}
			while (ok.get() < 200) {
				Thread.sleep(10); // let the load build up
			}
			server.disposeNow(Duration.ofSeconds(5));
			assertThat(server.isDisposed()).isTrue();
			int okAtDispose = ok.get();
			Thread.sleep(300); // requests after the disposal must all be refused
			stop.set(true);
			for (Future<?> w : workers) {
				w.get(30, TimeUnit.SECONDS);
			}
			assertThat(unexpected).as("no wrong or partial answer").isEmpty();
			assertThat(ok.get() - okAtDispose).as("answers after disposeNow returned").isLessThanOrEqualTo(8);
			assertThat(refused.get()).as("requests refused after the disposal").isPositive();
		}
		finally {
			stop.set(true);
			pool.shutdownNow();
		}
	}

	interface Call {
		void run(int i) throws Exception;
	}

	/** Runs call(i) on n threads released at once; returns the exceptions thrown. */
	private static List<Throwable> closeFromThreads(int n, Call call) throws Exception {
		CyclicBarrier start = new CyclicBarrier(n);
		List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
		ExecutorService pool = Executors.newFixedThreadPool(n);
		try {
			List<Future<?>> fs = new ArrayList<>();
			for (int i = 0; i < n; i++) {
				int k = i;
				fs.add(pool.submit(() -> {
					try {
						start.await();
						call.run(k);
					}
					catch (Throwable e) {
						errors.add(e);
					}
					return null;
				}));
			}
			for (Future<?> f : fs) {
				f.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		return errors;
	}
}
