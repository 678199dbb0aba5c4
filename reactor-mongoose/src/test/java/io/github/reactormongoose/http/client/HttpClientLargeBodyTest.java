/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.LoopThreads;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A large request body of known length ({@code send(Mono)}) is handed to the connection a
 * slice at a time as the server reads it: the client holds a slice of native memory, not a
 * copy of the body; each slice counts as progress for the response timeout; an early answer
 * stops the rest.
 */
class HttpClientLargeBodyTest extends BaseHttpTest {

	private static final int BODY = 24 * 1024 * 1024;

	private static byte[] random(int n, long seed) {
		byte[] b = new byte[n];
		new Random(seed).nextBytes(b);
		return b;
	}

	private static Mono<String> text(HttpClientResponse response, Mono<byte[]> body) {
		return body.map(b -> new String(b, StandardCharsets.UTF_8));
	}

	private static String sha256(byte[] b) throws Exception {
		return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
	}

	/**
	 * A server on a plain socket for one request: it reads the head, waits {@code stallMillis}
	 * reading nothing (the kernel's buffers fill up), then reads the body {@code pace} bytes at a
	 * time with {@code pauseMillis} between, and answers the body's SHA-256.
	 */
	private static int slowServer(ServerSocket ss, long stallMillis, int pace, long pauseMillis) throws Exception {
		ss.setReceiveBufferSize(64 * 1024); // before the accept: the window the client sees
		CompletableFuture.runAsync(() -> {
			try (Socket s = ss.accept()) {
				InputStream in = s.getInputStream();
				StringBuilder head = new StringBuilder();
				while (!head.toString().endsWith("\r\n\r\n")) {
					head.append((char) in.read());
				}
				long length = Long.parseLong(head.toString().replaceAll("(?s).*[Cc]ontent-[Ll]ength: (\\d+).*", "$1"));
				Thread.sleep(stallMillis);
				MessageDigest md = MessageDigest.getInstance("SHA-256");
				byte[] buf = new byte[pace];
				for (long left = length; left > 0; ) {
					int r = in.readNBytes(buf, 0, (int) Math.min(pace, left));
					md.update(buf, 0, r);
					left -= r;
					Thread.sleep(pauseMillis);
				}
				String hex = HexFormat.of().formatHex(md.digest());
				s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 64\r\nConnection: close\r\n\r\n" + hex)
						.getBytes(StandardCharsets.US_ASCII));
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
		}, Schedulers.boundedElastic()::schedule);
		return ss.getLocalPort();
	}

	@Test
	void aLargeBodyToAServerThatDoesNotReadYetHoldsASliceNotACopy() throws Exception {
		byte[] body = random(BODY, 1);
		MongooseLoop loop = newLoop();
		try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			int port = slowServer(ss, 1_000, 1024 * 1024, 0);
			Mono<String> call = HttpClient.create().runOn(loop).post().uri("http://127.0.0.1:" + port + "/upload")
					.send(Mono.just(ByteBuffer.wrap(body))).responseSingle(HttpClientLargeBodyTest::text);
			CompletableFuture<String> answer = call.toFuture();
			Thread.sleep(600); // the server reads nothing yet
			assertThat(LoopThreads.bufferBytes(loop)).as("native bytes the client holds for a 24 MiB body the server does not read")
					.isLessThan(2L * 1024 * 1024);
			assertThat(answer.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(sha256(body));
		}
	}

	@Test
	void eachSliceTheServerTakesCountsAsProgressForTheResponseTimeout() throws Exception {
		byte[] body = random(24 * 1024 * 1024, 2);
		try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			// about 2.5 s to read the body, 512 KiB every 50 ms: more than twice the timeout, never
			// idle for it. What the kernel's buffers hold once the last slice is handed over (a
			// few MiB, under half a second at this pace) is read within the timeout.
			int port = slowServer(ss, 0, 512 * 1024, 50);
			String answer = HttpClient.create().responseTimeout(Duration.ofMillis(1_000)).post()
					.uri("http://127.0.0.1:" + port + "/upload").send(Mono.just(ByteBuffer.wrap(body)))
					.responseSingle(HttpClientLargeBodyTest::text).block(Duration.ofSeconds(30));
			assertThat(answer).isEqualTo(sha256(body));
		}
	}

	@Test
	void aLargeBodyReachesReactorNettysServerWhole() throws Exception {
		byte[] body = random(BODY, 3);
		reactor.netty.DisposableServer netty = track(reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.sendString(req.receive().aggregate().asByteArray().map(b -> {
					try {
						return b.length + " " + sha256(b);
					}
					catch (Exception e) {
						throw new IllegalStateException(e);
					}
				})))
				.bindNow());
		HttpClient client = HttpClient.create().port(netty.port());
		for (int i = 0; i < 2; i++) { // twice on one kept-alive connection
			assertThat(client.post().uri("/upload").send(Mono.just(ByteBuffer.wrap(body)))
					.responseSingle(HttpClientLargeBodyTest::text)
					.block(Duration.ofSeconds(30))).isEqualTo(BODY + " " + sha256(body));
		}
	}

	@Test
	void anEarlyAnswerStopsTheRestAndTheClientGoesOn() throws Exception {
		byte[] body = random(BODY, 4);
		DisposableServer server = bind(HttpServer.create().maxRequestBodySize(1024 * 1024)
				.route(r -> r.post("/upload", (req, res) -> res.sendString(req.receiveString()))
						.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		HttpClient client = HttpClient.create().port(server.port());
		for (int i = 0; i < 5; i++) {
			// the server refuses by its Content-Length, answers and lingers (reading and dropping
			// what comes) before it closes: the client reads the 413 and sends no more
			assertThat(client.post().uri("/upload").send(Mono.just(ByteBuffer.wrap(body)))
					.response().map(HttpClientResponse::status).block(Duration.ofSeconds(30))).isEqualTo(413);
		}
		assertThat(client.get().uri("/hello").responseSingle(HttpClientLargeBodyTest::text).block(Duration.ofSeconds(10)))
				.isEqualTo("hello");
	}

	/**
	 * A streamed body (a Flux, chunked or with its Content-Length) that the server refuses before
	 * it has all of it: the 413 is the response, the rest of the body's source is cancelled, the
	 * connection is not used again.
	 */
	@Test
	void anEarlyAnswerToAStreamedBodyIsTheResponse() throws Exception {
		DisposableServer server = bind(HttpServer.create().maxRequestBodySize(1024 * 1024)
				.route(r -> r.post("/upload", (req, res) -> res.sendString(req.receiveString()))
						.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		HttpClient client = HttpClient.create().port(server.port()).responseTimeout(Duration.ofSeconds(20));
		for (int i = 0; i < 3; i++) {
			// chunked: refused once the first MiB has gone by
			assertThat(client.post().uri("/upload").send(Flux.range(0, 1024).map(x -> ByteBuffer.allocate(8192)))
					.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, StandardCharsets.UTF_8))
							.defaultIfEmpty(res.status() + " "))
					.block(Duration.ofSeconds(30))).startsWith("413 ");
			// with its Content-Length: refused by its head
			assertThat(client.headers(h -> h.set("Content-Length", String.valueOf(8 << 20))).post().uri("/upload")
					.send(Flux.range(0, 1024).map(x -> ByteBuffer.allocate(8192)))
					.response().map(HttpClientResponse::status).block(Duration.ofSeconds(30))).isEqualTo(413);
		}
		// a source that would never end: answered, and the source is cancelled
		CountDownLatch cancelled = new CountDownLatch(1);
		assertThat(client.headers(h -> h.set("Content-Length", String.valueOf(8 << 20))).post().uri("/upload")
				.send(Flux.interval(Duration.ofMillis(20)).map(x -> ByteBuffer.allocate(16)).doOnCancel(cancelled::countDown))
				.response().map(HttpClientResponse::status).block(Duration.ofSeconds(30))).isEqualTo(413);
		// response() emits at the head; the source is cancelled when the answer has ended
		assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(client.get().uri("/hello").responseSingle(HttpClientLargeBodyTest::text).block(Duration.ofSeconds(10)))
				.isEqualTo("hello");
	}

	/**
	 * A streamed body (a {@code Flux}) counts for the response timeout as a {@code Mono}'s
	 * slices do: the time its source takes to emit is not the server's, and each piece the
	 * connection takes is progress. The timeout ran from the head being written, so an upload
	 * that lasted longer than it failed midway with {@link ResponseTimeoutException}, however
	 * steadily it went (Reactor Netty's runs from the request being sent).
	 */
	@Test
	void aStreamedBodySlowerThanTheResponseTimeoutIsNotCutByIt() {
		DisposableServer server = bind(HttpServer.create().route(r -> r.post("/count", (req, res) -> res.sendString(
				req.receive().reduce(0L, (n, b) -> n + b.remaining()).map(String::valueOf)))));
		HttpClient client = HttpClient.create().port(server.port()).responseTimeout(Duration.ofMillis(1_000));
		// a source slower than the network: a piece every 300 ms, 2.4 s in all, chunked
		assertThat(client.post().uri("/count")
				.send(Flux.interval(Duration.ofMillis(300)).take(8).map(i -> ByteBuffer.wrap(new byte[1000])))
				.responseSingle(HttpClientLargeBodyTest::text).block(Duration.ofSeconds(30))).isEqualTo("8000");
	}

	@Test
	void eachPieceOfAStreamedBodyTheServerTakesCountsAsProgressForTheResponseTimeout() throws Exception {
		byte[] body = random(24 * 1024 * 1024, 5);
		int piece = 64 * 1024;
		try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			// as for the Mono above, at half its pace: about 5 s to read the body, 512 KiB every 100 ms
			// (a streamed upload under load did not keep up with 50 ms, which lengthened it); the source
			// emits at once, so the upload goes at the server's pace
			int port = slowServer(ss, 0, 512 * 1024, 100);
			String answer = HttpClient.create().responseTimeout(Duration.ofMillis(2_000))
					.headers(h -> h.set("Content-Length", String.valueOf(body.length))).post()
					.uri("http://127.0.0.1:" + port + "/upload")
					.send(Flux.range(0, body.length / piece).map(i -> ByteBuffer.wrap(body, i * piece, piece)))
					.responseSingle(HttpClientLargeBodyTest::text).block(Duration.ofSeconds(30));
			assertThat(answer).isEqualTo(sha256(body));
		}
	}

	/**
	 * A server that takes none of a streamed body still fails the request at the response
	 * timeout: the client waits for the socket, not for its source, and the source is cancelled.
	 */
	@Test
	void aStreamedBodyTheServerDoesNotTakeTimesOut() throws Exception {
		CountDownLatch over = new CountDownLatch(1);
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead(); // chunked: the body is not read
			over.await(10, TimeUnit.SECONDS);
		})) {
			CountDownLatch cancelled = new CountDownLatch(1);
			Flux<ByteBuffer> endless = Flux.range(0, Integer.MAX_VALUE).map(i -> ByteBuffer.allocate(64 * 1024))
					.doOnCancel(cancelled::countDown);
			Throwable failure = HttpClient.create().runOn(newLoop()).responseTimeout(Duration.ofMillis(500)).post()
					.uri(s.url("/upload")).send(endless).response().then().materialize().block(TIMEOUT).getThrowable();
			assertThat(failure).isInstanceOf(ResponseTimeoutException.class);
			assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
			over.countDown();
		}
	}

	/**
	 * A server that resets the connection while a streamed body is going out fails the request
	 * with PrematureCloseException with the socket error, as a close before the answer does
	 * whatever the body: a send that the reset made fail ended it with AbortedException
	 * ("Connection has been closed before send", no reason) when the source emits at once, with
	 * PrematureCloseException when it is slower. The body's source is cancelled and the next
	 * request goes on a new connection.
	 */
	@Test
	void aServerThatResetsDuringAStreamedUploadFailsItWithPrematureClose() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			String head;
			while ((head = c.readHead()) != null) {
				if (head.startsWith("POST")) {
					c.in.readNBytes(1024 * 1024); // a MiB of the chunked body, then a reset
					c.socket.setSoLinger(true, 0);
					c.socket.close();
					return;
				}
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			}
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop()).maxConnections(1);
			CountDownLatch cancelled = new CountDownLatch(1);
			Flux<ByteBuffer> body = Flux.range(0, 1 << 14).map(i -> ByteBuffer.allocate(64 * 1024))
					.doOnCancel(cancelled::countDown);
			Throwable failure = client.post().uri(s.url("/up")).send(body).response().then().materialize().block(TIMEOUT)
					.getThrowable();
			assertThat(failure).isInstanceOf(PrematureCloseException.class);
			assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(client.get().uri(s.url("/small")).responseSingle(HttpClientLargeBodyTest::text).block(TIMEOUT))
					.isEqualTo("ok");
			assertThat(s.accepted).hasValue(2);
		}
	}

	@Test
	void aFatalErrorWhileTheBodyIsReadFailsTheResponseAndClosesTheConnection() {
		// an OutOfMemoryError while gathering a huge body (Reactor rethrows such JVM errors out
		// of its operators, up to the poll loop): the loop logged it and went on, the response
		// neither completed nor failed, whatever its responseTimeout, and every later read of the
		// connection threw again. Simulated here by an Error of that kind from the body's reader.
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/endless", (req, res) -> res.send(Flux.range(0, 100_000).map(i -> ByteBuffer.wrap(new byte[16 * 1024]))))
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		HttpClient client = HttpClient.create().port(s.port()).responseTimeout(Duration.ofSeconds(3));
		Throwable failure = client.get().uri("/endless").responseContent()
				.doOnNext(b -> {
					throw new OutOfMemoryError("simulated: Java heap space");
				})
				.then()
				.materialize()
				.block(Duration.ofSeconds(10))
				.getThrowable();
		assertThat(failure).isInstanceOf(OutOfMemoryError.class).hasMessageContaining("simulated");
		assertThat(client.get().uri("/hello").responseSingle((res, bytes) -> bytes.map(b -> new String(b, StandardCharsets.UTF_8))).block(Duration.ofSeconds(10)))
				.isEqualTo("hello");
	}
}
