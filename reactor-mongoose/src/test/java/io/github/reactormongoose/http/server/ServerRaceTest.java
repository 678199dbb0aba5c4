/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.testing.GlobalMeters;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.LoopHold;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.RawWebSocket;
import io.github.reactormongoose.tcp.TcpServer;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Races on the server between the peer and another thread, forced with {@link LoopHold}: the
 * loop is held while the client acts and the other thread queues its task, so the next poll
 * handles the client's bytes (or close) first and the task runs after it.
 */
class ServerRaceTest extends BaseHttpTest {

	@RegisterExtension
	final GlobalMeters meters = new GlobalMeters();

	/**
	 * A handler cancels its request body from another thread just as the body's last bytes, and
	 * a request pipelined behind them, arrive: the response keeps the connection, and the next
	 * request is parsed from its first byte.
	 */
	@ParameterizedTest
	@ValueSource(booleans = {true, false})
	void aBodyCancelledAsItsLastBytesArriveLeavesTheNextRequestIntact(boolean chunked) throws Exception {
		MongooseLoop loop = newLoop();
		AtomicReference<Subscription> reading = new AtomicReference<>();
		CountDownLatch firstPiece = new CountDownLatch(1);
		Sinks.One<String> answer = Sinks.one();
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.post("/upload", (req, res) -> {
					req.receive().subscribe(new BaseSubscriber<ByteBuffer>() {
						@Override
						protected void hookOnSubscribe(Subscription s) {
							reading.set(s);
							s.request(1);
						}

						@Override
						protected void hookOnNext(ByteBuffer b) {
							firstPiece.countDown();
						}
					});
					return res.sendString(answer.asMono());
				})
				.get("/next", (req, res) -> res.sendString(Mono.just("next")))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			// chunked, or a Content-Length over 16 KiB: both are streamed
			String rest = chunked ? "5\r\nworld\r\n0\r\n\r\n" : "w".repeat(20_000);
			c.write(chunked ? "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
					: "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n" + "h".repeat(20_000));
			assertThat(firstPiece.await(10, TimeUnit.SECONDS)).isTrue();
			try (LoopHold hold = LoopHold.hold(loop)) {
				c.write(rest + RawHttp.get("/next"));
				reading.get().cancel(); // from this thread: runs after the poll that reads the rest
				answer.tryEmitValue("cancelled");
			}
			RawHttp.Response first = c.read();
			assertThat(first.status()).isEqualTo(200);
			assertThat(first.bodyString()).isEqualTo("cancelled");
			RawHttp.Response second = c.read();
			assertThat(second.status()).isEqualTo(200);
			assertThat(second.bodyString()).isEqualTo("next");
		}
	}

	/**
	 * A response completing on another thread as its client resets the connection: the exchange
	 * ends once (recorded once, handler terminated once), and the server serves the next client.
	 */
	@Test
	void aResponseCompletedAsTheClientResetsEndsTheExchangeOnce() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.One<String> answer = Sinks.one();
		List<SignalType> ends = new CopyOnWriteArrayList<>();
		CountDownLatch ended = new CountDownLatch(1);
		CountDownLatch arrived = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().runOn(loop).metrics(true).route(r -> r
				.get("/late", (req, res) -> {
					arrived.countDown();
					return res.sendString(answer.asMono()).doFinally(s -> {
						ends.add(s);
						ended.countDown();
					});
				})
				.get("/next", (req, res) -> res.sendString(Mono.just("next")))));
		RawHttp c = RawHttp.connect(server.port());
		c.write(RawHttp.get("/late"));
		assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
		try (LoopHold hold = LoopHold.hold(loop)) {
			c.socket().setSoLinger(true, 0);
			c.close();
			answer.tryEmitValue("late");
		}
		assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
		meters.awaitExchanges("/late", 1);
		try (RawHttp n = RawHttp.connect(server.port())) {
			n.write(RawHttp.get("/next"));
			assertThat(n.read().bodyString()).isEqualTo("next");
		}
		meters.awaitExchanges("/next", 1);
		assertThat(ends).hasSize(1);
		meters.awaitExchanges("/late", 1); // still once, turns later
	}

	/**
	 * disposeLater and the handler's completion, both from another thread, while the client
	 * waits: the response goes out whole with Connection: close, and the server stops.
	 */
	@Test
	void aResponseCompletedAsDisposeLaterStartsGoesOutAndTheServerStops() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.One<String> answer = Sinks.one();
		CountDownLatch arrived = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/late", (req, res) -> {
					arrived.countDown();
					return res.sendString(answer.asMono());
				})));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/late") + RawHttp.get("/late"));
			assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
			CompletableFuture<Void> stopped;
			try (LoopHold hold = LoopHold.hold(loop)) {
				stopped = server.disposeLater(Duration.ofSeconds(10)).toFuture();
				answer.tryEmitValue("late");
			}
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("late");
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(c.isClosedByPeer()).isTrue();
			stopped.get(10, TimeUnit.SECONDS);
		}
	}

	/**
	 * An SSE stream whose source fails on another thread as the client resets: the client
	 * leaving is not logged as the handler's error, no error is counted, the exchange is
	 * recorded once.
	 */
	@Test
	void anSseStreamFailingAsTheClientResetsIsRecordedOnceAndNotLogged() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.Many<ServerSentEvent> events = Sinks.many().unicast().onBackpressureBuffer();
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = bind(HttpServer.create().runOn(loop).metrics(true).errorLog(true).route(r -> r
					.get("/events", (req, res) -> res.sendSse(events.asFlux()))
					.get("/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))));
			RawHttp c = RawHttp.connect(server.port());
			c.write(RawHttp.get("/events"));
			assertThat(c.readHead().status()).isEqualTo(200);
			events.tryEmitNext(ServerSentEvent.builder().data("one").build());
			c.readChunk();
			try (LoopHold hold = LoopHold.hold(loop)) {
				c.socket().setSoLinger(true, 0);
				c.close();
				events.tryEmitError(new IllegalStateException("source failed"));
			}
			meters.awaitExchanges("/events", 1);
			try (RawHttp n = RawHttp.connect(server.port())) {
				n.write(RawHttp.get("/fail"));
				assertThat(n.read().status()).isEqualTo(500);
			}
			meters.awaitExchanges("/fail", 1);
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).endsWith("GET /fail: java.lang.IllegalStateException: boom"));
			assertThat(meters.registry().find("reactor.mongoose.http.server.errors").tag("uri", "/events").counters()
					.stream().mapToDouble(Counter::count).sum()).isZero();
			meters.awaitExchanges("/events", 1); // still once, turns later
		}
	}

	/**
	 * A response completing on another thread as the next request arrives pipelined behind its
	 * request: both are answered, in order, on the connection.
	 */
	@Test
	void aResponseCompletedAsThePipelinedNextRequestArrivesIsFollowedByItsAnswer() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.One<String> answer = Sinks.one();
		CountDownLatch arrived = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/late", (req, res) -> {
					arrived.countDown();
					return res.sendString(answer.asMono());
				})
				.get("/next", (req, res) -> res.sendString(Mono.just("next")))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/late"));
			assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
			try (LoopHold hold = LoopHold.hold(loop)) {
				c.write(RawHttp.get("/next"));
				answer.tryEmitValue("late");
			}
			assertThat(c.read().bodyString()).isEqualTo("late");
			assertThat(c.read().bodyString()).isEqualTo("next");
		}
	}

	/**
	 * A WebSocket handler completing on another thread as the peer's CLOSE arrives: the peer
	 * gets its own close code back, once, and the connection closes.
	 */
	@Test
	void aWebsocketHandlerEndingAsThePeersCloseArrivesEchoesThePeersCode() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.Empty<Void> end = Sinks.empty();
		CountDownLatch upgraded = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.ws("/ws", (in, out) -> {
					upgraded.countDown();
					return end.asMono();
				})));
		try (RawWebSocket ws = RawWebSocket
				.connect(server.port(), "/ws")) {
			assertThat(upgraded.await(10, TimeUnit.SECONDS)).isTrue();
			try (LoopHold hold = LoopHold.hold(loop)) {
				ws.send(true, RawWebSocket.CLOSE,
						RawWebSocket.closePayload(4000, "bye"));
				end.tryEmitEmpty();
			}
			assertThat(ws.awaitCloseAndEof().closeCode()).isEqualTo(4000);
		}
	}

	/**
	 * A TCP handler's send completing on another thread as its peer resets the connection:
	 * the handler ends once, its end is not logged as a failure, and the server serves the
	 * next peer.
	 */
	@Test
	void aTcpSendCompletedAsThePeerResetsEndsTheHandlerOnce() throws Exception {
		MongooseLoop loop = newLoop();
		Sinks.One<String> answer = Sinks.one();
		List<SignalType> ends = new CopyOnWriteArrayList<>();
		CountDownLatch ended = new CountDownLatch(1);
		CountDownLatch connected = new CountDownLatch(1);
		AtomicReference<Connection> first = new AtomicReference<>();
		try (LogCapture log = LogCapture.of("io.github.reactormongoose.internal.tcp.TcpOperations")) {
			DisposableServer server = track(TcpServer.create().runOn(loop)
					.doOnConnection(c -> {
						if (first.compareAndSet(null, c)) {
							connected.countDown();
						}
					})
					.handle((in, out) -> first.get() == in.connection()
							? out.sendString(answer.asMono()).then().doFinally(s -> {
								ends.add(s);
								ended.countDown();
							})
							: out.sendString(Mono.just("next")))
					.bindNow(TIMEOUT));
			Socket c = new Socket("127.0.0.1", server.port());
			assertThat(connected.await(10, TimeUnit.SECONDS)).isTrue();
			try (LoopHold hold = LoopHold.hold(loop)) {
				c.setSoLinger(true, 0);
				c.close();
				answer.tryEmitValue("late");
			}
			assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
			StepVerifier.create(first.get().onClose()).expectComplete().verify(TIMEOUT);
			try (Socket n = new Socket("127.0.0.1", server.port())) {
				n.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
				assertThat(new String(RawHttp.readUntilClosed(n.getInputStream()), StandardCharsets.US_ASCII))
						.isEqualTo("next");
			}
			assertThat(ends).hasSize(1);
			assertThat(log.lines()).isEmpty();
		}
	}

	/**
	 * A sendFile subscribed on another thread as the client resets: the send is refused (the
	 * connection is gone), the handler ends once, the exchange is recorded once, and no file
	 * region is left with the native side (the class's leak check).
	 */
	@Test
	void aSendFileStartedAsTheClientResetsEndsTheExchangeOnce(@TempDir Path dir)
			throws Exception {
		Path file = dir.resolve("big.bin");
		Files.write(file, new byte[1 << 20]);
		MongooseLoop loop = newLoop();
		Sinks.Empty<Void> go = Sinks.empty();
		List<SignalType> ends = new CopyOnWriteArrayList<>();
		CountDownLatch ended = new CountDownLatch(1);
		CountDownLatch arrived = new CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().runOn(loop).metrics(true).route(r -> r
				.get("/file", (req, res) -> {
					arrived.countDown();
					return go.asMono().then(res.sendFile(file, 0, 1 << 20)).doFinally(s -> {
						ends.add(s);
						ended.countDown();
					});
				})
				.get("/next", (req, res) -> res.sendString(Mono.just("next")))));
		RawHttp c = RawHttp.connect(server.port());
		c.write(RawHttp.get("/file"));
		assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
		try (LoopHold hold = LoopHold.hold(loop)) {
			c.socket().setSoLinger(true, 0);
			c.close();
			go.tryEmitEmpty(); // subscribes the sendFile here: its write is queued for the loop
		}
		assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
		meters.awaitExchanges("/file", 1);
		try (RawHttp n = RawHttp.connect(server.port())) {
			n.write(RawHttp.get("/next"));
			assertThat(n.read().bodyString()).isEqualTo("next");
		}
		assertThat(ends).hasSize(1);
		meters.awaitExchanges("/file", 1); // still once, turns later
	}
}
