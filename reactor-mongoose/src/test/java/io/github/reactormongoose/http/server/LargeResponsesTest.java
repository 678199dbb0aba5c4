/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.LoopThreads;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

/**
 * Large responses over real sockets with slow readers: bodies stay byte-exact, a slow reader
 * does not make the server buffer without bound (sendFile keeps the file on disk; a stream
 * stops its producer at the high-water mark), and idle keep-alive connections hold no buffers.
 */
class LargeResponsesTest extends BaseHttpTest {

	private static byte[] random(int n, long seed) {
		byte[] b = new byte[n];
		new Random(seed).nextBytes(b);
		return b;
	}

	/** A client with small socket buffers that sends {@code requests} and reads nothing yet. */
	private static Socket slowClient(int port, String requests) throws Exception {
		Socket s = new Socket();
		s.setReceiveBufferSize(16 * 1024);
		s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
		s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
		OutputStream out = s.getOutputStream();
		out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
		out.flush();
		return s;
	}

	private static String readHead(InputStream in) throws Exception {
		StringBuilder b = new StringBuilder();
		while (!b.toString().endsWith("\r\n\r\n")) {
			int c = in.read();
			assertThat(c).as("head ended early: " + b).isNotNegative();
			b.append((char) c);
		}
		return b.toString();
	}

	/** Reads {@code n} body bytes, slowly at first (small reads with pauses), into a digest. */
	private static byte[] readBody(InputStream in, long n, boolean slowStart) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		byte[] buf = new byte[64 * 1024];
		long left = n;
		int slowReads = slowStart ? 20 : 0;
		while (left > 0) {
			int want = (int) Math.min(slowReads > 0 ? 4096 : buf.length, left);
			int r = in.read(buf, 0, want);
			assertThat(r).as("body ended early, %d bytes left", left).isPositive();
			md.update(buf, 0, r);
			left -= r;
			if (slowReads-- > 0) {
				Thread.sleep(10);
			}
		}
		return md.digest();
	}

	private static byte[] sha256(byte[] b) throws Exception {
		return MessageDigest.getInstance("SHA-256").digest(b);
	}

	@Test
	void sendFileToASlowReaderKeepsTheFileOnDiskAndTheNextResponseInOrder(@TempDir Path dir) throws Exception {
		byte[] content = random(24 * 1024 * 1024, 11); // far larger than both socket buffers
		Path file = dir.resolve("big.bin");
		Files.write(file, content);
		MongooseLoop loop = newLoop();
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/big", (req, res) -> res.sendFile(file))
				.get("/after", (req, res) -> res.sendString(Mono.just("after")))));
		try (Socket s = slowClient(server.port(),
				"GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")) {
			Thread.sleep(500); // the reader stalls: the socket buffers fill up
			assertThat(LoopThreads.bufferBytes(loop)).as("the server holds a piece, not the file").isLessThan(1024 * 1024);
			InputStream in = s.getInputStream();
			String head = readHead(in);
			assertThat(head).startsWith("HTTP/1.1 200").contains("Content-Length: " + content.length);
			assertThat(readBody(in, content.length, true)).isEqualTo(sha256(content));
			String head2 = readHead(in);
			assertThat(head2).startsWith("HTTP/1.1 200").contains("Content-Length: 5");
			assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("after");
		}
	}

	@Test
	void sendFileRangeAndMissingFile(@TempDir Path dir) throws Exception {
		byte[] content = random(3 * 1024 * 1024 + 17, 12);
		Path file = dir.resolve("part.bin");
		Files.write(file, content);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/part", (req, res) -> res.sendFile(file, 1_000_001, 2_000_000))
				.get("/gone", (req, res) -> res.sendFile(dir.resolve("gone.bin"), 0, 10))));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /part HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(content, 1_000_001, 3_000_001));
			c.write("GET /gone HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().status()).as("the file cannot be opened: 500").isEqualTo(500);
		}
	}

	/**
	 * A file that shrinks while {@code sendFile} sends it (a log rotated, a file rewritten in
	 * place) cannot keep its {@code Content-Length}: the connection closes short of it, at once,
	 * and the server says why, as nginx does ("file was truncated"): the handler's send fails
	 * with the reason and the error log has its line. Before, the close looked like the
	 * client's own (no line anywhere). A file that grows meanwhile sends the length announced,
	 * no more, and the connection goes on.
	 */
	@Test
	void aFileThatShrinksWhileSentEndsTheResponseShortAndSaysWhy(@TempDir Path dir) throws Exception {
		byte[] content = random(24 * 1024 * 1024, 17); // far larger than both socket buffers
		Path file = dir.resolve("rotated.log");
		Files.write(file, content);
		AtomicReference<Throwable> sendError = new AtomicReference<>();
		List<String> signals = new CopyOnWriteArrayList<>(); // what the send did, if it did not fail
		try (io.github.reactormongoose.testing.LogCapture log =
				io.github.reactormongoose.testing.LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer server = bind(HttpServer.create().runOn(newLoop()).errorLog(true).route(r -> r
					.get("/file", (req, res) -> res.sendFile(file).doOnError(sendError::set)
							.doFinally(t -> signals.add(t + " at " + System.nanoTime())))
					.get("/after", (req, res) -> res.sendString(Mono.just("after")))));
			try (Socket s = slowClient(server.port(), "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")) {
				InputStream in = s.getInputStream();
				assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("Content-Length: " + content.length);
				assertThat(in.readNBytes(64 * 1024)).hasSize(64 * 1024); // the send is under way
				try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
						java.nio.file.StandardOpenOption.WRITE)) {
					ch.truncate(1024 * 1024);
				}
				long got = 64 * 1024 + in.transferTo(OutputStream.nullOutputStream()); // to the server's close
				assertThat(got).as("body bytes before the close").isLessThan(content.length);
			}
			long closedAt = System.nanoTime();
			long deadline = closedAt + TimeUnit.SECONDS.toNanos(10);
			while ((sendError.get() == null || log.lines().isEmpty()) && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(sendError.get()).as("the handler's send fails with the reason (client saw the close at %d; the send: %s; log: %s)",
					closedAt, signals, log.lines())
					.hasMessageContaining("closed by the server").hasMessageContaining("shrank");
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).contains("GET /file").contains("shrank"));
		}
		// a file that grows while it is sent: the length announced, then the next response
		Files.write(file, content);
		DisposableServer server = bind(HttpServer.create().runOn(newLoop()).route(r -> r
				.get("/file", (req, res) -> res.sendFile(file))
				.get("/after", (req, res) -> res.sendString(Mono.just("after")))));
		try (Socket s = slowClient(server.port(), "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")) {
			InputStream in = s.getInputStream();
			assertThat(readHead(in)).contains("Content-Length: " + content.length);
			Files.write(file, new byte[1024 * 1024], java.nio.file.StandardOpenOption.APPEND);
			assertThat(readBody(in, content.length, false)).isEqualTo(sha256(content));
			s.getOutputStream().write("GET /after HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("Content-Length: 5");
			assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("after");
		}
	}

	/**
	 * A file that ends before its announced length while the send's first pump is still taking
	 * it (here a sysfs file, which says 4,096 bytes and holds a few: any file cut before the
	 * socket filled up is the same): the send fails with the reason, as when the cut comes later.
	 * Before, the cut closed the connection inside the command that queued the file, and the
	 * wait for the output to drain was answered at once from the bytes left, so the handler's
	 * send completed as if the file had gone out.
	 */
	@Test
	void aFileCutInTheSendsFirstPumpFailsTheSend() throws Exception {
		Path file = Path.of("/sys/devices/system/cpu/online");
		org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(file) && Files.size(file) > Files.readAllBytes(file).length,
				"no sysfs file that is shorter than its size here");
		AtomicReference<String> outcome = new AtomicReference<>();
		DisposableServer server = bind(HttpServer.create().runOn(newLoop()).route(r -> r
				.get("/file", (req, res) -> res.sendFile(file)
						.doOnSuccess(v -> outcome.set("completed"))
						.doOnError(e -> outcome.set("failed: " + e.getMessage())))));
		try (Socket s = slowClient(server.port(), "GET /file HTTP/1.1\r\nHost: x\r\n\r\n")) {
			InputStream in = s.getInputStream();
			assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("Content-Length: " + Files.size(file));
			assertThat(in.readAllBytes()).hasSizeLessThan((int) Files.size(file)); // to the server's close
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (outcome.get() == null && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(outcome.get()).startsWith("failed: ").contains("closed by the server").contains("shrank");
	}

	@Test
	void sendFileFromAZipFileSystemIsReadInPieces(@TempDir Path dir) throws Exception {
		byte[] content = random(300 * 1024 + 5, 16);
		Path zip = dir.resolve("files.zip");
		try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip, java.util.Map.of("create", "true"))) {
			Files.write(fs.getPath("/inner.bin"), content);
		}
		try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip)) {
			Path inner = fs.getPath("/inner.bin");
			DisposableServer server = bind(HttpServer.create().route(r -> r
					.get("/zip", (req, res) -> res.sendFile(inner))));
			try (RawHttp c = RawHttp.connect(server.port())) {
				c.write("GET /zip HTTP/1.1\r\nHost: x\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(content.length));
				assertThat(r.body()).isEqualTo(content);
			}
		}
	}

	@Test
	void aLargeWholeBodyToASlowReaderIsByteExact() throws Exception {
		byte[] body = random(8 * 1024 * 1024, 13);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/whole", (req, res) -> res.sendByteArray(Mono.just(body)))
				.get("/direct", (req, res) -> res.send(Mono.just(ByteBuffer.allocateDirect(body.length).put(body).flip())))));
		for (String path : List.of("/whole", "/direct")) {
			try (Socket s = slowClient(server.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")) {
				Thread.sleep(200);
				InputStream in = s.getInputStream();
				assertThat(readHead(in)).contains("Content-Length: " + body.length);
				assertThat(readBody(in, body.length, true)).as(path).isEqualTo(sha256(body));
			}
		}
	}

	@Test
	void aWholeBodyIsHandedOverAsTheReaderDrainsNotCopiedAtOnce() throws Exception {
		byte[] body = random(16 * 1024 * 1024, 17); // one array, answered to every client
		MongooseLoop loop = newLoop();
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/whole", (req, res) -> res.sendByteArray(Mono.just(body)))
				.get("/after", (req, res) -> res.sendString(Mono.just("after")))));
		List<Socket> readers = new ArrayList<>();
		try {
			for (int i = 0; i < 4; i++) {
				readers.add(slowClient(server.port(),
						"GET /whole HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n"));
			}
			Thread.sleep(700); // the readers stall: each connection's socket buffers fill up
			// a slice per connection (the high-water mark, 256 KiB, and what the kernel has not
			// taken), not 4 copies of 16 MiB
			assertThat(LoopThreads.bufferBytes(loop)).as("native bytes held for 4 stalled readers of a 16 MiB body")
					.isLessThan(4L * 1024 * 1024);
			for (Socket s : readers) {
				InputStream in = s.getInputStream();
				assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("Content-Length: " + body.length);
				assertThat(readBody(in, body.length, true)).isEqualTo(sha256(body));
				assertThat(readHead(in)).as("the pipelined request is answered after the body")
						.startsWith("HTTP/1.1 200").contains("Content-Length: 5");
				assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("after");
			}
		}
		finally {
			for (Socket s : readers) {
				s.close();
			}
		}
	}

	@Test
	void aReaderThatLeavesInTheMiddleOfAWholeBodyIsNotAnErrorOfTheServer() throws Exception {
		byte[] body = random(16 * 1024 * 1024, 19);
		AtomicReference<Throwable> seen = new AtomicReference<>();
		List<AccessLogArgs> exchanges = new CopyOnWriteArrayList<>();
		List<ErrorLogArgs> errors = new CopyOnWriteArrayList<>();
		DisposableServer server = bind(HttpServer.create()
				.accessLog(true, a -> {
					exchanges.add(a);
					return null;
				})
				.errorLog(true, e -> {
					errors.add(e);
					return null;
				})
				.route(r -> r.get("/whole", (req, res) -> res.sendByteArray(Mono.just(body)).doOnError(seen::set))));
		try (Socket s = slowClient(server.port(), "GET /whole HTTP/1.1\r\nHost: x\r\n\r\n")) {
			InputStream in = s.getInputStream();
			readHead(in);
			assertThat(in.readNBytes(1024 * 1024)).hasSize(1024 * 1024);
			s.setSoLinger(true, 0); // leaves with a reset, the rest unread
		}
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while ((seen.get() == null || exchanges.isEmpty()) && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(seen.get()).as("the send fails").isInstanceOf(io.github.reactormongoose.ConnectionClosedException.class);
		assertThat(exchanges).hasSize(1);
		assertThat(exchanges.get(0).status()).isEqualTo(200);
		assertThat(exchanges.get(0).contentLength()).as("body bytes handed to the connection before it closed")
				.isGreaterThanOrEqualTo(1024 * 1024).isLessThan(body.length);
		Thread.sleep(100);
		assertThat(errors).as("a client that left is not an error of the server").isEmpty();
	}

	@Test
	void aGracefulShutdownWaitsForAWholeBodyStillOnItsWay() throws Exception {
		byte[] body = random(16 * 1024 * 1024, 20);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/whole", (req, res) -> res.sendByteArray(Mono.just(body)))));
		try (Socket s = slowClient(server.port(), "GET /whole HTTP/1.1\r\nHost: x\r\n\r\n")) {
			Thread.sleep(300); // the reader stalls: most of the body is not handed over yet
			CompletableFuture<Void> disposed = CompletableFuture.runAsync(() -> server.disposeNow(java.time.Duration.ofSeconds(20)));
			InputStream in = s.getInputStream();
			assertThat(readHead(in)).startsWith("HTTP/1.1 200"); // its head left before the shutdown
			assertThat(readBody(in, body.length, true)).isEqualTo(sha256(body));
			assertThat(in.read()).as("closed after the response").isEqualTo(-1);
			disposed.get(20, TimeUnit.SECONDS);
		}
	}

	@Test
	void theIdleTimeoutDoesNotCutAResponseStillOnItsWay(@TempDir Path dir) throws Exception {
		byte[] body = random(12 * 1024 * 1024, 18);
		Path file = dir.resolve("big.bin");
		Files.write(file, body);
		DisposableServer server = bind(HttpServer.create().idleTimeout(java.time.Duration.ofMillis(300)).route(r -> r
				.get("/whole", (req, res) -> res.sendByteArray(Mono.just(body)))
				.get("/file", (req, res) -> res.sendFile(file))
				.get("/stream", (req, res) -> res.sendStream(Flux.range(0, 12).map(i ->
						ByteBuffer.wrap(body, i * 1024 * 1024, 1024 * 1024))))));
		// the three at once, a connection and a reader thread each
		ExecutorService readers = Executors.newFixedThreadPool(3);
		try {
			List<Future<?>> done = new ArrayList<>();
			for (String path : List.of("/whole", "/file", "/stream")) {
				done.add(readers.submit(() -> {
					readSlowlyThenIdle(server.port(), path, body);
					return null;
				}));
			}
			for (Future<?> f : done) {
				f.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			readers.shutdownNow();
		}
	}

	/** The reader of the idle-timeout test: {@code path}'s whole body with pauses, then idle until closed. */
	private void readSlowlyThenIdle(int port, String path, byte[] body) throws Exception {
		try (RawHttp c = RawHttp.connect(port)) {
			c.write("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
			InputStream in = c.socket().getInputStream();
			readHead(in);
			// the reader takes its time: 3 MiB, then a pause longer than the idle timeout
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			byte[] buf = new byte[64 * 1024];
			long left = body.length;
			long sincePause = 0;
			boolean chunked = path.equals("/stream");
			while (left > 0) {
				if (sincePause >= 3 * 1024 * 1024 && left > 2 * 1024 * 1024) {
					Thread.sleep(500);
					sincePause = 0;
				}
				int r = chunked ? readChunkPart(in, buf, (int) Math.min(buf.length, left))
						: in.read(buf, 0, (int) Math.min(buf.length, left));
				assertThat(r).as("%s: cut with %d bytes left", path, left).isPositive();
				md.update(buf, 0, r);
				left -= r;
				sincePause += r;
			}
			assertThat(md.digest()).as(path).isEqualTo(sha256(body));
			if (chunked) {
				assertThat(readHead(in)).as("the last chunk").isEqualTo("\r\n0\r\n\r\n");
			}
			// then, idle: the connection is closed by the timeout
			c.socket().setSoTimeout(5000);
			assertThat(in.read()).as("%s: closed once idle", path).isEqualTo(-1);
		}
	}

	/** The chunk reader of the idle-timeout test: body bytes of a chunked response, sizes skipped. */
	private int chunkLeft;

	private int readChunkPart(InputStream in, byte[] buf, int max) throws Exception {
		if (chunkLeft == 0) {
			StringBuilder line = new StringBuilder();
			int c;
			while ((c = in.read()) != '\n') {
				assertThat(c).isNotNegative();
				if (c != '\r') {
					line.append((char) c);
				}
			}
			if (line.length() == 0) { // the CRLF after the previous chunk's data
				return readChunkPart(in, buf, max);
			}
			chunkLeft = Integer.parseInt(line.toString(), 16);
		}
		int r = in.read(buf, 0, Math.min(max, chunkLeft));
		if (r > 0) {
			chunkLeft -= r;
		}
		return r;
	}

	@Test
	void aStreamToAStalledReaderStopsItsProducerAtTheHighWaterMark() throws Exception {
		int item = 64 * 1024;
		int items = 512; // 32 MiB
		byte[] chunk = random(item, 14);
		AtomicLong produced = new AtomicLong();
		MongooseLoop loop = newLoop();
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/stream", (req, res) -> res.header("Content-Length", Long.toString((long) item * items))
						.sendStream(Flux.range(0, items).map(i -> {
							produced.incrementAndGet();
							return ByteBuffer.wrap(chunk);
						})))));
		try (Socket s = slowClient(server.port(), "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")) {
			Thread.sleep(700);
			long held = LoopThreads.bufferBytes(loop);
			long made = produced.get();
			// high-water mark (256 KiB) + the prefetched items (32) + one piece
			assertThat(held).as("bytes buffered for a stalled reader").isLessThan(4L * 1024 * 1024);
			assertThat(made).as("items produced while the reader stalls").isLessThan(items / 4);
			InputStream in = s.getInputStream();
			readHead(in);
			MessageDigest expected = MessageDigest.getInstance("SHA-256");
			for (int i = 0; i < items; i++) {
				expected.update(chunk);
			}
			assertThat(readBody(in, (long) item * items, true)).isEqualTo(expected.digest());
			assertThat(produced.get()).isEqualTo(items);
		}
	}

	/**
	 * A source that ignores demand ({@code Flux.create} with {@code OverflowStrategy.IGNORE},
	 * pushing 50,000 items of 1 KiB from its own thread) to a client that reads nothing, as a
	 * streamed response and as WebSocket messages: the send fails with Reactor's overflow error
	 * (as Reactor Netty's does) and the source is cancelled a few dozen items past its demand,
	 * instead of its items piling up in the loop's queue and native memory; the client sees the
	 * connection close.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"/stream", "/ws"})
	void aSourceThatIgnoresDemandFailsWithAnOverflow(String path) throws Exception {
		int items = 50_000;
		AtomicLong pushed = new AtomicLong();
		CompletableFuture<Throwable> ended = new CompletableFuture<>();
		Flux<byte[]> source = Flux.<byte[]>create(sink -> {
			Thread t = new Thread(() -> {
				for (int i = 0; i < items && !sink.isCancelled(); i++) {
					sink.next(new byte[1024]);
					pushed.incrementAndGet();
				}
				sink.complete();
			}, "ignores-demand");
			t.setDaemon(true);
			t.start();
		}, FluxSink.OverflowStrategy.IGNORE);
		DisposableServer server = bind(HttpServer.create().route(r -> r
				.get("/stream", (req, res) -> res.sendStream(source.map(ByteBuffer::wrap))
						.doOnError(ended::complete).doOnSuccess(v -> ended.complete(null)))
				.ws("/ws", (in, out) -> out.sendBytes(source).doOnError(ended::complete).doOnSuccess(v -> ended.complete(null)))));
		String request = path.equals("/ws")
				? "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
						+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
				: "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";
		try (Socket s = slowClient(server.port(), request)) {
			Throwable e = ended.get(10, TimeUnit.SECONDS);
			assertThat(e).as("the send's end").isNotNull().matches(Exceptions::isOverflow, "an overflow")
				.hasMessageContaining("doesn't respect backpressure");
			assertThat(pushed.get()).as("items the source pushed before it was cancelled").isLessThan(1_000);
			s.setSoTimeout(10_000);
			assertThat(RawHttp.countUntilClosed(s.getInputStream())).as("what arrived before the close").isLessThan(items * 1024L);
		}
	}

	@Test
	void idleKeepAliveConnectionsReleaseTheirBuffers() throws Exception {
		MongooseLoop loop = newLoop();
		byte[] big = random(200 * 1024, 15);
		DisposableServer server = bind(HttpServer.create().runOn(loop).route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
				.get("/big", (req, res) -> res.sendByteArray(Mono.just(big)))));
		List<RawHttp> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 40; i++) {
				RawHttp c = RawHttp.connect(server.port());
				clients.add(c);
				c.write("GET " + (i % 4 == 0 ? "/big" : "/hello") + " HTTP/1.1\r\nHost: x\r\n\r\n");
				assertThat(c.read().status()).isEqualTo(200);
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			long held;
			while ((held = LoopThreads.bufferBytes(loop)) > 0 && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			assertThat(held).as("buffers held by 40 idle keep-alive connections").isZero();
			for (RawHttp c : clients) { // still usable: buffers come back on demand
				c.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("hello");
			}
		}
		finally {
			for (RawHttp c : clients) {
				c.close();
			}
		}
	}
}
