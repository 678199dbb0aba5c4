/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.server.HttpServer;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The server the abuse and soak scripts of {@code reliability/} run against: the mixed
 * traffic of a real application (small and 64 KiB answers, a cached 8 MiB report, uploads,
 * streamed downloads, WebSocket echo, Server-Sent Events) and {@code GET /__stats}, the
 * process figures the scripts compare before and after (RSS, heap, open file descriptors,
 * native allocations of the glue, native bytes held, open connections, from the server's own
 * metrics). The limits a hostile client meets: the request head timeout (which also covers a small body sent with the head), a
 * {@code readTimeout} for a client that stalls in a streamed upload (408), a {@code writeTimeout}
 * for one that stops reading a download (reset; the slow-read attack), a request line of at
 * most {@value #MAX_REQUEST_LINE} bytes ({@code httpRequestDecoder}, Netty's default: 414 past it)
 * within a head of at most {@value #MAX_HEAD} and {@value #MAX_HEADER_LINES} header lines (431;
 * Reactor Netty counts no lines, the default here is 1,000), and {@code maxConnections} (10,000; the
 * connections beyond are closed at once).
 * <p>
 * {@code java -cp ... io.github.reactormongoose.examples.ReliabilityServer [port] [requestHeaderTimeoutSeconds]}
 */
public final class ReliabilityServer implements Disposable {

	/** The longest request line, without its CRLF. */
	public static final int MAX_REQUEST_LINE = 4096;
	/** The longest request head (line and headers). */
	public static final int MAX_HEAD = 16 * 1024;
	/** The most header lines of a request head, however short they are. */
	public static final int MAX_HEADER_LINES = 200;

	static final byte[] BODY_64K = new byte[64 * 1024];
	/**
	 * A cached 8 MiB answer ({@code GET /report}), the same array for every client: the server
	 * hands it to each connection 256 KiB at a time as the client reads, so a hundred slow
	 * readers hold a slice each in native memory, not a copy.
	 */
	static final byte[] REPORT = report(8 * 1024 * 1024);
	static final int CHUNK = 64 * 1024;

	private final SimpleMeterRegistry registry;
	private final DisposableServer server;

	private ReliabilityServer(SimpleMeterRegistry registry, DisposableServer server) {
		this.registry = registry;
		this.server = server;
	}

	/** Starts on {@code 127.0.0.1:port} (0: a free one) with this request head timeout, and 30 s read and write timeouts. */
	public static ReliabilityServer start(int port, Duration headerTimeout) {
		return start(port, headerTimeout, Duration.ofSeconds(30), Duration.ofSeconds(30));
	}

	/**
	 * Starts on {@code 127.0.0.1:port} (0: a free one) with this request head timeout, this
	 * longest stall of a streamed upload, and this longest stall of a download.
	 */
	public static ReliabilityServer start(int port, Duration headerTimeout, Duration readTimeout, Duration writeTimeout) {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Metrics.addRegistry(registry);
		AtomicLong uploaded = new AtomicLong();
		DisposableServer server = HttpServer.create()
				.port(port)
				.requestHeaderTimeout(headerTimeout)
				.httpRequestDecoder(spec -> spec.maxInitialLineLength(MAX_REQUEST_LINE).maxHeaderSize(MAX_HEAD)
						.maxHeaderCount(MAX_HEADER_LINES))
				.readTimeout(readTimeout)
				.writeTimeout(writeTimeout)
				.maxConnections(10_000)
				.metrics(true, path -> path.startsWith("/stream/") ? "/stream/{mib}" : path)
				.route(r -> r
						.get("/hello", (req, res) -> res.sendString(Mono.just("Hello, World!")))
						.get("/64k", (req, res) -> res.sendByteArray(Mono.just(BODY_64K)))
						.get("/report", (req, res) -> res.header("Content-Type", "text/csv").sendByteArray(Mono.just(REPORT)))
						.post("/upload", (req, res) -> res.sendString(req.receive()
								.reduce(0L, (n, b) -> n + b.remaining())
								.doOnNext(uploaded::addAndGet)
								.map(n -> Long.toString(n))))
						.get("/stream/{mib}", (req, res) -> res.header("Content-Type", "application/octet-stream")
								.send(chunks(Long.parseLong(req.param("mib")) * 1024 * 1024)))
						.get("/sse", (req, res) -> res.sendSse(Flux.interval(Duration.ofMillis(200))
								.map(i -> ServerSentEvent.builder().id(Long.toString(i)).event("tick")
										.data(Instant.now().toString()).build())))
						.ws("/ws", (in, out) -> out.send(in.receive()))
						.get("/__stats", (req, res) -> res.header("Content-Type", "application/json")
								.sendString(Mono.fromSupplier(() -> stats(registry)))))
				.bindNow(Duration.ofSeconds(10));
		return new ReliabilityServer(registry, server);
	}

	/** {@code bytes} of a repeated 64 KiB buffer, produced on demand (the sender's back-pressure). */
	static Flux<ByteBuffer> chunks(long bytes) {
		ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
		long n = (bytes + CHUNK - 1) / CHUNK;
		return Flux.range(0, (int) n).map(i -> {
			int len = (int) Math.min(CHUNK, bytes - (long) i * CHUNK);
			return chunk.duplicate().limit(len);
		});
	}

	/** {@code size} bytes of CSV lines ("row,n\n"), cut at the size. */
	static byte[] report(int size) {
		StringBuilder b = new StringBuilder(size + 32);
		for (int i = 0; b.length() < size; i++) {
			b.append("row,").append(i).append('\n');
		}
		b.setLength(size);
		return b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
	}

	static String stats(SimpleMeterRegistry registry) {
		Runtime rt = Runtime.getRuntime();
		long heap = rt.totalMemory() - rt.freeMemory();
		double allocations = gauge(registry, "reactor.mongoose.native.allocations");
		double nativeBytes = gauge(registry, "reactor.mongoose.native.bytes");
		// one gauge per live server (a disposed server's gauges are removed)
		double connections = registry.find("reactor.mongoose.http.server.connections.total").gauges().stream()
				.mapToDouble(g -> g.value()).sum();
		return "{\"rss_kb\":" + rssKb() + ",\"heap_used\":" + heap + ",\"heap_after_gc\":" + heapAfterGc()
				+ ",\"fds\":" + openFds() + ",\"native_allocations\":" + (long) allocations
				+ ",\"native_bytes\":" + (long) nativeBytes
				+ ",\"connections\":" + (long) connections + "}";
	}

	/** A process-wide gauge's value, -1 before the first metered server registered it. */
	private static double gauge(SimpleMeterRegistry registry, String name) {
		io.micrometer.core.instrument.Gauge g = registry.find(name).gauge();
		return g == null ? -1 : g.value();
	}

	static long rssKb() {
		try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
			return lines.filter(l -> l.startsWith("VmRSS:")).map(l -> l.replaceAll("\\D", "")).mapToLong(Long::parseLong)
					.findFirst().orElse(-1);
		}
		catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	static long heapAfterGc() {
		return ManagementFactory.getMemoryPoolMXBeans().stream()
				.filter(p -> p.getCollectionUsage() != null && p.getType() == java.lang.management.MemoryType.HEAP)
				.mapToLong(p -> p.getCollectionUsage().getUsed()).sum();
	}

	static long openFds() {
		try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
			return fds.count();
		}
		catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	public int port() {
		return server.port();
	}

	@Override
	public void dispose() {
		server.disposeNow(Duration.ofSeconds(2));
		Metrics.removeRegistry(registry);
		registry.close();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	public static void main(String[] args) {
		int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
		Duration timeout = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 20);
		ReliabilityServer s = start(port, timeout);
		System.out.println("READY reliability server on http://127.0.0.1:" + s.port() + " (head timeout " + timeout + ")");
		System.out.flush();
		Runtime.getRuntime().addShutdownHook(new Thread(s::dispose));
		s.server.onDispose().block();
	}
}
