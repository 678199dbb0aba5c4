/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.Flood;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/**
 * Keep-alive for every response path: several requests on one connection must all be
 * answered (Mongoose keeps {@code is_resp} set after a raw send, which stalls the next
 * request unless the binding clears it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpKeepAliveTest extends BaseHttpTest {

	private static final String FILE_CONTENT = "file content\0with a NUL\n";

	@TempDir
	Path dir;

	DisposableServer server;

	@BeforeEach
	void startServer() throws Exception {
		Path file = dir.resolve("f.txt");
		Files.writeString(file, FILE_CONTENT, StandardCharsets.UTF_8);
		server = bind(HttpServer.create().route(r -> r
				.get("/sync", (req, res) -> res.sendString(Mono.just("sync " + req.queryParam("i"))))
				.get("/says-close", (req, res) -> res.header("Connection", "close").sendString(Flux.just("bye")))
				.get("/says-keep-alive", (req, res) -> res.header("Connection", "keep-alive").sendString(Mono.just("kept")))
				.get("/says-other", (req, res) -> res.header("Connection", "X-Hop").sendString(Mono.just("other")))
				.get("/no-content-then-error", (req, res) -> res.status(204)
						.sendString(Flux.just("x").concatWith(Mono.error(new IllegalStateException("after the head")))))
				.get("/async", (req, res) -> res.sendString(
						Mono.fromCallable(() -> "async " + req.queryParam("i"))
								.subscribeOn(Schedulers.boundedElastic())))
				.get("/chunked", (req, res) -> res.sendString(Flux.just("chunk", "ed ", req.queryParam("i"))))
				.get("/sse", (req, res) -> res.sendSse(Flux.just(ServerSentEvent.of("a" + req.queryParam("i")),
						ServerSentEvent.of("b" + req.queryParam("i")))))
				.get("/file", (req, res) -> res.sendFile(file))
				.get("/empty", (req, res) -> res.send())
				.get("/nothing", (req, res) -> Mono.empty())
				.get("/delayed-nothing", (req, res) -> Mono.delay(Duration.ofMillis(20)).then())
				.get("/notfound", (req, res) -> res.sendNotFound())
				.get("/redirect", (req, res) -> res.sendRedirect("/sync?i=0"))
				.post("/unread", (req, res) -> res.sendString(Mono.just("unread " + req.queryParam("i"))))
				.get("/seq", (req, res) -> {
					String i = req.queryParam("i");
					Mono<String> body = Mono.just("seq " + i);
					return res.sendString("1".equals(i) ? body.delayElement(Duration.ofMillis(200)) : body);
				})
				.get("/slow", (req, res) -> res.sendString(Mono.delay(Duration.ofMillis(600)).map(x -> "slow")))
				.get("/endless", (req, res) -> res.sendSse(Flux.interval(Duration.ofMillis(50))
						.map(n -> ServerSentEvent.of("tick " + n))))
				// the id with the client's port: ids alone repeat across the server's loops
				.get("/conn", (req, res) -> res.sendString(Mono.just(req.connectionId() + "@" + req.remoteAddress().getPort())))));
	}

	private static byte[] requestFor(String path, int i) {
		if (path.equals("unread")) {
			byte[] body = new byte[5000];
			java.util.Arrays.fill(body, (byte) 'x');
			return RawHttp.request("POST", "/unread?i=" + i, body);
		}
		return RawHttp.get("/" + path + "?i=" + i).getBytes(StandardCharsets.ISO_8859_1);
	}

	private static void assertResponse(String path, int i, RawHttp.Response r) {
		switch (path) {
			case "sync" -> assertThat(r.bodyString()).isEqualTo("sync " + i);
			case "async" -> assertThat(r.bodyString()).isEqualTo("async " + i);
			case "chunked" -> {
				assertThat(r.isChunked()).isTrue();
				assertThat(r.bodyString()).isEqualTo("chunked " + i);
			}
			case "sse" -> assertThat(RawHttp.parseSse(r.bodyString()))
					.containsExactly(List.of("data:a" + i), List.of("data:b" + i));
			case "file" -> assertThat(r.bodyString()).isEqualTo(FILE_CONTENT);
			case "empty", "nothing", "delayed-nothing" -> assertThat(r.body()).isEmpty();
			case "notfound" -> {
				assertThat(r.status()).isEqualTo(404);
				return;
			}
			case "redirect" -> {
				assertThat(r.status()).isEqualTo(302);
				assertThat(r.header("Location")).isEqualTo("/sync?i=0");
				return;
			}
			case "unread" -> assertThat(r.bodyString()).isEqualTo("unread " + i);
			default -> throw new AssertionError(path);
		}
		assertThat(r.status()).isEqualTo(200);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = {"sync", "async", "chunked", "sse", "file", "empty", "nothing", "delayed-nothing",
			"notfound", "redirect", "unread"})
	void threeSequentialRequestsOnOneConnection(String path) throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (int i = 1; i <= 3; i++) {
				c.write(requestFor(path, i));
				RawHttp.Response r = c.read();
				assertResponse(path, i, r);
				assertThat(r.header("Connection")).as("request %d", i).isNotEqualToIgnoringCase("close");
			}
		}
	}

	/**
	 * Pipelined requests wait in the receive buffer while the one before is answered; each must
	 * be parsed as soon as that answer is out, not at the next poll timeout (1 s). Before, 20
	 * requests written at once took 19 s.
	 */
	/**
	 * A {@code Connection} header the handler set is honoured, not just copied: close closes
	 * (a pipelined request behind it is not answered, RFC 9112 §9.6), and keep-alive never
	 * stands beside the server's own close.
	 */
	@Test
	void theHandlersConnectionHeaderIsHonouredAndNeverContradicted() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/says-close") + RawHttp.get("/sync?i=2"));
			String all = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
			assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\nConnection: close\r\n").contains("bye")
					.doesNotContain("sync 2");
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /says-keep-alive HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.headers("Connection")).containsExactly("close");
			assertThat(c.isClosedByPeer()).isTrue();
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /says-keep-alive HTTP/1.0\r\n\r\n"); // an HTTP/1.0 client that did not ask for keep-alive
			RawHttp.Response r = c.read();
			assertThat(r.headers("Connection")).containsExactly("close");
		}
		try (RawHttp c = RawHttp.connect(server.port())) { // HTTP/1.0 keep-alive: the token is added to the handler's
			c.write("GET /says-other HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.headers("Connection")).containsExactly("X-Hop", "keep-alive");
			c.write(RawHttp.get("/sync?i=3"));
			assertThat(c.read().bodyString()).isEqualTo("sync 3");
		}
		try (RawHttp c = RawHttp.connect(server.port())) { // a 204 is whole with its head: a later error keeps the connection
			c.write(RawHttp.get("/no-content-then-error") + RawHttp.get("/sync?i=4"));
			assertThat(c.read().status()).isEqualTo(204);
			assertThat(c.read().bodyString()).isEqualTo("sync 4");
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (int i = 0; i < 2; i++) { // and when the server keeps the connection, the handler's line stays
				c.write(RawHttp.get("/says-keep-alive"));
				RawHttp.Response r = c.read();
				assertThat(r.bodyString()).isEqualTo("kept");
				assertThat(r.headers("Connection")).containsExactly("keep-alive");
			}
		}
	}

	@Test
	void aConnectionCloseSentBeforeTheBodyWasReadIsKeptToEvenWhenTheBodyIsReadAfterwards() throws Exception {
		// the head goes out before the body is read: with the client waiting for 100 Continue,
		// or a body beyond maxDiscardedBodySize, it says Connection: close (the body might never
		// be read). When the handler then reads it all, the connection must still close (RFC 9112
		// 9.6: a server that sent close MUST close and process no further request); it was kept.
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.post("/headers-first", (req, res) -> res.sendHeaders().then(req.receive()
						.reduce(0L, (n, b) -> n + b.remaining())
						.flatMap(n -> res.sendString(Mono.just("n=" + n)).then())))
				.get("/next", (req, res) -> res.sendString(Mono.just("next")))));
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			c.write("POST /headers-first HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
			RawHttp.Response head = c.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.headers("Connection")).containsExactly("close");
			c.write("hello" + RawHttp.get("/next"));
			String rest = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
			assertThat(rest).contains("n=5").doesNotContain("next");
		}
		try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
			int big = 3 << 20; // beyond the default maxDiscardedBodySize (2 MiB)
			c.write("POST /headers-first HTTP/1.1\r\nHost: x\r\nContent-Length: " + big + "\r\n\r\n");
			RawHttp.Response head = c.readHead();
			assertThat(head.headers("Connection")).containsExactly("close");
			c.write(new byte[big]);
			c.write(RawHttp.get("/next"));
			String rest = new String(c.readToEof(), StandardCharsets.ISO_8859_1);
			assertThat(rest).contains("n=" + big).doesNotContain("next");
		}
	}

	@Test
	void pipelinedRequestsAreAnsweredWithoutWaitingForThePollTimeout() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			StringBuilder twenty = new StringBuilder();
			for (int i = 0; i < 20; i++) {
				twenty.append("GET /sync?i=").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
			}
			long t0 = System.nanoTime();
			c.write(twenty.toString());
			for (int i = 0; i < 20; i++) {
				assertThat(c.read().bodyString()).isEqualTo("sync " + i);
			}
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("20 pipelined answers").isLessThan(Duration.ofSeconds(5));
		}
	}

	/**
	 * A client that pipelines requests and reads none of the answers: before, the server parsed
	 * and answered every request, buffering the answers (by hand: 235,500 requests for a 4 KiB
	 * page, 1.2 GB of RSS). Now, above 1 MiB of unread output, it stops reading and parsing
	 * until the client reads; the client's writes stall, and once it reads, every request it
	 * sent is answered, in order, and the connection goes on.
	 */
	@Test
	void aPipeliningClientThatReadsNothingIsStoppedNotBuffered() throws Exception {
		String page = "p".repeat(4096);
		DisposableServer server = bind(HttpServer.create()
				.route(r -> r.get("/page", (req, res) -> res.sendString(Mono.just(page)))));
		byte[] batch = "GET /page HTTP/1.1\r\nHost: x\r\n\r\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
		try (Flood flood = Flood.connect(server.port()); RawHttp c = RawHttp.wrap(flood.socket())) {
			flood.start(batch);
			boolean stalled = flood.awaitStall(2_000, 30_000);
			flood.stop();
			long stalledAt = flood.batches() * 100;
			assertThat(stalled).as("the client's writes stall (%d requests sent)", stalledAt).isTrue();
			assertThat(stalledAt).as("requests taken in before the server stopped reading").isLessThan(50_000);
			// reading: the blocked write completes, the writer stops, every request is answered
			long answered = 0;
			while ((answered < flood.batches() * 100 || flood.writing()) && answered <= 1_100_000) {
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.bodyString()).isEqualTo(page);
				answered++;
			}
			assertThat(answered).as("every request sent is answered").isEqualTo(flood.batches() * 100);
			c.write(RawHttp.get("/page"));
			assertThat(c.read().bodyString()).isEqualTo(page);
		}
	}

	@Test
	void everyResponsePathInTurnOnOneConnection() throws Exception {
		String[] paths = {"sync", "chunked", "unread", "file", "sse", "async", "empty", "notfound", "nothing", "sync"};
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (int i = 0; i < paths.length; i++) {
				c.write(requestFor(paths[i], i));
				assertResponse(paths[i], i, c.read());
			}
		}
	}

	/** HEAD on an endless stream gets the headers at once and leaves the connection usable. */
	@Test
	void headOnAnEndlessStreamEndsAndKeepsTheConnection() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (int i = 1; i <= 3; i++) {
				c.write("HEAD /endless HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
				RawHttp.Response r = c.read(true);
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.header("Content-Type")).isEqualTo("text/event-stream");
				assertThat(r.body()).isEmpty();
				c.write(requestFor("sync", i));
				assertResponse("sync", i, c.read());
			}
		}
	}

	/**
	 * A POST or PUT without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3, rule
	 * 7; {@code curl -X POST} sends one): it is answered on a kept connection, and a request
	 * pipelined behind it is the next request (Mongoose skipped its first bytes, so such
	 * connections were closed after the answer; hook 34).
	 */
	@Test
	void aPostWithoutALengthHasNoBodyAndKeepsTheConnection() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (String method : new String[] {"POST", "PUT", "POST"}) {
				c.write(method + " /unread?i=1 HTTP/1.1\r\nHost: x\r\n\r\n" + RawHttp.get("/sync?i=2"));
				RawHttp.Response first = c.read();
				assertThat(first.status()).as(method).isEqualTo(method.equals("POST") ? 200 : 405);
				assertThat(first.header("Connection")).as(method).isNull();
				assertResponse("sync", 2, c.read());
			}
		}
	}

	@Test
	void pipelinedRequestsAreAnsweredInOrder() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/seq?i=1") + RawHttp.get("/seq?i=2") + RawHttp.get("/seq?i=3"));
			for (int i = 1; i <= 3; i++) {
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.bodyString()).isEqualTo("seq " + i);
			}
			// mixed response paths, pipelined too
			c.write(RawHttp.get("/chunked?i=4") + RawHttp.get("/file?i=5") + RawHttp.get("/sse?i=6"));
			assertResponse("chunked", 4, c.read());
			assertResponse("file", 5, c.read());
			assertResponse("sse", 6, c.read());
		}
	}

	@Test
	void connectionCloseRequestIsAnsweredThenClosed() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write("GET /sync?i=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("sync 1");
			assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
			assertThat(c.isClosedByPeer()).as("server closes after Connection: close").isTrue();
		}
	}

	/**
	 * The close after a Connection: close answer does not wait for the loop's next idle poll:
	 * the answer leaves through send(2) directly, so nothing else would wake the poll, and a
	 * client that reads until the close (HTTP/1.0 style) would wait the whole idle poll time
	 * (here 30 s; 1 s by default) for it.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close", "HTTP/1.0\r\nHost: 127.0.0.1"})
	void theCloseAfterTheLastAnswerDoesNotWaitForAnIdlePoll(String versionAndHeaders) throws Exception {
		MongooseLoop loop = track(MongooseLoop.builder().name("long-poll").maxPollTime(Duration.ofSeconds(30)).build());
		DisposableServer s = bind(HttpServer.create().runOn(loop)
				.handle((req, res) -> res.sendString(Mono.just("bye"))));
		for (int i = 0; i < 3; i++) {
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
				c.write("GET /x " + versionAndHeaders + "\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("bye");
				assertThat(c.isClosedByPeer()).as("closed within 5 s, not after the 30 s idle poll").isTrue();
			}
		}
	}

	@Test
	void http10RequestIsAnsweredThenClosed() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write("GET /sync?i=1 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("sync 1");
			assertThat(c.isClosedByPeer()).as("server closes after an HTTP/1.0 response").isTrue();
		}
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write("GET /chunked?i=2 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.isChunked()).as("no chunked encoding towards an HTTP/1.0 client").isFalse();
			assertThat(r.bodyString()).isEqualTo("chunked 2");
		}
	}

	/**
	 * An HTTP/1.0 client that asks for keep-alive (ApacheBench's {@code ab -k}, old proxies)
	 * keeps its connection when the answer has a length, and is told so with
	 * {@code Connection: keep-alive}, as Reactor Netty does; a streamed answer still ends with the
	 * connection.
	 */
	@Test
	void http10KeepAliveIsHonouredWhenTheAnswerHasALength() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			for (int i = 0; i < 3; i++) {
				c.write("GET /sync?i=" + i + " HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.bodyString()).isEqualTo("sync " + i);
				assertThat(r.header("Connection")).isEqualTo("keep-alive");
			}
			c.write("GET /chunked?i=3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
			RawHttp.Response streamed = c.readHead();
			assertThat(streamed.header("Connection")).isEqualTo("close");
			assertThat(new String(c.readToEof(), StandardCharsets.US_ASCII)).isEqualTo("chunked 3");
		}
	}

	/** ApacheBench with keep-alive ({@code ab -k}, HTTP/1.0): every request on one connection each. */
	@Test
	void apacheBenchKeepAliveReusesItsConnections() throws Exception {
		io.github.reactormongoose.testing.Commands.assumeAvailable("ab", "-V");
		Process p = new ProcessBuilder("ab", "-k", "-n", "200", "-c", "2", "http://127.0.0.1:" + server.port() + "/sync?i=1")
				.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as(out).isZero();
		assertThat(out).contains("Complete requests:      200").contains("Failed requests:        0")
				.contains("Keep-Alive requests:    200");
	}

	@Test
	void idleKeepAliveConnectionIsClosedAfterIdleTimeoutButSlowRequestsAreNot() throws Exception {
		DisposableServer idle = bind(HttpServer.create().idleTimeout(Duration.ofMillis(300)).route(r -> r
				.get("/slow", (req, res) -> res.sendString(Mono.delay(Duration.ofMillis(700)).map(x -> "slow")))));
		try (RawHttp c = RawHttp.connect(idle.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/slow"));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("slow");
			long start = System.nanoTime();
			assertThat(c.isClosedByPeer()).as("idle connection closed").isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
		}
	}

	/**
	 * The idle timeout is for a connection with no request in progress: a head (or a small body
	 * with it) that arrives slowly, over several idle timeouts, is answered, on a new connection
	 * and on a kept-alive one; one that stops arriving is the head timeout's (408).
	 */
	@Test
	void aRequestArrivingSlowlyIsNotIdle() throws Exception {
		DisposableServer idle = bind(HttpServer.create().idleTimeout(Duration.ofMillis(300))
				.requestHeaderTimeout(Duration.ofSeconds(2)).route(r -> r
						.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
						.post("/echo", (req, res) -> res.sendString(req.receiveString()))));
		try (RawHttp c = RawHttp.connect(idle.port()).soTimeout(5_000)) {
			for (int round = 0; round < 2; round++) { // new, then kept alive
				for (String part : new String[] {"GET /hello HTTP/1.1\r\n", "Host: x\r\n", "X-A: 1\r\n", "X-B: 2\r\n",
					"X-C: 3\r\n", "X-D: 4\r\n", "\r\n"}) {
					c.write(part);
					Thread.sleep(150);
				}
				assertThat(c.read().bodyString()).isEqualTo("hello");
			}
			// a small body that comes slowly after its head
			c.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\n");
			for (String part : new String[] {"sl", "ow", "ly"}) {
				Thread.sleep(250);
				c.write(part);
			}
			assertThat(c.read().bodyString()).isEqualTo("slowly");
			// stops in the middle of a head: the head timeout answers
			c.write("GET /hello HTTP/1.1\r\nHost: x\r\n");
			RawHttp.Response late = c.read();
			assertThat(late.status()).isEqualTo(408);
		}
		// and a connection that sends nothing is still closed after the idle timeout
		try (RawHttp c = RawHttp.connect(idle.port()).soTimeout(5_000)) {
			long start = System.nanoTime();
			assertThat(c.isClosedByPeer()).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));
		}
	}

	@Test
	void jdkClientReusesOneConnectionForTwentyRequests() throws Exception {
		HttpClient client = jdkClient();
		Set<String> connections = new HashSet<>();
		for (int i = 0; i < 20; i++) {
			HttpResponse<String> r = get(client, server, "/conn");
			assertThat(r.statusCode()).isEqualTo(200);
			connections.add(r.body());
			HttpResponse<String> a = get(client, server, "/async?i=" + i);
			assertThat(a.statusCode()).isEqualTo(200);
			assertThat(a.body()).isEqualTo("async " + i);
		}
		assertThat(connections).as("connection ids seen").hasSize(1);
	}

	@Test
	void reactorNettyClientReusesOneConnectionForTwentyRequests() {
		ConnectionProvider provider = ConnectionProvider.create("rmg-keepalive-test", 1);
		try {
			reactor.netty.http.client.HttpClient client = reactor.netty.http.client.HttpClient.create(provider)
					.host("127.0.0.1")
					.port(server.port());
			List<String> results = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				String path = i % 2 == 0 ? "/conn" : "/chunked?i=" + i;
				String result = client.get()
						.uri(path)
						.responseSingle((resp, body) -> body.asString().defaultIfEmpty("")
								.map(b -> resp.status().code() + " " + b))
						.block(TIMEOUT);
				results.add(result);
			}
			assertThat(results).allSatisfy(r -> assertThat(r).startsWith("200 "));
			Set<String> ids = new HashSet<>();
			for (int i = 0; i < 20; i += 2) {
				ids.add(results.get(i));
			}
			assertThat(ids).as("connection ids seen").hasSize(1);
			for (int i = 1; i < 20; i += 2) {
				assertThat(results.get(i)).isEqualTo("200 chunked " + i);
			}
		}
		finally {
			provider.disposeLater().block(TIMEOUT);
		}
	}

	@Test
	void curlReusesTheConnection() throws Exception {
		Curl.assumeInstalled();
		String base = "http://127.0.0.1:" + server.port();
		Curl.Result r = Curl.run("-w", "%{http_code} %{num_connects}\\n", "-o", "/dev/null", base + "/sync?i=1",
				"-o", "/dev/null", base + "/chunked?i=2", "-o", "/dev/null", base + "/file");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout().split("\n")).containsExactly("200 1", "200 0", "200 0");
	}
}
