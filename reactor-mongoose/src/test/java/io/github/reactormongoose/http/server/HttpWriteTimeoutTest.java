/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AbortedException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.RawWebSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link HttpServer#writeTimeout(Duration)}: a client that stops reading a response or a
 * WebSocket's messages is closed once the output has waited that long without a byte going out;
 * a client that reads slowly but steadily, or stops for less than that, gets everything; zero
 * turns it off. slowhttptest's slow-read attack: {@link SlowHttpAttackTest}.
 */
class HttpWriteTimeoutTest extends BaseHttpTest {

	/** Far more than the socket buffers hold (a few MiB at most with a 16 KiB receive buffer). */
	private static final int BIG = 16 << 20;

	private final BlockingQueue<String> ends = new LinkedBlockingQueue<>();

	private DisposableServer server(Duration writeTimeout) {
		byte[] big = new byte[BIG];
		return bind(HttpServer.create().host("127.0.0.1").port(0).writeTimeout(writeTimeout).route(r -> r
				.get("/big", (req, res) -> res.sendByteArray(Mono.just(big))
						.doOnSuccess(v -> ends.add("sent"))
						.doOnError(e -> ends.add("error: " + e.getClass().getSimpleName())))
				.get("/4m", (req, res) -> res.sendByteArray(Mono.just(new byte[4 << 20])))
				.ws("/feed", (in, out) -> out.send(Flux.range(0, 100_000).map(i -> WebSocketFrame.binary(new byte[16 * 1024])))
						.doOnError(e -> ends.add("ws error: " + e.getClass().getSimpleName()))
						.doOnSuccess(v -> ends.add("ws sent")))));
	}

	/** A connection with a small receive buffer that asks for {@code path} (the last request) and reads nothing yet. */
	private static Socket ask(DisposableServer s, String path) throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(16 * 1024);
		socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
		socket.setSoTimeout(10_000);
		socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		return socket;
	}

	@Test
	void aClientThatStopsReadingIsClosedAfterTheTimeout() throws Exception {
		DisposableServer s = server(Duration.ofSeconds(1));
		try (LogCapture log = LogCapture.allLevels(HttpServer.class.getName()); Socket socket = ask(s, "/big")) {
			long t0 = System.nanoTime();
			long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
			while (log.lines().stream().noneMatch(l -> l.contains("write timeout")) && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
			assertThat(log.lines()).anyMatch(l -> l.matches(".*write timeout: the peer took none of \\d+ bytes for \\d+ ms, closing"));
			// the second without progress starts once the socket's buffers are full, which takes a
			// few seconds more on a loaded machine (4.2 to 4.7 s in all seen at a load of 12 on 2 cores)
			assertThat(waited).as("closed after about a second without progress").isBetween(900L, 8_000L);
			// the whole body is handed to the connection a slice at a time as the client reads:
			// the rest cannot follow, and the send fails
			assertThat(ends.poll(10, TimeUnit.SECONDS)).isEqualTo("error: AbortedException"); // a ConnectionClosedException
			assertThat(RawHttp.countUntilClosed(socket.getInputStream())).as("what arrived before the close").isLessThan(BIG);
		}
		// the server goes on
		try (Socket socket = ask(s, "/4m")) {
			assertThat(RawHttp.countUntilClosed(socket.getInputStream())).isGreaterThan(4 << 20);
		}
	}

	/**
	 * The write timeout is the server's doing: the handler's send fails with "Connection closed
	 * by the server" and the reason, not as if the client had closed, and the error log (which
	 * leaves out a client that left) has its line, as for disposeNow's cut.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"/stream", "/big"})
	void aWriteTimeoutIsReportedAsTheServersClose(String path) throws Exception {
		BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.ErrorLog")) {
			DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).writeTimeout(Duration.ofSeconds(1))
					.errorLog(true).route(r -> r
							.get("/stream", (req, res) -> res
									.sendStream(Flux.<ByteBuffer>generate(k -> k.next(ByteBuffer.wrap(new byte[16 * 1024])))
											.take(4096))
									.doOnError(errors::add))
							.get("/big", (req, res) -> res.sendByteArray(Mono.just(new byte[BIG])).doOnError(errors::add))));
			try (Socket socket = ask(s, path)) {
				Throwable e = errors.poll(10, TimeUnit.SECONDS);
				assertThat(e).isInstanceOf(AbortedException.class)
					.hasMessage("Connection closed by the server: no write progress for 1000 ms (writeTimeout)");
				assertThat(RawHttp.countUntilClosed(socket.getInputStream())).isLessThan(BIG);
			}
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (log.lines().isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(20); // the line follows the send's error on the poll thread
			}
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).endsWith(
					"GET " + path + ": io.github.reactormongoose.AbortedException: Connection closed by the server: no write progress for"
							+ " 1000 ms (writeTimeout)"));
		}
	}

	@Test
	void aReaderThatPausesButKeepsMovingIsNotCut() throws Exception {
		DisposableServer s = server(Duration.ofSeconds(1));
		try (Socket socket = ask(s, "/big")) {
			// 2 MiB, then a pause of 250 ms, and so on: eight pauses, 2 s in all (twice the timeout),
			// output waiting all along
			InputStream in = socket.getInputStream();
			byte[] buf = new byte[2 << 20];
			long n = 0;
			long start = System.nanoTime();
			while (n < BIG) {
				int burst = 0;
				while (burst < buf.length && n + burst < BIG) {
					int r = in.read(buf, burst, buf.length - burst);
					assertThat(r).as("closed after " + (n + burst) + " bytes").isPositive();
					burst += r;
				}
				n += burst;
				Thread.sleep(250);
			}
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThan(1_500L);
		}
		// pauses shorter than the timeout, on one keep-alive connection with an idle second between
		try (RawHttp c = RawHttp.connect(s.port())) {
			for (int i = 0; i < 2; i++) {
				if (i > 0) {
					Thread.sleep(1_500);
				}
				c.write("GET /big HTTP/1.1\r\nHost: a\r\n\r\n");
				Thread.sleep(600);
				RawHttp.Response r = c.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(r.body()).hasSize(BIG);
			}
		}
	}

	/**
	 * A reader at about 160 KB/s, 8 KiB every 50 ms for 4 s, four times the write timeout: the
	 * server's send buffer has grown to megabytes, and Linux reports the socket writable again
	 * only once half of what it holds is acknowledged, a second of reading or more apart; the
	 * output moves in the kernel all along, which is progress too. A whole body, a streamed one
	 * and a file alike: three such readers at once, one connection each, read in turn.
	 */
	@Test
	void aSlowButSteadyReaderIsNotCut(@TempDir Path dir) throws Exception {
		Path file = Files.write(dir.resolve("big.bin"), new byte[20 << 20]);
		DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).writeTimeout(Duration.ofSeconds(1)).route(r -> r
				.get("/big", (req, res) -> res.sendByteArray(Mono.just(new byte[20 << 20])))
				.get("/stream", (req, res) -> res.sendStream(Flux.<ByteBuffer>generate(k -> k.next(ByteBuffer.wrap(new byte[1024]))).take(20 << 10)))
				.get("/file", (req, res) -> res.sendFile(file))));
		List<String> paths = List.of("/big", "/stream", "/file");
		List<Socket> sockets = new ArrayList<>();
		try {
			for (String path : paths) {
				sockets.add(ask(s, path));
			}
			byte[] buf = new byte[8 * 1024];
			long[] n = new long[paths.size()];
			long start = System.nanoTime();
			while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4)) {
				for (int i = 0; i < paths.size(); i++) {
					int r;
					try {
						r = sockets.get(i).getInputStream().read(buf);
					}
					catch (IOException e) {
						throw new AssertionError(paths.get(i) + " cut after " + n[i] + " bytes and "
								+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms", e);
					}
					assertThat(r).as(paths.get(i) + " closed after " + n[i] + " bytes").isPositive();
					n[i] += r;
				}
				Thread.sleep(50); // the client's pace
			}
			for (int i = 0; i < paths.size(); i++) {
				assertThat(n[i]).as(paths.get(i) + " read steadily").isGreaterThan(64 * 1024L).isLessThan(20 << 20);
			}
		}
		finally {
			for (Socket socket : sockets) {
				socket.close();
			}
		}
	}

	@Test
	void aWebsocketClientThatKeepsReadingIsNotCut() throws Exception {
		DisposableServer s = server(Duration.ofSeconds(1));
		try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/feed")) {
			// 128 messages of 16 KiB, then a pause of 250 ms, eight times: 2 s in all (twice the
			// timeout); the server's frames wait in Mongoose's send buffer all along, and move
			long start = System.nanoTime();
			for (int round = 0; round < 8; round++) {
				for (int i = 0; i < 128; i++) {
					assertThat(ws.read().payload()).hasSize(16 * 1024);
				}
				Thread.sleep(250);
			}
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThan(1_500L);
			assertThat(ends).isEmpty();
		}
	}

	@Test
	void zeroTurnsItOff() throws Exception {
		DisposableServer s = server(Duration.ZERO);
		try (Socket socket = ask(s, "/big")) {
			assertThat(ends.poll(3, TimeUnit.SECONDS)).as("still sending after 3 s").isNull();
			assertThat(RawHttp.countUntilClosed(socket.getInputStream())).isGreaterThan(BIG);
			assertThat(ends.poll(10, TimeUnit.SECONDS)).isEqualTo("sent");
		}
		assertThatThrownBy(() -> HttpServer.create().writeTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
		assertThat(HttpServer.create().configuration().writeTimeout()).isEqualTo(HttpServer.DEFAULT_WRITE_TIMEOUT);
	}

	@Test
	void aWebsocketClientThatStopsReadingIsClosedToo() throws Exception {
		DisposableServer s = server(Duration.ofSeconds(1));
		try (RawWebSocket ws = RawWebSocket.connect(s.port(), "/feed")) {
			long t0 = System.nanoTime();
			assertThat(ends.poll(15, TimeUnit.SECONDS)).isEqualTo("ws error: AbortedException"); // a ConnectionClosedException
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000L);
		}
	}
}
