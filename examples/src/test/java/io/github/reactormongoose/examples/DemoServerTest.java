/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.WebSocketRecorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Drives every endpoint of {@link DemoServer} over real sockets. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DemoServerTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private DisposableServer server;
	private HttpClient client;

	@BeforeEach
	void start() {
		server = DemoServer.start("127.0.0.1", 0);
		client = HttpClient.newBuilder()
				.version(HttpClient.Version.HTTP_1_1)
				.connectTimeout(TIMEOUT)
				.build();
	}

	@AfterEach
	void stop() {
		if (server != null) {
			server.disposeNow(Duration.ofSeconds(2));
			assertThat(server.isDisposed()).isTrue();
		}
	}

	private URI uri(String path) {
		return URI.create("http://127.0.0.1:" + server.port() + path);
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return client.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
		return client.send(request(path).header("Content-Type", contentType)
				.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void bindsTheRequestedEphemeralPort() {
		assertThat(server.port()).isPositive();
		assertThat(server.host()).isEqualTo("127.0.0.1");
		assertThat(DemoServer.url("http", server)).isEqualTo("http://127.0.0.1:" + server.port());
	}

	@Test
	void runsOneLoopPerProcessorAllOnThePortAndStopsThemOnDispose() throws Exception {
		int n = io.github.reactormongoose.MongooseLoops.defaultSize();
		assertThat(server.toString()).contains(n > 1 ? "on " + n + " loops" : "127.0.0.1");
		java.util.Set<String> loops = new java.util.TreeSet<>();
		for (Thread t : Thread.getAllStackTraces().keySet()) {
			if (t.getName().startsWith("demo-server-") && t.isAlive()) {
				loops.add(t.getName());
			}
		}
		java.util.Set<String> expected = new java.util.TreeSet<>();
		for (int i = 0; i < n; i++) {
			expected.add("demo-server-" + i);
		}
		assertThat(loops).isEqualTo(expected);
		for (int i = 0; i < 16; i++) { // fresh connections, hashed over the loops, all answered
			HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			assertThat(fresh.send(request("/hello").GET().build(), HttpResponse.BodyHandlers.ofString()).body())
					.isEqualTo("Hello, World!");
		}
		server.disposeNow(Duration.ofSeconds(2));
		server.onDispose().block(TIMEOUT);
		long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
		while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("demo-server-") && t.isAlive())
				&& System.nanoTime() < deadline) {
			Thread.sleep(10); // a poll thread ends just after signalling its disposal
		}
		assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("demo-server-") && t.isAlive());
	}

	@Test
	void helloReturnsPlainText() throws Exception {
		HttpResponse<String> r = get("/hello");

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("Hello, World!");
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
		assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(13);
		long date = ZonedDateTime.parse(r.headers().firstValue("Date").orElseThrow(), DateTimeFormatter.RFC_1123_DATE_TIME)
				.toEpochSecond();
		assertThat(date).as("the server's Date, in seconds").isCloseTo(System.currentTimeMillis() / 1000, within(5L));
	}

	@Test
	void visitsAreCountedInACookieThatTheJdkCookieManagerKeeps() throws Exception {
		java.net.http.HttpClient withJar = java.net.http.HttpClient.newBuilder().cookieHandler(new java.net.CookieManager())
				.build();
		for (int i = 1; i <= 3; i++) {
			HttpResponse<String> r = withJar.send(request("/visits").GET().build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("Visit number " + i);
			String prefix = "visits=" + i + "; Max-Age=2592000; Expires=";
			assertThat(r.headers().firstValue("Set-Cookie")).hasValueSatisfying(v -> assertThat(v)
					.startsWith(prefix).endsWith("; Path=/; HttpOnly; SameSite=Lax"));
		}
		for (String forged : new String[] { "abc", "-5", "99999999999999", "1e3" }) {
			HttpResponse<String> r = client.send(request("/visits").header("Cookie", "visits=" + forged).GET().build(),
					HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).as(forged).isEqualTo("Visit number 1");
		}
	}

	@Test
	void clientReusesOneConnectionForSequentialRequests() throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> r = get("/hello");
			assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
			assertThat(r.body()).as("request %d", i).isEqualTo("Hello, World!");
			assertThat(r.headers().firstValue("Connection")).as("request %d", i).isEmpty();
		}
	}

	@Test
	void serverKeepsTheConnectionAliveAcrossThreeRequests() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (int i = 0; i < 3; i++) {
				c.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.protocol()).as("request %d", i).isEqualTo("HTTP/1.1");
				assertThat(r.status()).as("request %d", i).isEqualTo(200);
				assertThat(r.header("content-length")).as("request %d", i).isEqualTo("13");
				assertThat(r.header("connection")).as("request %d", i).isNull();
				assertThat(r.bodyString()).as("request %d", i).isEqualTo("Hello, World!");
			}
		}
	}

	@Test
	void headIsAnsweredWithoutBodyAndKeepsTheConnectionUsable() throws Exception {
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("HEAD /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
			RawHttp.Response head = c.read(true);
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.header("content-length")).isEqualTo("13");
			assertThat(head.body()).isEmpty();

			// had HEAD sent a body, it would now be read as the next status line
			c.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n");
			RawHttp.Response get = c.read();
			assertThat(get.status()).isEqualTo(200);
			assertThat(get.bodyString()).isEqualTo("Hello, World!");
		}
	}

	@Test
	void unknownPathIs404AndWrongMethodIs405() throws Exception {
		assertThat(get("/nope").statusCode()).isEqualTo(404);

		HttpResponse<String> r = post("/hello", "text/plain", "x");
		assertThat(r.statusCode()).isEqualTo(405);
		assertThat(r.headers().firstValue("Allow").orElse("")).contains("GET");
	}

	@Test
	void indexServesTheHtmlPage() throws Exception {
		HttpResponse<String> r = get("/");

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
		assertThat(r.body())
				.startsWith("<!doctype html>")
				.contains("fetch(\"/echo\"", "new EventSource(\"/sse/clock\")", "/ws/echo", "fetch(\"/hello\")")
				.endsWith("</html>\n");
		byte[] resource;
		try (InputStream in = DemoServer.class.getResourceAsStream(DemoServer.INDEX_RESOURCE)) {
			resource = in.readAllBytes();
		}
		assertThat(r.body().getBytes(StandardCharsets.UTF_8)).isEqualTo(resource);
	}

	@Test
	void thePageIsGzippedForClientsThatAcceptItAndHelloIsTooSmall() throws Exception {
		HttpResponse<byte[]> page = client.send(request("/").header("Accept-Encoding", "gzip").GET().build(),
				HttpResponse.BodyHandlers.ofByteArray());
		assertThat(page.headers().firstValue("Content-Encoding")).hasValue("gzip");
		byte[] resource;
		try (InputStream in = DemoServer.class.getResourceAsStream(DemoServer.INDEX_RESOURCE)) {
			resource = in.readAllBytes();
		}
		assertThat(page.body().length).isLessThan(resource.length / 2);
		try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(page.body()))) {
			assertThat(in.readAllBytes()).isEqualTo(resource);
		}
		HttpResponse<String> hello = client.send(request("/hello").header("Accept-Encoding", "gzip").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(hello.headers().firstValue("Content-Encoding")).isEmpty();
		assertThat(hello.body()).isEqualTo("Hello, World!");
	}

	@Test
	void echoReturnsAJsonBodyUnchanged() throws Exception {
		String json = "{\"greeting\": \"h\u00e9llo \u2603\", \"n\": [1, 2.5e3, true, null]}";

		HttpResponse<String> r = post("/echo", "application/json", json);

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(r.body()).isEqualTo(json);
		assertThat(r.headers().firstValueAsLong("Content-Length"))
				.hasValue(json.getBytes(StandardCharsets.UTF_8).length);
	}

	@Test
	void echoWrapsAndEscapesTextThatIsNotJson() throws Exception {
		HttpResponse<String> r = post("/echo", "text/plain", "say \"hi\"\\\n\tbye\u0001");

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(r.body()).isEqualTo("{\"echo\":\"say \\\"hi\\\"\\\\\\n\\tbye\\u0001\"}");
		assertThat(DemoServer.JSON.readTree(r.body()).get("echo").textValue()).isEqualTo("say \"hi\"\\\n\tbye\u0001");
	}

	@Test
	void echoOfAnEmptyBodyIsAnEmptyString() throws Exception {
		HttpResponse<String> r = client.send(request("/echo").POST(HttpRequest.BodyPublishers.noBody()).build(),
				HttpResponse.BodyHandlers.ofString());

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("{\"echo\":\"\"}");
	}

	@Test
	void sseClockSendsTicksWithIdEventAndData() throws Exception {
		HttpResponse<InputStream> r = client.sendAsync(request("/sse/clock").header("Accept", "text/event-stream").build(),
				HttpResponse.BodyHandlers.ofInputStream()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
		assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
		assertThat(r.headers().firstValue("Transfer-Encoding")).hasValue("chunked");

		try (InputStream body = r.body()) {
			BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
			// the read blocks: run it with a deadline
			List<List<String>> events = CompletableFuture.supplyAsync(() -> readEvents(reader, 2))
					.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

			for (int i = 0; i < events.size(); i++) {
				List<String> lines = events.get(i);
				assertThat(lines).as("event %d", i).hasSize(3);
				assertThat(lines.get(0)).isEqualTo("id:" + i);
				assertThat(lines.get(1)).isEqualTo("event:tick");
				assertThat(lines.get(2)).startsWith("data:");
				Instant t = Instant.parse(lines.get(2).substring("data:".length()));
				assertThat(t).isBetween(Instant.now().minusSeconds(30), Instant.now().plusSeconds(1));
			}
		}
	}

	/** Reads {@code count} events: the lines of each, up to the blank line that ends it. */
	private static List<List<String>> readEvents(BufferedReader reader, int count) {
		List<List<String>> events = new ArrayList<>();
		List<String> current = new ArrayList<>();
		try {
			String line;
			while (events.size() < count && (line = reader.readLine()) != null) {
				if (line.isEmpty()) {
					events.add(current);
					current = new ArrayList<>();
				}
				else {
					current.add(line);
				}
			}
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		assertThat(events).as("events before the stream ended").hasSize(count);
		return events;
	}

	@Test
	void websocketEchoesTextAndBinaryMessages() throws Exception {
		WebSocketRecorder rec = new WebSocketRecorder();
		WebSocket ws = client.newWebSocketBuilder()
				.connectTimeout(TIMEOUT)
				.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws/echo"), rec)
				.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

		ws.sendText("hello, mongoose", true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.next()).isEqualTo("hello, mongoose");

		String unicode = "h\u00e9 \u2603 \uD83D\uDE00";
		ws.sendText(unicode, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.next()).isEqualTo(unicode);

		ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat((byte[]) rec.next()).containsExactly(0, 1, 2, 0xff);

		ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.awaitClose().code()).isEqualTo(WebSocket.NORMAL_CLOSURE);
		assertThat(rec.messages).isEmpty();
	}

	@Test
	void curlGetsHello() throws Exception {
		Curl.assumeInstalled();
		Curl.Result curl = Curl.run("-i", "http://127.0.0.1:" + server.port() + "/hello");
		assertThat(curl.exitCode()).as("curl exit code (stderr: %s)", curl.stderr()).isZero();

		String response = curl.stdout();
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
		String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
		assertThat(head).contains("\r\ncontent-type: text/plain", "\r\ncontent-length: 13");
		assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).isEqualTo("Hello, World!");
	}
}
