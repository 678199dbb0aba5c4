/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples.webflux;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.reactormongoose.examples.webflux.GreetingController.Tick;
import io.github.reactormongoose.spring.boot.MongooseWebServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo application on a random port: the server really is reactor-mongoose, and every
 * endpoint answers through {@link WebTestClient} bound to the live server and through the
 * JDK {@link HttpClient} (HTTP and WebSocket).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class WebFluxDemoApplicationTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@LocalServerPort
	int port;

	@Autowired
	WebServerApplicationContext context;

	WebTestClient web;

	/** The JDK client with its defaults (it offers an h2c upgrade, which must be ignored). */
	final HttpClient jdk = HttpClient.newHttpClient();

	@BeforeEach
	void bindClient() {
		this.web = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + this.port).responseTimeout(TIMEOUT).build();
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).timeout(TIMEOUT);
	}

	@Test
	void theServerIsReactorMongoose() {
		assertThat(this.context.getWebServer()).isInstanceOf(MongooseWebServer.class);
		assertThat(this.context.getWebServer().getPort()).isEqualTo(this.port).isPositive();
		assertThat(((MongooseWebServer) this.context.getWebServer()).getDisposableServer()).isNotNull();
		// Reactor Netty was excluded, not merely outranked
		assertThat(ClassUtils.isPresent("reactor.netty.http.server.HttpServer", getClass().getClassLoader())).isFalse();
	}

	@Test
	void annotatedControllerWithJson() {
		this.web.get().uri("/api/greetings/world").exchange()
				.expectStatus().isOk()
				.expectHeader().contentType(MediaType.APPLICATION_JSON)
				.expectBody().jsonPath("$.message").isEqualTo("Hello, world!");
		this.web.get().uri("/api/greetings").exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.length()").isEqualTo(3).jsonPath("$[2].message").isEqualTo("Hello, Linus!");
		this.web.post().uri("/api/echo").contentType(MediaType.APPLICATION_JSON)
				.bodyValue(new GreetingController.Message("hi", 3)).exchange()
				.expectStatus().isOk()
				.expectBody()
				.jsonPath("$.message.text").isEqualTo("hi")
				.jsonPath("$.message.count").isEqualTo(3)
				.jsonPath("$.server").isEqualTo("port " + this.port);
		this.web.get().uri("/api/teapot").exchange().expectStatus().isEqualTo(418)
				.expectBody(String.class).isEqualTo("short and stout");
	}

	@Test
	void errorsAreRenderedBySpringBoot() {
		this.web.get().uri("/api/boom").accept(MediaType.APPLICATION_JSON).exchange()
				.expectStatus().is5xxServerError()
				.expectBody().jsonPath("$.status").isEqualTo(500).jsonPath("$.path").isEqualTo("/api/boom");
		this.web.get().uri("/no/such/page").accept(MediaType.APPLICATION_JSON).exchange()
				.expectStatus().isNotFound();
	}

	@Test
	void functionalRoutes() {
		this.web.get().uri("/fn/hello?name=tester").exchange()
				.expectStatus().isOk()
				.expectBody(String.class).isEqualTo("Hello from a router function, tester");
		this.web.get().uri("/fn/info").exchange()
				.expectStatus().isOk()
				.expectBody().jsonPath("$.server").isEqualTo("reactor-mongoose").jsonPath("$.path").isEqualTo("/fn/info");
		this.web.post().uri("/fn/upper").contentType(MediaType.TEXT_PLAIN).bodyValue("shout").exchange()
				.expectBody(String.class).isEqualTo("SHOUT");
		this.web.get().uri("/fn/missing").exchange().expectStatus().isNotFound();
	}

	@Test
	void aHandlerCallsAnotherServiceWithWebClientOnReactorMongoose() {
		String body = this.web.get().uri("/fn/relay").exchange()
				.expectStatus().isOk()
				.expectBody(String.class).returnResult().getResponseBody();
		// the WebClient's response was read on a poll thread of the shared default loops
		assertThat(body).matches("relayed \\(mongoose-\\d+\\): Hello from a router function, relay");
	}

	@Test
	void aWebClientCallCarriesItsOwnResponseTimeoutAsAnAttribute() {
		this.web.get().uri("/fn/relay-slow?delayMs=10&timeoutMs=5000").exchange()
				.expectStatus().isOk()
				.expectBody(String.class).isEqualTo("relayed: slow");
		// the call's 200 ms, not the client's default (none): the 3 s answer is not waited for
		long start = System.nanoTime();
		this.web.get().uri("/fn/relay-slow?delayMs=3000&timeoutMs=200").exchange()
				.expectStatus().isEqualTo(504)
				.expectBody(String.class).value(m -> assertThat(m).contains("200"));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
		this.web.get().uri("/fn/relay-slow?timeoutMs=soon").exchange().expectStatus().isBadRequest();
	}

	@Test
	void aHandlerTalksToAWebSocketEndpointWithMongooseWebSocketClient() {
		String body = this.web.get().uri("/fn/ws-relay?text=ping").exchange()
				.expectStatus().isOk()
				.expectBody(String.class).returnResult().getResponseBody();
		// the reply of /ws/echo, received on a poll thread of the shared default loops
		assertThat(body).matches("echo: ping \\(mongoose-\\d+\\)");
	}

	@Test
	void serverSentEvents() {
		Flux<ServerSentEvent<Tick>> events = this.web.get().uri("/api/ticks?count=3&periodMs=50")
				.accept(MediaType.TEXT_EVENT_STREAM).exchange()
				.expectStatus().isOk()
				.expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
				.returnResult(new ParameterizedTypeReference<ServerSentEvent<Tick>>() {
				})
				.getResponseBody();
		StepVerifier.create(events)
				.assertNext(e -> {
					assertThat(e.event()).isEqualTo("tick");
					assertThat(e.id()).isEqualTo("0");
					assertThat(e.data()).isEqualTo(new Tick(0, "tick 0"));
				})
				.assertNext(e -> assertThat(e.data().sequence()).isEqualTo(1))
				.assertNext(e -> assertThat(e.data().sequence()).isEqualTo(2))
				.expectComplete()
				.verify(TIMEOUT);
	}

	@Test
	void endlessEventStreamReachesTheJdkClientLineByLine() throws Exception {
		HttpResponse<Stream<String>> r = this.jdk.send(request("/api/ticks?periodMs=20")
				.header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
		assertThat(r.statusCode()).isEqualTo(200);
		try (Stream<String> lines = r.body()) {
			assertThat(lines.filter(l -> l.startsWith("data:")).limit(3).toList())
					.containsExactly("data:{\"sequence\":0,\"label\":\"tick 0\"}", "data:{\"sequence\":1,\"label\":\"tick 1\"}",
							"data:{\"sequence\":2,\"label\":\"tick 2\"}");
		}
	}

	@Test
	void staticResources() throws Exception {
		this.web.get().uri("/index.html").exchange()
				.expectStatus().isOk()
				.expectHeader().contentTypeCompatibleWith(MediaType.TEXT_HTML)
				.expectBody(String.class).value(body -> assertThat(body).contains("Spring WebFlux on reactor-mongoose"));
		// the welcome page, with the JDK client
		HttpResponse<String> welcome = this.jdk.send(request("/").header("Accept", "text/html").build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(welcome.statusCode()).isEqualTo(200);
		assertThat(welcome.body()).contains("<h1>Spring WebFlux on reactor-mongoose</h1>");
		// HEAD of a static resource: the length of the GET body, no body
		HttpResponse<Void> head = this.jdk.send(request("/index.html").method("HEAD", HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.discarding());
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(welcome.body().getBytes().length);
	}

	@Test
	void everyEndpointWithTheJdkClient() throws Exception {
		HttpResponse<String> json = this.jdk.send(request("/api/greetings/jdk").build(), HttpResponse.BodyHandlers.ofString());
		assertThat(json.statusCode()).isEqualTo(200);
		assertThat(json.body()).contains("\"message\":\"Hello, jdk!\"");

		HttpResponse<String> echo = this.jdk.send(request("/api/echo").header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"jdk\",\"count\":1}")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(echo.body()).contains("\"text\":\"jdk\"");

		HttpResponse<String> upper = this.jdk.send(request("/fn/upper").header("Content-Type", "text/plain")
				.POST(HttpRequest.BodyPublishers.ofString("abc")).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(upper.body()).isEqualTo("ABC");

		HttpResponse<String> boom = this.jdk.send(request("/api/boom").build(), HttpResponse.BodyHandlers.ofString());
		assertThat(boom.statusCode()).isEqualTo(500);
		// and the server goes on
		assertThat(this.jdk.send(request("/fn/hello").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
	}

	@Test
	void requestBodyLimitFromProperties() throws Exception {
		// server.mongoose.max-request-body-size=2MB in application.properties: a larger
		// Content-Length is refused with 413 before any of the body is read
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(("POST /fn/upper HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
					+ "Content-Length: " + 3 * 1024 * 1024 + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1))
					.readLine();
			assertThat(statusLine).startsWith("HTTP/1.1 413");
		}
		// a body within the limit is accepted (Spring's own codec limit, 256 KiB by default, still applies)
		HttpResponse<String> ok = this.jdk.send(request("/fn/upper").header("Content-Type", "text/plain")
				.POST(HttpRequest.BodyPublishers.ofString("x".repeat(200_000))).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(ok.statusCode()).isEqualTo(200);
		assertThat(ok.body()).hasSize(200_000).startsWith("XXX");
	}

	@Test
	void webSocketWithTheJdkClient() throws Exception {
		BlockingQueue<String> received = new LinkedBlockingQueue<>();
		CompletableFuture<Integer> closed = new CompletableFuture<>();
		WebSocket ws = this.jdk.newWebSocketBuilder()
				.buildAsync(URI.create("ws://127.0.0.1:" + this.port + "/ws/echo"), new WebSocket.Listener() {
					@Override
					public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
						received.add(data.toString());
						webSocket.request(1);
						return null;
					}

					@Override
					public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
						received.add("binary:" + data.remaining());
						webSocket.request(1);
						return null;
					}

					@Override
					public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
						closed.complete(statusCode);
						return null;
					}
				}).get(10, TimeUnit.SECONDS);
		ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
		assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
		ws.sendBinary(ByteBuffer.wrap(new byte[1000]), true).get(5, TimeUnit.SECONDS);
		assertThat(received.poll(10, TimeUnit.SECONDS)).isEqualTo("binary:1000");
		ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
		assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
	}
}
