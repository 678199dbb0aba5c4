/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The lifecycle hooks of {@link HttpClient}, as Reactor Netty's: {@code doOnRequest} (headers
 * still mutable), {@code doAfterRequest}, {@code doOnResponse},
 * {@code doAfterResponseSuccess}, {@code doOnRequestError}, {@code doOnResponseError}: their
 * order, redirects, failures, and hooks that throw; and {@code headersWhen}, headers computed
 * by a non-blocking call per request.
 */
class HttpClientHooksTest extends BaseHttpTest {

	private final List<String> events = new CopyOnWriteArrayList<>();
	private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

	private DisposableServer server() {
		return bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
			.get("/hello", (req, res) -> {
				clientPorts.add(req.remoteAddress().getPort());
				return res.header("X-Trace-Seen", String.valueOf(req.requestHeaders().get("X-Trace")))
					.sendString(Mono.just("hello"));
			})
			.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))
			.get("/moved", (req, res) -> res.sendRedirect("/hello"))
			.get("/cut", (req, res) -> res.header("Content-Length", "1000000")
				.send(Flux.just(ByteBuffer.wrap(new byte[1000])).concatWith(Mono.error(new IllegalStateException("cut")))))
			.get("/slow", (req, res) -> res.sendString(Mono.just("late").delayElement(Duration.ofSeconds(5))))));
	}

	private HttpClient recording(DisposableServer s) {
		return HttpClient.create().runOn(newLoop("hooked")).baseUrl("http://127.0.0.1:" + s.port())
			.doOnRequest(req -> events.add("request " + req.method() + " " + req.uri() + " #" + req.redirects() + " on "
					+ Thread.currentThread().getName().replaceAll("-\\d+$", "")))
			.doAfterRequest(req -> events.add("sent " + req.method()))
			.doOnResponse(res -> events.add("response " + res.status()))
			.doAfterResponseSuccess(res -> events.add("done " + res.status()))
			.doOnError((req, e) -> events.add("request error " + e.getClass().getSimpleName()),
					(res, e) -> events.add("response error " + res.status() + " " + e.getClass().getSimpleName()));
	}

	/**
	 * Waits until the hooks recorded an event starting with {@code prefix}: a close's hooks run
	 * on the poll thread while it tells the close's other subscribers, so a test thread that
	 * subscribed to {@code onClose()} just as the close happened may return before them.
	 */
	private void awaitEvent(String prefix) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (events.stream().noneMatch(e -> e.startsWith(prefix)) && System.nanoTime() < deadline) {
			Thread.sleep(5);
		}
	}

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
	}

	/**
	 * {@code doOnConnected}, {@code doOnDisconnected} and {@code doOnRequest((req, connection) -> ...)},
	 * as Reactor Netty's (they did not exist): the new connection before its first request's
	 * hooks, not again when it is reused; the connection of each request; its close, once; a
	 * {@code doOnConnected} that throws fails the request with its exception.
	 */
	@Test
	void connectionHooksSeeTheConnection() throws InterruptedException {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
				.get("/bye", (req, res) -> res.header("Connection", "close").sendString(Mono.just("bye")))));
		java.util.concurrent.atomic.AtomicReference<io.github.reactormongoose.Connection> seen =
				new java.util.concurrent.atomic.AtomicReference<>();
		HttpClient client = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
				.doOnConnected(c -> {
					seen.set(c);
					events.add("connected to " + c.remoteAddress().getPort());
				})
				.doOnRequest((req, c) -> events.add("request " + req.uri().replaceAll(".*/", "/") + " on "
						+ (c == seen.get() ? "it" : c)))
				.doOnDisconnected(c -> events.add("disconnected " + (c == seen.get() ? "it" : c) + " " + c.isActive()));
		assertThat(text(client.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(text(client.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(seen.get().localAddress()).isNotNull();
		assertThatThrownBy(() -> seen.get().send(new byte[1]).block(TIMEOUT)).isInstanceOf(IllegalStateException.class);
		assertThat(text(client.get().uri("/bye"))).isEqualTo("200 bye");
		seen.get().onClose().block(TIMEOUT);
		awaitEvent("disconnected ");
		assertThat(events).containsExactly("connected to " + s.port(), "request /hello on it", "request /hello on it",
				"request /bye on it", "disconnected it false");

		assertThatThrownBy(() -> text(client.doOnConnected(c -> {
			throw new IllegalStateException("refused " + c.id());
		}).get().uri("/hello"))).isInstanceOf(IllegalStateException.class).hasMessageStartingWith("refused ");
	}

	/**
	 * A connection upgraded to a WebSocket is seen by {@code doOnConnected} and
	 * {@code doOnDisconnected} as any other: when the session's connection closes, its
	 * {@code onClose()} completes and {@code doOnDisconnected} runs (they never did: the session
	 * took the connection over and its close was not passed on).
	 */
	@Test
	void aWebsocketConnectionIsDisconnectedWhenItsSessionEnds() throws InterruptedException {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.ws("/ws", (in, out) -> out.sendString(Mono.just("hi")))));
		java.util.concurrent.atomic.AtomicReference<io.github.reactormongoose.Connection> seen =
				new java.util.concurrent.atomic.AtomicReference<>();
		HttpClient client = HttpClient.create().runOn(newLoop())
				.doOnConnected(c -> {
					seen.set(c);
					events.add("connected");
				})
				.doOnRequest((req, c) -> events.add("upgrade on " + (c == seen.get() ? "it" : c)))
				.doOnDisconnected(c -> events.add("disconnected " + (c == seen.get() ? "it" : c) + " " + c.isActive()));
		assertThat(client.websocket().uri("ws://127.0.0.1:" + s.port() + "/ws").handle((in, out) -> in.receiveText())
				.collectList().block(TIMEOUT)).containsExactly("hi");
		seen.get().onClose().block(TIMEOUT);
		awaitEvent("disconnected ");
		assertThat(seen.get().isActive()).isFalse();
		assertThat(events).containsExactly("connected", "upgrade on it", "disconnected it false");
	}

	/**
	 * Two clients on one loop to one server, with different connection hooks, do not share
	 * pooled connections: each one's {@code doOnConnected} sees the connection its own request
	 * goes on. Before, the second client's request took the first one's idle connection and its
	 * hook never ran. A client derived from one (another {@code doOnRequest}) keeps its hooks and
	 * so its pool.
	 */
	@Test
	void clientsWithOtherConnectionHooksDoNotShareConnections() {
		DisposableServer s = server();
		List<String> seen = new CopyOnWriteArrayList<>();
		HttpClient base = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port());
		HttpClient a = base.doOnConnected(c -> seen.add("a connected " + c.id()));
		HttpClient b = base.doOnConnected(c -> seen.add("b connected " + c.id()));
		Set<Long> ids = ConcurrentHashMap.newKeySet();
		HttpClient aTraced = a.doOnRequest((req, c) -> ids.add(c.id()));
		assertThat(text(aTraced.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(text(b.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(text(aTraced.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(ids).as("a's requests went on one kept-alive connection").hasSize(1);
		long aId = ids.iterator().next();
		assertThat(seen).hasSize(2).contains("a connected " + aId)
				.anySatisfy(e -> assertThat(e).startsWith("b connected ").isNotEqualTo("b connected " + aId));
	}

	@Test
	void hooksRunInTheOrderOfTheExchangeOnThePollThread() {
		DisposableServer s = server();
		HttpClient c = recording(s);
		assertThat(text(c.post().uri("/echo").send(Flux.range(0, 8).map(i -> ByteBuffer.wrap(new byte[65536])))))
			.startsWith("200 ");
		String uri = "http://127.0.0.1:" + s.port() + "/echo";
		assertThat(events).containsExactly("request POST " + uri + " #0 on hooked", "sent POST", "response 200",
				"done 200");
	}

	/**
	 * The shapes of {@code doOnRequest} that compile with both overloads (Consumer and Reactor
	 * Netty's BiConsumer): method references to a method of one arity, and a cast for one
	 * overloaded with one and two parameters ({@code List::add}: {@code doOnRequest(list::add)}
	 * is ambiguous, see http-client.md).
	 */
	@Test
	void doOnRequestTakesMethodReferences() {
		DisposableServer s = server();
		Set<HttpClientRequest> set = ConcurrentHashMap.newKeySet();
		java.util.Queue<HttpClientRequest> queue = new java.util.concurrent.ConcurrentLinkedQueue<>();
		List<HttpClientRequest> list = new CopyOnWriteArrayList<>();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.doOnRequest(set::add)
			.doOnRequest(queue::offer)
			.doOnRequest((java.util.function.Consumer<HttpClientRequest>) list::add)
			.doOnRequest(this::withConnection);
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(set).hasSize(1);
		assertThat(queue).containsExactlyElementsOf(set);
		assertThat(list).containsExactlyElementsOf(set);
		assertThat(withConnection).containsExactly("/hello to " + s.port());
	}

	private final List<String> withConnection = new CopyOnWriteArrayList<>();

	private void withConnection(HttpClientRequest req, io.github.reactormongoose.Connection connection) {
		withConnection.add(req.uri().replaceAll(".*/", "/") + " to "
				+ connection.remoteAddress().getPort());
	}

	@Test
	void doOnRequestCanStillSetHeadersAndSeesTheContext() {
		DisposableServer s = server();
		List<String> order = new CopyOnWriteArrayList<>();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.headers(h -> h.set("X-Trace", "from headers()"))
			.doOnRequest(req -> {
				order.add("first");
				req.requestHeaders().set("X-Trace", req.currentContextView().getOrDefault("trace", "none"));
			})
			.doOnRequest(req -> order.add("second " + req.requestHeaders().get("X-Trace")));
		String seen = c.get().uri("/hello").response().map(res -> res.responseHeaders().get("X-Trace-Seen"))
			.contextWrite(Context.of("trace", "abc-123")).block(TIMEOUT);
		assertThat(seen).isEqualTo("abc-123");
		assertThat(order).containsExactly("first", "second abc-123");

		// afterwards the headers are a read-only copy of what was sent
		List<Throwable> late = new CopyOnWriteArrayList<>();
		HttpClient after = c.doAfterRequest(req -> {
			order.add("after " + req.requestHeaders().get("X-Trace"));
			try {
				req.requestHeaders().set("X-Trace", "too late");
			}
			catch (UnsupportedOperationException e) {
				late.add(e);
			}
		});
		assertThat(text(after.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(order).contains("after none");
		assertThat(late).hasSize(1);
	}

	/**
	 * {@code header} and {@code addHeader} on the request, as Reactor Netty's (they did not exist,
	 * so its {@code followRedirect(true, req -> req.header(...))} did not compile): the same as
	 * {@code requestHeaders().set} and {@code add}, in {@code doOnRequest} and in a redirect's
	 * request consumer.
	 */
	@Test
	void theRequestsHeaderAndAddHeaderSetWhatIsSent() {
		DisposableServer s = bind(HttpServer.create().route(r -> r
			.get("/moved", (req, res) -> res.sendRedirect("/seen"))
			.get("/seen", (req, res) -> res.sendString(Mono.just(req.requestHeaders().getAll("X-Trace") + " "
					+ req.requestHeaders().getAll("X-Hop"))))));
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.headers(h -> h.set("X-Trace", "from headers()"))
			.doOnRequest(req -> req.header("X-Trace", "a").addHeader("X-Trace", "b"));
		assertThat(text(c.get().uri("/seen"))).isEqualTo("200 [a, b] []");
		assertThat(text(c.followRedirect(true, req -> req.header("X-Hop", "#" + req.redirects())).get().uri("/moved")))
			.isEqualTo("200 [a, b] [#1]");
	}

	@Test
	void eachHopOfARedirectIsARequestOfItsOwn() {
		DisposableServer s = server();
		HttpClient c = recording(s).followRedirect(true);
		assertThat(text(c.get().uri("/moved"))).isEqualTo("200 hello");
		String base = "http://127.0.0.1:" + s.port();
		assertThat(events).containsExactly("request GET " + base + "/moved #0 on hooked", "sent GET", "response 302",
				"done 302", "request GET " + base + "/hello #1 on hooked", "sent GET", "response 200", "done 200");
	}

	@Test
	void aRedirectPredicateChoosesWhichRedirectsAreFollowed() {
		DisposableServer s = server();
		List<String> seen = new CopyOnWriteArrayList<>();
		HttpClient base = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.headers(h -> h.set("X-Trace", "t-1"));
		HttpClient sameHostOnly = base.followRedirect((req, res) -> {
			seen.add(req.method() + " " + req.uri() + " #" + req.redirects() + " " + req.requestHeaders().get("X-Trace")
					+ " -> " + res.status() + " " + res.responseHeaders().get("Location"));
			return res.responseHeaders().get("Location").startsWith("/");
		});
		assertThat(text(sameHostOnly.get().uri("/moved"))).isEqualTo("200 hello");
		assertThat(seen).containsExactly("GET http://127.0.0.1:" + s.port() + "/moved #0 t-1 -> 302 /hello");
		// refused: the redirect is the response
		HttpClient never = base.followRedirect((req, res) -> false);
		assertThat(never.get().uri("/moved").response().map(HttpClientResponse::status).block(TIMEOUT)).isEqualTo(302);
		// a predicate that throws fails the request
		HttpClient broken = base.followRedirect((req, res) -> {
			throw new IllegalStateException("policy error");
		});
		assertThatThrownBy(() -> text(broken.get().uri("/moved"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("policy error");
		// and followRedirect(false) after it turns redirects off again
		assertThat(sameHostOnly.followRedirect(false).get().uri("/moved").response().map(HttpClientResponse::status)
			.block(TIMEOUT)).isEqualTo(302);
	}

	/**
	 * {@code doOnRedirect} sees each redirect that is followed, in order, before the next
	 * request; not one that is refused or over the limit; one that throws stops the chain. The
	 * server, a chain of 302, 301 and 307, is Reactor Netty's.
	 */
	@Test
	void doOnRedirectSeesEachFollowedRedirect() {
		List<String> served = new CopyOnWriteArrayList<>();
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.route(r -> r
				.get("/a", (req, res) -> { served.add("/a"); return res.status(302).header("Location", "/b").send(); })
				.get("/b", (req, res) -> { served.add("/b"); return res.status(301).header("Location", "/c?x=1").send(); })
				.get("/c", (req, res) -> { served.add("/c"); return res.status(307).header("Location", "/d").send(); })
				.get("/d", (req, res) -> { served.add("/d"); return res.sendString(Mono.just("end")); }))
			.bindNow(TIMEOUT);
		try {
			String base = "http://127.0.0.1:" + netty.port();
			List<String> redirects = new CopyOnWriteArrayList<>();
			HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl(base).followRedirect(true)
				.doOnRedirect(res -> redirects.add(res.status() + " " + res.uri() + " -> " + res.responseHeaders().get("Location")
						+ " #" + res.redirects()))
				.doOnRedirect(res -> redirects.add("second hook " + res.status()));
			assertThat(text(c.get().uri("/a"))).isEqualTo("200 end");
			assertThat(redirects).containsExactly("302 " + base + "/a -> /b #0", "second hook 302",
					"301 " + base + "/b -> /c?x=1 #1", "second hook 301", "307 " + base + "/c?x=1 -> /d #2", "second hook 307");
			// not followed: a predicate's no, the limit
			redirects.clear();
			assertThat(c.followRedirect((req, res) -> res.status() != 301).get().uri("/a").response()
				.map(HttpClientResponse::status).block(TIMEOUT)).isEqualTo(301);
			assertThat(redirects).containsExactly("302 " + base + "/a -> /b #0", "second hook 302");
			redirects.clear();
			assertThatThrownBy(() -> text(c.maxRedirects(1).get().uri("/a"))).isInstanceOf(TooManyRedirectsException.class);
			assertThat(redirects).containsExactly("302 " + base + "/a -> /b #0", "second hook 302");
			// one that throws: the request fails with it, the redirect is not followed
			served.clear();
			HttpClient broken = c.doOnRedirect(res -> {
				throw new IllegalStateException("no redirects today");
			});
			assertThatThrownBy(() -> text(broken.get().uri("/a"))).isInstanceOf(IllegalStateException.class)
				.hasMessage("no redirects today");
			assertThat(served).containsExactly("/a");
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	/**
	 * Reactor Netty's redirect request consumer: a redirect to another origin (host, port or
	 * scheme) drops {@code Authorization} (to the same origin it is kept, as Reactor Netty's
	 * client keeps it for the same endpoint); the consumer, run on each redirect's request only,
	 * sends it again where it may go. The server is Reactor Netty's.
	 */
	@Test
	void aRedirectRequestConsumerRestoresTheCredentialsOfASameHostRedirect() {
		reactor.netty.DisposableServer other = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.route(r -> r.get("/secure", (req, res) -> "Bearer t-9".equals(req.requestHeaders().get("Authorization"))
					? res.sendString(Mono.just("secret")) : res.status(401).sendString(Mono.just("who?"))))
			.bindNow(TIMEOUT);
		reactor.netty.DisposableServer netty = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.route(r -> r
				.get("/go", (req, res) -> res.sendRedirect("/secure"))
				.get("/elsewhere", (req, res) -> res.sendRedirect("http://localhost:" + req.hostPort() + "/secure"))
				.get("/other-port", (req, res) -> res.sendRedirect("http://127.0.0.1:" + other.port() + "/secure"))
				.get("/secure", (req, res) -> "Bearer t-9".equals(req.requestHeaders().get("Authorization"))
					? res.sendString(Mono.just("secret")) : res.status(401).sendString(Mono.just("who?"))))
			.bindNow(TIMEOUT);
		try {
			String base = "http://127.0.0.1:" + netty.port();
			List<String> seen = new CopyOnWriteArrayList<>();
			HttpClient client = HttpClient.create().runOn(newLoop()).headers(h -> h.set("Authorization", "Bearer t-9"));
			assertThat(text(client.get().uri(base + "/secure"))).isEqualTo("200 secret");
			// kept on a redirect to the same origin, dropped on one to another (localhost is another host)
			assertThat(text(client.followRedirect(true).get().uri(base + "/go"))).isEqualTo("200 secret");
			assertThat(text(client.followRedirect(true).get().uri(base + "/elsewhere"))).isEqualTo("401 who?");
			assertThat(text(client.followRedirect(true).get().uri(base + "/other-port"))).isEqualTo("401 who?");
			// restored by the consumer for the same host only
			HttpClient restoring = client.followRedirect(true, req -> {
				seen.add(req.method() + " " + req.uri() + " #" + req.redirects());
				if (java.net.URI.create(req.uri()).getHost().equals("127.0.0.1")) {
					req.requestHeaders().set("Authorization", "Bearer t-9");
				}
			});
			assertThat(text(restoring.get().uri(base + "/go"))).isEqualTo("200 secret");
			assertThat(text(restoring.get().uri(base + "/elsewhere"))).isEqualTo("401 who?");
			assertThat(seen).containsExactly("GET " + base + "/secure #1",
					"GET http://localhost:" + netty.port() + "/secure #1");
			// the predicate overload, and a consumer that throws fails the request
			HttpClient viaPredicate = client.followRedirect((req, res) -> true,
					req -> req.requestHeaders().set("Authorization", "Bearer t-9"));
			assertThat(text(viaPredicate.get().uri(base + "/go"))).isEqualTo("200 secret");
			HttpClient broken = client.followRedirect(true, req -> {
				throw new IllegalStateException("no credentials for " + req.uri());
			});
			assertThatThrownBy(() -> text(broken.get().uri(base + "/go"))).isInstanceOf(IllegalStateException.class)
				.hasMessage("no credentials for " + base + "/secure");
			// followRedirect(true) alone forgets the consumer
			HttpClient anywhere = client.followRedirect(true, req -> req.requestHeaders().set("Authorization", "Bearer t-9"));
			assertThat(text(anywhere.get().uri(base + "/elsewhere"))).isEqualTo("200 secret");
			assertThat(text(anywhere.followRedirect(true).get().uri(base + "/elsewhere"))).isEqualTo("401 who?");
		}
		finally {
			netty.disposeNow(TIMEOUT);
			other.disposeNow(TIMEOUT);
		}
	}

	@Test
	void failuresReachTheErrorHooksBeforeTheSubscriber() throws Exception {
		DisposableServer s = server();
		HttpClient c = recording(s);
		// no connection: a request error
		int closed;
		try (ServerSocket ss = new ServerSocket(0)) {
			closed = ss.getLocalPort();
		}
		assertThatThrownBy(() -> text(c.get().uri("http://127.0.0.1:" + closed + "/"))).hasCauseInstanceOf(ConnectException.class);
		assertThat(events).last().isEqualTo("request error ConnectException");
		// no head in time: a request error too
		events.clear();
		assertThatThrownBy(() -> text(c.responseTimeout(Duration.ofMillis(200)).get().uri("/slow")))
			.isInstanceOf(ResponseTimeoutException.class);
		assertThat(events).containsExactly("request GET http://127.0.0.1:" + s.port() + "/slow #0 on hooked", "sent GET",
				"request error ResponseTimeoutException");
		// the body cut short: a response error, with the response's status
		events.clear();
		assertThatThrownBy(() -> text(c.get().uri("/cut"))).isInstanceOf(PrematureCloseException.class);
		assertThat(events).containsExactly("request GET http://127.0.0.1:" + s.port() + "/cut #0 on hooked", "sent GET",
				"response 200", "response error 200 PrematureCloseException");
	}

	@Test
	void headersWhenComputesHeadersWithANonBlockingCallPerRequest() {
		DisposableServer s = server();
		java.util.concurrent.atomic.AtomicInteger issued = new java.util.concurrent.atomic.AtomicInteger();
		// a token service answering later, on another thread
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.headersWhen(h -> Mono.delay(Duration.ofMillis(20)).map(x -> h.set("X-Trace", "token-" + issued.incrementAndGet())));
		assertThat(c.get().uri("/hello").response().map(res -> res.responseHeaders().get("X-Trace-Seen")).block(TIMEOUT))
			.isEqualTo("token-1");
		assertThat(c.get().uri("/hello").response().map(res -> res.responseHeaders().get("X-Trace-Seen")).block(TIMEOUT))
			.isEqualTo("token-2");
		// nothing is asked before the response is subscribed
		HttpClient.ResponseReceiver lazy = c.get().uri("/hello");
		assertThat(issued).hasValue(2);
		assertThat(text(lazy)).isEqualTo("200 hello");
		assertThat(issued).hasValue(3);
		// an empty answer keeps the headers, an error fails the request before any connection
		HttpClient keep = c.headersWhen(h -> Mono.empty());
		assertThat(keep.get().uri("/hello").response().map(res -> res.responseHeaders().get("X-Trace-Seen")).block(TIMEOUT))
			.isEqualTo("token-4");
		int before = clientPorts.size();
		assertThatThrownBy(() -> text(c.headersWhen(h -> Mono.error(new IllegalStateException("token service down")))
			.get().uri("/hello"))).isInstanceOf(IllegalStateException.class).hasMessage("token service down");
		assertThat(clientPorts).hasSize(before);
	}

	/** doOnRequest sets one request's response timeout, as Reactor Netty's {@code req.responseTimeout(...)}. */
	@Test
	void doOnRequestSetsThisRequestsResponseTimeout() {
		DisposableServer s = server();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port())
			.responseTimeout(Duration.ofSeconds(30))
			.doOnRequest(req -> {
				String t = req.requestHeaders().get("X-Timeout-Ms");
				if (t != null) {
					req.responseTimeout(Duration.ofMillis(Long.parseLong(t)));
				}
			});
		long start = System.nanoTime();
		assertThatThrownBy(() -> text(c.headers(h -> h.set("X-Timeout-Ms", "200")).get().uri("/slow")))
			.isInstanceOf(ResponseTimeoutException.class).hasMessageContaining("within 200 ms");
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello");
		// only while the request can still change
		assertThatThrownBy(() -> text(c.doAfterRequest(req -> req.responseTimeout(Duration.ofSeconds(1))).get().uri("/hello")))
			.isInstanceOf(IllegalStateException.class).hasMessageContaining("only be set in doOnRequest");
	}

	@Test
	void aHookThatThrowsFailsWhatItWatches() {
		DisposableServer s = server();
		HttpClient c = HttpClient.create().runOn(newLoop()).baseUrl("http://127.0.0.1:" + s.port());
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(clientPorts).hasSize(1);

		// doOnRequest: nothing is written, and the idle connection stays usable
		List<Throwable> requestErrors = new CopyOnWriteArrayList<>();
		HttpClient refusing = c.doOnRequest(req -> {
			throw new IllegalStateException("no token");
		}).doOnRequestError((req, e) -> requestErrors.add(e));
		assertThatThrownBy(() -> text(refusing.get().uri("/hello"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("no token");
		assertThat(requestErrors).singleElement().satisfies(e -> assertThat(e).hasMessage("no token"));
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello");
		assertThat(clientPorts).as("the same connection, reused").hasSize(1);

		// doOnResponse: the response fails
		assertThatThrownBy(() -> text(c.doOnResponse(res -> {
			throw new IllegalStateException("unexpected " + res.status());
		}).get().uri("/hello"))).isInstanceOf(IllegalStateException.class).hasMessage("unexpected 200");

		// doAfterResponseSuccess: the body fails
		List<String> responseErrors = new CopyOnWriteArrayList<>();
		HttpClient afterFails = c.doAfterResponseSuccess(res -> {
			throw new IllegalStateException("metrics down");
		}).doOnResponseError((res, e) -> responseErrors.add(res.status() + " " + e.getMessage()));
		assertThatThrownBy(() -> text(afterFails.get().uri("/hello"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("metrics down");
		assertThat(responseErrors).containsExactly("200 metrics down");

		// an error hook that throws: the original error, with the hook's as suppressed
		HttpClient noisy = c.responseTimeout(Duration.ofMillis(100)).doOnRequestError((req, e) -> {
			throw new IllegalArgumentException("hook bug");
		});
		assertThatThrownBy(() -> text(noisy.get().uri("/slow"))).isInstanceOf(ResponseTimeoutException.class)
			.satisfies(e -> assertThat(e.getSuppressed()).anySatisfy(x -> assertThat(x).hasMessage("hook bug")));

		// and the client still works
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 hello");
	}
}
