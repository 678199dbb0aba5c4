/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
	void helloReturnsPlainText() throws Exception {
		HttpResponse<String> r = get("/hello");

		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.body()).isEqualTo("Hello, World!");
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain");
		assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(13);
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
		try (Socket s = connect()) {
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			for (int i = 0; i < 3; i++) {
				out.write(("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				out.flush();
				RawResponse r = RawResponse.read(in, false);
				assertThat(r.status).as("request %d", i).isEqualTo(200);
				assertThat(r.header("content-length")).as("request %d", i).isEqualTo("13");
				assertThat(r.header("connection")).as("request %d", i).isNull();
				assertThat(r.bodyText()).as("request %d", i).isEqualTo("Hello, World!");
			}
		}
	}

	@Test
	void headIsAnsweredWithoutBodyAndKeepsTheConnectionUsable() throws Exception {
		try (Socket s = connect()) {
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write("HEAD /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawResponse head = RawResponse.read(in, true);
			assertThat(head.status).isEqualTo(200);
			assertThat(head.header("content-length")).isEqualTo("13");
			assertThat(head.body).isEmpty();

			// had HEAD sent a body, it would now be read as the next status line
			out.write("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			RawResponse get = RawResponse.read(in, false);
			assertThat(get.status).isEqualTo(200);
			assertThat(get.bodyText()).isEqualTo("Hello, World!");
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
		assertThat(Json.isValid(r.body())).isTrue();
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
		Recorder rec = new Recorder();
		WebSocket ws = client.newWebSocketBuilder()
				.connectTimeout(TIMEOUT)
				.buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws/echo"), rec)
				.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

		ws.sendText("hello, mongoose", true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("text:hello, mongoose");

		String unicode = "h\u00e9 \u2603 \uD83D\uDE00";
		ws.sendText(unicode, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("text:" + unicode);

		ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.messages.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("binary:000102ff");

		ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		assertThat(rec.closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
		assertThat(rec.messages).isEmpty();
	}

	/** Collects whole messages as {@code text:...} or {@code binary:<hex>}. */
	private static final class Recorder implements WebSocket.Listener {
		final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
		final CompletableFuture<Integer> closed = new CompletableFuture<>();
		private final StringBuilder text = new StringBuilder();
		private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

		@Override
		public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
			text.append(data);
			if (last) {
				messages.add("text:" + text);
				text.setLength(0);
			}
			ws.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
			while (data.hasRemaining()) {
				binary.write(data.get());
			}
			if (last) {
				StringBuilder hex = new StringBuilder();
				for (byte b : binary.toByteArray()) {
					hex.append(String.format("%02x", b & 0xff));
				}
				messages.add("binary:" + hex);
				binary.reset();
			}
			ws.request(1);
			return null;
		}

		@Override
		public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
			closed.complete(statusCode);
			return null;
		}

		@Override
		public void onError(WebSocket ws, Throwable error) {
			closed.completeExceptionally(error);
		}
	}

	@Test
	void curlGetsHello() throws Exception {
		assumeTrue(curlInstalled(), "curl is not installed");
		Process p = new ProcessBuilder("curl", "-s", "-i", "--max-time", "10",
				"http://127.0.0.1:" + server.port() + "/hello")
				.redirectErrorStream(true)
				.start();
		byte[] out;
		try (InputStream in = p.getInputStream()) {
			out = in.readAllBytes();
		}
		assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("curl exited").isTrue();
		assertThat(p.exitValue()).as("curl exit code").isZero();

		String response = new String(out, StandardCharsets.ISO_8859_1);
		assertThat(response).startsWith("HTTP/1.1 200 OK\r\n");
		String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
		assertThat(head).contains("\r\ncontent-type: text/plain", "\r\ncontent-length: 13");
		assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).isEqualTo("Hello, World!");
	}

	private static boolean curlInstalled() {
		try {
			Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
			p.getInputStream().transferTo(OutputStream.nullOutputStream());
			return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
		}
		catch (IOException e) {
			return false;
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	private Socket connect() throws IOException {
		Socket s = new Socket();
		s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) TIMEOUT.toMillis());
		s.setSoTimeout((int) TIMEOUT.toMillis());
		return s;
	}

	/** A minimal HTTP/1.1 response reader for Content-Length framed responses. */
	private static final class RawResponse {
		int status;
		final Map<String, String> headers = new LinkedHashMap<>();
		byte[] body = new byte[0];

		String header(String lowerCaseName) {
			return headers.get(lowerCaseName);
		}

		String bodyText() {
			return new String(body, StandardCharsets.UTF_8);
		}

		static RawResponse read(InputStream in, boolean headRequest) throws IOException {
			RawResponse r = new RawResponse();
			String statusLine = line(in);
			assertThat(statusLine).startsWith("HTTP/1.1 ");
			r.status = Integer.parseInt(statusLine.substring(9, 12));
			String line;
			while (!(line = line(in)).isEmpty()) {
				int colon = line.indexOf(':');
				r.headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
			}
			if (!headRequest) {
				String length = r.headers.get("content-length");
				assertThat(length).as("Content-Length of a keep-alive response").isNotNull();
				r.body = in.readNBytes(Integer.parseInt(length));
			}
			return r;
		}

		private static String line(InputStream in) throws IOException {
			StringBuilder b = new StringBuilder();
			int c;
			while ((c = in.read()) != '\n') {
				if (c < 0) {
					throw new IOException("connection closed in the middle of a response head: " + b);
				}
				b.append((char) c);
			}
			assertThat(b.length()).isPositive();
			assertThat(b.charAt(b.length() - 1)).as("line ends with CRLF").isEqualTo('\r');
			return b.substring(0, b.length() - 1);
		}
	}
}
