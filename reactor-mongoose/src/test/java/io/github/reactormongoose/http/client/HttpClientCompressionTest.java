/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@code HttpClient.compress(true)}: asks for gzip and decodes it as it streams, whatever the
 * member header carries and however the bytes are cut; refuses corrupt and cut-off bodies; keeps
 * a bomb's output in bounded pieces. Peers: a scripted socket (exact bytes), and this library's
 * server with {@code compress(true)}. (nginx is in {@link ClientInteropTest}.)
 */
class HttpClientCompressionTest extends BaseHttpTest {

	private static byte[] gzip(byte[] data) throws IOException {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (GZIPOutputStream z = new GZIPOutputStream(b)) {
			z.write(data);
		}
		return b.toByteArray();
	}

	/**
	 * {@code n} zero bytes gzipped, fed from a small array: one 64 MiB array given to the
	 * deflater at once made the JVM copy all of it on each of the deflater's native calls under
	 * the tests' {@code -Xcheck:jni} (about 130 of them), 20 to 30 s for this class's bomb.
	 */
	private static byte[] gzipZeros(int n) throws IOException {
		byte[] zeros = new byte[64 * 1024];
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		try (GZIPOutputStream z = new GZIPOutputStream(b)) {
			for (int left = n; left > 0; left -= zeros.length) {
				z.write(zeros, 0, Math.min(zeros.length, left));
			}
		}
		return b.toByteArray();
	}

	/** A gzip member with every optional header field: extra, name, comment and header CRC. */
	private static byte[] gzipWithAllHeaderFields(byte[] data, String name) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		b.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3});
		b.writeBytes(new byte[] {3, 0, 'a', 'b', 'c'}); // FEXTRA: 3 bytes
		b.writeBytes((name + "\0").getBytes(UTF_8));
		b.writeBytes("a comment\0".getBytes(UTF_8));
		b.writeBytes(new byte[] {0x12, 0x34}); // FHCRC (not checked by decoders, as gzip(1))
		Deflater d = new Deflater(9, true);
		d.setInput(data);
		d.finish();
		byte[] buf = new byte[data.length + 64];
		int n = d.deflate(buf);
		d.end();
		b.write(buf, 0, n);
		CRC32 crc = new CRC32();
		crc.update(data);
		long c = crc.getValue();
		for (long v : new long[] {c, data.length}) {
			for (int i = 0; i < 4; i++) {
				b.write((int) (v >>> (8 * i)));
			}
		}
		return b.toByteArray();
	}

	/** A scripted server answering each request with {@code body} as a gzip body, chunked in pieces of {@code piece} bytes. */
	private static ScriptedServer serving(byte[] body, int piece, AtomicInteger requests) throws IOException {
		return new ScriptedServer(c -> {
			while (c.readHead() != null) {
				requests.incrementAndGet();
				c.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n");
				for (int off = 0; off < body.length; off += piece) {
					int n = Math.min(piece, body.length - off);
					c.write(Integer.toHexString(n) + "\r\n");
					c.out.write(body, off, n);
					c.write("\r\n");
					c.out.flush();
				}
				c.write("0\r\n\r\n");
			}
		});
	}

	@Test
	void decodesEveryHeaderFieldConcatenatedMembersAndBytesSplitAnywhere() throws Exception {
		String text = "the quick brown fox jumps over the lazy dog\n".repeat(500);
		ByteArrayOutputStream two = new ByteArrayOutputStream();
		two.writeBytes(gzipWithAllHeaderFields(text.getBytes(UTF_8), "name.txt"));
		two.writeBytes(gzip("and more".getBytes(UTF_8)));
		// a 60,000-byte name: each header byte is looked at once, whatever the pieces
		ByteArrayOutputStream longName = new ByteArrayOutputStream();
		longName.writeBytes(gzipWithAllHeaderFields(text.getBytes(UTF_8), "n".repeat(60_000)));
		longName.writeBytes(gzip("and more".getBytes(UTF_8)));
		record Case(byte[] body, int piece) {
		}
		for (Case k : new Case[] {new Case(two.toByteArray(), 1), new Case(two.toByteArray(), 7),
				new Case(two.toByteArray(), 100_000), new Case(longName.toByteArray(), 1_000)}) {
			byte[] body = k.body();
			int piece = k.piece();
			AtomicInteger requests = new AtomicInteger();
			try (ScriptedServer s = serving(body, piece, requests)) {
				HttpClient client = HttpClient.create().runOn(newLoop()).compress(true);
				String[] encoding = new String[1];
				String got = client.get().uri(s.url("/")).responseSingle((res, bytes) -> {
					encoding[0] = res.responseHeaders().get("Content-Encoding");
					return bytes.map(b -> new String(b, UTF_8));
				}).block(TIMEOUT);
				assertThat(got).as("pieces of %d bytes", piece).isEqualTo(text + "and more");
				assertThat(encoding[0]).as("decoded: no Content-Encoding left").isNull();
				assertThat(s.requests.get(0)).containsIgnoringCase("Accept-Encoding: gzip\r\n");
			}
		}
	}

	@Test
	void corruptOrCutOffBodiesFail() throws Exception {
		byte[] good = gzip("hello, hello, hello".getBytes(UTF_8));
		byte[] badCrc = good.clone();
		badCrc[badCrc.length - 6] ^= 1;
		byte[] cut = java.util.Arrays.copyOf(good, good.length - 3);
		byte[] notGzip = "plain text, not gzip".getBytes(UTF_8);
		for (byte[] body : new byte[][] {badCrc, cut, notGzip}) {
			try (ScriptedServer s = serving(body, 1000, new AtomicInteger())) {
				HttpClient client = HttpClient.create().runOn(newLoop()).compress(true);
				StepVerifier.create(client.get().uri(s.url("/")).responseSingle((res, b) -> b))
						.expectError(MalformedResponseException.class)
						.verify(TIMEOUT);
			}
		}
	}

	/** 64 MiB of zeros in about 64 KB of gzip: decoded in pieces of at most 64 KiB, as the subscriber asks. */
	@Test
	void aBombComesOutInBoundedPieces() throws Exception {
		byte[] bomb = gzipZeros(64 << 20);
		assertThat(bomb.length).isLessThan(100_000);
		try (ScriptedServer s = serving(bomb, 16 * 1024, new AtomicInteger())) {
			HttpClient client = HttpClient.create().runOn(newLoop()).compress(true);
			AtomicLong largest = new AtomicLong();
			long total = client.get().uri(s.url("/")).responseContent()
					.doOnNext(b -> largest.accumulateAndGet(b.remaining(), Math::max))
					.limitRate(4)
					.map(ByteBuffer::remaining).reduce(0L, (a, b) -> a + b).block(TIMEOUT);
			assertThat(total).isEqualTo(64L << 20);
			assertThat(largest.get()).isLessThanOrEqualTo(64 * 1024);
		}
	}

	/**
	 * A piece of a bomb (16 KiB of gzip, about 16 MiB of zeros) is inflated as its output is
	 * pulled, 64 KiB at a time: it was inflated whole on arrival, into a list of 64 KiB buffers
	 * that the subscriber then took one by one, so one piece could hold about 1,000 times its
	 * size at once.
	 */
	@Test
	void aPieceOfABombIsInflatedOnlyAsItsOutputIsPulled() throws Exception {
		byte[] bomb = gzipZeros(64 << 20);
		GzipDecoder d = new GzipDecoder();
		Iterator<ByteBuffer> out = d.feed(ByteBuffer.wrap(bomb, 0, 16 * 1024)).iterator();
		assertThat(out.next().remaining()).isEqualTo(64 * 1024);
		assertThat(d.decodedBytes()).as("bytes inflated for the first 64 KiB pulled").isLessThanOrEqualTo(64 * 1024);
		long total = 64 * 1024;
		while (out.hasNext()) {
			total += out.next().remaining();
		}
		assertThat(total).as("the piece's whole output").isGreaterThan(8L << 20).isEqualTo(d.decodedBytes());
	}

	/**
	 * A JVM error thrown while a body is read (an {@code OutOfMemoryError} gathering a large
	 * body; provoked here by the reader, which Reactor's operators rethrow) reaches the
	 * subscriber, decoded or not. With gzip it was thrown inside the decoder's operator, which it
	 * left mid-drain: the loop logged it, and the error that failed the response was never
	 * delivered, so the response never ended.
	 */
	@ParameterizedTest
	@ValueSource(booleans = {true, false})
	void anErrorThrownWhileTheBodyIsReadReachesTheSubscriber(boolean compress) throws Exception {
		byte[] body = gzip(new byte[1 << 20]);
		try (ScriptedServer s = serving(body, 1000, new AtomicInteger())) {
			HttpClient client = HttpClient.create().runOn(newLoop()).compress(compress);
			StepVerifier.create(client.get().uri(s.url("/")).response((res, b) -> b.doOnNext(x -> {
				throw new OutOfMemoryError("provoked: a body too large for the heap");
			})))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(OutOfMemoryError.class).hasMessageContaining("provoked"))
					.verify(TIMEOUT);
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.clientClosed.get() == 0 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(s.clientClosed).as("the client closed the connection").hasValue(1);
		}
	}

	@Test
	void withThisLibrarysServerAndItsOwnAcceptEncoding() throws Exception {
		String page = "<p>compressed both ways</p>\n".repeat(400);
		DisposableServer server = bind(HttpServer.create().compress(true).route(r -> r
				.get("/page", (req, res) -> res.header("X-Asked", String.valueOf(req.requestHeaders().get("Accept-Encoding")))
						.sendString(Mono.just(page)))
				.get("/stream", (req, res) -> res.sendString(Flux.range(0, 100).map(i -> "line " + i + "\n")))));
		HttpClient client = HttpClient.create().runOn(newLoop()).compress(true).baseUrl("http://127.0.0.1:" + server.port());
		assertThat(client.get().uri("/page").responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Asked")
				+ "|" + res.responseHeaders().get("Content-Length") + "|" + new String(x, UTF_8))).block(TIMEOUT))
				.isEqualTo("gzip|null|" + page);
		StringBuilder lines = new StringBuilder();
		for (int i = 0; i < 100; i++) {
			lines.append("line ").append(i).append('\n');
		}
		assertThat(client.get().uri("/stream").responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT))
				.isEqualTo(lines.toString());
		// the application's own Accept-Encoding wins: identity, so nothing to decode
		assertThat(client.headers(h -> h.set("Accept-Encoding", "identity")).get().uri("/page")
				.responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Asked") + "|" + new String(x, UTF_8)))
				.block(TIMEOUT)).isEqualTo("identity|" + page);
		// without compress(true): the server's gzip is not asked for
		assertThat(HttpClient.create().runOn(newLoop()).get().uri("http://127.0.0.1:" + server.port() + "/page")
				.responseSingle((res, b) -> b.map(x -> res.responseHeaders().get("X-Asked"))).block(TIMEOUT)).isEqualTo("null");
	}

	/**
	 * The decoder asks the body for one piece at a time, as the subscriber asks for output: the
	 * client's rule (16 pieces queue without demand, then the socket is not read) holds for a
	 * compressed body too. It asked for 256 ahead (concatMapIterable's default prefetch), so a
	 * consumer with no demand let about 4 MiB more of a compressed body be read.
	 */
	@Test
	void theDecoderTakesOnePieceAheadOfItsSubscriber() throws Exception {
		byte[] member = gzip("x".repeat(4096).getBytes(UTF_8));
		AtomicLong requested = new AtomicLong();
		AtomicInteger decoded = new AtomicInteger();
		Flux<ByteBuffer> body = Flux.range(0, 1000).map(i -> ByteBuffer.wrap(member)).doOnRequest(n -> requested.addAndGet(n))
				.hide(); // as the client's body: no fusion, demand by request(n)
		reactor.core.publisher.BaseSubscriber<ByteBuffer> one = new reactor.core.publisher.BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
				request(1);
			}

			@Override
			protected void hookOnNext(ByteBuffer value) {
				decoded.incrementAndGet();
			}
		};
		GzipDecoder.decode(body).subscribe(one);
		assertThat(decoded).hasValue(1);
		assertThat(requested.get()).as("pieces asked of the body for one decoded piece").isLessThanOrEqualTo(2);
		one.request(10);
		assertThat(decoded).hasValue(11);
		assertThat(requested.get()).isLessThanOrEqualTo(12);
		one.cancel();
	}
}
