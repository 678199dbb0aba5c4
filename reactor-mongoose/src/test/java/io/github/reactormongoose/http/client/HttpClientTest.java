/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.testing.LoopHold;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The client against this project's own HttpServer: verbs, bodies, headers, keep-alive, redirects. */
class HttpClientTest extends BaseHttpTest {

	/** The client ports of the connections the server served (ids repeat across a server's loops). */
	private final Set<Integer> connections = ConcurrentHashMap.newKeySet();

	private DisposableServer server() {
		return bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
				.get("/hello", (req, res) -> {
					connections.add(req.remoteAddress().getPort());
					return res.header("Content-Type", "text/plain").sendString(Mono.just("Hello"));
				})
				.route(req -> req.path().equals("/echo"), (req, res) -> res
						.header("X-Method", req.method())
						.header("X-Length", String.valueOf(req.requestHeaders().get("Content-Length")))
						.header("X-Chunked", String.valueOf(req.requestHeaders().containsToken("Transfer-Encoding", "chunked")))
						.header("X-Agent", String.valueOf(req.requestHeaders().get("User-Agent")))
						.header("X-Type", String.valueOf(req.requestHeaders().get("Content-Type")))
						.header("X-Language", String.valueOf(req.requestHeaders().get("Content-Language")))
						.sendByteArray(req.receiveBytes()))
				.get("/stream", (req, res) -> res.sendString(Flux.range(0, 100).map(i -> "line " + i + "\n")))
				.get("/empty", (req, res) -> res.status(204).send())
				.ws("/ws", (in, out) -> out.sendString(Mono.just("hi")))
				.get("/r/{n}", (req, res) -> {
					int n = Integer.parseInt(req.param("n"));
					return n == 0 ? res.sendString(Mono.just("arrived")) : res.sendRedirect("/r/" + (n - 1));
				})
				// relative Locations as servers send them: a query alone, dot segments, above the root
				.get("/list/all", (req, res) -> req.uri().contains("?") ? res.sendString(Mono.just("list " + req.uri()))
						: res.status(302).header("Location", "?page=2").send())
				.get("/a/b/up", (req, res) -> res.status(301).header("Location", "../../../../list/all?page=3#top").send())
				.route(req -> req.path().startsWith("/s/"), (req, res) -> {
					int code = Integer.parseInt(req.path().substring(3));
					return res.status(code).header("Location", "/echo").send();
				})));
	}

	private HttpClient client(DisposableServer s) {
		return HttpClient.create().baseUrl("http://127.0.0.1:" + s.port());
	}

	/**
	 * A request whose headers (the request's own and the client's {@code headers(...)}) have no
	 * {@code Accept} or {@code User-Agent} says {@code Accept: *}{@code /*} and
	 * {@code User-Agent: ReactorMongoose/<version>}, the library's version, as Reactor Netty's
	 * says {@code Accept: *}{@code /*} and {@code ReactorNetty/<version>}; a WebSocket handshake
	 * too. The application's and the client's own win. There was no {@code Accept}, and the
	 * {@code User-Agent} had no version.
	 */
	@Test
	void aRequestSaysAcceptAnyAndTheLibrarysVersionUnlessItsHeadersSayOtherwise() {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/h", (req, res) -> res.sendString(Mono.just(req.requestHeaders().getAll("Accept") + " "
						+ req.requestHeaders().getAll("User-Agent"))))
				.ws("/ws", (in, out) -> out.sendString(Mono.just(in.headers().getAll("Accept") + " "
						+ in.headers().getAll("User-Agent"))))));
		StepVerifier.create(client(s).get().uri("/h").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.expectNext("[*/*] [" + HttpClient.USER_AGENT + "]")
				.verifyComplete();
		assertThat(HttpClient.USER_AGENT).matches("ReactorMongoose/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
		StepVerifier.create(client(s).headers(h -> h.set("Accept", "text/plain").set("User-Agent", "gateway/1"))
						.get().uri("/h").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.expectNext("[text/plain] [gateway/1]")
				.verifyComplete();
		StepVerifier.create(client(s).headers(h -> h.set("Accept", "text/plain"))
						.headers(h -> h.set("accept", "application/json").set("user-agent", "my-app/2"))
						.get().uri("/h").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.expectNext("[application/json] [my-app/2]")
				.verifyComplete();
		StepVerifier.create(HttpClient.create().websocket().uri("ws://127.0.0.1:" + s.port() + "/ws")
						.handle((in, out) -> in.receive().take(1).map(WebSocketFrame::text)))
				.expectNext("[*/*] [" + HttpClient.USER_AGENT + "]")
				.verifyComplete();
	}

	@Test
	void getWithResponseSingle() {
		DisposableServer s = server();
		StepVerifier.create(client(s).get().uri("/hello")
				.responseSingle((res, bytes) -> bytes.map(b -> res.status() + " " + res.version() + " "
						+ res.responseHeaders().get("Content-Type") + " " + new String(b, UTF_8))))
				.expectNext("200 HTTP/1.1 text/plain Hello")
				.verifyComplete();
	}

	/**
	 * {@code uri(URI)}, as Reactor Netty's (it did not exist): an absolute URI goes out in its
	 * ASCII form, escapes as they are, whatever the baseUrl; a relative one is refused at once.
	 * For requests and WebSocket sessions.
	 */
	@Test
	void uriTakesAnAbsoluteUri() throws Exception {
		DisposableServer s = server();
		HttpClient elsewhere = HttpClient.create().baseUrl("http://127.0.0.1:1/api");
		URI target = new URI("http", null, "127.0.0.1", s.port(), "/list/all", "q=a b&c=%", null);
		StepVerifier.create(elsewhere.get().uri(target).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.expectNext("list /list/all?q=a%20b&c=%25")
				.verifyComplete();
		StepVerifier.create(elsewhere.websocket().uri(URI.create("ws://127.0.0.1:" + s.port() + "/ws"))
				.handle((in, out) -> in.receiveText().take(1)))
				.expectNext("hi")
				.verifyComplete();
		assertThatThrownBy(() -> elsewhere.get().uri(URI.create("/list/all")))
				.isInstanceOf(IllegalArgumentException.class).hasMessage("URI is not absolute: /list/all");
		assertThatThrownBy(() -> elsewhere.websocket().uri(URI.create("/ws")))
				.isInstanceOf(IllegalArgumentException.class).hasMessage("URI is not absolute: /ws");
	}

	/**
	 * {@code uri(Mono<String>)}, as Reactor Netty's (it did not exist): the Mono is subscribed for
	 * each subscription of the response, not before, and what it emits is read as
	 * {@code uri(String)} reads it (relative to the baseUrl); its error is the response's, and
	 * completing empty fails it with {@link IllegalArgumentException}.
	 */
	@Test
	void uriOfAMonoIsResolvedForEachSubscription() {
		DisposableServer s = server();
		java.util.concurrent.atomic.AtomicInteger resolved = new java.util.concurrent.atomic.AtomicInteger();
		Mono<String> body = client(s).get()
				.uri(Mono.fromCallable(() -> resolved.incrementAndGet() == 1 ? "/hello" : "/list/all?n=" + resolved.get()))
				.responseSingle((res, bytes) -> bytes.asString());
		assertThat(resolved).hasValue(0);
		StepVerifier.create(body).expectNext("Hello").verifyComplete();
		StepVerifier.create(body).expectNext("list /list/all?n=2").verifyComplete();
		StepVerifier.create(client(s).get().uri(Mono.error(new IllegalStateException("no target"))).response())
				.expectErrorMessage("no target")
				.verify(TIMEOUT);
		StepVerifier.create(client(s).get().uri(Mono.<String>empty()).response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessage("No uri: the uri Mono completed empty"))
				.verify(TIMEOUT);
	}

	@Test
	void monoBodyIsSentWithContentLength() {
		DisposableServer s = server();
		StepVerifier.create(client(s).headers(h -> h.set("User-Agent", "x")).post().uri("/echo")
				.send(Mono.just(ByteBuffer.wrap("ping".getBytes(UTF_8))))
				.responseSingle((res, bytes) -> bytes.map(b -> res.responseHeaders().get("X-Method") + " "
						+ res.responseHeaders().get("X-Length") + " " + res.responseHeaders().get("X-Chunked") + " "
						+ res.responseHeaders().get("X-Agent") + " " + new String(b, UTF_8))))
				.expectNext("POST 4 false x ping")
				.verifyComplete();
	}

	@Test
	void fluxBodyIsSentChunked() {
		DisposableServer s = server();
		StepVerifier.create(client(s).put().uri("/echo").sendString(Flux.just("a", "", "bc", "d"))
				.responseSingle((res, bytes) -> bytes.map(b -> res.responseHeaders().get("X-Method") + " "
						+ res.responseHeaders().get("X-Chunked") + " " + new String(b, UTF_8))))
				.expectNext("PUT true abcd")
				.verifyComplete();
	}

	@Test
	void everyVerb() {
		DisposableServer s = server();
		HttpClient c = client(s);
		for (HttpClient.RequestSender r : List.of(c.get(), c.post(), c.put(), c.patch(), c.delete(), c.options(),
				c.request("PROPFIND"))) {
			StepVerifier.create(r.uri("/echo").response().map(res -> res.responseHeaders().get("X-Method") + " "
					+ res.method()))
					.assertNext(m -> assertThat(m.split(" ")[0]).isEqualTo(m.split(" ")[1]))
					.verifyComplete();
		}
		StepVerifier.create(c.head().uri("/hello").responseSingle((res, b) -> b.map(x -> res.status() + ":" + x.length)))
				.expectNext("200:0")
				.verifyComplete();
		assertThatThrownBy(() -> c.request("BAD METHOD")).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void streamedBodyAnd204() {
		DisposableServer s = server();
		StepVerifier.create(client(s).get().uri("/stream").responseContent().map(b -> UTF_8.decode(b).toString())
				.reduce(String::concat))
				.assertNext(all -> assertThat(all).startsWith("line 0\n").endsWith("line 99\n").hasLineCount(100))
				.verifyComplete();
		StepVerifier.create(client(s).get().uri("/empty").response().map(HttpClientResponse::status))
				.expectNext(204)
				.verifyComplete();
		StepVerifier.create(client(s).get().uri("/empty").responseContent()).verifyComplete();
	}

	@Test
	void keepAliveReusesOneConnection() {
		DisposableServer s = server();
		MongooseLoop loop = newLoop();
		HttpClient c = client(s).runOn(loop);
		for (int i = 0; i < 20; i++) {
			StepVerifier.create(c.get().uri("/hello").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
					.expectNext("Hello")
					.verifyComplete();
		}
		assertThat(connections).hasSize(1);
	}

	/** {@code newConnection()}, as Reactor Netty's (it did not exist): a connection of its own for every request. */
	@Test
	void newConnectionOpensAConnectionForEveryRequest() {
		DisposableServer s = server();
		HttpClient c = HttpClient.newConnection().baseUrl("http://127.0.0.1:" + s.port()).runOn(newLoop());
		for (int i = 0; i < 3; i++) {
			StepVerifier.create(c.get().uri("/hello").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
					.expectNext("Hello")
					.verifyComplete();
		}
		assertThat(connections).hasSize(3);
	}

	@Test
	void concurrentRequestsRespectMaxConnections() {
		DisposableServer s = server();
		MongooseLoop loop = newLoop();
		HttpClient c = client(s).runOn(loop).maxConnections(3);
		List<String> out = Flux.range(0, 60)
				.flatMap(i -> c.get().uri("/hello").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))), 30)
				.collectList().block(TIMEOUT);
		assertThat(out).hasSize(60).containsOnly("Hello");
		assertThat(connections).hasSizeBetween(1, 3);
	}

	@Test
	void aCallInsideAHandlerStaysOnTheHandlersLoop() {
		MongooseLoops group = MongooseLoops.create("colocated", 2);
		DisposableServer backend = server();
		HttpClient c = client(backend).runOn(group);
		DisposableServer front = HttpServer.create().host("127.0.0.1").port(0).runOn(group)
				.route(r -> r.get("/via", (req, res) -> {
					String handlerThread = Thread.currentThread().getName();
					return res.sendString(c.get().uri("/hello").responseSingle((rr, b) -> b.map(x -> handlerThread + " "
							+ Thread.currentThread().getName())));
				}))
				.bindNow(TIMEOUT);
		try {
			for (int i = 0; i < 6; i++) {
				String threads = HttpClient.create().get().uri("http://127.0.0.1:" + front.port() + "/via")
						.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
				assertThat(threads.split(" ")[0]).startsWith("colocated").isEqualTo(threads.split(" ")[1]);
			}
		}
		finally {
			front.disposeNow();
			group.disposeNow();
		}
	}

	@Test
	void ipv6Literal() {
		DisposableServer s = bind(HttpServer.create().host("::1").port(0)
				.route(r -> r.get("/v6", (req, res) -> res.sendString(Mono.just(req.requestHeaders().get("Host"))))));
		StepVerifier.create(HttpClient.create().get().uri("http://[::1]:" + s.port() + "/v6")
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.expectNext("[::1]:" + s.port())
				.verifyComplete();
	}

	@Test
	void hostNameIsResolvedOffTheLoop() {
		DisposableServer s = server();
		StepVerifier.create(HttpClient.create().get().uri("http://localhost:" + s.port() + "/hello")
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.expectNext("Hello")
				.verifyComplete();
	}

	@Test
	void redirectsAreFollowedOnlyWhenAsked() {
		DisposableServer s = server();
		StepVerifier.create(client(s).get().uri("/r/3").response().map(HttpClientResponse::status))
				.expectNext(302)
				.verifyComplete();
		StepVerifier.create(client(s).followRedirect(true).get().uri("/r/3")
				.responseSingle((res, b) -> b.map(x -> res.redirects() + " " + res.uri() + " " + new String(x, UTF_8))))
				.expectNext("3 http://127.0.0.1:" + s.port() + "/r/0 arrived")
				.verifyComplete();
		StepVerifier.create(client(s).followRedirect(true).maxRedirects(2).get().uri("/r/3").response())
				.expectError(TooManyRedirectsException.class)
				.verify(TIMEOUT);
	}

	@Test
	void relativeLocationsAreResolvedAsRfc3986Says() {
		HttpClient c = client(server()).followRedirect(true);
		assertThat(c.get().uri("/list/all").responseSingle((res, b) -> b.map(x -> res.uri() + " " + new String(x, UTF_8)))
				.block(TIMEOUT)).endsWith("/list/all?page=2 list /list/all?page=2");
		assertThat(c.get().uri("/a/b/up").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT))
				.isEqualTo("list /list/all?page=3");
	}

	@Test
	void aRedirectThatDropsTheBodyDropsTheHeadersThatDescribedIt() {
		HttpClient c = client(server()).followRedirect(true)
				.headers(h -> h.set("Content-Type", "application/json").set("Content-Language", "en"));
		assertThat(c.post().uri("/s/303").sendString(Mono.just("{}")).response()
				.map(res -> res.responseHeaders().get("X-Method") + " " + res.responseHeaders().get("X-Type") + " "
						+ res.responseHeaders().get("X-Language")).block(TIMEOUT)).isEqualTo("GET null null");
		assertThat(c.post().uri("/s/307").sendString(Mono.just("{}")).response()
				.map(res -> res.responseHeaders().get("X-Method") + " " + res.responseHeaders().get("X-Type") + " "
						+ res.responseHeaders().get("X-Language")).block(TIMEOUT)).isEqualTo("POST application/json en");
	}

	@Test
	void redirectMethodRules() {
		DisposableServer s = server();
		HttpClient c = client(s).followRedirect(true);
		for (int code : new int[] {301, 302, 303, 307, 308}) {
			StepVerifier.create(c.post().uri("/s/" + code).sendString(Mono.just("body"))
					.responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Method") + " " + new String(x, UTF_8))))
					.expectNext(code >= 307 ? "POST body" : "GET ")
					.verifyComplete();
		}
		StepVerifier.create(c.put().uri("/s/301").sendString(Mono.just("p"))
				.responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Method") + " " + new String(x, UTF_8))))
				.expectNext("PUT p")
				.verifyComplete();
		StepVerifier.create(c.put().uri("/s/303").sendString(Mono.just("p"))
				.responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Method") + " " + new String(x, UTF_8))))
				.expectNext("GET ")
				.verifyComplete();
	}

	@Test
	void connectRefusedIsAnError() throws Exception {
		int port;
		try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
			port = ss.getLocalPort();
		}
		StepVerifier.create(HttpClient.create().get().uri("http://127.0.0.1:" + port + "/").response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(java.net.ConnectException.class)
						.hasMessage("cannot connect to tcp://127.0.0.1:" + port + ": Connection refused"))
				.verify(TIMEOUT);
	}

	/** The pools of {@code loop} once they settle (a pool retires on its poll thread, just after the last signal). */
	private static int pools(MongooseLoop loop, int expected) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		int n;
		while ((n = ConnectionPool.count(io.github.reactormongoose.internal.loop.LoopAccess.engine(loop))) != expected
				&& System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		return n;
	}

	@Test
	void poolsOfHostsNoLongerTalkedToAreDropped() throws Exception {
		MongooseLoop loop = newLoop();
		HttpClient c = HttpClient.create().runOn(loop).maxIdleTime(java.time.Duration.ofSeconds(2));
		// 40 hosts that refuse: a pool was made for each, none is kept
		for (int i = 0; i < 40; i++) {
			int port;
			try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
				port = ss.getLocalPort();
			}
			StepVerifier.create(c.get().uri("http://127.0.0.1:" + port + "/").response())
					.expectError(java.net.ConnectException.class)
					.verify(TIMEOUT);
		}
		assertThat(pools(loop, 0)).isZero();
		// a host refused by the address filter: the same
		StepVerifier.create(c.addressFilter(a -> false).get().uri("http://127.0.0.1:1/").response())
				.expectError(FilteredAddressException.class)
				.verify(TIMEOUT);
		assertThat(pools(loop, 0)).isZero();
		// a live host keeps its pool while a connection is idle in it, and drops it after maxIdleTime
		DisposableServer s = server();
		StepVerifier.create(c.get().uri("http://127.0.0.1:" + s.port() + "/hello")
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.expectNext("Hello")
				.verifyComplete();
		assertThat(pools(loop, 1)).isEqualTo(1);
		assertThat(pools(loop, 0)).isZero();
		// and the next request makes a new one
		StepVerifier.create(c.get().uri("http://127.0.0.1:" + s.port() + "/hello")
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
				.expectNext("Hello")
				.verifyComplete();
		assertThat(connections).hasSize(2);
	}

	/**
	 * Requests cancelled as soon as they are made, from another thread, in a burst: the pool of
	 * their host is emptied and retired between two of them, while later ones had already looked
	 * it up. Those go to the pool that holds the host now, so the host never has more than
	 * {@code maxConnections} connections, and none is left idle where no request finds it.
	 */
	@Test
	void aBurstOfCancelledRequestsKeepsToMaxConnections() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop()).maxConnections(1);
			for (int round = 0; round < 3; round++) {
				for (int i = 0; i < 200; i++) {
					c.get().uri(s.url("/")).response().subscribe().dispose();
				}
				Thread.sleep(300);
				long deadline = System.nanoTime() + TIMEOUT.toNanos();
				while (s.accepted.get() - s.clientClosed.get() > 1 && System.nanoTime() < deadline) {
					Thread.sleep(20);
				}
				assertThat(s.accepted.get() - s.clientClosed.get()).as("connections open after burst " + round).isLessThanOrEqualTo(1);
			}
			int before = s.accepted.get();
			assertThat(c.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT))
					.isEqualTo("ok");
			assertThat(s.accepted.get()).isLessThanOrEqualTo(before + 1);
			assertThat(s.failures).isEmpty();
		}
	}

	/**
	 * A response Mono cancelled (a timeout) just as its head came: the cancelled sink dropped
	 * the response, so nobody read its body, and the exchange, seeing the head done, left the
	 * body to a reader that would never come. The body queued until reading paused, and the
	 * connection was held for ever ({@code /later}: the body's end comes after the pause) or,
	 * when the whole body came in the read that paused it ({@code /many}), went back to the
	 * pool still paused: the next request on it never got its answer (seen as HTTPS requests
	 * that never ended under a mix of timed-out downloads, their connections in CLOSE-WAIT).
	 * The order is forced here: the loop is held in a timer while the answer arrives and the
	 * cancel is queued, so the head is read before the cancel runs. Now the unread body is
	 * discarded, reading resumes when a response ends, and the connection serves the next
	 * request.
	 */
	@Test
	void aResponseCancelledAsItsHeadCameLeavesTheConnectionUsable() throws Exception {
		StringBuilder chunks = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
		for (int i = 0; i < 64; i++) {
			chunks.append("5\r\nchunk\r\n");
		}
		for (String path : List.of("/many", "/later")) {
			java.util.concurrent.CountDownLatch requested = new java.util.concurrent.CountDownLatch(1);
			java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
			try (ScriptedServer s = new ScriptedServer(c -> {
				String head;
				while ((head = c.readHead()) != null) {
					if (head.startsWith("GET " + path + " ")) {
						requested.countDown();
						answer.await();
						if (path.equals("/later")) {
							c.write(chunks.toString());
							Thread.sleep(300);
							c.write("0\r\n\r\n");
						}
						else {
							c.write(chunks + "0\r\n\r\n");
						}
					}
					else {
						c.write("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
					}
				}
			})) {
				MongooseLoop loop = newLoop();
				HttpClient c = HttpClient.create().runOn(loop).maxConnections(1);
				reactor.core.Disposable first = c.get().uri(s.url(path)).responseContent().subscribe();
				assertThat(requested.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
				try (LoopHold hold = LoopHold.hold(loop)) { // the cancel runs after the poll that reads the answer
					answer.countDown();
					Thread.sleep(200); // the answer reaches the client's socket
					first.dispose();
				}
				StepVerifier.create(c.get().uri(s.url("/next")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))))
						.as(path)
						.expectNext("two")
						.expectComplete()
						.verify(TIMEOUT);
				assertThat(s.failures).as(path).isEmpty();
			}
		}
	}

	/**
	 * The same race for a WebSocket upgrade: the handshake cancelled just as the 101 came. The
	 * cancelled sink dropped the 101 unseen, and the upgraded connection stayed open with
	 * nobody to use or close it. The server now sees it closed.
	 */
	@Test
	void anUpgradeCancelledAsThe101CameClosesTheConnection() throws Exception {
		java.util.concurrent.CountDownLatch requested = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CountDownLatch answer = new java.util.concurrent.CountDownLatch(1);
		java.util.concurrent.CompletableFuture<Boolean> closedByClient = new java.util.concurrent.CompletableFuture<>();
		try (ScriptedServer s = new ScriptedServer(c -> {
			String head = c.readHead();
			String accept = ScriptedServer.websocketAccept(head);
			requested.countDown();
			answer.await();
			c.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Accept: " + accept + "\r\n\r\n");
			closedByClient.complete(c.awaitClientClose(5_000));
		})) {
			MongooseLoop loop = newLoop();
			reactor.core.Disposable first = HttpClient.create().runOn(loop).websocket().uri("ws://127.0.0.1:" + s.port() + "/")
					.handle((in, out) -> in.receive()).subscribe();
			assertThat(requested.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
			try (LoopHold hold = LoopHold.hold(loop)) { // the cancel runs after the poll that reads the 101
				answer.countDown();
				Thread.sleep(200); // the 101 reaches the client's socket
				first.dispose();
			}
			assertThat(closedByClient.get(10, java.util.concurrent.TimeUnit.SECONDS)).as("the client closed the upgraded connection").isTrue();
			assertThat(s.failures).isEmpty();
		}
	}

	/**
	 * Characters outside ASCII in a URI go out percent-encoded as UTF-8 (RFC 3986); they were
	 * written as Latin-1 bytes, a '?' for each character Latin-1 does not have, which changed
	 * the request on a lenient server. Percent-encoded input goes out as it is.
	 */
	@Test
	void nonAsciiCharactersOfAUriArePercentEncoded() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
			}
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop());
			for (String path : List.of("/caf\u00e9?q=\u65e5\u672c", "/na%C3%AFve?q=%E6%97%A5")) {
				client.get().uri(s.url(path)).responseSingle((res, b) -> Mono.just(res.status())).block(TIMEOUT);
			}
			assertThat(s.requests).hasSize(2);
			assertThat(s.requests.get(0)).startsWith("GET /caf%C3%A9?q=%E6%97%A5%E6%9C%AC HTTP/1.1\r\n");
			assertThat(s.requests.get(1)).startsWith("GET /na%C3%AFve?q=%E6%97%A5 HTTP/1.1\r\n");
		}
	}

	/**
	 * A scripted server whose {@code /to?<Location>} answers 302 with that {@code Location}
	 * (percent-decoded, written as the bytes it encoded), anything else 200 "ok".
	 */
	private static ScriptedServer redirecting() throws java.io.IOException {
		return new ScriptedServer(c -> {
			String head;
			while ((head = c.readHead()) != null) {
				String target = head.substring(head.indexOf(' ') + 1, head.indexOf(" HTTP/"));
				if (target.startsWith("/to?")) {
					String location = java.net.URLDecoder.decode(target.substring(4), java.nio.charset.StandardCharsets.ISO_8859_1);
					c.write("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
				}
				else {
					c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
				}
			}
		});
	}

	private static String to(String location) {
		return "/to?" + java.net.URLEncoder.encode(location, UTF_8);
	}

	/**
	 * A port outside 1..65535 in a URI is refused, as {@code port(int)} refuses one, in
	 * {@code uri(...)} with {@code IllegalArgumentException} and in a redirect's
	 * {@code Location} as an invalid one: it was taken unchecked and cut to 16 bits by the
	 * native side, so {@code :108941} went to port 43405.
	 */
	@Test
	void aPortOutsideTheRangeIsRefused() throws Exception {
		try (ScriptedServer s = redirecting()) {
			HttpClient client = HttpClient.create().runOn(newLoop()).followRedirect(true);
			for (int port : new int[] {65536 + s.port(), 0}) {
				StepVerifier.create(client.get().uri("http://127.0.0.1:" + port + "/x").response())
						.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
								.hasMessageContaining("port " + port))
						.verify(TIMEOUT);
			}
			assertThat(s.accepted).as("nothing was sent").hasValue(0);
			StepVerifier.create(client.get().uri(s.url(to("http://127.0.0.1:" + (65536 + s.port()) + "/x"))).response())
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedResponseException.class)
							.hasMessageContaining("Invalid Location"))
					.verify(TIMEOUT);
			assertThat(s.requests).as("the redirect was not followed").hasSize(1);
		}
	}

	/**
	 * Port 0 names no server. {@code port(0)} is refused where it is set, with
	 * {@code IllegalArgumentException} naming the port, as {@code TcpClient.port(0)} and
	 * {@code UdpClient.port(0)} are (TcpClientTest, UdpTest); it used to be taken, and the
	 * request failed later. A port 0 that only a request brings (in its URI,
	 * {@code http://127.0.0.1:0/} or {@code ws://127.0.0.1:0/}, or from a {@code remoteAddress})
	 * fails that request at once with {@code IllegalArgumentException} naming the port and the
	 * URI, and nothing is connected. Reactor Netty 1.3.7 takes {@code port(0)} (and {@code port(-1)}):
	 * a relative request then fails with "Connection refused: /[0:0:0:0:0:0:0:1]:0", and an absolute
	 * URI or a base URL ignores it, as they ignore any port set there; the requests with port 0 in
	 * their URI fail with {@code UnknownHostException} "Failed to resolve '127.0.0.1:0'" (after DNS
	 * queries), and its TcpClient with "Connection refused".
	 */
	@Test
	void port0IsRefusedWhereItIsSetAndFailsARequestThatBringsItAtOnce() {
		DisposableServer s = server();
		HttpClient client = HttpClient.create().runOn(newLoop()).host("127.0.0.1");
		assertThatThrownBy(() -> client.port(0)).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("port 0 is not in 1..65535");
		assertThat(client.port(s.port()).get().uri("/hello").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8)))
				.block(TIMEOUT))
				.isEqualTo("Hello");
		List<Mono<?>> requests = List.of(client.get().uri("http://127.0.0.1:0/x").response(),
				client.remoteAddress(() -> new InetSocketAddress("127.0.0.1", 0)).get().uri("/x").response(),
				client.websocket().uri("ws://127.0.0.1:0/x").handle((in, out) -> Mono.empty()).then());
		for (Mono<?> request : requests) {
			StepVerifier.create(request)
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
							.hasMessageMatching("port 0 of (http|ws)://127\\.0\\.0\\.1:0/x is not in 1\\.\\.65535"))
					.verify(TIMEOUT);
		}
	}

	/**
	 * A {@code Location} with an http or https scheme and no host ({@code http:target},
	 * {@code http:///target}) is an invalid one, {@code MalformedResponseException}; it threw a
	 * {@code NullPointerException}.
	 */
	@Test
	void aLocationWithoutAHostIsInvalid() throws Exception {
		try (ScriptedServer s = redirecting()) {
			HttpClient client = HttpClient.create().runOn(newLoop()).followRedirect(true);
			for (String location : List.of("http:target", "http:/target", "http:///target", "https:target", "HTTP:target",
					"http://:80/target")) {
				StepVerifier.create(client.get().uri(s.url(to(location))).response())
						.expectErrorSatisfies(e -> assertThat(e).as(location).isInstanceOf(MalformedResponseException.class)
								.hasMessageContaining("Invalid Location"))
						.verify(TIMEOUT);
			}
			assertThat(s.requests).as("no redirect was followed").hasSize(6);
		}
	}

	/**
	 * The bytes outside ASCII of a {@code Location} (UTF-8, as servers send them) go out
	 * percent-encoded, as those of {@code uri(...)} do and as curl sends them: they went out
	 * raw, which no request line may hold (RFC 9112 3.2).
	 */
	@Test
	void nonAsciiBytesOfALocationArePercentEncoded() throws Exception {
		try (ScriptedServer s = redirecting()) {
			HttpClient client = HttpClient.create().runOn(newLoop()).followRedirect(true);
			assertThat(client.get().uri(s.url("/to?%2Fcaf%C3%A9%3Fq%3D%E6%97%A5")).response().map(r -> r.uri().toString())
					.block(TIMEOUT)).isEqualTo(s.url("/caf%C3%A9?q=%E6%97%A5"));
			assertThat(s.requests).hasSize(2);
			assertThat(s.requests.get(1)).startsWith("GET /caf%C3%A9?q=%E6%97%A5 HTTP/1.1\r\n");
		}
	}
}
