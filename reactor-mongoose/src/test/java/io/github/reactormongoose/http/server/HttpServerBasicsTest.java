/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpServerBasicsTest extends BaseHttpTest {

	private static byte[] randomBytes(int n, long seed) {
		byte[] b = new byte[n];
		new Random(seed).nextBytes(b);
		return b;
	}

	/** Every byte value (so NUL, CR, LF included) several times, then random bytes. */
	private static byte[] binaryBody(int randomTail) {
		byte[] b = new byte[1024 + randomTail];
		for (int i = 0; i < 1024; i++) {
			b[i] = (byte) i;
		}
		System.arraycopy(randomBytes(randomTail, 42), 0, b, 1024, randomTail);
		return b;
	}

	@Test
	void handleAnswersEveryRequest() throws Exception {
		DisposableServer server = bind(HttpServer.create()
				.handle((req, res) -> res.sendString(Mono.just(req.method() + " " + req.path() + " " + req.query()))));
		assertThat(server.host()).isEqualTo("127.0.0.1");
		assertThat(server.port()).isPositive();

		HttpClient client = jdkClient();
		HttpResponse<String> r = get(client, server, "/a/b?x=1");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("GET /a/b x=1");

		HttpResponse<String> p = client.send(request(server, "/c%20d")
				.POST(HttpRequest.BodyPublishers.ofString("ignored")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(p.statusCode()).isEqualTo(200);
		assertThat(p.body()).isEqualTo("POST /c d ");
	}

	@Test
	void serverWithoutHandlerAnswers404() throws Exception {
		DisposableServer server = bind(HttpServer.create());
		assertThat(get(server, "/anything").statusCode()).isEqualTo(404);
	}

	@Test
	void routesDispatchOnMethodPathVariablesAndQuery() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/items/{id}", (req, res) -> res.sendString(Mono.just("get " + req.param("id") + " "
						+ req.queryParams().get("color") + " " + req.queryParam("q") + " " + req.params())))
				.post("/items", (req, res) -> res.status(201).sendString(req.receiveString().map(b -> "created " + b)))
				.put("/items/{id}", (req, res) -> res.sendString(req.receiveString().map(b -> "put " + req.param("id") + " " + b)))
				.delete("/items/{id}", (req, res) -> res.status(204).send())
				.get("/users/{user}/posts/{post}",
						(req, res) -> res.sendString(Mono.just(req.param("user") + "/" + req.param("post"))))
				.get("/static/**", (req, res) -> res.sendString(Mono.just("static " + req.path())))));
		HttpClient client = jdkClient();

		HttpResponse<String> g = get(client, server, "/items/42?color=red&color=blue&q=a%20b%26c");
		assertThat(g.statusCode()).isEqualTo(200);
		assertThat(g.body()).isEqualTo("get 42 [red, blue] a b&c {id=42}");

		HttpResponse<String> post = client.send(request(server, "/items")
				.POST(HttpRequest.BodyPublishers.ofString("thing")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(post.statusCode()).isEqualTo(201);
		assertThat(post.body()).isEqualTo("created thing");

		HttpResponse<String> put = client.send(request(server, "/items/7")
				.PUT(HttpRequest.BodyPublishers.ofString("new")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(put.statusCode()).isEqualTo(200);
		assertThat(put.body()).isEqualTo("put 7 new");

		HttpResponse<String> delete = client.send(request(server, "/items/7").DELETE().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(delete.statusCode()).isEqualTo(204);
		assertThat(delete.body()).isEmpty();

		assertThat(get(client, server, "/users/ann/posts/9").body()).isEqualTo("ann/9");
		assertThat(get(client, server, "/static/css/site.css").body()).isEqualTo("static /static/css/site.css");

		assertThat(get(client, server, "/nope").statusCode()).isEqualTo(404);
		assertThat(get(client, server, "/items/7/extra").statusCode()).isEqualTo(404);

		HttpResponse<String> patch = client.send(request(server, "/items/7")
				.method("PATCH", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(patch.statusCode()).isEqualTo(405);
		List<String> allow = Arrays.stream(patch.headers().firstValue("Allow").orElse("").split(","))
				.map(String::trim).toList();
		assertThat(allow).contains("GET", "PUT", "DELETE").doesNotContain("POST", "PATCH");
	}

	/**
	 * Raw UTF-8 bytes in the target (as curl and browsers' address bars may send them) are read
	 * as UTF-8 in path() and the query parameters, as their percent-encoded form is; uri() and
	 * query() stay as sent. They were decoded only when the string also held a '%' escape: the raw
	 * path did not match the route "/café/{x}", and "x=é" gave "Ã©".
	 */
	@Test
	void rawUtf8InTheTargetIsDecodedAsUtf8LikeItsEscapes() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/café/{x}", (req, res) -> res.sendString(Mono.just(req.path() + " " + req.param("x") + " "
						+ req.queryParam("x") + " " + req.queryParams().keySet())))));
		for (String target : new String[] {"/café/ü?x=é&ñ=1", "/caf%C3%A9/%C3%BC?x=%C3%A9&%C3%B1=1",
			"/café/ü%2E?x=é%2E&ñ=1"}) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.UTF_8));
				RawHttp.Response res = c.read();
				assertThat(res.status()).as(target).isEqualTo(200);
				String dot = target.contains("%2E") ? "." : "";
				assertThat(new String(res.body(), StandardCharsets.UTF_8)).as(target)
						.isEqualTo("/café/ü" + dot + " ü" + dot + " é" + dot + " [x, ñ]");
			}
		}
	}

	@Test
	void requestHeadersAreCaseInsensitiveMultiValuedAndReadOnly() throws Exception {
		AtomicReference<Throwable> mutation = new AtomicReference<>();
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> {
			try {
				req.requestHeaders().add("X-Added", "1");
			}
			catch (Throwable t) {
				mutation.set(t);
			}
			var h = req.requestHeaders();
			return res.sendString(Mono.just(h.getAll("X-MULTI") + "|" + h.get("x-case") + "|" + h.contains("HOST")
					+ "|" + h.containsToken("x-tokens", "beta")));
		}));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Multi: one\r\nx-multi: two\r\nX-CASE: Value\r\n"
					+ "X-Tokens: alpha, Beta\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("[one, two]|Value|true|true");
		}
		assertThat(mutation.get()).isInstanceOf(UnsupportedOperationException.class);
	}

	@Test
	void requestKnowsRemoteAndHostAddressesAndIds() throws Exception {
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> res.sendString(Mono.just(
				req.remoteAddress().getAddress().getHostAddress() + "|" + req.remoteAddress().getPort() + "|"
						+ req.hostAddress().getPort() + "|" + req.protocol() + "|" + req.isKeepAlive() + "|"
						+ req.requestId().startsWith(req.connectionId() + "-")))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/"));
			RawHttp.Response r = c.read();
			assertThat(r.bodyString()).isEqualTo("127.0.0.1|" + c.socket().getLocalPort() + "|" + server.port()
					+ "|HTTP/1.1|true|true");
		}
	}

	@Test
	void timestampIsWhenTheRequestArrivedNotWhenTheHandlerAsks() throws Exception {
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> res.sendString(
				Mono.delay(Duration.ofMillis(300)).map(x -> req.timestamp().toInstant().toEpochMilli() + "|"
						+ System.currentTimeMillis() + "|" + req.timestamp().getZone().equals(ZoneId.systemDefault())))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			long sent = System.currentTimeMillis();
			String[] r = c.write(RawHttp.get("/")).read().bodyString().split("\\|");
			long arrived = Long.parseLong(r[0]);
			assertThat(arrived).isBetween(sent - 5, sent + 250);
			assertThat(Long.parseLong(r[1]) - arrived).isGreaterThanOrEqualTo(290);
			assertThat(r[2]).isEqualTo("true");
		}
	}

	@Test
	void responseHeadersKeepDuplicatesAndLastSetWins() throws Exception {
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> res
				.addHeader("Set-Cookie", "a=1; Path=/")
				.addHeader("Set-Cookie", "b=2; Path=/")
				.header("X-Single", "first")
				.header("x-single", "second")
				.header("Content-Type", "text/x-test; charset=utf-8")
				.status(203)
				.sendString(Mono.just("ok"))));
		HttpResponse<String> r = get(server, "/");
		assertThat(r.statusCode()).isEqualTo(203);
		assertThat(r.headers().allValues("set-cookie")).containsExactly("a=1; Path=/", "b=2; Path=/");
		assertThat(r.headers().allValues("X-Single")).containsExactly("second");
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/x-test; charset=utf-8");
		assertThat(r.body()).isEqualTo("ok");
	}

	@Test
	void headerValueWithCrLfOrNulIsRejectedInTheHandlerAndAnswered500() throws Exception {
		String[] evil = {"ok\r\nInjected: yes", "ok\nInjected: yes", "ok\0Injected: yes"};
		List<Throwable> thrown = new java.util.concurrent.CopyOnWriteArrayList<>();
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> {
			try {
				res.header("X-Evil", evil[Integer.parseInt(req.queryParam("v"))]);
			}
			catch (RuntimeException e) {
				thrown.add(e);
				throw e;
			}
			return res.sendString(Mono.just("unreachable"));
		}));
		for (int v = 0; v < evil.length; v++) {
			try (RawHttp c = RawHttp.connect(server.port()).soTimeout(3_000)) {
				c.write(RawHttp.get("/?v=" + v));
				RawHttp.Response r = c.read();
				assertThat(r.status()).as("status for value %d", v).isEqualTo(500);
				assertThat(r.header("Injected")).isNull();
				assertThat(r.header("X-Evil")).isNull();
				assertThat(r.bodyString()).doesNotContain("unreachable");
			}
		}
		assertThat(thrown).hasSize(3).allSatisfy(t -> assertThat(t).isInstanceOf(IllegalArgumentException.class));
	}

	@Test
	void bodiesWithNulBytesAreBinarySafeBothWays() throws Exception {
		byte[] fixed = {'a', 'b', 0, 'c', 'd', 0};
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))
				.post("/echo-stream", (req, res) -> res.send(req.receive()))
				.get("/nul", (req, res) -> res.sendByteArray(Mono.just(fixed)))));
		byte[] body = binaryBody(200_000);
		HttpClient client = jdkClient();

		HttpResponse<byte[]> echo = client.send(request(server, "/echo")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(echo.statusCode()).isEqualTo(200);
		assertThat(echo.headers().firstValue("Content-Length")).hasValue(String.valueOf(body.length));
		assertThat(echo.body()).isEqualTo(body);

		HttpResponse<byte[]> stream = client.send(request(server, "/echo-stream")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(stream.statusCode()).isEqualTo(200);
		assertThat(stream.body()).isEqualTo(body);

		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/nul"));
			RawHttp.Response r = c.read();
			assertThat(r.header("Content-Length")).isEqualTo("6");
			assertThat(r.body()).isEqualTo(fixed);
		}
	}

	@Test
	void headAnswersHeadersWithContentLengthAndNoBody() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello world")))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("HEAD /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
			RawHttp.Response head = c.read(true);
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("Content-Length")).isEqualTo("11");
			// a body after the HEAD response would be read as the next status line
			c.write(RawHttp.get("/hello"));
			RawHttp.Response get = c.read();
			assertThat(get.status()).isEqualTo(200);
			assertThat(get.bodyString()).isEqualTo("hello world");
		}
	}

	@Test
	void monoBodyHasContentLengthAndFluxBodyIsChunked() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/mono", (req, res) -> res.sendString(Mono.just("just one")))
				.get("/flux", (req, res) -> res.sendString(Flux.range(0, 100).map(i -> "line " + i + "\n")))
				.get("/flux-sized", (req, res) -> res.header("Content-Length", "6")
						.sendString(Flux.just("ab", "cd", "ef")))));
		StringBuilder expected = new StringBuilder();
		for (int i = 0; i < 100; i++) {
			expected.append("line ").append(i).append('\n');
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/mono"));
			RawHttp.Response mono = c.read();
			assertThat(mono.header("Content-Length")).isEqualTo("8");
			assertThat(mono.isChunked()).isFalse();
			assertThat(mono.bodyString()).isEqualTo("just one");

			c.write(RawHttp.get("/flux"));
			RawHttp.Response flux = c.read();
			assertThat(flux.header("Transfer-Encoding")).isEqualToIgnoringCase("chunked");
			assertThat(flux.header("Content-Length")).isNull();
			assertThat(flux.bodyString()).isEqualTo(expected.toString());

			c.write(RawHttp.get("/flux-sized"));
			RawHttp.Response sized = c.read();
			assertThat(sized.isChunked()).isFalse();
			assertThat(sized.header("Content-Length")).isEqualTo("6");
			assertThat(sized.bodyString()).isEqualTo("abcdef");
		}
	}

	@Test
	void fluxBodyEmittedFromAnotherThreadIsStreamedCompletelyAndPromptly() throws Exception {
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> res.sendString(
				Flux.interval(java.time.Duration.ofMillis(10)).take(10).map(i -> i + ","))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			long t0 = System.nanoTime();
			c.write(RawHttp.get("/"));
			RawHttp.Response r = c.read();
			java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - t0);
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("0,1,2,3,4,5,6,7,8,9,");
			assertThat(took).as("10 items 10 ms apart").isLessThan(java.time.Duration.ofMillis(900));
		}
	}

	@Test
	void sendFileIsByteExact(@TempDir Path dir) throws Exception {
		byte[] content = randomBytes(3 * 1024 * 1024, 7);
		Path file = dir.resolve("random.bin");
		Files.write(file, content);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/file", (req, res) -> res.sendFile(file))
				.get("/part", (req, res) -> res.sendFile(file, 1000, 70_000))
				.get("/past-end", (req, res) -> res.sendFile(file, content.length - 10, 100))));
		HttpClient client = jdkClient();

		// a region past the file's end is refused before the head (it announced 100 bytes, sent
		// 10 and cut the connection, and the send completed)
		HttpResponse<String> past = client.send(request(server, "/past-end").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(past.statusCode()).isEqualTo(500);

		HttpResponse<byte[]> whole = client.send(request(server, "/file").GET().build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(whole.statusCode()).isEqualTo(200);
		assertThat(whole.headers().firstValue("Content-Length")).hasValue(String.valueOf(content.length));
		assertThat(whole.body()).isEqualTo(content);

		HttpResponse<byte[]> part = client.send(request(server, "/part").GET().build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(part.statusCode()).isEqualTo(200);
		assertThat(part.headers().firstValue("Content-Length")).hasValue("70000");
		assertThat(part.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 71_000));
	}

	@Test
	void sseEventsAreFramedLineByLine() throws Exception {
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/sse", (req, res) -> res.sendSse(Flux.just(
						ServerSentEvent.builder().id("1").event("greeting").retry(2500)
								.data("line one\nline two\r\nline three").build(),
						ServerSentEvent.of("second"),
						ServerSentEvent.builder().comment("keep-alive").build())))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/sse"));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.header("Content-Type")).startsWith("text/event-stream");
			assertThat(r.header("Cache-Control")).containsAnyOf("no-cache", "no-store");
			List<List<String>> events = RawHttp.parseSse(r.bodyString());
			assertThat(events).hasSize(3);
			assertThat(events.get(0))
					.hasSize(6)
					.contains("id:1", "event:greeting", "retry:2500")
					.containsSubsequence("data:line one", "data:line two", "data:line three");
			assertThat(events.get(1)).containsExactly("data:second");
			assertThat(events.get(2)).containsExactly(":keep-alive");
		}
	}

	@Test
	void sseEventsAreWrittenAsSoonAsTheyArrive() throws Exception {
		Sinks.Many<ServerSentEvent> sink = Sinks.many().unicast().onBackpressureBuffer();
		DisposableServer server = bind(HttpServer.create().handle((req, res) -> res.sendSse(sink.asFlux())));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/"));
			sink.tryEmitNext(ServerSentEvent.of("first")).orThrow();
			RawHttp.Response head = c.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.isChunked()).isTrue();
			assertThat(RawHttp.parseSse(new String(c.readChunk(), StandardCharsets.UTF_8)))
					.containsExactly(List.of("data:first"));
			sink.tryEmitNext(ServerSentEvent.of("second")).orThrow();
			assertThat(RawHttp.parseSse(new String(c.readChunk(), StandardCharsets.UTF_8)))
					.containsExactly(List.of("data:second"));
			sink.tryEmitComplete().orThrow();
			assertThat(c.readChunk()).as("terminal chunk").isNull();
		}
	}

	/**
	 * Reactor Netty's SSE snippet, written for this API: a handler typed as a {@code BiFunction}
	 * (routes took only their own {@code Handler} type, so it did not compile), {@code sse()} for
	 * the headers (missing) and {@code send(body, b -> true)} (missing) with events the handler
	 * frames itself; each event goes out as it is emitted. {@code sse().sendString(...)} too.
	 */
	@Test
	void reactorNettysSseSnippetRunsAsWritten() throws Exception {
		Sinks.Many<String> ticks = Sinks.many().unicast().onBackpressureBuffer();
		BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> serveSse = (req, res) -> res.sse()
				.send(ticks.asFlux().map(t -> ByteBuffer.wrap(("data: " + t + "\n\n").getBytes(StandardCharsets.UTF_8))),
						b -> true);
		BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> strings = (req, res) -> res.sse()
				.sendString(Flux.just("data: a\n\n", "data: b\n\n"));
		DisposableServer server = bind(HttpServer.create().route(r -> r.get("/sse", serveSse).get("/strings", strings)));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/sse"));
			RawHttp.Response head = c.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
			assertThat(head.header("Cache-Control")).isEqualTo("no-cache");
			assertThat(head.isChunked()).isTrue();
			ticks.tryEmitNext("1").orThrow();
			assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("data: 1\n\n");
			ticks.tryEmitNext("2").orThrow();
			assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("data: 2\n\n");
			ticks.tryEmitComplete().orThrow();
			assertThat(c.readChunk()).as("terminal chunk").isNull();
		}
		HttpResponse<String> r = get(server, "/strings");
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
		assertThat(RawHttp.parseSse(r.body())).containsExactly(List.of("data:a"), List.of("data:b"));
	}

	/**
	 * Every route method takes a handler typed as a {@code BiFunction}, as Reactor Netty's do (a
	 * method returning one, a field): they did not compile against the route's own
	 * {@code Handler} type. Lambdas still resolve to the {@code Handler} overloads.
	 */
	@Test
	void routesTakeHandlersTypedAsBiFunctions() throws Exception {
		BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> named =
				(req, res) -> res.sendString(Mono.just(req.method() + " " + req.param("name")));
		BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<Void>> echo = (in, out) -> out.send(in.receive());
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/get/{name}", named).post("/post/{name}", named).put("/put/{name}", named)
				.delete("/delete/{name}", named).patch("/patch/{name}", named).options("/options/{name}", named)
				.head("/head/{name}", (req, res) -> res.header("X-Head", "lambda").send())
				.route("/any/{name}", named)
				.route(req -> req.path().equals("/predicate"), named)
				.ws("/ws", echo)
				.ws("/ws-spec", echo, WebsocketServerSpec.builder().protocols("chat").build())));
		HttpClient jdk = jdkClient();
		for (String method : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
			String path = "/" + method.toLowerCase(java.util.Locale.ROOT) + "/x";
			HttpResponse<String> r = jdk.send(request(server, path).method(method, HttpRequest.BodyPublishers.noBody())
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).as(path).isEqualTo(method + " x");
		}
		assertThat(jdk.send(request(server, "/head/x").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.discarding()).headers().firstValue("X-Head")).hasValue("lambda");
		assertThat(jdk.send(request(server, "/any/y").method("PROPFIND", HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("PROPFIND y");
		assertThat(get(server, "/predicate").body()).isEqualTo("GET null");
		for (String ws : List.of("/ws", "/ws-spec")) {
			try (RawWebSocket c = RawWebSocket.connect(server.port(), ws, "Sec-WebSocket-Protocol: chat\r\n")) {
				c.sendText("ping");
				assertThat(c.read().text()).as(ws).isEqualTo("ping");
			}
		}
	}

	/**
	 * The head of a streamed response goes out when the send starts, before a slow first item,
	 * as Reactor Netty sends it for a Flux body: an SSE client sees its stream open (the JDK
	 * client's response, curl's headers) while no event has come yet. {@code sendHeaders()}
	 * sends it on demand, also before a Mono body or none; a Mono body alone still waits for
	 * its item, so an error before it is a 500.
	 */
	@Test
	void theHeadOfAStreamGoesOutBeforeASlowFirstItem() throws Exception {
		Sinks.Many<ServerSentEvent> events = Sinks.many().multicast().onBackpressureBuffer();
		Sinks.One<String> late = Sinks.one();
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/sse", (req, res) -> res.sendSse(events.asFlux()))
				.get("/never", (req, res) -> res.sendSse(Flux.never()))
				.get("/headers", (req, res) -> res.header("X-Early", "yes").sendHeaders()
						.then(res.sendString(late.asMono())))
				.get("/headers-only", (req, res) -> res.status(202).sendHeaders())
				.get("/mono-error", (req, res) -> res.sendStream(Mono.delay(java.time.Duration.ofMillis(100))
						.then(Mono.error(new IllegalStateException("no body after all")))))));

		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/sse"));
			RawHttp.Response head = c.readHead(); // no event emitted yet
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("Content-Type")).startsWith("text/event-stream");
			assertThat(head.isChunked()).isTrue();
			events.tryEmitNext(ServerSentEvent.of("first")).orThrow();
			assertThat(RawHttp.parseSse(new String(c.readChunk(), StandardCharsets.UTF_8)))
					.containsExactly(List.of("data:first"));
			events.tryEmitComplete().orThrow();
			assertThat(c.readChunk()).as("terminal chunk").isNull();
		}

		// the JDK client: its response (the head) arrives although the stream never emits
		HttpResponse<java.util.stream.Stream<String>> open = jdkClient()
				.sendAsync(request(server, "/never").GET().build(), HttpResponse.BodyHandlers.ofLines())
				.get(5, TimeUnit.SECONDS);
		assertThat(open.statusCode()).isEqualTo(200);
		assertThat(open.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
		open.body().close();

		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
			c.write(RawHttp.get("/headers"));
			RawHttp.Response head = c.readHead(); // the Mono body has not emitted
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("X-Early")).isEqualTo("yes");
			assertThat(head.isChunked()).isTrue();
			late.tryEmitValue("after the head").orThrow();
			assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("after the head");
			assertThat(c.readChunk()).as("terminal chunk").isNull();

			c.write(RawHttp.get("/headers-only")); // the same connection: the responses are framed
			RawHttp.Response only = c.read();
			assertThat(only.status()).isEqualTo(202);
			assertThat(only.bodyString()).isEmpty();
			c.write(RawHttp.get("/mono-error"));
			assertThat(c.read().status()).as("a Mono body's error before its item").isEqualTo(500);
		}

		Curl.assumeInstalled();
		Curl.Result curl = Curl.run("-sN", "-D", "-", "--max-time", "2", "http://127.0.0.1:" + server.port() + "/never");
		assertThat(curl.exitCode()).as("curl waits for events until its --max-time").isEqualTo(28);
		assertThat(curl.stdout()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/event-stream");
	}

	/**
	 * The file paths that read in pieces (gzip, chunked framing, a file of another file system)
	 * still send the head with the first piece, so a file that cannot be read gets a 500, as
	 * on the sendfile(2) path; the connection serves on.
	 */
	@Test
	void aFileThatCannotBeReadIsA500OnEveryPath(@TempDir Path dir) throws Exception {
		Path missing = dir.resolve("gone.txt");
		Path zip = dir.resolve("files.zip");
		try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip, java.util.Map.of("create", "true"))) {
			Files.writeString(fs.getPath("/present.txt"), "zipped");
		}
		// a FIFO without a writer: opening it must not wait for one on the poll thread
		Path fifo = dir.resolve("fifo");
		assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
		java.nio.file.FileSystem zipFs = java.nio.file.FileSystems.newFileSystem(zip);
		try {
			DisposableServer server = bind(HttpServer.create().compress(true).route(r -> r
					.get("/fifo", (req, res) -> res.sendFile(fifo, 0, 100))
					.get("/gzip", (req, res) -> res.header("Content-Type", "text/plain").sendFile(missing, 0, 100))
					.get("/chunked", (req, res) -> res.header("Transfer-Encoding", "chunked").sendFile(missing, 0, 100))
					.get("/zip", (req, res) -> res.sendFile(zipFs.getPath("/absent.txt"), 0, 10))
					.get("/zip-present", (req, res) -> res.sendFile(zipFs.getPath("/present.txt"), 0, 6))));
			try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
				for (String path : List.of("/fifo", "/gzip", "/chunked", "/zip")) {
					c.write("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
					assertThat(c.read().status()).as(path).isEqualTo(500);
				}
				c.write(RawHttp.get("/fifo")); // not gzipped: the file goes to the native sendfile path
				assertThat(c.read().status()).isEqualTo(500);
				c.write(RawHttp.get("/zip-present"));
				assertThat(c.read().bodyString()).isEqualTo("zipped");
			}
		}
		finally {
			zipFs.close();
		}
	}

	@Test
	void severalServersShareOneLoop() throws Exception {
		MongooseLoop loop = newLoop("rmg-shared");
		DisposableServer one = bind(HttpServer.create().runOn(loop)
				.handle((req, res) -> res.sendString(Mono.just("one " + Thread.currentThread().getName()))));
		DisposableServer two = bind(HttpServer.create().runOn(loop)
				.handle((req, res) -> res.sendString(Mono.just("two " + Thread.currentThread().getName()))));
		assertThat(one.port()).isNotEqualTo(two.port());
		HttpClient client = jdkClient();
		assertThat(get(client, one, "/").body()).isEqualTo("one rmg-shared");
		assertThat(get(client, two, "/").body()).isEqualTo("two rmg-shared");

		one.disposeNow();
		assertThat(loop.isDisposed()).as("a shared loop outlives its servers").isFalse();
		assertThat(get(client, two, "/").body()).isEqualTo("two rmg-shared");
		assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), one.port()).close())
				.isInstanceOf(ConnectException.class);
	}

	@Test
	void bindingAPortInUseFails() throws Exception {
		try (ServerSocket blocker = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			StepVerifier.create(HttpServer.create().port(blocker.getLocalPort()).bind())
					.expectError()
					.verify(TIMEOUT);
		}
		DisposableServer first = bind(HttpServer.create());
		StepVerifier.create(HttpServer.create().port(first.port()).bind())
				.expectError()
				.verify(TIMEOUT);
		MongooseLoop loop = newLoop();
		StepVerifier.create(HttpServer.create().runOn(loop).port(first.port()).bind())
				.expectError()
				.verify(TIMEOUT);
		assertThat(loop.isDisposed()).as("a failed bind leaves a shared loop running").isFalse();
	}

	@Test
	void curlGetsAndPostsBinaryBodies(@TempDir Path dir) throws Exception {
		Curl.assumeInstalled();
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello curl")))
				.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))));
		Curl.Result hello = Curl.run("http://127.0.0.1:" + server.port() + "/hello");
		assertThat(hello.exitCode()).as(hello.stderr()).isZero();
		assertThat(hello.stdout()).isEqualTo("hello curl");

		byte[] body = binaryBody(50_000);
		Path in = dir.resolve("in.bin");
		Path out = dir.resolve("out.bin");
		Files.write(in, body);
		Curl.Result echo = Curl.run("-o", out.toString(), "-w", "%{http_code}", "--data-binary", "@" + in,
				"-H", "Content-Type: application/octet-stream", "http://127.0.0.1:" + server.port() + "/echo");
		assertThat(echo.exitCode()).as(echo.stderr()).isZero();
		assertThat(echo.stdout()).isEqualTo("200");
		assertThat(Files.readAllBytes(out)).isEqualTo(body);
	}

	/**
	 * Large uploads and responses in turn on one keep-alive connection, byte-exact: exercises
	 * the receive buffer sized from Content-Length and released after the exchange, and the
	 * send buffer that only grows.
	 */
	@Test
	void largeUploadsAndResponsesAlternateByteExactOnOneConnection() throws Exception {
		DisposableServer server = bind(HttpServer.create().maxRequestBodySize(4 * 1024 * 1024).route(r -> r
				.post("/echo", (req, res) -> res.send(req.receive()))
				.post("/mono", (req, res) -> res.sendByteArray(req.receiveBytes()))
				.get("/small", (req, res) -> res.sendString(Mono.just("small")))));
		Random random = new Random(42);
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(10_000)) {
			for (int i = 0; i < 3; i++) {
				byte[] body = new byte[(3 << 20) + 12345 * i];
				random.nextBytes(body);
				c.write(RawHttp.request("POST", i % 2 == 0 ? "/echo" : "/mono", body));
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(Arrays.equals(r.body(), body)).as("echo %d byte-exact", i).isTrue();
				c.write(RawHttp.get("/small").getBytes(StandardCharsets.ISO_8859_1));
				assertThat(c.read().bodyString()).isEqualTo("small");
			}
		}
	}
}
