/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpErrorsTest extends BaseHttpTest {

	private static final String WS_UPGRADE = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
			+ "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

	DisposableServer server;
	final AtomicInteger handled = new AtomicInteger();
	final CountDownLatch slowStarted = new CountDownLatch(1);
	final CountDownLatch slowCancelled = new CountDownLatch(1);
	final java.util.concurrent.atomic.AtomicReference<reactor.core.publisher.SignalType> jvmErrorSendEnd =
			new java.util.concurrent.atomic.AtomicReference<>();
	final CountDownLatch jvmErrorSendEnded = new CountDownLatch(1);

	@BeforeEach
	void startServer() {
		server = bind(HttpServer.create().route(r -> r
				.get("/healthcheck", (req, res) -> res.sendString(Mono.just("OK")))
				.get("/throw", (req, res) -> {
					throw new IllegalStateException("handler failed");
				})
				.get("/mono-error", (req, res) -> Mono.error(new IllegalStateException("failed before send")))
				.get("/body-error", (req, res) -> res.sendString(Mono.error(new IllegalStateException("no body"))))
				.get("/error-after-headers", (req, res) -> res.sendString(Flux.just("first ", "second ")
						.concatWith(Mono.delay(Duration.ofMillis(100)).then(Mono.error(new IllegalStateException("mid-stream"))))))
				// a JVM error (which Reactor's operators rethrow) from the 2,000th item: pulled by the
				// writer's later rounds, in a timer of the loop rather than in the handler's call
				.get("/jvm-error-mid-stream", (req, res) -> res.sendString(Flux.range(0, 100_000).map(i -> {
					if (i == 2_000) {
						throw new OutOfMemoryError("thrown: mid-stream");
					}
					return "0123456789";
				})).doFinally(signal -> {
					jvmErrorSendEnd.set(signal);
					jvmErrorSendEnded.countDown();
				}))
				.get("/slow", (req, res) -> {
					slowStarted.countDown();
					return res.sendString(Mono.delay(Duration.ofSeconds(5)).map(x -> "late"))
							.doOnCancel(slowCancelled::countDown);
				})
				.post("/upload", (req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveBytes().map(b -> "got " + b.length));
				})
				.ws("/ws", (in, out) -> out.send(in.receive()))));
	}

	private void assertHealthy() throws IOException {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/healthcheck"));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("OK");
		}
	}

	private static RawHttp.Response send(int port, String request) throws IOException {
		try (RawHttp c = RawHttp.connect(port)) {
			c.write(request);
			return c.read();
		}
	}

	@Test
	void handlerThatThrowsGets500AndTheConnectionKeepsServing() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (int i = 0; i < 3; i++) {
				c.write(RawHttp.get("/throw"));
				RawHttp.Response failed = c.read();
				assertThat(failed.status()).isEqualTo(500);
				assertThat(failed.bodyString()).doesNotContain("handler failed"); // no internals leaked
				c.write(RawHttp.get("/healthcheck"));
				RawHttp.Response ok = c.read();
				assertThat(ok.status()).isEqualTo(200);
				assertThat(ok.bodyString()).isEqualTo("OK");
			}
		}
		assertHealthy();
	}

	@Test
	void aResponseHeaderThatNoClientCouldReadIsRefusedWhenSet() throws Exception {
		// control characters in a value, separators in a name (RFC 9110 5.5, 5.1): they went out
		// as they were, and the JDK's and Node's clients refused the whole response; now the
		// handler's header(...) throws, as Reactor Netty's does, and the client gets a 500
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/ctl", (req, res) -> res.header("X-File", "report\u0001\u007f.pdf").sendString(Mono.just("x")))
				.get("/name", (req, res) -> res.header("X(y)", "v").sendString(Mono.just("x")))
				.get("/tab", (req, res) -> res.header("X-Tab", "a\tb \u00e9").sendString(Mono.just("ok")))));
		java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
		for (String path : new String[] {"/ctl", "/name"}) {
			java.net.http.HttpResponse<String> r = jdk.send(java.net.http.HttpRequest.newBuilder(
					java.net.URI.create("http://127.0.0.1:" + s.port() + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).as(path).isEqualTo(500);
		}
		// HTAB, SP and obs-text stay allowed
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/tab"));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.header("X-Tab")).isEqualTo("a\tb \u00e9");
		}
	}

	@Test
	void errorBeforeAnythingWasSentGets500() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/mono-error"));
			assertThat(c.read().status()).isEqualTo(500);
			c.write(RawHttp.get("/body-error"));
			assertThat(c.read().status()).isEqualTo(500);
			c.write(RawHttp.get("/healthcheck"));
			assertThat(c.read().status()).isEqualTo(200);
		}
	}

	@Test
	void errorAfterHeadersClosesTheConnectionWithoutTheLastChunk() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/error-after-headers"));
			RawHttp.Response head = c.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.isChunked()).isTrue();
			byte[] rest;
			try {
				rest = c.readToEof();
			}
			catch (SocketTimeoutException e) {
				throw new AssertionError("the connection stayed open after the body publisher failed", e);
			}
			catch (IOException e) {
				rest = new byte[0]; // reset: also a close
			}
			String tail = new String(rest, StandardCharsets.ISO_8859_1);
			assertThat(tail).doesNotEndWith("0\r\n\r\n");
		}
		assertHealthy();
	}

	/**
	 * A JVM error thrown by the response body's source while the loop pulls it from a task or a
	 * timer (not from the handler's own call) was only logged by the loop: the writer never
	 * ended, so the response stayed open, unfinished, until the client gave up.
	 */
	@Test
	void aJvmErrorFromTheBodySourceMidStreamClosesTheConnectionAndEndsTheSend() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/jvm-error-mid-stream"));
			assertThat(c.readHead().status()).isEqualTo(200);
			byte[] rest;
			try {
				rest = c.readToEof();
			}
			catch (SocketTimeoutException e) {
				throw new AssertionError("the response stayed open after its source threw a JVM error", e);
			}
			catch (IOException e) {
				rest = new byte[0]; // reset: also a close
			}
			assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotEndWith("0\r\n\r\n");
		}
		assertThat(jvmErrorSendEnded.await(5, TimeUnit.SECONDS)).as("the handler's send ended").isTrue();
		assertThat(jvmErrorSendEnd.get()).isEqualTo(reactor.core.publisher.SignalType.ON_ERROR);
		assertHealthy();
	}

	@Test
	void clientDisconnectWhileTheHandlerWaitsCancelsTheResponsePublisher() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/slow"));
			assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
		}
		assertThat(slowCancelled.await(4, TimeUnit.SECONDS)).as("response publisher cancelled by the disconnect").isTrue();
		assertHealthy();
	}

	@Test
	void bodyOverTheLimitGets413AndClose() throws Exception {
		DisposableServer small = bind(HttpServer.create().maxRequestBodySize(1024)
				.handle((req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveBytes().map(b -> "got " + b.length));
				}));
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(RawHttp.request("POST", "/upload", new byte[1024]));
			RawHttp.Response ok = c.read();
			assertThat(ok.status()).isEqualTo(200);
			assertThat(ok.bodyString()).isEqualTo("got 1024");
		}
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(RawHttp.request("POST", "/upload", new byte[5000]));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(413);
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(c.isClosedByPeer()).isTrue();
		}
		assertThat(handled).hasValue(1);
	}

	/**
	 * A client still uploading when the 413 is sent must be able to read it: the server
	 * lingers (shuts down writes, discards input) instead of resetting the connection.
	 */
	@Test
	void clientStillUploadingReads413InsteadOfAReset() throws Exception {
		DisposableServer small = bind(HttpServer.create().maxRequestBodySize(1024)
				.handle((req, res) -> res.sendString(req.receiveString())));
		for (int round = 0; round < 5; round++) {
			try (RawHttp c = RawHttp.connect(small.port()).soTimeout(5_000)) {
				c.write("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 8000000\r\n\r\n");
				byte[] piece = new byte[64 * 1024];
				try {
					for (int i = 0; i < 32; i++) { // 2 MiB of the announced 8 MB, after the 413 was sent
						c.write(piece);
					}
				}
				catch (java.io.IOException e) {
					// the server may stop reading after its linger period; the answer must still be there
				}
				RawHttp.Response r = c.read();
				assertThat(r.status()).as("round %d", round).isEqualTo(413);
				assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			}
		}
		assertHealthy();
	}

	@Test
	void chunkedBodyOverTheLimitGets413() throws Exception {
		DisposableServer small = bind(HttpServer.create().maxRequestBodySize(1024)
				.handle((req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveBytes().map(b -> "got " + b.length));
				}));
		StringBuilder req = new StringBuilder("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
		String chunk = "x".repeat(500);
		for (int i = 0; i < 8; i++) {
			req.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
		}
		req.append("0\r\n\r\n");
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(req.toString());
			RawHttp.Response r = c.read();
			assertThat(r.status()).as("4000-byte chunked body, limit 1024").isEqualTo(413);
		}
		// a chunked body streams: the handler ran at the head, and its read failed at the limit
		assertThat(handled).hasValue(1);
	}

	@Test
	void chunkedBodyOneByteOverTheLimitGets413AndOneAtTheLimitIsServed() throws Exception {
		DisposableServer small = bind(HttpServer.create().maxRequestBodySize(1024)
				.handle((req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveBytes().map(b -> "got " + b.length));
				}));
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(chunkedUpload(1025));
			RawHttp.Response r = c.read();
			assertThat(r.status()).as("1025-byte chunked body, limit 1024").isEqualTo(413);
			assertThat(r.bodyString()).isEqualTo("request body too large\n");
		}
		assertThat(handled).hasValue(1);
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(chunkedUpload(1024));
			RawHttp.Response r = c.read();
			assertThat(r.status()).as("1024-byte chunked body, limit 1024").isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("got 1024");
		}
		assertThat(handled).hasValue(2);
	}

	/** A chunked POST of {@code size} bytes in chunks of at most 300. */
	private static String chunkedUpload(int size) {
		StringBuilder req = new StringBuilder("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
		for (int left = size; left > 0; left -= 300) {
			int n = Math.min(300, left);
			req.append(Integer.toHexString(n)).append("\r\n").append("y".repeat(n)).append("\r\n");
		}
		return req.append("0\r\n\r\n").toString();
	}

	@Test
	void tooManyHeadersGet431() throws Exception {
		StringBuilder req = new StringBuilder("GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n");
		for (int i = 0; i < HttpServer.DEFAULT_MAX_HEADER_COUNT; i++) {
			req.append("X-H").append(i).append(": v\r\n");
		}
		req.append("\r\n");
		assertThat(send(server.port(), req.toString()).status()).isEqualTo(431);
		assertHealthy();
	}

	@Test
	void hugeHeaderGets431() throws Exception {
		String req = "GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + "a".repeat(100_000) + "\r\n\r\n";
		assertThat(send(server.port(), req).status()).isEqualTo(431);
		assertHealthy();
	}

	@Test
	void malformedRequestLineGets400() throws Exception {
		RawHttp.Response r = send(server.port(), "NOT_HTTP garbage\r\n\r\n");
		assertThat(r.status()).isEqualTo(400);
		assertHealthy();
	}

	// ---- adversarial survival (ported from cymongoose tests/test_adversarial.py) ----

	@FunctionalInterface
	interface Attack {
		void run(HttpErrorsTest test, int port) throws Exception;
	}

	/** Sends {@code bytes}, reads whatever comes back (ignoring errors), hangs up. */
	private static void sendAndHangUp(int port, byte[] bytes) throws IOException {
		try (RawHttp c = RawHttp.connect(port).soTimeout(2_000)) {
			c.write(bytes);
			try {
				c.read();
			}
			catch (IOException ignored) {
				// the answer to an attack is not checked here
			}
		}
	}

	private static void sendAndHangUp(int port, String s) throws IOException {
		sendAndHangUp(port, s.getBytes(StandardCharsets.ISO_8859_1));
	}

	private static RawHttp upgraded(int port) throws IOException {
		RawHttp c = RawHttp.connect(port).soTimeout(2_000);
		c.write(WS_UPGRADE);
		RawHttp.Response r = c.read(true);
		assertThat(r.status()).isEqualTo(101);
		return c;
	}

	static Stream<Arguments> attacks() {
		List<Arguments> a = new ArrayList<>();
		a.add(Arguments.of("malformed request line", (Attack) (t, port) -> sendAndHangUp(port, "NOT_HTTP garbage\r\n\r\n")));
		a.add(Arguments.of("incomplete request then hang up", (Attack) (t, port) -> {
			try (RawHttp c = RawHttp.connect(port)) {
				c.write("GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n");
				t.assertHealthy(); // served while the other request hangs
			}
		}));
		a.add(Arguments.of("invalid method", (Attack) (t, port) -> sendAndHangUp(port, "XYZZY / HTTP/1.1\r\nHost: x\r\n\r\n")));
		a.add(Arguments.of("oversized header", (Attack) (t, port) -> sendAndHangUp(port,
				"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000) + "\r\n\r\n")));
		a.add(Arguments.of("500 headers", (Attack) (t, port) -> {
			StringBuilder s = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
			for (int i = 0; i < 500; i++) {
				s.append("X-Header-").append(i).append(": value\r\n");
			}
			sendAndHangUp(port, s.append("\r\n").toString());
		}));
		a.add(Arguments.of("NUL in URI", (Attack) (t, port) -> sendAndHangUp(port, "GET /\0evil HTTP/1.1\r\nHost: x\r\n\r\n")));
		a.add(Arguments.of("conflicting Content-Length", (Attack) (t, port) -> {
			try (RawHttp c = RawHttp.connect(port).soTimeout(2_000)) {
				c.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 100\r\n\r\nhello");
				try {
					assertThat(c.read().status()).as("smuggling attempt must not be served").isGreaterThanOrEqualTo(400);
				}
				catch (IOException closedWithoutAnswer) {
					// closing is an acceptable answer
				}
			}
			assertThat(t.handled).hasValue(0);
		}));
		a.add(Arguments.of("zero-byte connection", (Attack) (t, port) -> {
			new Socket(InetAddress.getLoopbackAddress(), port).close();
		}));
		a.add(Arguments.of("50 idle sockets", (Attack) (t, port) -> {
			List<Socket> idle = new ArrayList<>();
			try {
				for (int i = 0; i < 50; i++) {
					idle.add(new Socket(InetAddress.getLoopbackAddress(), port));
				}
				t.assertHealthy(); // served while 50 idle sockets are open
			}
			finally {
				for (Socket s : idle) {
					s.close();
				}
			}
		}));
		a.add(Arguments.of("slow loris", (Attack) (t, port) -> {
			try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
				OutputStream out = s.getOutputStream();
				byte[] partial = "GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII);
				for (byte b : partial) {
					out.write(b);
					out.flush();
					Thread.sleep(10); // pacing of the attack, not synchronisation
				}
				t.assertHealthy(); // others are served while the loris hangs
			}
		}));
		a.add(Arguments.of("garbage WebSocket frame after upgrade", (Attack) (t, port) -> {
			try (RawHttp c = upgraded(port)) {
				c.write(new byte[] {(byte) 0xff, 0x13, 0x37, 0x00, (byte) 0xde, (byte) 0xad});
				try {
					c.readToEof();
				}
				catch (IOException ignored) {
					// closing or timing out are both fine
				}
			}
		}));
		a.add(Arguments.of("WebSocket frame header claiming 1 GiB", (Attack) (t, port) -> {
			try (RawHttp c = upgraded(port)) {
				c.write(new byte[] {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4});
			}
		}));
		return a.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("attacks")
	void serverSurvivesAdversarialInput(String name, Attack attack) throws Exception {
		attack.run(this, server.port());
		assertHealthy();
		assertHealthy();
	}
}
