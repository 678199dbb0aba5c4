/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.testing.LoopThreads;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.WebSocketRecorder;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server on several loops: every loop accepts on the one port, a connection stays on the loop
 * that accepted it, shutdown waits for every loop, and sends cross loops through their queues.
 */
class HttpLoopsTest extends BaseHttpTest {

	/** Each request answers with the name of the thread that ran its handler. */
	private static HttpServer threadNamer() {
		return HttpServer.create().handle((req, res) -> res.sendString(Mono.just(Thread.currentThread().getName())));
	}

	/** The handler threads seen by up to {@code max} fresh connections, until {@code want} are seen. */
	private static Set<String> threadsOverNewConnections(DisposableServer server, int want, int max) throws Exception {
		Set<String> threads = new TreeSet<>();
		for (int i = 0; i < max && threads.size() < want; i++) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				threads.add(r.bodyString());
			}
		}
		return threads;
	}

	@Test
	void ownLoopsAllAcceptOnOnePortAndAreDisposedWithTheServer() throws Exception {
		DisposableServer server = bind(threadNamer().loopName("own").loops(2));
		assertThat(server.toString()).contains("on 2 loops");
		// the kernel hashes each new connection to a loop: 64 connections all on one is a 2^-63 event
		assertThat(threadsOverNewConnections(server, 2, 64)).containsExactly("own-0", "own-1");
		server.disposeNow();
		LoopThreads.awaitGone("own-");
	}

	/**
	 * Connection and request ids are unique across the loops of a server: each loop counted its
	 * ids from 1, so two connections on two loops had the same requestId ("4-1"), which Spring
	 * uses as its log prefix.
	 */
	@Test
	void connectionAndRequestIdsAreUniqueAcrossLoops() throws Exception {
		DisposableServer server = bind(HttpServer.create().loopName("ids").loops(2).handle((req, res) -> res.sendString(
				Mono.just(Thread.currentThread().getName() + " " + req.connectionId() + " " + req.requestId()))));
		java.util.Map<String, Set<String>> requestIdsByLoop = new java.util.TreeMap<>();
		Set<String> requestIds = new java.util.HashSet<>();
		Set<String> connectionIds = new java.util.HashSet<>();
		for (int i = 0; i < 64 && (requestIdsByLoop.size() < 2 || i < 8); i++) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
				String[] seen = c.read().bodyString().split(" ");
				requestIdsByLoop.computeIfAbsent(seen[0], k -> new TreeSet<>()).add(seen[2]);
				assertThat(requestIds.add(seen[2])).as("request id %s seen twice", seen[2]).isTrue();
				assertThat(connectionIds.add(seen[1])).as("connection id %s seen twice", seen[1]).isTrue();
				assertThat(seen[2]).startsWith(seen[1] + "-");
			}
		}
		assertThat(requestIdsByLoop).containsOnlyKeys("ids-0", "ids-1");
	}

	@Test
	void byDefaultServersShareTheProcessWideGroup() throws Exception {
		DisposableServer a = bind(threadNamer());
		DisposableServer b = bind(threadNamer());
		int n = MongooseLoops.defaultSize();
		Set<String> expected = LoopThreads.sharedLoopNames();
		assertThat(threadsOverNewConnections(a, n, 64)).isEqualTo(expected);
		assertThat(threadsOverNewConnections(b, n, 64)).isEqualTo(expected);
		a.disposeNow();
		assertThat(MongooseLoops.isSharedStarted()).as("the shared group outlives its servers").isTrue();
		assertThat(get(b, "/").statusCode()).isEqualTo(200);
	}

	@Test
	void aGivenGroupOutlivesTheServerAndTakesANewOne() throws Exception {
		MongooseLoops group = MongooseLoops.create("given", 2);
		try {
			DisposableServer first = threadNamer().runOn(group).bindNow(TIMEOUT);
			assertThat(threadsOverNewConnections(first, 2, 64)).containsExactly("given-0", "given-1");
			first.disposeNow();
			assertThat(group.isDisposed()).isFalse();
			DisposableServer second = bind(threadNamer().runOn(group).port(first.port()));
			assertThat(second.port()).isEqualTo(first.port());
			assertThat(threadsOverNewConnections(second, 2, 64)).containsExactly("given-0", "given-1");
			second.disposeNow();
		}
		finally {
			group.disposeNow();
		}
	}

	@Test
	void aSecondServerOnTheSamePortGetsAddressInUse() {
		DisposableServer first = bind(threadNamer().loops(2));
		assertThatThrownBy(() -> threadNamer().loops(2).port(first.port()).bindNow(TIMEOUT))
				.as("a group joining a port another group shares").isInstanceOf(AddressInUseException.class);
		assertThatThrownBy(() -> threadNamer().loops(1).port(first.port()).bindNow(TIMEOUT))
				.as("one loop on a port a group shares").isInstanceOf(AddressInUseException.class);
	}

	@Test
	void gracefulDisposalWaitsForTheExchangesOfEveryLoop() throws Exception {
		int n = 12;
		CountDownLatch started = new CountDownLatch(n);
		Set<String> threads = ConcurrentHashMap.newKeySet();
		DisposableServer server = bind(HttpServer.create().loops(2).handle((req, res) -> {
			threads.add(Thread.currentThread().getName());
			started.countDown();
			return res.sendString(Mono.delay(Duration.ofMillis(700)).map(x -> "done"));
		}));
		List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			HttpClient fresh = jdkClient(); // one connection each, hashed over the loops
			inFlight.add(fresh.sendAsync(request(server, "/?i=" + i).GET().build(), HttpResponse.BodyHandlers.ofString()));
		}
		assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(threads).as("in-flight exchanges on both loops").hasSize(2);
		long t0 = System.nanoTime();
		server.disposeLater(Duration.ofSeconds(10)).block(TIMEOUT);
		long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
		assertThat(tookMs).as("disposal waited for the exchanges (700 ms each), not the 10 s timeout")
				.isBetween(300L, 5000L);
		for (CompletableFuture<HttpResponse<String>> f : inFlight) {
			HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("done");
		}
		assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), server.port()).close())
				.isInstanceOf(ConnectException.class);
	}

	@Test
	void aMessageReceivedOnOneLoopIsSentOnAnotherLoopsConnection() throws Exception {
		Sinks.Many<String> room = Sinks.many().multicast().directBestEffort();
		Map<String, String> loopOfSession = new ConcurrentHashMap<>();
		DisposableServer server = bind(HttpServer.create().loops(2).route(r -> r.ws("/chat", (in, out) -> {
			String self = Thread.currentThread().getName();
			Mono<Void> incoming = in.receiveText()
					.doOnNext(text -> {
						if (text.startsWith("hello ")) {
							loopOfSession.put(text.substring(6), self);
						}
						room.emitNext(self + ": " + text, Sinks.EmitFailureHandler.busyLooping(Duration.ofSeconds(1)));
					})
					.then();
			return out.sendString(room.asFlux()).and(incoming);
		})));
		HttpClient client = jdkClient();
		// open sessions until two of them live on different loops
		List<WebSocket> sockets = new ArrayList<>();
		List<WebSocketRecorder> recorders = new ArrayList<>();
		String a = null;
		String b = null;
		for (int i = 0; i < 32 && b == null; i++) {
			WebSocketRecorder rec = new WebSocketRecorder();
			WebSocket ws = client.newWebSocketBuilder()
					.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/chat"), rec).get(10, TimeUnit.SECONDS);
			sockets.add(ws);
			recorders.add(rec);
			ws.sendText("hello s" + i, true).get(10, TimeUnit.SECONDS);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (!loopOfSession.containsKey("s" + i) && System.nanoTime() < deadline) {
				Thread.sleep(5);
			}
			String loop = loopOfSession.get("s" + i);
			assertThat(loop).as("session s%d reported its loop", i).isNotNull();
			if (a == null) {
				a = "s" + i;
			}
			else if (!loop.equals(loopOfSession.get(a))) {
				b = "s" + i;
			}
		}
		assertThat(b).as("two sessions on different loops").isNotNull();
		int ia = Integer.parseInt(a.substring(1));
		int ib = Integer.parseInt(b.substring(1));
		String marker = "from " + b + " to all";
		sockets.get(ib).sendText(marker, true).get(10, TimeUnit.SECONDS);
		String expected = loopOfSession.get(b) + ": " + marker;
		WebSocketRecorder recA = recorders.get(ia);
		Object got;
		do {
			got = recA.messages.poll(10, TimeUnit.SECONDS);
		}
		while (got != null && !expected.equals(got));
		assertThat(got).as("session %s on %s got the message sent on %s", a, loopOfSession.get(a), loopOfSession.get(b))
				.isEqualTo(expected);
		for (WebSocket ws : sockets) {
			ws.abort();
		}
	}

	@Test
	void disposeNowOnAPollThreadFailsFastAndDisposeLaterWorksThere() throws Exception {
		java.util.concurrent.atomic.AtomicReference<DisposableServer> self = new java.util.concurrent.atomic.AtomicReference<>();
		CompletableFuture<Throwable> blocked = new CompletableFuture<>();
		DisposableServer server = bind(HttpServer.create().loops(2).handle((req, res) -> {
			try {
				self.get().disposeNow();
				blocked.complete(null);
			}
			catch (Throwable t) {
				blocked.complete(t);
			}
			return res.sendString(Mono.just("ok"));
		}));
		self.set(server);
		assertThat(get(server, "/").body()).isEqualTo("ok");
		assertThat(blocked.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("use disposeLater()");
		assertThat(server.isDisposed()).isFalse();
		server.dispose(); // no wait, from any thread
		server.onDispose().block(TIMEOUT);
		assertThat(server.isDisposed()).isTrue();
	}

	@Test
	void serverSentEventsStreamFromEveryLoop() throws Exception {
		Set<String> threads = ConcurrentHashMap.newKeySet();
		DisposableServer server = bind(HttpServer.create().loops(2).handle((req, res) -> {
			String loop = Thread.currentThread().getName();
			threads.add(loop);
			return res.sendSse(Flux.range(1, 3).map(i -> ServerSentEvent.of(loop + " " + i)));
		}));
		for (int i = 0; i < 64 && threads.size() < 2; i++) {
			HttpResponse<String> r = get(jdkClient(), server, "/events");
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
			assertThat(r.body()).contains(" 1\n\n").contains(" 3\n\n");
		}
		assertThat(threads).hasSize(2);
	}
}
