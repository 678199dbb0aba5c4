/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import io.github.reactormongoose.testing.Nginx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.http.server.reactive.HttpHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Spring Boot {@link WebServer} contract: paused until start, real port, port in use, shutdown. */
class MongooseWebServerTest {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private WebServer webServer;

	@AfterEach
	void stop() {
		if (this.webServer != null) {
			this.webServer.stop();
		}
	}

	private static HttpHandler hello() {
		return (request, response) -> response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
	}

	private WebServer create(HttpHandler handler, Shutdown shutdown) {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setShutdown(shutdown);
		this.webServer = factory.getWebServer(handler);
		return this.webServer;
	}

	private HttpRequest get(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.webServer.getPort() + path))
				.timeout(Duration.ofSeconds(10)).build();
	}

	private static List<Thread> serverAwaitThreads() {
		return Thread.getAllStackTraces().keySet().stream()
				.filter(t -> t.getName().equals("server") && t.isAlive())
				.toList();
	}

	/** {@code server.mongoose.error-log}: an error that escapes Spring's handling gets its line. */
	@Test
	void errorLogHasTheHandlerErrorsThatReachTheServer() throws Exception {
		try (io.github.reactormongoose.testing.LogCapture log =
				io.github.reactormongoose.testing.LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
			factory.setAddress(LOOPBACK);
			factory.setErrorLog(true);
			this.webServer = factory.getWebServer((request, response) -> Mono.error(new IllegalStateException("escaped")));
			this.webServer.start();
			HttpResponse<String> r = this.client.send(get("/broken?x=1"), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(500);
			assertThat(log.lines()).hasSize(1);
			assertThat(log.lines().get(0)).contains("[client 127.0.0.1:")
					.endsWith("GET /broken?x=1: java.lang.IllegalStateException: escaped");
		}
	}

	/**
	 * {@code server.compression.*}, applied as Spring Boot applies it to Reactor Netty: the
	 * listed MIME types from {@code min-response-size} on, not for excluded user agents.
	 */
	@Test
	void compressionPropertiesApply() throws Exception {
		String big = "{\"items\":[" + "\"the same words again\",".repeat(200) + "\"end\"]}";
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		org.springframework.boot.web.server.Compression compression = new org.springframework.boot.web.server.Compression();
		compression.setEnabled(true); // default mime types (application/json among them), min 2 KB
		compression.setExcludedUserAgents(new String[] {"old-agent/1.0"});
		factory.setCompression(compression);
		this.webServer = factory.getWebServer((request, response) -> {
			String path = request.getPath().value();
			response.getHeaders().setContentType(path.equals("/png")
					? org.springframework.http.MediaType.IMAGE_PNG : org.springframework.http.MediaType.APPLICATION_JSON);
			String body = path.equals("/small") ? "{\"a\":1}" : big;
			return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes())));
		});
		this.webServer.start();
		for (String path : new String[] {"/big", "/small", "/png", "/agent"}) {
			HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.webServer.getPort()
					+ (path.equals("/agent") ? "/big" : path))).timeout(Duration.ofSeconds(10)).header("Accept-Encoding", "gzip");
			if (path.equals("/agent")) {
				b.header("User-Agent", "old-agent/1.0");
			}
			HttpResponse<byte[]> r = this.client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
			assertThat(r.statusCode()).isEqualTo(200);
			boolean gzipped = path.equals("/big");
			assertThat(r.headers().firstValue("Content-Encoding")).as(path).isEqualTo(
					gzipped ? java.util.Optional.of("gzip") : java.util.Optional.empty());
			byte[] body = gzipped ? new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes()
					: r.body();
			assertThat(new String(body)).isEqualTo(path.equals("/small") ? "{\"a\":1}" : big);
			if (gzipped) {
				assertThat(r.body().length).isLessThan(big.length() / 4);
			}
		}
	}

	@Test
	void twoLoopsAcceptOnOnePortAndBothServe() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setLoops(2);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(
				response.bufferFactory().wrap(Thread.currentThread().getName().getBytes()))));
		this.webServer.start();
		java.util.Set<String> threads = new java.util.TreeSet<>();
		for (int i = 0; i < 64 && threads.size() < 2; i++) {
			// a new client is a new connection, which the kernel hashes to one of the loops
			HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
			HttpResponse<String> r = fresh.send(get("/"), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(200);
			threads.add(r.body());
		}
		assertThat(threads).hasSize(2).allMatch(t -> t.matches("mongoose-http-\\d+-[01]"));
	}

	/**
	 * server.mongoose.proxy-protocol=on: a Spring handler's getRemoteAddress() is the client the
	 * load balancer's PROXY header names (HAProxy's send-proxy sends this line).
	 */
	@Test
	void proxyProtocolNamesTheClientToSpring() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setProxyProtocol(io.github.reactormongoose.ProxyProtocolSupportType.ON);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(response.bufferFactory()
				.wrap(String.valueOf(request.getRemoteAddress()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))));
		this.webServer.start();
		try (java.net.Socket socket = new java.net.Socket(LOOPBACK, this.webServer.getPort())) {
			socket.setSoTimeout(5000);
			socket.getOutputStream().write(("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"
					+ "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
			assertThat(response).startsWith("HTTP/1.1 200").endsWith("/203.0.113.7:56324");
		}
		// without a header: closed unanswered, Spring never sees it
		try (java.net.Socket socket = new java.net.Socket(LOOPBACK, this.webServer.getPort())) {
			socket.setSoTimeout(5000);
			socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			assertThat(socket.getInputStream().readAllBytes()).isEmpty();
		}
	}

	/** A GET with {@code lines} header lines: Host, then X-H-1 ... */
	private static byte[] manyLines(int lines) {
		StringBuilder b = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
		for (int i = 1; i < lines - 1; i++) {
			b.append("X-H-").append(i).append(": v").append(i).append("\r\n");
		}
		return b.append("Connection: close\r\n\r\n").toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
	}

	private String exchange(byte[] request) throws IOException {
		try (java.net.Socket socket = new java.net.Socket(LOOPBACK, this.webServer.getPort())) {
			socket.setSoTimeout(5000);
			socket.getOutputStream().write(request);
			return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
		}
	}

	/**
	 * A Spring handler sees every one of 150 short header lines through getHeaders() (they were
	 * answered 431 from 100 lines on); {@code server.mongoose.max-header-count} answers 431 past it.
	 */
	@Test
	void aHandlerSeesEveryOneOf150HeaderLinesAndMaxHeaderCountAnswers431() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		assertThat(factory.getMaxHeaderCount()).isEqualTo(io.github.reactormongoose.http.server.HttpServer.DEFAULT_MAX_HEADER_COUNT);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(response.bufferFactory()
				.wrap((request.getHeaders().size() + " " + request.getHeaders().getFirst("X-H-148"))
						.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))));
		this.webServer.start();
		assertThat(exchange(manyLines(150))).startsWith("HTTP/1.1 200").endsWith("\r\n150 v148");
		this.webServer.stop();
		factory.setMaxHeaderCount(20);
		this.webServer = factory.getWebServer(hello());
		this.webServer.start();
		assertThat(exchange(manyLines(20))).startsWith("HTTP/1.1 200");
		assertThat(exchange(manyLines(21))).startsWith("HTTP/1.1 431").endsWith("too many request headers (more than 20 lines)\n");
		assertThatThrownBy(() -> factory.setMaxHeaderCount(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> factory.setMaxHeaderCount(2001)).isInstanceOf(IllegalArgumentException.class);
	}

	/** {@code server.mongoose.max-initial-line-length}: 414 past it, with the JDK client. */
	@Test
	void maxInitialLineLengthAnswers414ToALongerRequestLine() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setMaxInitialLineLength(1024);
		this.webServer = factory.getWebServer(hello());
		this.webServer.start();
		HttpClient client = HttpClient.newHttpClient();
		assertThat(client.send(get("/q?x=" + "1".repeat(900)), HttpResponse.BodyHandlers.ofString()).statusCode())
			.isEqualTo(200);
		assertThat(client.send(get("/q?x=" + "1".repeat(1100)), HttpResponse.BodyHandlers.ofString()).statusCode())
			.isEqualTo(414);
		assertThatThrownBy(() -> factory.setMaxInitialLineLength(10)).isInstanceOf(IllegalArgumentException.class);
	}

	/** {@code server.mongoose.write-timeout}: a client that stops reading a large response is reset. */
	@Test
	void writeTimeoutResetsAClientThatStopsReading() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setWriteTimeout(Duration.ofSeconds(1));
		int size = 32 << 20;
		java.util.concurrent.CountDownLatch cut = new java.util.concurrent.CountDownLatch(1);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(
				Mono.fromSupplier(() -> response.bufferFactory().wrap(new byte[size]))).doOnError(e -> cut.countDown()));
		this.webServer.start();
		try (java.net.Socket socket = new java.net.Socket()) {
			socket.setReceiveBufferSize(16 * 1024);
			socket.connect(new java.net.InetSocketAddress(LOOPBACK, this.webServer.getPort()), 5000);
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
				.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			// the status line first, so that the stall is timed from a response under way (on a busy
			// machine the handler may start late), then nothing until the server gave up the
			// response (a fixed pause was too short on a loaded machine, whose poll thread was late)
			java.io.InputStream in = socket.getInputStream();
			byte[] status = in.readNBytes(12);
			assertThat(new String(status, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
			assertThat(cut.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the response failed at the server").isTrue();
			long received = status.length + io.github.reactormongoose.testing.RawHttp.countUntilClosed(in); // until the server's reset
			assertThat(received).isLessThan(size);
		}
		assertThatThrownBy(() -> factory.setWriteTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
	}

	/**
	 * A WebFlux body written as one buffer ({@code writeWith(Mono)}, as {@code bodyValue} does)
	 * is handed to each connection a slice at a time as its client reads: four clients stalled
	 * on one cached 16 MiB array hold a slice each of native memory, not four copies.
	 */
	@Test
	void aMonoBodyReachesSlowReadersASliceAtATime() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		byte[] report = new byte[16 << 20];
		new java.util.Random(7).nextBytes(report);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(
				Mono.fromSupplier(() -> response.bufferFactory().wrap(report))));
		this.webServer.start();
		long before = io.github.reactormongoose.internal.jni.NativeConstants.liveBytes();
		java.util.List<java.net.Socket> readers = new java.util.ArrayList<>();
		try {
			for (int i = 0; i < 4; i++) {
				java.net.Socket socket = new java.net.Socket();
				socket.setReceiveBufferSize(16 * 1024);
				socket.connect(new java.net.InetSocketAddress(LOOPBACK, this.webServer.getPort()), 5000);
				socket.setSoTimeout(10_000);
				socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
					.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
				readers.add(socket);
			}
			Thread.sleep(700); // the readers stall
			assertThat(io.github.reactormongoose.internal.jni.NativeConstants.liveBytes() - before)
				.as("native bytes held for 4 stalled readers of a 16 MiB body").isLessThan(6L << 20);
			for (java.net.Socket socket : readers) {
				byte[] all = socket.getInputStream().readAllBytes();
				assertThat(java.util.Arrays.copyOfRange(all, all.length - report.length, all.length)).isEqualTo(report);
				assertThat(new String(all, 0, 200, java.nio.charset.StandardCharsets.ISO_8859_1))
					.startsWith("HTTP/1.1 200").contains("Content-Length: " + report.length);
			}
		}
		finally {
			for (java.net.Socket socket : readers) {
				socket.close();
			}
		}
	}

	/**
	 * A body written with {@code writeAndFlushWith} (Server-Sent Events, streaming JSON) whose
	 * source emits at once is pulled only while the client takes the output: for a client that
	 * reads nothing, it stops after a few MiB and the loop serves its other connections. Each
	 * buffer was a send of its own, complete as soon as it was queued, so the poll thread pulled
	 * such a source without end into native memory (an endless {@code Flux.generate} SSE
	 * endpoint took the example application past 16 GB in half a minute, and nothing else on
	 * the loop was answered); Reactor Netty's send waits for the socket.
	 */
	@Test
	void aFlushedStreamStopsForAClientThatReadsNothing() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setLoops(1); // the stalled stream and the next request share the loop
		int items = 4096; // 64 MiB in 16 KiB buffers
		byte[] item = new byte[16 << 10];
		java.util.concurrent.atomic.AtomicInteger pulled = new java.util.concurrent.atomic.AtomicInteger();
		HttpHandler hello = hello();
		this.webServer = factory.getWebServer((request, response) -> !request.getPath().value().equals("/events")
				? hello.handle(request, response)
				: response.writeAndFlushWith(reactor.core.publisher.Flux.range(0, items)
						.doOnNext(i -> pulled.incrementAndGet())
						.map(i -> Mono.just(response.bufferFactory().wrap(item)))));
		this.webServer.start();
		try (java.net.Socket stalled = new java.net.Socket()) {
			stalled.setReceiveBufferSize(16 * 1024);
			stalled.connect(new java.net.InetSocketAddress(LOOPBACK, this.webServer.getPort()), 5000);
			stalled.setSoTimeout(10_000);
			stalled.getOutputStream().write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			assertThat(new String(stalled.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII))
					.isEqualTo("HTTP/1.1 200");
			// answered on the same loop: before, only once the whole source had been pulled
			HttpResponse<String> r = this.client.send(get("/hello"), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("hello");
			assertThat(pulled.get()).as("16 KiB buffers pulled for a client that reads nothing").isLessThan(items / 4);
		}
	}

	/**
	 * The same kind of body to a client that reads as fast as it comes: the loop still serves
	 * its other connections while it lasts. Each send was taken at once and completed at once,
	 * so the next was pulled without the loop polling: one client of such a stream (a large
	 * {@code Flux.fromIterable} as NDJSON, a generator as SSE) held the loop until the stream
	 * ended, and the other clients on it waited (5 s timeouts of a curl loop beside one fast
	 * curl of an endless {@code Flux.generate} SSE endpoint).
	 */
	@Test
	void aFlushedStreamToAFastReaderLetsTheLoopServeOthers() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setLoops(1);
		int items = 200_000;
		byte[] item = "{\"n\":1}\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		java.util.concurrent.atomic.AtomicInteger pulled = new java.util.concurrent.atomic.AtomicInteger();
		java.util.concurrent.atomic.AtomicInteger pulledWhenServed = new java.util.concurrent.atomic.AtomicInteger(-1);
		this.webServer = factory.getWebServer((request, response) -> {
			if (!request.getPath().value().equals("/stream")) {
				pulledWhenServed.set(pulled.get());
				return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
			}
			return response.writeAndFlushWith(reactor.core.publisher.Flux.range(0, items)
					.doOnNext(i -> pulled.incrementAndGet())
					.map(i -> Mono.just(response.bufferFactory().wrap(item))));
		});
		this.webServer.start();
		try (java.net.Socket fast = new java.net.Socket(LOOPBACK, this.webServer.getPort())) {
			fast.setSoTimeout(30_000);
			fast.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
					.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
				try {
					return io.github.reactormongoose.testing.RawHttp.countUntilClosed(fast.getInputStream());
				}
				catch (IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			});
			while (pulled.get() == 0) {
				Thread.onSpinWait();
			}
			HttpResponse<String> r = this.client.send(get("/hello"), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).isEqualTo("hello");
			// before, the loop took the next request only once the stream had ended
			assertThat(pulledWhenServed.get()).as("items pulled when the loop took another request").isLessThan(items / 2);
			assertThat(drained.get(60, TimeUnit.SECONDS)).isGreaterThan((long) items * item.length);
		}
	}

	@Test
	void maxKeepAliveRequestsClosesTheConnectionAfterItsLastRequest() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setMaxKeepAliveRequests(2);
		this.webServer = factory.getWebServer(hello());
		this.webServer.start();
		try (java.net.Socket socket = new java.net.Socket(LOOPBACK, this.webServer.getPort())) {
			socket.setSoTimeout(5000);
			java.io.OutputStream out = socket.getOutputStream();
			byte[] get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
			out.write(get);
			out.write(get);
			out.flush();
			// both answered on the one connection, the second with Connection: close, then EOF
			String all = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
			assertThat(all.split("HTTP/1.1 200", -1)).hasSize(3);
			assertThat(all.toLowerCase(java.util.Locale.ROOT)).containsOnlyOnce("connection: close");
		}
	}

	@Test
	void responsesCarryADateUnlessTurnedOffOrSetByTheApplication() throws Exception {
		HttpHandler handler = (request, response) -> {
			if (request.getPath().value().equals("/own")) {
				response.getHeaders().set("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
			}
			return response.writeWith(Mono.just(response.bufferFactory().wrap("hello".getBytes())));
		};
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		assertThat(factory.isDateHeader()).isTrue();
		this.webServer = factory.getWebServer(handler);
		this.webServer.start();
		long before = System.currentTimeMillis() / 1000 * 1000;
		HttpResponse<String> plain = this.client.send(get("/"), HttpResponse.BodyHandlers.ofString());
		List<String> dates = plain.headers().allValues("Date");
		assertThat(dates).hasSize(1);
		long sent = java.time.ZonedDateTime.parse(dates.get(0), java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
			.toInstant().toEpochMilli();
		assertThat(sent).isBetween(before, System.currentTimeMillis());
		assertThat(this.client.send(get("/own"), HttpResponse.BodyHandlers.ofString()).headers().allValues("Date"))
			.containsExactly("Thu, 01 Jan 2026 00:00:00 GMT");
		this.webServer.stop();

		factory.setDateHeader(false);
		this.webServer = factory.getWebServer(handler);
		this.webServer.start();
		HttpResponse<String> without = this.client.send(get("/"), HttpResponse.BodyHandlers.ofString());
		assertThat(without.body()).isEqualTo("hello");
		assertThat(without.headers().firstValue("Date")).isEmpty();
		assertThat(this.client.send(get("/own"), HttpResponse.BodyHandlers.ofString()).headers().allValues("Date"))
			.containsExactly("Thu, 01 Jan 2026 00:00:00 GMT");
	}

	@Test
	void pausedUntilStartedThenServesOnTheRealPort() throws Exception {
		WebServer server = create(hello(), Shutdown.IMMEDIATE);
		assertThat(server.getPort()).isEqualTo(-1);
		server.start();
		assertThat(server.getPort()).isPositive();
		server.start(); // idempotent
		HttpResponse<String> r = this.client.send(get("/"), HttpResponse.BodyHandlers.ofString());
		assertThat(r.body()).isEqualTo("hello");

		List<Thread> awaiting = serverAwaitThreads();
		assertThat(awaiting).isNotEmpty().allSatisfy(t -> assertThat(t.isDaemon()).isFalse());
		int port = server.getPort();
		server.stop();
		assertThat(server.getPort()).isEqualTo(-1);
		for (Thread t : awaiting) {
			t.join(5000);
			assertThat(t.isAlive()).isFalse();
		}
		// nothing listens any more
		assertThatThrownBy(() -> new java.net.Socket(LOOPBACK, port).close()).isInstanceOf(IOException.class);
	}

	@Test
	void portInUseIsReported() throws Exception {
		try (ServerSocket taken = new ServerSocket(0, 50, LOOPBACK)) {
			MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(taken.getLocalPort());
			factory.setAddress(LOOPBACK);
			WebServer server = factory.getWebServer(hello());
			assertThatThrownBy(server::start).isInstanceOfSatisfying(PortInUseException.class,
					ex -> assertThat(ex.getPort()).isEqualTo(taken.getLocalPort()));
			assertThat(server.getPort()).isEqualTo(-1);
		}
	}

	/**
	 * Without server.address the server listens on every address, IPv6 and IPv4, as Boot's
	 * Reactor Netty does: it bound 0.0.0.0, so IPv6 clients were refused after the switch.
	 */
	@Test
	void withoutAnAddressItListensOnIpv6AndIpv4() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		this.webServer = factory.getWebServer(hello());
		this.webServer.start();
		HttpClient client = HttpClient.newHttpClient();
		for (String host : List.of("127.0.0.1", "[::1]")) {
			if (host.equals("[::1]") && !MongooseReactiveWebServerFactory.wildcard().equals("::")) {
				continue; // a machine without IPv6: the wildcard is IPv4's
			}
			HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + this.webServer.getPort() + "/"))
					.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.body()).as(host).isEqualTo("hello");
		}
	}

	@Test
	void sslWithoutACertificateIsRefused() {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		factory.setSsl(ssl);
		assertThatThrownBy(() -> factory.getWebServer(hello())).isInstanceOf(WebServerException.class);
		ssl.setClientAuth(Ssl.ClientAuth.WANT);
		assertThatThrownBy(() -> factory.getWebServer(hello())).isInstanceOf(WebServerException.class);
	}

	/** server.ssl.certificate and certificate-private-key (PEM, as openssl makes them) serve HTTPS. */
	@Test
	void pemCertificateAndKeyServeHttps(@TempDir Path dir) throws Exception {
		Path cert = selfSigned(dir);
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setSsl(pemSsl(dir));
		this.webServer = factory.getWebServer(schemeAndSslInfo());
		this.webServer.start();
		assertThat(httpsGet(io.github.reactormongoose.testing.TestPki.trusting(cert))).isEqualTo("https true");
	}

	/**
	 * A TLS policy the built-in stack cannot keep fails the start with the reason, whether set
	 * as server.ssl.enabled-protocols / ciphers or as an SSL bundle's options: the server started
	 * and served TLS 1.3 with TLS_AES_128_GCM_SHA256 whatever the bundle allowed (a warning only
	 * for the properties). A policy that allows what the stack speaks starts.
	 */
	@Test
	void aTlsPolicyTheStackCannotKeepFailsTheStart(@TempDir Path dir) throws Exception {
		Path cert = selfSigned(dir);
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		Ssl ssl = pemSsl(dir);
		factory.setSsl(ssl);
		ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
		assertThatThrownBy(() -> factory.getWebServer(schemeAndSslInfo())).isInstanceOf(WebServerException.class)
			.hasMessageContaining("server.ssl.enabled-protocols allows the protocols [TLSv1.2], but reactor-mongoose speaks TLSv1.3 only");
		ssl.setEnabledProtocols(new String[] {"TLSv1.2", "TLSv1.3"});
		ssl.setCiphers(new String[] {"TLS_AES_256_GCM_SHA384"});
		assertThatThrownBy(() -> factory.getWebServer(schemeAndSslInfo())).isInstanceOf(WebServerException.class)
			.hasMessageContaining("TLS_AES_128_GCM_SHA256 only");
		// the same policy in a bundle's options
		ssl.setEnabledProtocols(null);
		ssl.setCiphers(null);
		ssl.setCertificate(null);
		ssl.setCertificatePrivateKey(null);
		ssl.setBundle("web");
		org.springframework.boot.ssl.SslStoreBundle stores = new org.springframework.boot.ssl.pem.PemSslStoreBundle(
				org.springframework.boot.ssl.pem.PemSslStoreDetails.forCertificate(cert.toUri().toString())
					.withPrivateKey(dir.resolve("key.pem").toUri().toString()), null);
		for (String[] protocols : List.of(new String[] {"TLSv1.2"}, new String[] {"TLSv1.3", "TLSv1.2"})) {
			factory.setSslBundles(new org.springframework.boot.ssl.DefaultSslBundleRegistry("web",
					org.springframework.boot.ssl.SslBundle.of(stores, org.springframework.boot.ssl.SslBundleKey.NONE,
							org.springframework.boot.ssl.SslOptions.of(null, protocols))));
			if (protocols.length == 1) {
				assertThatThrownBy(() -> factory.getWebServer(schemeAndSslInfo())).isInstanceOf(WebServerException.class)
					.hasMessageContaining("The SSL bundle's options allows the protocols [TLSv1.2]");
			}
			else {
				this.webServer = factory.getWebServer(schemeAndSslInfo());
				this.webServer.start();
				assertThat(httpsGet(io.github.reactormongoose.testing.TestPki.trusting(cert))).isEqualTo("https true");
			}
		}
	}

	/** A self-signed EC certificate for localhost made by openssl, {@code cert.pem} and {@code key.pem} in {@code dir}. */
	private static Path selfSigned(Path dir) throws Exception {
		Path cert = dir.resolve("cert.pem");
		Path key = dir.resolve("key.pem");
		Process p = new ProcessBuilder("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
				"ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
				"-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-addext",
				"basicConstraints=critical,CA:true").redirectErrorStream(true).start();
		p.getInputStream().readAllBytes();
		org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0,
				"openssl is not installed");
		return cert;
	}

	/** server.ssl with the certificate and key {@link #selfSigned} made in {@code dir}. */
	private static Ssl pemSsl(Path dir) {
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		ssl.setCertificate(dir.resolve("cert.pem").toUri().toString());
		ssl.setCertificatePrivateKey(dir.resolve("key.pem").toUri().toString());
		return ssl;
	}

	/** Answers with the request URI's scheme and whether it has an SslInfo: "https true". */
	private static HttpHandler schemeAndSslInfo() {
		return (request, response) -> response.writeWith(Mono.just(response.bufferFactory()
			.wrap((request.getURI().getScheme() + " " + (request.getSslInfo() != null)).getBytes())));
	}

	/** GET / of the started server over HTTPS with a new JDK client on {@code ctx}: the body. */
	private String httpsGet(SSLContext ctx) throws Exception {
		HttpClient https = HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1).build();
		return https.send(HttpRequest.newBuilder(URI.create("https://localhost:" + this.webServer.getPort() + "/")).build(),
				HttpResponse.BodyHandlers.ofString()).body();
	}

	/**
	 * The key store of Spring Boot's guides: an RSA key pair made by the JDK's keytool
	 * (server.ssl.key-store, key-store-password, key-alias) serves HTTPS, its handshake signed
	 * with RSA-PSS.
	 */
	@Test
	void anRsaKeyStoreMadeByKeytoolServesHttps(@TempDir Path dir) throws Exception {
		Path store = dir.resolve("keystore.p12");
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "tomcat", "-keyalg", "RSA", "-keysize",
				"2048", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-dname",
				"CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes());
		assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		ssl.setKeyStore(store.toUri().toString());
		ssl.setKeyStorePassword("changeit");
		ssl.setKeyStoreType("PKCS12");
		ssl.setKeyAlias("tomcat");
		factory.setSsl(ssl);
		this.webServer = factory.getWebServer(schemeAndSslInfo());
		this.webServer.start();
		KeyStore ks = KeyStore.getInstance("PKCS12");
		try (var in = Files.newInputStream(store)) {
			ks.load(in, "changeit".toCharArray());
		}
		SSLContext ctx = io.github.reactormongoose.testing.TestPki.trusting(ks.getCertificate("tomcat"));
		for (int i = 0; i < 3; i++) { // new clients, new handshakes
			assertThat(httpsGet(ctx)).isEqualTo("https true");
		}
	}

	/**
	 * server.ssl.client-auth=need: the client's certificate reaches the application as
	 * SslInfo.getPeerCertificates() (what Spring Security's x509() reads).
	 */
	@Test
	void clientAuthNeedGivesThePeerCertificatesToSslInfo(@TempDir Path dir) throws Exception {
		assertThat(clientAuth(dir, Ssl.ClientAuth.NEED, true)).isEqualTo("1 CN=alice");
	}

	/**
	 * server.ssl.client-auth=need: a client without a certificate is told why before the close
	 * (RFC 8446 4.4.2.4: the alert certificate_required); the JDK's client saw a broken pipe.
	 */
	@Test
	void clientAuthNeedTellsAClientWithoutACertificateWhy(@TempDir Path dir) {
		assertThatThrownBy(() -> clientAuth(dir, Ssl.ClientAuth.NEED, false))
				.isInstanceOf(java.io.IOException.class)
				.hasStackTraceContaining("Received fatal alert: certificate_required");
	}

	/** server.ssl.client-auth=want: a client with a certificate is named, one without is served too. */
	@Test
	void clientAuthWantServesClientsWithAndWithoutACertificate(@TempDir Path dir) throws Exception {
		assertThat(clientAuth(dir, Ssl.ClientAuth.WANT, true)).isEqualTo("1 CN=alice");
		this.webServer.stop();
		assertThat(clientAuth(dir.resolve("again"), Ssl.ClientAuth.WANT, false)).isEqualTo("none");
	}

	/** A server with that client-auth; what a client (with alice's certificate or none) is told. */
	private String clientAuth(Path dir, Ssl.ClientAuth auth, boolean withCertificate) throws Exception {
		io.github.reactormongoose.testing.TestPki pki = io.github.reactormongoose.testing.TestPki.root(dir, "Spring mTLS CA");
		io.github.reactormongoose.testing.TestPki.Issued serverCert = pki.server("localhost",
				io.github.reactormongoose.testing.TestPki.KeyType.EC_P256);
		io.github.reactormongoose.testing.TestPki.Issued client = pki.client("alice",
				io.github.reactormongoose.testing.TestPki.KeyType.EC_P256);
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		Ssl ssl = new Ssl();
		ssl.setEnabled(true);
		ssl.setCertificate(serverCert.chain().toUri().toString());
		ssl.setCertificatePrivateKey(serverCert.key().toUri().toString());
		ssl.setTrustCertificate(pki.ca().toUri().toString());
		ssl.setClientAuth(auth);
		factory.setSsl(ssl);
		this.webServer = factory.getWebServer((request, response) -> {
			java.security.cert.X509Certificate[] peer = request.getSslInfo() != null
					? request.getSslInfo().getPeerCertificates() : null;
			String who = peer == null ? "none" : peer.length + " " + peer[0].getSubjectX500Principal();
			return response.writeWith(Mono.just(response.bufferFactory().wrap(who.getBytes())));
		});
		this.webServer.start();
		return httpsGet(withCertificate ? io.github.reactormongoose.testing.TestPki.presenting(client, pki.ca())
				: io.github.reactormongoose.testing.TestPki.trusting(pki.ca()));
	}

	@Test
	void immediateShutdownReportsImmediate() throws Exception {
		WebServer server = create(hello(), Shutdown.IMMEDIATE);
		server.start();
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IMMEDIATE);
	}

	@Test
	void gracefulShutdownLetsTheActiveRequestFinish() throws Exception {
		CountDownLatch inHandler = new CountDownLatch(1);
		reactor.core.publisher.Sinks.Empty<Void> release = reactor.core.publisher.Sinks.empty();
		WebServer server = create((request, response) -> {
			inHandler.countDown();
			return release.asMono()
					.then(response.writeWith(Mono.just(response.bufferFactory().wrap("slow".getBytes()))));
		}, Shutdown.GRACEFUL);
		server.start();
		int port = server.getPort();
		CompletableFuture<HttpResponse<String>> inFlight = this.client.sendAsync(get("/slow"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(inHandler.await(5, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		// no new connections while draining (the listener closes on its poll thread: wait for it)
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		boolean refused = false;
		while (!refused && System.nanoTime() < deadline) {
			try {
				new java.net.Socket(LOOPBACK, port).close();
				Thread.sleep(20); // polling for the listener's close, not synchronising
			}
			catch (IOException expected) {
				refused = true;
			}
		}
		assertThat(refused).as("new connections refused while draining").isTrue();
		assertThat(result).as("still waiting for the active request").isNotDone();

		release.tryEmitEmpty();
		assertThat(inFlight.get(5, TimeUnit.SECONDS).body()).isEqualTo("slow");
		assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
	}

	/**
	 * A graceful shutdown closes an open WebSocket session with 1001 at once, and once its
	 * client has answered the close and gone, Boot is told {@code IDLE}: the session does not
	 * hold the shutdown phase to its timeout, as it does on Reactor Netty (spring-boot.md).
	 */
	@Test
	void gracefulShutdownClosesAWebSocketSessionWith1001AndEndsIdle() throws Exception {
		CountDownLatch open = new CountDownLatch(1);
		org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService service =
				new org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService(
						new io.github.reactormongoose.spring.websocket.MongooseRequestUpgradeStrategy());
		WebServer server = create(org.springframework.web.server.adapter.WebHttpHandlerBuilder
			.webHandler(exchange -> service.handleRequest(exchange, session -> {
				open.countDown();
				return session.receive().then();
			}))
			.build(), Shutdown.GRACEFUL);
		server.start();
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		try (io.github.reactormongoose.testing.RawWebSocket ws = io.github.reactormongoose.testing.RawWebSocket
			.connect(server.getPort(), "/ws")) {
			assertThat(open.await(5, TimeUnit.SECONDS)).isTrue();
			ws.soTimeout(3_000);
			server.shutDownGracefully(result::complete);
			io.github.reactormongoose.testing.RawWebSocket.Frame close = ws.read();
			assertThat(close.opcode()).isEqualTo(io.github.reactormongoose.testing.RawWebSocket.CLOSE);
			assertThat(close.closeCode()).isEqualTo(1001);
			assertThat(result).as("the session is open until its client answers").isNotDone();
			ws.send(true, io.github.reactormongoose.testing.RawWebSocket.CLOSE,
					io.github.reactormongoose.testing.RawWebSocket.closePayload(1001, ""));
			assertThat(ws.isClosedByPeer()).isTrue();
		}
		assertThat(result.get(2, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
	}

	@Test
	void stopAbortsAGracefulShutdownThatWaitsForever() throws Exception {
		CountDownLatch inHandler = new CountDownLatch(1);
		WebServer server = create((request, response) -> {
			inHandler.countDown();
			return Mono.never();
		}, Shutdown.GRACEFUL);
		server.start();
		CompletableFuture<HttpResponse<String>> inFlight = this.client.sendAsync(get("/never"),
				HttpResponse.BodyHandlers.ofString());
		assertThat(inHandler.await(5, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		Thread.sleep(300);
		assertThat(result).isNotDone();
		long t0 = System.nanoTime();
		server.stop();
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
		assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.REQUESTS_ACTIVE);
		assertThatThrownBy(() -> inFlight.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
				.hasCauseInstanceOf(IOException.class);
	}

	/** Answers the request's URI, remote host and the X-Forwarded-* headers it still sees. */
	private WebServer forwarding(boolean useForwardHeaders) {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setUseForwardHeaders(useForwardHeaders);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(response
			.bufferFactory().wrap((request.getURI() + " " + request.getRemoteAddress().getHostString() + " "
					+ request.getHeaders().containsHeader("X-Forwarded-Proto")).getBytes()))));
		this.webServer.start();
		return this.webServer;
	}

	private String send(HttpRequest.Builder request) throws Exception {
		return this.client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
	}

	/** server.forward-headers-strategy=native: X-Forwarded-* and Forwarded decide URI, scheme and client. */
	@Test
	void forwardedHeadersDecideTheUriWhenAsked() throws Exception {
		int port = forwarding(true).getPort();
		URI uri = URI.create("http://127.0.0.1:" + port + "/orders?id=7");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-Proto", "https")
				.header("X-Forwarded-Host", "shop.example.com").header("X-Forwarded-Port", "443")
				.header("X-Forwarded-For", "203.0.113.7, 10.0.0.2")))
			.isEqualTo("https://shop.example.com/orders?id=7 203.0.113.7 false");
		assertThat(send(HttpRequest.newBuilder(uri).header("Forwarded", "for=198.51.100.1;proto=https;host=api.example.org")))
			.isEqualTo("https://api.example.org/orders?id=7 198.51.100.1 false");
		// no such header: the request as it came
		assertThat(send(HttpRequest.newBuilder(uri))).isEqualTo("http://127.0.0.1:" + port + "/orders?id=7 127.0.0.1 false");
	}

	/**
	 * native: a forwarded client that is an IP address is a resolved address, with the port a
	 * proxy gave it (X-Forwarded-For "ip:port", as Azure's gateway sends it), as Reactor Netty's
	 * native handling gives; Spring's transformer alone made "1.2.3.4:5555" an unresolved host.
	 */
	@Test
	void aForwardedClientAddressIsResolvedWithItsPort() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setUseForwardHeaders(true);
		this.webServer = factory.getWebServer((request, response) -> {
			java.net.InetSocketAddress remote = request.getRemoteAddress();
			String answer = remote.getAddress() == null ? "unresolved " + remote.getHostString()
					: remote.getAddress().getHostAddress() + " " + remote.getPort();
			return response.writeWith(Mono.just(response.bufferFactory().wrap(answer.getBytes())));
		});
		this.webServer.start();
		URI uri = URI.create("http://127.0.0.1:" + this.webServer.getPort() + "/x");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "198.51.100.4:5555, 10.0.0.2")))
			.isEqualTo("198.51.100.4 5555");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "[2001:db8::1]:4711")))
			.isEqualTo("2001:db8:0:0:0:0:0:1 4711");
		assertThat(send(HttpRequest.newBuilder(uri).header("Forwarded", "for=\"[2001:db8::2]:80\"")))
			.isEqualTo("2001:db8:0:0:0:0:0:2 80");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "2001:db8::3")))
			.startsWith("2001:db8:0:0:0:0:0:3 ");
		assertThat(send(HttpRequest.newBuilder(uri).header("Forwarded", "for=203.0.113.7")))
			.startsWith("203.0.113.7 ");
		// not an address: left as Spring made it, nothing is looked up
		assertThat(send(HttpRequest.newBuilder(uri).header("Forwarded", "for=_hidden"))).isEqualTo("unresolved _hidden");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "unknown"))).isEqualTo("unresolved unknown");
		assertThat(send(HttpRequest.newBuilder(uri).header("X-Forwarded-For", "999.1.1.1:80")))
			.isEqualTo("unresolved [999.1.1.1:80]");
	}

	/**
	 * native: the server's own forwarded(true) gives the client, so the access log shows the
	 * forwarded client, as Reactor Netty's does (it showed the proxy's address); the URI is still
	 * Spring's transformer's, and what the connection is stays the connection's: no SslInfo over
	 * plain HTTP for a forwarded https, the socket's local address.
	 */
	@Test
	void theForwardedClientIsTheServersOwnAndTheAccessLogShowsIt() throws Exception {
		try (io.github.reactormongoose.testing.LogCapture log =
				io.github.reactormongoose.testing.LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
			factory.setAddress(LOOPBACK);
			factory.setUseForwardHeaders(true);
			factory.setAccessLog(true);
			this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(response
				.bufferFactory().wrap((request.getURI() + " " + request.getRemoteAddress().getAddress().getHostAddress()
						+ ":" + request.getRemoteAddress().getPort() + " " + request.getSslInfo() + " "
						+ request.getLocalAddress().getPort()).getBytes()))));
			this.webServer.start();
			int port = this.webServer.getPort();
			assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
					.header("X-Forwarded-For", "203.0.113.7:5555").header("X-Forwarded-Proto", "https")
					.header("X-Forwarded-Host", "shop.example.com")))
				.isEqualTo("https://shop.example.com/x 203.0.113.7:5555 null " + port);
			long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
			while (log.lines().isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(10); // the line is written once the response is out
			}
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).startsWith("203.0.113.7 - - ["));
		}
	}

	/**
	 * A forwarded client that is the connection's own address (a proxy on the same host, the
	 * client's port unknown) is an IP address too: resolved, as any other, not Spring's
	 * unresolved result (whose getAddress() is null).
	 */
	@Test
	void aForwardedClientEqualToTheConnectionsIsResolvedToo() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setUseForwardHeaders(true);
		this.webServer = factory.getWebServer((request, response) -> response.writeWith(Mono.just(response
			.bufferFactory().wrap((request.getRemoteAddress().isUnresolved() + " "
					+ request.getRemoteAddress().getHostString()).getBytes()))));
		this.webServer.start();
		int port = this.webServer.getPort();
		assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
				.header("X-Forwarded-For", "127.0.0.1"))).isEqualTo("false 127.0.0.1");
	}

	/** Malformed forwarded headers get 400, as Spring's HttpWebHandlerAdapter answers for the framework strategy. */
	@Test
	void malformedForwardedHeadersAreABadRequest() throws Exception {
		int port = forwarding(true).getPort();
		URI uri = URI.create("http://127.0.0.1:" + port + "/x");
		for (String[] h : new String[][] {{"X-Forwarded-Host", "a b"}, {"X-Forwarded-Port", "eighty"},
				{"Forwarded", "host=\"[::1\""}}) {
			HttpResponse<String> r = this.client.send(HttpRequest.newBuilder(uri).header(h[0], h[1])
					.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).as(h[0] + ": " + h[1]).isEqualTo(400);
		}
		// the connection and the server are fine afterwards
		assertThat(send(HttpRequest.newBuilder(uri))).startsWith("http://127.0.0.1:" + port + "/x");
	}

	/** A WebSocket upgrade still works on the request the forwarded headers rewrote. */
	@Test
	void aWebSocketUpgradeSeesTheForwardedUri() throws Exception {
		MongooseReactiveWebServerFactory factory = new MongooseReactiveWebServerFactory(0);
		factory.setAddress(LOOPBACK);
		factory.setUseForwardHeaders(true);
		org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService service =
				new org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService(
						new io.github.reactormongoose.spring.websocket.MongooseRequestUpgradeStrategy());
		this.webServer = factory.getWebServer(org.springframework.web.server.adapter.WebHttpHandlerBuilder
			.webHandler(exchange -> service.handleRequest(exchange, session -> session.send(Mono.just(session
				.textMessage(session.getHandshakeInfo().getUri() + " " + session.getHandshakeInfo().getRemoteAddress()
					.getHostString())))))
			.build());
		this.webServer.start();
		java.util.concurrent.CompletableFuture<String> text = new java.util.concurrent.CompletableFuture<>();
		java.net.http.WebSocket ws = this.client.newWebSocketBuilder()
			.header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "chat.example.com")
			.header("X-Forwarded-For", "203.0.113.9")
			.buildAsync(URI.create("ws://127.0.0.1:" + this.webServer.getPort() + "/chat"), new java.net.http.WebSocket.Listener() {
				@Override
				public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket webSocket, CharSequence data,
						boolean last) {
					text.complete(data.toString());
					return null;
				}
			})
			.get(10, TimeUnit.SECONDS);
		assertThat(text.get(10, TimeUnit.SECONDS)).isEqualTo("https://chat.example.com/chat 203.0.113.9");
		ws.abort();
	}

	/** Off (the default), a client's X-Forwarded-* headers change nothing. */
	@Test
	void forwardedHeadersAreIgnoredByDefault() throws Exception {
		int port = forwarding(false).getPort();
		assertThat(send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x"))
				.header("X-Forwarded-Proto", "https").header("X-Forwarded-Host", "evil.example")
				.header("X-Forwarded-For", "203.0.113.7")))
			.isEqualTo("http://127.0.0.1:" + port + "/x 127.0.0.1 true");
	}

	/**
	 * nginx (Debian's package) as the reverse proxy in front, as one that terminates TLS would be
	 * configured: the original scheme, host and client, and the prefix it strips.
	 */
	@Test
	void behindNginxTheApplicationSeesTheProxysUri(@TempDir Path dir) throws Exception {
		Nginx.assumeInstalled("MongooseWebServerTest.behindNginxTheApplicationSeesTheProxysUri");
		int backend = forwarding(true).getPort();
		int front = Nginx.freePort();
		try (Nginx nginx = Nginx.start(dir, List.of("  server {", "    listen 127.0.0.1:" + front + ";",
				"    location /shop/ {", "      proxy_pass http://127.0.0.1:" + backend + "/;",
				"      proxy_set_header Host $host;", "      proxy_set_header X-Forwarded-Proto https;",
				"      proxy_set_header X-Forwarded-For 192.0.2.44;", "      proxy_set_header X-Forwarded-Prefix /shop;",
				"      proxy_http_version 1.1;", "    }", "  }"),
				front)) {
			assertThat(send(HttpRequest.newBuilder(URI.create("http://localhost:" + front + "/shop/cart?step=2"))))
				.isEqualTo("https://localhost/shop/cart?step=2 192.0.2.44 false");
		}
	}
}
