/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpConcurrencyTest extends BaseHttpTest {

	private static final String LINE_8K = "z".repeat(8191) + "\n";

	@Test
	void sixteenThreadsOverKeepAliveConnectionsAllGetTheirOwnBodies() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.post("/echo", (req, res) -> res.sendString(req.receiveString()
						.map(b -> "echo:" + b + "@" + req.connectionId() + ":" + req.remoteAddress().getPort())))
				.get("/async", (req, res) -> res.sendString(Mono.fromCallable(() -> "async:" + req.queryParam("k"))
						.subscribeOn(Schedulers.boundedElastic())))));
		ExecutorService clientPool = Executors.newFixedThreadPool(16);
		ExecutorService workers = Executors.newFixedThreadPool(16);
		try {
			HttpClient client = HttpClient.newBuilder()
					.version(HttpClient.Version.HTTP_1_1)
					.executor(clientPool)
					.connectTimeout(Duration.ofSeconds(5))
					.build();
			int perThread = 60;
			Set<String> connections = ConcurrentHashMap.newKeySet();
			List<Future<Integer>> results = new ArrayList<>();
			for (int t = 0; t < 16; t++) {
				int thread = t;
				results.add(workers.submit(() -> {
					for (int i = 0; i < perThread; i++) {
						String key = "t" + thread + "-r" + i;
						if (i % 2 == 0) {
							HttpResponse<String> r = client.send(request(server, "/echo")
									.POST(HttpRequest.BodyPublishers.ofString(key)).build(),
									HttpResponse.BodyHandlers.ofString());
							assertThat(r.statusCode()).isEqualTo(200);
							assertThat(r.body()).startsWith("echo:" + key + "@");
							connections.add(r.body().substring(r.body().indexOf('@') + 1));
						}
						else {
							HttpResponse<String> r = get(client, server, "/async?k=" + key);
							assertThat(r.statusCode()).isEqualTo(200);
							assertThat(r.body()).isEqualTo("async:" + key);
						}
					}
					return perThread;
				}));
			}
			int total = 0;
			for (Future<Integer> f : results) {
				total += f.get(50, TimeUnit.SECONDS);
			}
			assertThat(total).isEqualTo(16 * perThread);
			assertThat(connections.size()).as("connections used for %d POSTs", 8 * perThread)
					.isLessThanOrEqualTo(64);
		}
		finally {
			workers.shutdownNow();
			clientPool.shutdownNow();
		}
	}

	@Test
	void clientClosingWhileTheServerStreamsLeavesTheServerHealthy() throws Exception {
		int clients = 10;
		CountDownLatch finished = new CountDownLatch(clients);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/big", (req, res) -> res.sendString(Flux.range(0, 100_000).map(i -> LINE_8K))
						.doFinally(s -> finished.countDown()))
				.get("/healthcheck", (req, res) -> res.sendString(Mono.just("OK")))));
		ExecutorService pool = Executors.newFixedThreadPool(clients);
		try {
			List<Future<?>> tasks = new ArrayList<>();
			for (int i = 0; i < clients; i++) {
				boolean reset = i % 2 == 0;
				tasks.add(pool.submit(() -> {
					try (RawHttp c = RawHttp.connect(server.port())) {
						c.write(RawHttp.get("/big"));
						RawHttp.Response head = c.readHead();
						assertThat(head.status()).isEqualTo(200);
						int read = 0;
						while (read < 64 * 1024) {
							byte[] chunk = c.readChunk();
							assertThat(chunk).isNotNull();
							read += chunk.length;
						}
						if (reset) {
							c.socket().setSoLinger(true, 0);
						}
					}
					return null;
				}));
			}
			for (Future<?> t : tasks) {
				t.get(30, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(finished.await(10, TimeUnit.SECONDS)).as("every streaming response terminated").isTrue();
		HttpResponse<String> ok = get(server, "/healthcheck");
		assertThat(ok.statusCode()).isEqualTo(200);
		assertThat(ok.body()).isEqualTo("OK");
	}

	@Test
	void disposeNowLetsTwentyInFlightRequestsFinishThenRefusesConnections() throws Exception {
		CountDownLatch started = new CountDownLatch(20);
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> {
			started.countDown();
			return res.sendString(Mono.delay(Duration.ofMillis(300)).map(x -> "done"));
		}));
		HttpClient client = jdkClient();
		List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			inFlight.add(client.sendAsync(request(server, "/?i=" + i).GET().build(), HttpResponse.BodyHandlers.ofString()));
		}
		assertThat(started.await(10, TimeUnit.SECONDS)).as("20 handlers running").isTrue();

		long t0 = System.nanoTime();
		server.disposeNow(Duration.ofSeconds(5));
		Duration took = Duration.ofNanos(System.nanoTime() - t0);

		for (CompletableFuture<HttpResponse<String>> f : inFlight) {
			HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("done");
		}
		assertThat(took).as("disposal ends when the last exchange ends, not at the timeout")
				.isLessThan(Duration.ofSeconds(4));
		assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), server.port()).close())
				.isInstanceOf(ConnectException.class);
	}

	@Test
	void newConnectionsAreRefusedWhileDisposalWaitsForInFlightRequests() throws Exception {
		CountDownLatch started = new CountDownLatch(5);
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> {
			started.countDown();
			return res.sendString(Mono.delay(Duration.ofMillis(1500)).map(x -> "done"));
		}));
		HttpClient client = jdkClient();
		List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			inFlight.add(client.sendAsync(request(server, "/?i=" + i).GET().build(), HttpResponse.BodyHandlers.ofString()));
		}
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<Void> disposal = server.disposeLater(Duration.ofSeconds(5)).toFuture();
		boolean refused = false;
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
		while (!refused && System.nanoTime() < deadline) {
			try {
				new Socket(InetAddress.getLoopbackAddress(), server.port()).close();
				Thread.sleep(10); // polling for a state change of the listener
			}
			catch (ConnectException e) {
				refused = true;
			}
		}
		assertThat(refused).as("connection refused during the grace period").isTrue();
		assertThat(inFlight).as("requests still in flight when the listener closed").noneMatch(CompletableFuture::isDone);

		disposal.get(10, TimeUnit.SECONDS);
		for (CompletableFuture<HttpResponse<String>> f : inFlight) {
			HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("done");
		}
	}

	@Test
	void disposeNowReturnsAfterTheTimeoutWhenAHandlerNeverCompletes() throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch cancelled = new CountDownLatch(1);
		AtomicInteger completed = new AtomicInteger();
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> {
			started.countDown();
			return Mono.<Void>never().doOnCancel(cancelled::countDown).doOnSuccess(v -> completed.incrementAndGet());
		}));
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(8_000)) {
			c.write(RawHttp.get("/never"));
			assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

			long t0 = System.nanoTime();
			assertThatCode(() -> server.disposeNow(Duration.ofMillis(500))).doesNotThrowAnyException();
			Duration took = Duration.ofNanos(System.nanoTime() - t0);
			assertThat(took).as("graceful wait, then forced").isBetween(Duration.ofMillis(400), Duration.ofMillis(3000));

			assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("the stuck handler is cancelled").isTrue();
			assertThat(completed).hasValue(0);
			try {
				c.readToEof();
			}
			catch (SocketTimeoutException e) {
				throw new AssertionError("the connection of the stuck exchange was not closed", e);
			}
			catch (IOException reset) {
				// a reset is a close too
			}
		}
	}

	/**
	 * 300 connections queue in the listen backlog while the only poll thread computes: the
	 * listener then accepts them in bursts (up to 64 per poll, native/hook-mongoose.sh line 5),
	 * and each one gets the answer to its own request.
	 */
	@Test
	void aBurstOfConnectionsQueuedWhileThePollThreadComputesIsAcceptedAndEachAnswered() throws Exception {
		CountDownLatch computing = new CountDownLatch(1);
		CountDownLatch queued = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().loops(1).route(r -> r
				.get("/compute", (req, res) -> {
					computing.countDown();
					// the poll thread computes (it does not block) until the burst is queued
					long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
					while (queued.getCount() > 0 && System.nanoTime() < end) {
						Thread.onSpinWait();
					}
					return res.sendString(Mono.just("computed"));
				})
				.get("/n", (req, res) -> res.sendString(Mono.just("n" + req.queryParam("i"))))));
		List<RawHttp> burst = new ArrayList<>();
		try (RawHttp first = RawHttp.connect(server.port())) {
			first.write(RawHttp.get("/compute"));
			assertThat(computing.await(10, TimeUnit.SECONDS)).isTrue();
			for (int i = 0; i < 300; i++) {
				RawHttp c = RawHttp.connect(server.port()); // completed by the kernel, not yet accepted
				burst.add(c);
				c.write(RawHttp.get("/n?i=" + i));
			}
			queued.countDown();
			assertThat(first.read().bodyString()).isEqualTo("computed");
			for (int i = 0; i < burst.size(); i++) {
				RawHttp.Response r = burst.get(i).read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.bodyString()).isEqualTo("n" + i);
			}
		}
		finally {
			queued.countDown();
			for (RawHttp c : burst) {
				c.close();
			}
		}
	}
}
