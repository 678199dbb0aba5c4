/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Issue 2 ("Foundation"): the low-level loop API ({@code listen(url)}, {@code connect(url)},
 * {@code Connection}, timers, {@code dispose}/{@code disposeNow(Duration)}/
 * {@code disposeLater(Duration)}) and the HTTP and WebSocket server API
 * ({@code HttpServer.create().host(..).port(0).handle(..)}, {@code route(..)}, {@code bindNow()}
 * and {@code DisposableServer}), called with the names the issue gives, over real sockets.
 */
class Issue2ContractTest extends BaseHttpTest {

	@TempDir
	Path dir;

	@Test
	void listenConnectAndConnection() {
		MongooseLoop loop = newLoop("issue2-loop");
		AtomicReference<InetSocketAddress> bound = new AtomicReference<>();
		CountDownLatch ready = new CountDownLatch(1);
		// an echo server on the low-level API: every READ is sent back on its connection
		Flux<ConnectionEvent> events = loop.listen("tcp://127.0.0.1:0");
		track(events.subscribe(e -> {
			if (e.type() == ConnectionEvent.Type.BOUND) {
				bound.set(e.connection().localAddress());
				ready.countDown();
			}
			else if (e.type() == ConnectionEvent.Type.READ) {
				byte[] copy = new byte[e.data().remaining()];
				e.data().duplicate().get(copy);
				e.connection().send(copy).subscribe();
			}
		}));
		await(ready);

		Mono<Connection> connecting = loop.connect("tcp://127.0.0.1:" + bound.get().getPort());
		Connection c = connecting.block(TIMEOUT);
		assertThat(c.id()).isPositive();
		assertThat(c.localAddress()).isNotNull();
		assertThat(c.remoteAddress()).isEqualTo(bound.get());
		Mono<Void> a = c.send(ByteBuffer.wrap("a".getBytes(UTF_8)));
		Mono<Void> b = c.send("b".getBytes(UTF_8));
		Publisher<ByteBuffer> more = Flux.just("c", "d").map(s -> ByteBuffer.wrap(s.getBytes(UTF_8)));
		Mono<Void> cd = c.send(more);
		a.then(b).then(cd).block(TIMEOUT);
		StepVerifier.create(c.receive().map(buf -> UTF_8.decode(buf).toString()).scan(String::concat)
				.filter(s -> s.length() == 4).next())
				.expectNext("abcd").verifyComplete();
		Mono<Void> drained = c.drain();
		drained.block(TIMEOUT);
		c.onClose().block(TIMEOUT);
		assertThat(c.isActive()).isFalse();
		c.close(); // idempotent
	}

	@Test
	void timersRunOnTheLoop() throws InterruptedException {
		MongooseLoop loop = newLoop("issue2-timers");
		CountDownLatch once = new CountDownLatch(1);
		AtomicReference<String> thread = new AtomicReference<>();
		loop.schedule(Duration.ofMillis(20), () -> {
			thread.set(Thread.currentThread().getName());
			once.countDown();
		});
		CountDownLatch periodic = new CountDownLatch(3);
		Disposable every = loop.schedulePeriodically(Duration.ofMillis(10), Duration.ofMillis(10), periodic::countDown);
		assertThat(once.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(thread.get()).isEqualTo("issue2-timers");
		assertThat(periodic.await(5, TimeUnit.SECONDS)).isTrue();
		every.dispose();
	}

	@Test
	void lifecycleDisposeTwiceIsHarmlessAndADisposedLoopSaysSo() {
		MongooseLoop a = MongooseLoop.create("issue2-a");
		a.dispose();
		a.dispose();
		a.onDispose().block(TIMEOUT);
		assertThat(a.isDisposed()).isTrue();
		assertThatThrownBy(() -> a.execute(() -> { })).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("disposed");
		StepVerifier.create(a.connect("tcp://127.0.0.1:1")).expectError(IllegalStateException.class).verify(TIMEOUT);

		MongooseLoop b = MongooseLoop.create("issue2-b");
		b.disposeNow(Duration.ofSeconds(1));
		b.disposeNow(Duration.ofSeconds(1));
		assertThat(b.isDisposed()).isTrue();

		MongooseLoop c = MongooseLoop.create("issue2-c");
		Mono<Void> later = c.disposeLater(Duration.ofSeconds(1)); // non-blocking: nothing happens until subscribed
		assertThat(c.isDisposed()).isFalse();
		later.block(TIMEOUT);
		assertThat(c.isDisposed()).isTrue();
	}

	@Test
	void blockingOnThePollThreadFailsFast() throws InterruptedException {
		MongooseLoop loop = newLoop("issue2-nonblocking");
		AtomicReference<Throwable> error = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(1);
		loop.execute(() -> {
			try {
				Mono.never().block(Duration.ofSeconds(5));
			}
			catch (Throwable t) {
				error.set(t);
			}
			done.countDown();
		});
		assertThat(done.await(2, TimeUnit.SECONDS)).as("failed fast, not after the 5 s").isTrue();
		assertThat(error.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("block");
	}

	@Test
	void httpServerHandleAndRequestResponseNames() throws Exception {
		AtomicReference<String> seen = new AtomicReference<>();
		DisposableServer server = bind(HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> {
			HttpServerRequest r = req;
			HttpServerResponse w = res;
			Map<String, List<String>> params = r.queryParams();
			seen.set(r.method() + " " + r.uri() + " " + r.path() + " " + params + " "
					+ r.requestHeaders().getAll("x-multi") + " " + r.remoteAddress().getAddress().getHostAddress() + " "
					+ r.hostAddress().getPort());
			Mono<byte[]> whole = r.receiveBytes();
			return w.status(201).header("X-Kind", "whole").sendByteArray(whole);
		}));
		assertThat(server.port()).isPositive();
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("POST /a%20b?x=1&x=2&y=%41 HTTP/1.1\r\nHost: h\r\nX-Multi: 1\r\nx-multi: 2\r\nContent-Length: 3\r\n\r\nabc");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(201);
			assertThat(r.header("X-Kind")).isEqualTo("whole");
			assertThat(r.bodyString()).isEqualTo("abc");
		}
		assertThat(seen.get()).isEqualTo("POST /a%20b?x=1&x=2&y=%41 /a b {x=[1, 2], y=[A]} [1, 2] 127.0.0.1 " + server.port());
		// headers with CR, LF or NUL are refused with an exception
		DisposableServer bad = bind(HttpServer.create().port(0).handle((req, res) -> {
			try {
				res.header("X-Bad", "a\r\nInjected: yes");
				return res.sendString(Mono.just("accepted"));
			}
			catch (IllegalArgumentException e) {
				return res.sendString(Mono.just("refused"));
			}
		}));
		try (RawHttp c = RawHttp.connect(bad.port())) {
			assertThat(c.write(RawHttp.get("/")).read().bodyString()).isEqualTo("refused");
		}
		Mono<Void> disposed = server.onDispose();
		server.disposeNow();
		disposed.block(TIMEOUT);
	}

	@Test
	void routesAndEveryResponseBodyShape() throws Exception {
		Path file = Files.write(dir.resolve("f.txt"), "from a file".getBytes(UTF_8));
		DisposableServer server = bind(HttpServer.create().host("127.0.0.1").port(0).maxRequestBodySize(16)
				.route(routes -> routes
						.get("/buffers", (req, res) -> res.send(Flux.just("a", "b").map(s -> ByteBuffer.wrap(s.getBytes(UTF_8)))))
						.get("/string", (req, res) -> res.sendString(Mono.just("text")))
						.get("/file", (req, res) -> res.sendFile(file))
						.get("/sse", (req, res) -> res.sendSse(Flux.just(ServerSentEvent.builder().id("7").event("tick")
								.retry(1500).data("line 1\nline 2").build())))
						.post("/stream", (req, res) -> {
							Flux<ByteBuffer> body = req.receive();
							return res.sendString(body.map(ByteBuffer::remaining).reduce(0, Integer::sum).map(String::valueOf));
						})
						.ws("/ws", (in, out) -> out.send(in.receive().map(f -> WebSocketFrame.text("echo " + f.text()))))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			RawHttp.Response buffers = c.write(RawHttp.get("/buffers")).read();
			assertThat(buffers.isChunked()).isTrue();
			assertThat(buffers.bodyString()).isEqualTo("ab");
			RawHttp.Response text = c.write(RawHttp.get("/string")).read();
			assertThat(text.header("Content-Length")).isEqualTo("4");
			assertThat(c.write(RawHttp.get("/file")).read().bodyString()).isEqualTo("from a file");
			RawHttp.Response sse = c.write(RawHttp.get("/sse")).read();
			assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
			assertThat(sse.bodyString()).isEqualTo("id:7\nevent:tick\nretry:1500\ndata:line 1\ndata:line 2\n\n");
			assertThat(c.write(RawHttp.request("POST", "/stream", new byte[12])).read().bodyString()).isEqualTo("12");
			// over the configured limit: 413, and the connection closes
			RawHttp.Response tooLarge = c.write(RawHttp.request("POST", "/stream", new byte[17])).read();
			assertThat(tooLarge.status()).isEqualTo(413);
			assertThat(c.isClosedByPeer()).isTrue();
		}
		// WebSocket with the JDK's client as the peer
		AtomicReference<String> reply = new AtomicReference<>();
		CountDownLatch got = new CountDownLatch(1);
		WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
				.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
						reply.set(data.toString());
						got.countDown();
						return CompletableFuture.completedFuture(null);
					}
				}).get(10, TimeUnit.SECONDS);
		ws.sendText("hi", true).get(10, TimeUnit.SECONDS);
		await(got);
		assertThat(reply.get()).isEqualTo("echo hi");
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new AssertionError(e);
		}
	}
}
