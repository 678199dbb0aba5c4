/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A publisher that emits synchronously has its items gathered into larger sends (the poll
 * thread corks the connection for the length of each request). The items are copied as they
 * are written, so a producer that refills one buffer for every item still sends the right
 * bytes; gathered bytes keep their place before whatever follows (the end of the response,
 * the next pipelined response), with fast and stalled readers, direct and heap buffers,
 * Content-Length and chunked framing.
 */
class GatheredWritesTest extends BaseHttpTest {

	/** Item i of a generated body: {@code size} bytes that depend on i and on their index. */
	private static void fill(ByteBuffer b, int i, int size) {
		b.clear();
		for (int j = 0; j < size; j++) {
			b.put((byte) (i * 31 + j * 7 + (j >> 8)));
		}
		b.flip();
	}

	/** The digest of the body that {@link #reused} produces. */
	private static byte[] expected(int items, int size) throws Exception {
		MessageDigest md = MessageDigest.getInstance("SHA-256");
		ByteBuffer b = ByteBuffer.allocate(size);
		for (int i = 0; i < items; i++) {
			fill(b, i, size);
			md.update(b);
		}
		return md.digest();
	}

	/** {@code items} items of {@code size} bytes, all in one buffer refilled for each item. */
	private static Flux<ByteBuffer> reused(int items, int size, boolean direct, AtomicInteger made) {
		ByteBuffer one = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
		return Flux.<ByteBuffer, Integer>generate(() -> 0, (i, sink) -> {
			if (i == items) {
				sink.complete();
				return i;
			}
			fill(one, i, size);
			made.incrementAndGet();
			sink.next(one);
			return i + 1;
		});
	}

	private static int param(HttpServerRequest req, String name) {
		return Integer.parseInt(req.queryParams().get(name).get(0));
	}

	private DisposableServer server(AtomicInteger made) {
		return bind(HttpServer.create().route(r -> r
				.get("/gen", (req, res) -> {
					int items = param(req, "items");
					int size = param(req, "size");
					boolean direct = "1".equals(req.queryParams().get("direct").get(0));
					if ("1".equals(req.queryParams().get("length").get(0))) {
						res.header("Content-Length", Long.toString((long) items * size));
					}
					return res.sendStream(reused(items, size, direct, made));
				})
				.get("/after", (req, res) -> res.sendString(Mono.just("after")))));
	}

	@Test
	void aGeneratorThatRefillsOneBufferSendsTheRightBytes() throws Exception {
		AtomicInteger made = new AtomicInteger();
		DisposableServer server = server(made);
		// sizes: small items (many per send), 64 KiB (16 per send), larger than half a gathered send
		List<int[]> shapes = List.of(new int[] {3000, 1000}, new int[] {256, 64 * 1024}, new int[] {12, 700 * 1024},
				new int[] {1, 5});
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (int[] shape : shapes) {
				for (String direct : List.of("0", "1")) {
					for (String length : List.of("0", "1")) {
						String q = "items=" + shape[0] + "&size=" + shape[1] + "&direct=" + direct + "&length=" + length;
						c.write("GET /gen?" + q + " HTTP/1.1\r\nHost: x\r\n\r\n");
						RawHttp.Response r = c.read();
						assertThat(r.status()).as(q).isEqualTo(200);
						assertThat(r.isChunked()).as(q).isEqualTo("0".equals(length));
						assertThat(r.body()).as(q).hasSize(shape[0] * shape[1]);
						assertThat(MessageDigest.getInstance("SHA-256").digest(r.body())).as(q)
								.isEqualTo(expected(shape[0], shape[1]));
					}
				}
			}
			// the connection is still in step after all of them
			c.write("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("after");
		}
	}

	@Test
	void aStalledReaderGetsGatheredBytesAndThePipelinedResponseInOrder() throws Exception {
		AtomicInteger made = new AtomicInteger();
		DisposableServer server = server(made);
		int items = 512;
		int size = 64 * 1024; // 32 MiB: far more than the socket buffers take while the reader stalls
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			s.setSoTimeout(RawHttp.READ_TIMEOUT_MS);
			OutputStream out = s.getOutputStream();
			out.write(("GET /gen?items=" + items + "&size=" + size + "&direct=1&length=0 HTTP/1.1\r\nHost: x\r\n\r\n"
					+ "GET /after HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			Thread.sleep(500);
			assertThat(made.get()).as("items produced while the reader stalls").isLessThan(items / 4);
			RawHttp raw = RawHttp.wrap(s);
			RawHttp.Response head = raw.readHead();
			assertThat(head.status()).isEqualTo(200);
			assertThat(head.isChunked()).isTrue();
			MessageDigest md = MessageDigest.getInstance("SHA-256");
			long total = 0;
			byte[] chunk;
			while ((chunk = raw.readChunk()) != null) {
				md.update(chunk);
				total += chunk.length;
			}
			assertThat(total).isEqualTo((long) items * size);
			assertThat(md.digest()).isEqualTo(expected(items, size));
			RawHttp.Response after = raw.read();
			assertThat(after.status()).isEqualTo(200);
			assertThat(after.bodyString()).isEqualTo("after");
		}
	}

	@Test
	void manyStreamsAtOnceToTheJdkClientAreByteExact() throws Exception {
		AtomicInteger made = new AtomicInteger();
		DisposableServer server = server(made);
		HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		byte[] want = expected(300, 10_000);
		List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> all = new java.util.ArrayList<>();
		for (int i = 0; i < 12; i++) {
			HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
					+ "/gen?items=300&size=10000&direct=" + (i % 2) + "&length=" + (i / 2 % 2)))
					.timeout(Duration.ofSeconds(30)).build();
			all.add(client.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()));
		}
		for (var f : all) {
			HttpResponse<byte[]> r = f.get();
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(MessageDigest.getInstance("SHA-256").digest(r.body())).isEqualTo(want);
		}
	}
}
