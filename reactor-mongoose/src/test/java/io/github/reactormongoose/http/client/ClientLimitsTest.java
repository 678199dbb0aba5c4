/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.FullBacklog;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Timeouts, the pool's limits, cancellation and a demand-driven 64 MiB download. */
class ClientLimitsTest extends BaseHttpTest {

	/**
	 * A request whose headers say {@code Connection: close} is its connection's last even when
	 * the server, ignoring it, keeps the connection open: the next request goes on a new one.
	 */
	@Test
	void aRequestThatSaidCloseIsTheLastOnItsConnection() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); // keeps the connection, as if it had not heard
			}
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop());
			HttpClient closing = client.headers(h -> h.set("Connection", "close"));
			for (int i = 0; i < 3; i++) {
				assertThat(closing.get().uri(s.url("/")).responseSingle((res, b) -> b.thenReturn(res.status()))
						.block(TIMEOUT)).isEqualTo(200);
			}
			assertThat(s.accepted).hasValue(3);
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.clientClosed.get() < 3 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(s.clientClosed).hasValue(3);
		}
	}

	/**
	 * Requests chained on the completion of the one before (concatMap: the next starts on the
	 * poll thread, inside the previous body's completion) share one connection: it is back in
	 * the pool before the body completes. Before, every other request opened a connection.
	 */
	@Test
	void requestsChainedOnThePollThreadReuseOneConnection() {
		java.util.Set<Integer> clientPorts = java.util.concurrent.ConcurrentHashMap.newKeySet();
		io.github.reactormongoose.DisposableServer server = bind(io.github.reactormongoose.http.server.HttpServer.create()
				.route(r -> r.get("/", (req, res) -> {
					clientPorts.add(req.remoteAddress().getPort());
					return res.sendString(Mono.just("ok"));
				})));
		HttpClient client = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + server.port());
		assertThat(Flux.range(0, 10).concatMap(i -> client.get().uri("/")
				.responseSingle((res, body) -> body.map(b -> new String(b, UTF_8)))).collectList().block(TIMEOUT))
				.hasSize(10).containsOnly("ok");
		assertThat(clientPorts).hasSize(1);
	}

	/**
	 * The body of a response whose head alone was taken ({@code response()}), and of a followed
	 * redirect, is read and dropped so that its connection can be reused, but at most
	 * {@code ClientResponse.MAX_DISCARDED} bytes of it (1 MiB): an endless one was read forever
	 * on the poll thread and its connection stayed busy, so with {@code maxConnections(1)} the
	 * next request waited in vain. Past the bound the connection is closed; a body within it
	 * is still drained and its connection reused.
	 */
	@Test
	void anUnreadBodyIsDiscardedOnlyUpToABound() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			String head;
			while ((head = c.readHead()) != null) {
				if (head.startsWith("GET /small")) {
					c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
				}
				else if (head.startsWith("GET /medium")) {
					c.write("HTTP/1.1 200 OK\r\nContent-Length: " + 512 * 1024 + "\r\n\r\n" + "m".repeat(512 * 1024));
				}
				else {
					c.write(head.startsWith("GET /redirect") ? "HTTP/1.1 302 Found\r\nLocation: /small\r\n" : "HTTP/1.1 200 OK\r\n");
					c.write("Transfer-Encoding: chunked\r\n\r\n");
					String chunk = "4000\r\n" + "z".repeat(0x4000) + "\r\n";
					while (true) {
						c.write(chunk); // until the client closes
					}
				}
			}
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop()).maxConnections(1)
					.pendingAcquireTimeout(Duration.ofSeconds(5));
			assertThat(client.get().uri(s.url("/medium")).response().block(TIMEOUT).status()).isEqualTo(200);
			assertThat(client.get().uri(s.url("/small")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)))
					.block(TIMEOUT)).isEqualTo("ok");
			assertThat(s.accepted).as("512 KiB drained, the connection reused").hasValue(1);
			assertThat(client.get().uri(s.url("/endless")).response().block(TIMEOUT).status()).isEqualTo(200);
			assertThat(client.get().uri(s.url("/small")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)))
					.block(TIMEOUT)).isEqualTo("ok");
			assertThat(client.followRedirect(true).get().uri(s.url("/redirect"))
					.responseSingle((res, b) -> b.map(x -> res.redirects() + " " + new String(x, UTF_8))).block(TIMEOUT))
					.isEqualTo("1 ok");
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.clientClosed.get() < 2 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(s.clientClosed).as("both endless bodies' connections closed by the client").hasValue(2);
		}
	}

	@Test
	void responseTimeoutBeforeTheHead() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.awaitClientClose(5000);
		})) {
			long t0 = System.nanoTime();
			StepVerifier.create(HttpClient.create().responseTimeout(Duration.ofMillis(300)).get().uri(s.url("/")).response())
					.expectError(ResponseTimeoutException.class)
					.verify(TIMEOUT);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
			awaitClientClose(s);
		}
	}

	@Test
	void responseTimeoutInTheBody() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
			c.awaitClientClose(5000);
		})) {
			StepVerifier.create(HttpClient.create().responseTimeout(Duration.ofMillis(300)).get().uri(s.url("/"))
					.responseContent().map(b -> UTF_8.decode(b).toString()))
					.expectNext("abc")
					.expectError(ResponseTimeoutException.class)
					.verify(TIMEOUT);
			awaitClientClose(s);
		}
	}

	@Test
	void connectTimeout() throws Exception {
		// a listener that never accepts, its backlog filled: further SYNs go unanswered
		try (FullBacklog backlog = FullBacklog.open()) {
			StepVerifier.create(HttpClient.create().connectTimeout(Duration.ofMillis(300)).get()
					.uri("http://127.0.0.1:" + backlog.port() + "/").response())
					.expectError(ConnectTimeoutException.class)
					.verify(TIMEOUT);
		}
	}

	/** Answers each request with "ok" once {@code release} is counted down. */
	private static ScriptedServer answeringOkAfter(CountDownLatch release) throws IOException {
		return new ScriptedServer(c -> {
			while (c.readHead() != null) {
				release.await(10, TimeUnit.SECONDS);
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			}
		});
	}

	@Test
	void aRequestWaitingForABusyConnectionTimesOut() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (ScriptedServer s = answeringOkAfter(release)) {
			HttpClient c = HttpClient.create().runOn(newLoop()).maxConnections(1)
				.pendingAcquireTimeout(Duration.ofMillis(300));
			Mono<String> get = c.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)));
			var first = get.toFuture();
			s.firstAccepted.await(5, TimeUnit.SECONDS);
			long t0 = System.nanoTime();
			assertThatThrownBy(() -> get.block(TIMEOUT)).isInstanceOf(PoolAcquireTimeoutException.class)
				.hasMessageContaining("300ms")
				.hasMessageContaining("all 1 connections");
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 5_000L);
			// the busy one is not disturbed, and the pool serves the next request on it
			release.countDown();
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(get.block(TIMEOUT)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(1);
		}
	}

	@Test
	void connectionsOlderThanMaxLifeTimeAreNotReused() throws Exception {
		CountDownLatch open = new CountDownLatch(0);
		try (ScriptedServer s = answeringOkAfter(open)) {
			HttpClient forever = HttpClient.create().runOn(newLoop());
			Mono<String> get = forever.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)));
			assertThat(get.block(TIMEOUT)).isEqualTo("ok");
			Thread.sleep(400);
			assertThat(get.block(TIMEOUT)).isEqualTo("ok");
			assertThat(s.accepted).as("kept alive and reused").hasValue(1);

			HttpClient shortLived = forever.maxLifeTime(Duration.ofMillis(300));
			Mono<String> again = shortLived.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)));
			assertThat(again.block(TIMEOUT)).isEqualTo("ok");
			assertThat(again.block(TIMEOUT)).isEqualTo("ok");
			assertThat(s.accepted).as("young: reused").hasValue(2);
			Thread.sleep(400);
			assertThat(again.block(TIMEOUT)).isEqualTo("ok");
			assertThat(s.accepted).as("too old: a new connection").hasValue(3);
		}
		assertThatThrownBy(() -> HttpClient.create().maxLifeTime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> HttpClient.create().pendingAcquireTimeout(Duration.ofSeconds(-1)))
			.isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void pendingAcquireQueueIsBounded() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (ScriptedServer s = answeringOkAfter(release)) {
			HttpClient c = HttpClient.create().runOn(newLoop()).maxConnections(1).pendingAcquireMaxCount(1);
			Mono<String> get = c.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)));
			var first = get.toFuture();
			s.firstAccepted.await(5, TimeUnit.SECONDS);
			// two more while the one connection is busy: whichever reaches the poll thread first
			// waits in the queue of 1, the other is refused at once
			var second = get.toFuture();
			var third = get.toFuture();
			Throwable refused = null;
			CompletableFuture<String> queued = null;
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (refused == null && System.nanoTime() < deadline) {
				for (CompletableFuture<String> f : List.of(second, third)) {
					if (f.isCompletedExceptionally()) {
						refused = f.handle((v, e) -> e).get();
						queued = f == second ? third : second;
					}
				}
				Thread.sleep(10); // polling the futures, not synchronising
			}
			assertThat(refused).isInstanceOf(PoolAcquirePendingLimitException.class)
					.hasMessageContaining("maximum size of 1");
			release.countDown();
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(1);
		}
	}

	@Test
	void aPendingLimitOfZeroStillOpensConnectionsAndRefusesOnlyWaiters() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		try (ScriptedServer s = answeringOkAfter(release)) {
			// nobody may wait for a busy connection, but a request that can have a new one is
			// not waiting: the first two connect, the third is refused at once
			HttpClient c = HttpClient.create().runOn(newLoop()).maxConnections(2).pendingAcquireMaxCount(0);
			Mono<String> get = c.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8)));
			var first = get.toFuture();
			var second = get.toFuture();
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.accepted.get() < 2 && System.nanoTime() < deadline) {
				Thread.sleep(10); // polling the counter, not synchronising
			}
			assertThat(s.accepted).hasValue(2);
			assertThatThrownBy(() -> get.block(TIMEOUT)).isInstanceOf(PoolAcquirePendingLimitException.class)
					.hasMessageContaining("maximum size of 0");
			release.countDown();
			assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
		}
	}

	@Test
	void cancelBeforeTheHeadClosesTheConnection() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.awaitClientClose(5000);
		})) {
			var d = HttpClient.create().get().uri(s.url("/")).response().subscribe();
			s.firstAccepted.await(5, TimeUnit.SECONDS);
			while (s.requests.isEmpty()) {
				Thread.sleep(5);
			}
			d.dispose();
			awaitClientClose(s);
		}
	}

	/**
	 * A response body cancelled while the request body is still streaming (an echo, a server
	 * that answers as it reads) closes the connection and cancels the request body's source:
	 * the source stayed subscribed until it emitted again, for ever for one that had nothing
	 * more to send.
	 */
	@Test
	void cancellingTheResponseBodyCancelsTheRequestBodyStillStreaming() throws Exception {
		io.github.reactormongoose.DisposableServer server = bind(io.github.reactormongoose.http.server.HttpServer.create()
				.route(r -> r.post("/echo", (req, res) -> res.send(req.receive()))));
		CountDownLatch cancelled = new CountDownLatch(1);
		Flux<ByteBuffer> body = Flux.concat(Mono.just(ByteBuffer.wrap("hello".getBytes(UTF_8))), Flux.<ByteBuffer>never())
				.doOnCancel(cancelled::countDown);
		StepVerifier.create(HttpClient.create().runOn(newLoop()).port(server.port()).post().uri("/echo").send(body)
				.responseContent().map(b -> UTF_8.decode(b).toString()).take(1))
				.expectNext("hello")
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(cancelled.await(10, TimeUnit.SECONDS)).as("the request body's source is cancelled").isTrue();
	}

	/**
	 * 64 MiB streamed from a raw socket: without demand the client stops reading, so the server
	 * cannot write much beyond the socket buffers; with demand everything arrives.
	 */
	@Test
	void streamed64MiBDownloadPausesWithoutDemand() throws Exception {
		long total = 64L << 20;
		AtomicLong written = new AtomicLong();
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: " + total + "\r\n\r\n");
			byte[] block = new byte[64 * 1024];
			for (long n = 0; n < total; n += block.length) {
				c.out.write(block);
				written.addAndGet(block.length);
			}
			c.out.flush();
		})) {
			MongooseLoop loop = newLoop();
			AtomicLong received = new AtomicLong();
			CountDownLatch done = new CountDownLatch(1);
			BaseSubscriber<ByteBuffer> slow = new BaseSubscriber<>() {
				@Override
				protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
					request(1);
				}

				@Override
				protected void hookOnNext(ByteBuffer value) {
					received.addAndGet(value.remaining());
				}

				@Override
				protected void hookFinally(reactor.core.publisher.SignalType type) {
					done.countDown();
				}
			};
			Runtime rt = Runtime.getRuntime();
			System.gc();
			long heapBefore = rt.totalMemory() - rt.freeMemory();
			HttpClient.create().runOn(loop).get().uri(s.url("/big")).responseContent().subscribe(slow);
			Thread.sleep(1000);
			long stalled = written.get();
			Thread.sleep(500);
			assertThat(written.get()).as("the server is blocked: reading paused").isEqualTo(stalled);
			assertThat(stalled).as("bytes written while the client had no demand").isLessThan(32L << 20);
			long heapStalled = rt.totalMemory() - rt.freeMemory();
			System.err.println("64 MiB download: " + (stalled >> 10) + " KiB written before the pause, heap "
					+ ((heapStalled - heapBefore) >> 20) + " MiB above the start");
			slow.request(Long.MAX_VALUE);
			assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(received).hasValue(total);
		}
	}

	private static void awaitClientClose(ScriptedServer s) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (s.clientClosed.get() == 0 && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(s.clientClosed).as("the client closed the connection").hasValue(1);
	}
}
