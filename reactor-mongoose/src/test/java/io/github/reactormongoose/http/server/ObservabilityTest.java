/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.GlobalMeters;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

/** Micrometer metrics and the access log of the HTTP server, over real sockets. */
class ObservabilityTest extends BaseHttpTest {

	@RegisterExtension
	final GlobalMeters meters = new GlobalMeters();

	private DisposableServer server(HttpServer s) {
		return bind(s.route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("Hello, World!")))
				.post("/echo", (req, res) -> res.sendString(req.receiveString()))
				.get("/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))
				.get("/users/{id}", (req, res) -> res.sendString(Mono.just("user " + req.param("id"))))));
	}

	private static int status(RawHttp c, String request) throws Exception {
		c.write(request);
		return c.read().status();
	}

	/**
	 * A metrics recorder that throws (here the loop's poll-events summary of an application's
	 * registry, with a JVM error as an {@code OutOfMemoryError} in a histogram would be) is
	 * logged; the loop goes on serving. It was called outside any guard, so the error ended the
	 * poll thread: every connection of the loop closed and the port refused new ones.
	 */
	@Test
	void aMetricsRecorderThatThrowsLeavesTheLoopServing() throws Exception {
		java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
		io.micrometer.core.instrument.simple.SimpleMeterRegistry failing = new io.micrometer.core.instrument.simple.SimpleMeterRegistry() {
			@Override
			protected DistributionSummary newDistributionSummary(io.micrometer.core.instrument.Meter.Id id,
					io.micrometer.core.instrument.distribution.DistributionStatisticConfig config, double scale) {
				DistributionSummary real = super.newDistributionSummary(id, config, scale);
				return DistributionSummary.class.cast(java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
						new Class<?>[] { DistributionSummary.class }, (proxy, method, args) -> {
							if (method.getName().equals("record") && armed.getAndSet(false)) {
								throw new OutOfMemoryError("thrown: by a metrics recorder");
							}
							try {
								return method.invoke(real, args);
							}
							catch (java.lang.reflect.InvocationTargetException e) {
								throw e.getCause();
							}
						}));
			}
		};
		io.micrometer.core.instrument.Metrics.addRegistry(failing);
		try {
			DisposableServer s = server(HttpServer.create().metrics(true).loopName("metered-failing").loops(1));
			try (RawHttp c = RawHttp.connect(s.port())) {
				assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
				armed.set(true);
				long deadline = System.nanoTime() + TIMEOUT.toNanos();
				while (armed.get() && System.nanoTime() < deadline) {
					Thread.onSpinWait(); // the next iteration of the loop records, and throws
				}
				assertThat(armed).as("the recorder was called").isFalse();
				assertThat(status(c, RawHttp.get("/hello"))).as("the same connection").isEqualTo(200);
			}
			try (RawHttp c = RawHttp.connect(s.port())) {
				assertThat(status(c, RawHttp.get("/hello"))).as("a new connection").isEqualTo(200);
			}
		}
		finally {
			io.micrometer.core.instrument.Metrics.removeRegistry(failing);
			failing.close();
		}
	}

	/**
	 * A disposed server's gauges go, so a server bound later on the same address counts its own
	 * connections (Micrometer would otherwise hand it the old gauge, reading the old server);
	 * a loop's meters go with the loop.
	 */
	@Test
	void gaugesOfADisposedServerAndLoopGoAndARebindCountsItsOwn() throws Exception {
		DisposableServer first = HttpServer.create().metrics(true).loopName("metered-first")
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("1")))).bindNow(TIMEOUT);
		int port = first.port();
		String address = "127.0.0.1:" + port;
		assertThat(meters.registry().find("reactor.mongoose.loop.pending.tasks").tag("loop", "metered-first").gauge())
				.isNotNull();
		first.disposeNow(TIMEOUT);
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while ((meters.registry().find("reactor.mongoose.http.server.connections.total").tag("local.address", address)
				.gauge() != null || meters.registry().find("reactor.mongoose.loop.pending.tasks").tag("loop", "metered-first")
						.gauge() != null) && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(meters.registry().find("reactor.mongoose.http.server.connections.total").tag("local.address", address)
				.gauge()).isNull();
		assertThat(meters.registry().find("reactor.mongoose.http.server.connections.active").tag("local.address", address)
				.gauge()).isNull();
		assertThat(meters.registry().find("reactor.mongoose.loop.poll.time").tag("loop", "metered-first").timer()).isNull();
		DisposableServer second = server(HttpServer.create().metrics(true).port(port));
		assertThat(second.port()).isEqualTo(port);
		try (RawHttp c = RawHttp.connect(port)) {
			assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
			assertThat(meters.registry().get("reactor.mongoose.http.server.connections.total").tag("local.address", address)
					.gauge().value()).isEqualTo(1.0);
		}
	}

	@Test
	void meteredServerRecordsConnectionsExchangesErrorsAndLoops() throws Exception {
		DisposableServer server = server(HttpServer.create().metrics(true));
		String address = "127.0.0.1:" + server.port();
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
			assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
			c.write(RawHttp.request("POST", "/echo", "0123456789".getBytes()));
			assertThat(c.read().bodyString()).isEqualTo("0123456789");
			// a chunked body streams: its bytes count as they arrive
			c.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("hello");
			assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
			assertThat(status(c, RawHttp.get("/nothing-here"))).isEqualTo(404);
			assertThat(meters.registry().get("reactor.mongoose.http.server.connections.total").tag("local.address", address)
					.gauge().value()).isEqualTo(1.0);
		}
		Timer hello = meters.registry().get("reactor.mongoose.http.server.response.time")
				.tags("uri", "/hello", "method", "GET", "status", "200").timer();
		assertThat(hello.count()).isEqualTo(2);
		DistributionSummary sent = meters.registry().get("reactor.mongoose.http.server.data.sent")
				.tags("uri", "/hello", "method", "GET", "status", "200").summary();
		assertThat(sent.totalAmount()).isEqualTo(26.0); // 2 x 13 bytes
		assertThat(meters.registry().get("reactor.mongoose.http.server.data.received").tags("uri", "/echo", "method", "POST")
				.summary().totalAmount()).isEqualTo(15.0);
		assertThat(meters.registry().get("reactor.mongoose.http.server.errors").tags("uri", "/fail", "method", "GET").counter()
				.count()).isEqualTo(1.0);
		assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tags("uri", "/nothing-here", "status", "404")
				.timer().count()).isEqualTo(1);
		// the connection's close is seen by the loop shortly after the client's
		meters.awaitGauge("reactor.mongoose.http.server.connections.total", "local.address", address, 0.0);
		assertThat(meters.registry().get("reactor.mongoose.http.server.connections.active").tag("local.address", address).gauge()
				.value()).isEqualTo(0.0);
		assertThat(meters.registry().get("reactor.mongoose.loop.poll.events").summaries()).isNotEmpty();
		assertThat(meters.registry().get("reactor.mongoose.loop.poll.events").summaries().stream()
				.mapToLong(DistributionSummary::count).sum()).isPositive();
		assertThat(meters.registry().get("reactor.mongoose.loop.pending.tasks").gauges()).isNotEmpty();
		assertThat(meters.registry().get("reactor.mongoose.native.allocations").gauge().value()).isGreaterThan(0.0);
	}

	@Test
	void uriTagsComeFromTheMappingAndAreBounded() throws Exception {
		DisposableServer server = server(HttpServer.create()
				.metrics(true, path -> path.startsWith("/users/") ? "/users/{id}" : path));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (int i = 0; i < 3; i++) {
				assertThat(status(c, RawHttp.get("/users/" + i))).isEqualTo(200);
			}
			for (int i = 0; i < 120; i++) {
				assertThat(status(c, RawHttp.get("/random-" + i))).isEqualTo(404);
			}
		}
		assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("uri", "/users/{id}").timer().count())
				.isEqualTo(3);
		// meters of earlier tests' servers are in the global registry too, with nothing recorded here
		long uris = meters.registry().get("reactor.mongoose.http.server.response.time").timers().stream()
				.filter(t -> t.count() > 0).map(t -> t.getId().getTag("uri")).distinct().count();
		assertThat(uris).as("distinct uri tags").isLessThanOrEqualTo(101);
		assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("uri", "OTHER").timer().count())
				.isPositive();
	}

	/**
	 * A uri tag function that returns null or throws does not touch the exchange (it was left
	 * unanswered): the request is answered, recorded under its path (within the tags' bound)
	 * and one WARN per failure says so, as Reactor Netty's "Exception caught while recording metrics".
	 */
	@Test
	void aFailingUriTagFunctionNeitherHangsTheExchangeNorStopsTheMeters() throws Exception {
		try (LogCapture log = LogCapture.of("io.github.reactormongoose.internal.metrics.HttpServerMetrics")) {
			DisposableServer server = server(HttpServer.create().metrics(true, path -> {
				if (path.equals("/fail")) {
					throw new IllegalArgumentException("mapper bug");
				}
				return path.startsWith("/users/") ? null : path; // a map lookup that misses
			}));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(c.write(RawHttp.get("/users/7")).read().bodyString()).isEqualTo("user 7");
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500); // the handler's error, counted too
				assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
			}
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time")
					.tags("uri", "/users/7", "method", "GET", "status", "200").timer().count()).isEqualTo(1);
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time")
					.tags("uri", "/fail", "method", "GET", "status", "500").timer().count()).isEqualTo(1);
			assertThat(meters.registry().get("reactor.mongoose.http.server.errors").tags("uri", "/fail", "method", "GET")
					.counter().count()).isEqualTo(1.0);
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time")
					.tags("uri", "/hello", "method", "GET", "status", "200").timer().count()).isEqualTo(1);
			assertThat(log.levels()).containsOnly("warn").hasSize(3); // /users/7, the error and the end of /fail
			assertThat(log.lines()).allSatisfy(l -> assertThat(l).startsWith("Exception caught while recording metrics"));
		}
	}

	@Test
	void methodsOutsideTheStandardOnesShareOneTag() throws Exception {
		// a client may send any token as the method: 300 random ones were 300 time series
		DisposableServer server = server(HttpServer.create().metrics(true));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (int i = 0; i < 300; i++) {
				status(c, "X" + i + "SCAN /hello HTTP/1.1\r\nHost: x\r\n\r\n");
			}
			assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
		}
		long methods = meters.registry().get("reactor.mongoose.http.server.response.time").timers().stream()
				.filter(t -> t.count() > 0).map(t -> t.getId().getTag("method")).distinct().count();
		assertThat(methods).as("distinct method tags").isLessThanOrEqualTo(2);
		assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("method", "UNKNOWN")
				.tag("uri", "/hello").timer().count()).isEqualTo(300);
	}

	@Test
	void aClientThatLeavesIsNeitherAnErrorNorA200() throws Exception {
		// the client closes while the response streams (the handler's send fails: not the
		// handler's error) and before a slow response started (nothing was sent: not a 200)
		List<String> lines = new CopyOnWriteArrayList<>();
		Loggers.useCustomLoggers(name -> name.equals("reactor.mongoose.http.server.AccessLog")
				? new CapturingLogger(name, lines) : new CapturingLogger(name, new CopyOnWriteArrayList<>()));
		try {
			DisposableServer server = bind(HttpServer.create().metrics(true).accessLog(true).route(r -> r
					.get("/stream", (req, res) -> res.sendString(reactor.core.publisher.Flux.interval(java.time.Duration.ofMillis(5))
							.map(i -> "tick " + i + "\n")))
					.get("/slow", (req, res) -> Mono.delay(java.time.Duration.ofMillis(500)).then(res.sendString(Mono.just("late"))))));
			for (String path : new String[] {"/stream", "/slow"}) {
				try (RawHttp c = RawHttp.connect(server.port())) {
					c.write(RawHttp.get(path));
					Thread.sleep(150);
				}
			}
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (lines.size() < 2 && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			Thread.sleep(600); // the slow handler's end, after its client left
			assertThat(meters.registry().find("reactor.mongoose.http.server.errors").counters().stream()
					.mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).as("errors").isZero();
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("uri", "/stream")
					.tag("status", "200").timer().count()).as("the stream's head went out").isEqualTo(1);
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("uri", "/slow")
					.tag("status", "499").timer().count()).isEqualTo(1);
			assertThat(meters.registry().find("reactor.mongoose.http.server.response.time").tag("uri", "/slow")
					.tag("status", "200").timer()).isNull();
			assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"GET /slow HTTP/1.1\" 499 "));
		}
		finally {
			Loggers.resetLoggerFactory();
		}
	}

	/**
	 * A streamed body the server refuses past {@code maxRequestBodySize} is answered 413 by the
	 * native side: the metrics and the access log record the 413 that was sent, not 499 (no
	 * response of the handler's went out), and its body's bytes (they counted none).
	 */
	@Test
	void aBodyRefusedWith413IsRecordedWith413() throws Exception {
		List<String> lines = new CopyOnWriteArrayList<>();
		Loggers.useCustomLoggers(name -> name.equals("reactor.mongoose.http.server.AccessLog")
				? new CapturingLogger(name, lines) : new CapturingLogger(name, new CopyOnWriteArrayList<>()));
		try {
			DisposableServer server = bind(HttpServer.create().metrics(true).accessLog(true).maxRequestBodySize(100_000)
					.route(r -> r.post("/count", (req, res) -> res.sendString(req.receive().map(java.nio.ByteBuffer::remaining)
							.reduce(0, Integer::sum).map(String::valueOf)))));
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
				byte[] chunk = new byte[10_000];
				String size = Integer.toHexString(chunk.length) + "\r\n";
				for (int i = 0; i < 20; i++) {
					c.write(size);
					c.write(chunk);
					c.write("\r\n");
				}
				assertThat(c.readHead().status()).isEqualTo(413);
			}
			catch (java.net.SocketException e) {
				// the server may have closed while we still sent: its 413 is checked below
			}
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (lines.isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			// with the body the native side sent with it ("request body too large\n")
			assertThat(lines).singleElement().satisfies(l -> assertThat(l).contains("\"POST /count HTTP/1.1\" 413 23 "));
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tag("uri", "/count")
					.tag("status", "413").timer().count()).isEqualTo(1);
			assertThat(meters.registry().get("reactor.mongoose.http.server.data.sent").tag("uri", "/count")
					.tag("status", "413").summary().totalAmount()).isEqualTo(23.0);
		}
		finally {
			Loggers.resetLoggerFactory();
		}
	}

	@Test
	void withoutMetricsNothingIsRegistered() throws Exception {
		DisposableServer server = server(HttpServer.create());
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
		}
		// (meters of earlier tests' servers are in the global registry, with nothing recorded here)
		assertThat(meters.registry().find("reactor.mongoose.http.server.response.time").timers())
				.allSatisfy(t -> assertThat(t.count()).isZero());
	}

	@Test
	void accessLogWritesOneCommonLogFormatLinePerExchangeWithEscapedRequestText() throws Exception {
		List<String> lines = new CopyOnWriteArrayList<>();
		Loggers.useCustomLoggers(name -> name.equals("reactor.mongoose.http.server.AccessLog")
				? new CapturingLogger(name, lines) : new CapturingLogger(name, new CopyOnWriteArrayList<>()));
		try {
			DisposableServer server = server(HttpServer.create().accessLog(true));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/hello?a=%22x%22"))).isEqualTo(200);
				assertThat(status(c, RawHttp.get("/nothing"))).isEqualTo(404);
			}
			assertThat(lines).hasSize(2);
			assertThat(lines.get(0)).matches("127\\.0\\.0\\.1 - - \\[\\d{2}/\\w{3}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\] "
					+ "\"GET /hello\\?a=%22x%22 HTTP/1\\.1\" 200 13 \\d+\\.\\d{3} ms");
			assertThat(lines.get(1)).contains("\"GET /nothing HTTP/1.1\" 404 - ");
		}
		finally {
			Loggers.resetLoggerFactory();
		}
	}

	/**
	 * A request the native side refuses before any handler sees it is in the access log, with
	 * its method, target and protocol as far as they arrived, the status and the bytes of the
	 * answer's body (as Reactor Netty logs the requests its decoder refuses). It had no line:
	 * an operator saw nothing of a flood of malformed or oversized requests. A custom format
	 * gets them too.
	 */
	@Test
	void requestsRefusedBeforeAnyHandlerAreInTheAccessLog() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			DisposableServer server = bind(HttpServer.create().accessLog(true).maxHeaderSize(1024).maxRequestBodySize(10)
					.requestHeaderTimeout(java.time.Duration.ofMillis(300))
					.httpRequestDecoder(spec -> spec.maxInitialLineLength(256))
					.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
			String[] requests = {
					"GET /big HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n",
					"GET /" + "l".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n",
					"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
					"GET /bad\u0001path HTTP/1.1\r\nHost: x\r\n\r\n",
					"GET /slow HTTP/1.1\r\nHost: x\r\n"}; // the head never ends: 408
			int[] statuses = new int[requests.length];
			for (int i = 0; i < requests.length; i++) {
				try (RawHttp c = RawHttp.connect(server.port()).soTimeout(5_000)) {
					c.write(requests[i]);
					statuses[i] = c.read().status();
				}
			}
			assertThat(statuses).containsExactly(431, 414, 413, 400, 408);
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (log.lines().size() < requests.length && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(log.lines()).hasSize(requests.length);
			assertThat(log.lines().get(0)).startsWith("127.0.0.1 - - [").contains("] \"GET /big HTTP/1.1\" 431 ");
			assertThat(log.lines().get(1)).contains("\"GET /" + "l".repeat(300) + " HTTP/1.1\" 414 ");
			assertThat(log.lines().get(2)).contains("\"POST /upload HTTP/1.1\" 413 23 ");
			assertThat(log.lines().get(3)).contains(" 400 ");
			assertThat(log.lines().get(4)).contains("\"GET /slow HTTP/1.1\" 408 ");
			// a format of one's own sees them too; a request that is answered keeps its own line
			DisposableServer own = bind(HttpServer.create().maxHeaderSize(1024).accessLog(true,
					a -> "own " + a.method() + " " + a.uri() + " " + a.status() + " " + a.responseHeader("Connection")));
			try (RawHttp c = RawHttp.connect(own.port()).soTimeout(5_000)) {
				c.write(requests[0]);
				assertThat(c.read().status()).isEqualTo(431);
			}
			deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (log.lines().size() < requests.length + 1 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(log.lines()).last().isEqualTo("own GET /big 431 close");
		}
	}

	/** A format of one's own: JSON lines, health checks left out, a format's newline escaped, a failing format. */
	@Test
	void accessLogWithAFormatOfOnesOwnFiltersAndFormats() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			List<String> lines = log.lines();
			DisposableServer server = server(HttpServer.create().accessLog(true, a -> {
				if (a.uri().startsWith("/users/")) {
					return null; // left out
				}
				if (a.uri().equals("/fail")) {
					throw new IllegalStateException("format bug");
				}
				return "{\"method\":\"" + a.method() + "\",\"uri\":\"" + a.uri() + "\",\"status\":" + a.status()
						+ ",\"bytes\":" + a.contentLength() + ",\"agent\":\"" + a.requestHeader("User-Agent")
						+ "\",\"type\":\"" + a.responseHeader("Content-Type") + "\",\"ms\":" + a.duration().toMillis()
						+ (a.uri().contains("two") ? "}\nforged line" : "}") + " | " + a.commonLogFormat();
			}));
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("GET /hello HTTP/1.1\r\nHost: x\r\nUser-Agent: probe/1\r\n\r\n");
				assertThat(c.read().status()).isEqualTo(200);
				assertThat(status(c, RawHttp.get("/users/42"))).isEqualTo(200);
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
				assertThat(status(c, RawHttp.get("/hello?two"))).isEqualTo(200);
			}
			assertThat(lines).hasSize(2);
			assertThat(lines.get(0)).startsWith("{\"method\":\"GET\",\"uri\":\"/hello\",\"status\":200,\"bytes\":13,"
					+ "\"agent\":\"probe/1\",\"type\":\"null\",\"ms\":").contains("} | 127.0.0.1 - - [")
					.endsWith(" ms");
			assertThat(lines.get(1)).contains("}\\x0aforged line | ").doesNotContain("\n");
		}
	}

	/** The error log: one line per handler error, 500 or 4xx or a cut response, never for a client that left. */
	@Test
	void errorLogWritesOneLinePerHandlerError() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = bind(HttpServer.create().errorLog(true).route(r -> r
					.get("/hello", (req, res) -> res.sendString(Mono.just("Hello")))
					.get("/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))
					.get("/bad", (req, res) -> Mono.error(new BadRequestException("no such id")))
					.get("/upstream", (req, res) -> Mono.error(new io.github.reactormongoose.ConnectionClosedException("upstream closed")))
					.get("/late", (req, res) -> res.sendString(Mono.just("ok")).then().then(Mono.error(new IllegalStateException("after the end"))))
					.get("/midway", (req, res) -> res.sendString(Flux.concat(Flux.just("part"),
							Flux.error(new IllegalStateException("cut")))))));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
				assertThat(status(c, "GET /fail?a=%01 HTTP/1.1\r\nHost: x\r\n\r\n")).isEqualTo(500);
				assertThat(status(c, RawHttp.get("/bad"))).isEqualTo(400);
				// a closed connection of an upstream (not of this client) is an error of the server
				assertThat(status(c, RawHttp.get("/upstream"))).isEqualTo(500);
				// an error after the whole response went out: logged, the client got its answer
				assertThat(c.write(RawHttp.get("/late")).read().bodyString()).isEqualTo("ok");
				int port = c.socket().getLocalPort();
				c.write(RawHttp.get("/midway"));
				byte[] cut = RawHttp.readUntilClosed(c.socket().getInputStream());
				assertThat(new String(cut, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").doesNotEndWith("0\r\n\r\n");
				assertThat(log.lines()).hasSize(5);
				assertThat(log.lines().get(0)).matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}[+-]\\d{4}\\] "
						+ "\\[pid " + ProcessHandle.current().pid() + "\\] \\[client 127\\.0\\.0\\.1:" + port + "\\] "
						+ "GET /fail\\?a=%01: java\\.lang\\.IllegalStateException: boom");
				assertThat(log.lines().get(1)).endsWith("GET /bad: " + BadRequestException.class.getName() + ": no such id");
				assertThat(log.lines().get(2)).endsWith("GET /upstream: " + io.github.reactormongoose.ConnectionClosedException.class.getName()
						+ ": upstream closed");
				assertThat(log.lines().get(3)).endsWith("GET /late: java.lang.IllegalStateException: after the end");
				assertThat(log.lines().get(4)).endsWith("GET /midway: java.lang.IllegalStateException: cut");
			}
			// a client that leaves in the middle of its body is not an error of the server
			AtomicReference<Throwable> seen = new AtomicReference<>();
			DisposableServer reader = bind(HttpServer.create().errorLog(true)
					.handle((req, res) -> res.sendString(req.receiveString().doOnError(seen::set))));
			try (RawHttp c = RawHttp.connect(reader.port())) {
				c.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(20_000));
			}
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (seen.get() == null && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(seen.get()).isInstanceOf(io.github.reactormongoose.ConnectionClosedException.class);
			Thread.sleep(100);
			assertThat(log.lines()).hasSize(5);
		}
	}

	/**
	 * The exchange's own client leaving during a streamed body (with a FIN or an RST) or a
	 * sendFile is not an error of the server: no error log line (the send's AbortedException
	 * reached the handler's error path while the response had not ended yet and was logged).
	 */
	@Test
	void errorLogHasNoLineForAClientThatLeavesMidStreamOrMidFile(@TempDir java.nio.file.Path dir) throws Exception {
		java.nio.file.Path file = dir.resolve("big.bin");
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
			f.setLength(64L << 20);
		}
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = bind(HttpServer.create().runOn(newLoop()).metrics(true).errorLog(true).route(r -> r
					.get("/stream", (req, res) -> res.sendString(Flux.interval(java.time.Duration.ofMillis(5))
							.onBackpressureDrop().map(i -> "tick " + i + "\n")))
					.get("/file", (req, res) -> res.sendFile(file))
					.get("/fail", (req, res) -> Mono.error(new IllegalStateException("boom")))));
			for (boolean rst : new boolean[] {false, true}) {
				try (RawHttp c = RawHttp.connect(server.port())) {
					c.write(RawHttp.get("/stream"));
					assertThat(c.readHead().status()).isEqualTo(200);
					c.readChunk();
					if (rst) {
						c.socket().setSoLinger(true, 0);
					}
				}
			}
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write(RawHttp.get("/file"));
				assertThat(c.readHead().status()).isEqualTo(200);
				c.readExactly(4096);
			}
			meters.awaitExchanges("/stream", 2);
			meters.awaitExchanges("/file", 1);
			// the same loop then answers a failing handler: its line is the only one
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
			}
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).endsWith("GET /fail: java.lang.IllegalStateException: boom"));
		}
	}

	/**
	 * disposeNow's timeout cutting exchanges blames the server, not the client: the streamed
	 * response's send fails with "closed by the server" (logged), and the one not started is
	 * recorded as 444 (nginx's code for a connection it closed without a response), not 499.
	 */
	@Test
	void exchangesCutByDisposeNowAreTheServersDoingNotTheClients() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			Sinks.Empty<Void> never = Sinks.empty();
			DisposableServer server = HttpServer.create().runOn(newLoop()).metrics(true).errorLog(true).route(r -> r
					.get("/stream", (req, res) -> res.sendString(Flux.interval(java.time.Duration.ofMillis(5))
							.onBackpressureDrop().map(i -> "tick " + i + "\n")))
					.get("/slow", (req, res) -> never.asMono().then(res.sendString(Mono.just("late")))))
					.bindNow(TIMEOUT);
			try (RawHttp streaming = RawHttp.connect(server.port()); RawHttp slow = RawHttp.connect(server.port())) {
				streaming.write(RawHttp.get("/stream"));
				assertThat(streaming.readHead().status()).isEqualTo(200);
				streaming.readChunk();
				slow.write(RawHttp.get("/slow"));
				awaitActive(server, 2);
				server.disposeNow(java.time.Duration.ofMillis(200));
			}
			meters.awaitExchanges("/stream", 1);
			meters.awaitExchanges("/slow", 1);
			assertThat(meters.registry().get("reactor.mongoose.http.server.response.time").tags("uri", "/slow", "status", "444")
					.timer().count()).isEqualTo(1);
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l)
					.endsWith("GET /stream: io.github.reactormongoose.AbortedException: Connection closed by the server"));
		}
	}

	private void awaitActive(DisposableServer server, double n) throws InterruptedException {
		meters.awaitGauge("reactor.mongoose.http.server.connections.active", "local.address", "127.0.0.1:" + server.port(), n);
	}

	/**
	 * A client that reads 4 KiB of a 64 MiB sendFile and leaves: the bytes recorded are those
	 * the socket took (bounded by the kernel's buffers), not the whole region queued.
	 */
	@Test
	void aSendFileCutByTheClientCountsWhatTheSocketTook(@TempDir java.nio.file.Path dir) throws Exception {
		java.nio.file.Path file = dir.resolve("big.bin");
		try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
			f.setLength(64L << 20);
		}
		DisposableServer server = bind(HttpServer.create().metrics(true).route(r -> r.get("/file", (req, res) -> res.sendFile(file))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/file"));
			assertThat(c.readHead().status()).isEqualTo(200);
			c.readExactly(4096);
		}
		meters.awaitExchanges("/file", 1);
		// summed over every summary of the uri: one made in the global composite by an earlier
		// test class (same uri, other tags) appears here too, empty
		double sent = meters.registry().get("reactor.mongoose.http.server.data.sent").tag("uri", "/file").summaries().stream()
				.mapToDouble(io.micrometer.core.instrument.DistributionSummary::totalAmount).sum();
		assertThat(sent).isGreaterThanOrEqualTo(4096).isLessThan(32 << 20);
	}

	/**
	 * The lines of one's own formats escape C1 controls (NEL U+0085 is a line break to some
	 * log viewers) and U+2028/U+2029 too, as they escape C0 ones: no forged line.
	 */
	@Test
	void ownFormatsEscapeC1ControlsAndUnicodeLineSeparators() throws Exception {
		String forged = "a\u0085b\u009bc\u2028d\u2029e";
		String escaped = "a\\x85b\\x9bc\\u2028d\\u2029e";
		try (LogCapture access = LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			DisposableServer server = server(HttpServer.create().accessLog(true, a -> a.uri() + " " + forged));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/hello"))).isEqualTo(200);
			}
			assertThat(access.lines()).containsExactly("/hello " + escaped);
		}
		try (LogCapture errors = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = server(HttpServer.create().errorLog(true, e -> e.uri() + " " + forged));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
			}
			assertThat(errors.lines()).containsExactly("/fail " + escaped);
		}
	}

	/**
	 * The default access-log line's time is when the request arrived (Common Log Format's %t,
	 * Reactor Netty's), as commonLogFormat() and accessDateTime() have it, not when it ended.
	 */
	@Test
	void theDefaultAccessLogLineIsStampedWithTheRequestsArrival() throws Exception {
		try (LogCapture access = LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			List<String> clf = new CopyOnWriteArrayList<>();
			Sinks.Empty<Void> release = Sinks.empty();
			DisposableServer server = bind(HttpServer.create().accessLog(true).route(r -> r
					.get("/slow", (req, res) -> release.asMono().then(res.sendString(Mono.just("late"))))));
			DisposableServer own = bind(HttpServer.create().accessLog(true, a -> {
				clf.add(a.commonLogFormat());
				return null;
			}).route(r -> r.get("/slow", (req, res) -> release.asMono().then(res.sendString(Mono.just("late"))))));
			java.time.ZonedDateTime before = java.time.ZonedDateTime.now();
			try (RawHttp c = RawHttp.connect(server.port()); RawHttp d = RawHttp.connect(own.port())) {
				c.write(RawHttp.get("/slow"));
				d.write(RawHttp.get("/slow"));
				// the exchanges end in a later second than they began
				while (java.time.ZonedDateTime.now().toEpochSecond() < before.toEpochSecond() + 2) {
					Thread.sleep(50);
				}
				release.tryEmitEmpty();
				assertThat(c.read().bodyString()).isEqualTo("late");
				assertThat(d.read().bodyString()).isEqualTo("late");
			}
			java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z",
					java.util.Locale.US);
			String began = "[" + f.format(before) + "]";
			String nextSecond = "[" + f.format(before.plusSeconds(1)) + "]";
			assertThat(access.lines()).singleElement().satisfies(l -> assertThat(l).containsAnyOf(began, nextSecond));
			assertThat(clf).singleElement().satisfies(l -> assertThat(l).containsAnyOf(began, nextSecond));
		}
	}

	/** A format of one's own: the arguments, errors left out, a forged newline escaped, a failing format. */
	@Test
	void errorLogWithAFormatOfOnesOwn() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = server(HttpServer.create().errorLog(true, e -> {
				if (e.cause() instanceof UnsupportedOperationException) {
					throw new IllegalStateException("format bug");
				}
				return e.uri().contains("skip") ? null
						: "{\"status\":" + e.status() + ",\"error\":\"" + e.cause().getMessage() + "\",\"uri\":\"" + e.uri()
								+ "\",\"client\":\"" + e.remoteAddress().getAddress().getHostAddress() + "\"}\nforged | "
								+ e.defaultLine().substring(e.defaultLine().indexOf("] [client")) + " | "
								+ (e.errorDateTime().getYear() > 2000);
			}));
			try (RawHttp c = RawHttp.connect(server.port())) {
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
				assertThat(status(c, RawHttp.get("/fail?skip"))).isEqualTo(500);
			}
			assertThat(log.lines()).containsExactly("{\"status\":500,\"error\":\"boom\",\"uri\":\"/fail\",\"client\":\"127.0.0.1\"}"
					+ "\\x0aforged | ] [client 127.0.0.1:" + log.lines().get(0).replaceAll(".*\\[client 127.0.0.1:(\\d+)\\].*", "$1")
					+ "] GET /fail: java.lang.IllegalStateException: boom | true");
			DisposableServer failing = bind(HttpServer.create().errorLog(true, e -> {
				throw new IllegalStateException("format bug");
			}).handle((req, res) -> Mono.error(new UnsupportedOperationException("x"))));
			try (RawHttp c = RawHttp.connect(failing.port())) {
				assertThat(status(c, RawHttp.get("/"))).isEqualTo(500); // the exchange is answered all the same
			}
			assertThat(log.lines()).hasSize(1);
		}
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer off = server(HttpServer.create().errorLog(true).errorLog(false));
			try (RawHttp c = RawHttp.connect(off.port())) {
				assertThat(status(c, RawHttp.get("/fail"))).isEqualTo(500);
			}
			assertThat(log.lines()).isEmpty();
		}
	}

	/** Keeps INFO lines; everything else is dropped. */
	private record CapturingLogger(String name, List<String> lines) implements Logger {
		@Override public String getName() { return name; }
		@Override public boolean isTraceEnabled() { return false; }
		@Override public void trace(String msg) { }
		@Override public void trace(String format, Object... arguments) { }
		@Override public void trace(String msg, Throwable t) { }
		@Override public boolean isDebugEnabled() { return false; }
		@Override public void debug(String msg) { }
		@Override public void debug(String format, Object... arguments) { }
		@Override public void debug(String msg, Throwable t) { }
		@Override public boolean isInfoEnabled() { return true; }
		@Override public void info(String msg) { lines.add(msg); }
		@Override public void info(String format, Object... arguments) { lines.add(format); }
		@Override public void info(String msg, Throwable t) { lines.add(msg); }
		@Override public boolean isWarnEnabled() { return false; }
		@Override public void warn(String msg) { }
		@Override public void warn(String format, Object... arguments) { }
		@Override public void warn(String msg, Throwable t) { }
		@Override public boolean isErrorEnabled() { return false; }
		@Override public void error(String msg) { }
		@Override public void error(String format, Object... arguments) { }
		@Override public void error(String msg, Throwable t) { }
	}
}
