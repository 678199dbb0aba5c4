/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code HttpServer.compress(...)}: gzip for clients that accept it, on whole, streamed and
 * file bodies, with the size and predicate conditions, keep-alive kept; checked with raw
 * requests (the bytes on the wire, inflated here), curl and Reactor Netty's client.
 */
class HttpCompressionTest extends BaseHttpTest {

	/** 20 KB of text that compresses well, and differs per line. */
	static final String TEXT = text(20_000);

	static String text(int size) {
		StringBuilder b = new StringBuilder(size + 40);
		for (int i = 0; b.length() < size; i++) {
			b.append("line ").append(i).append(": the quick brown fox\n");
		}
		return b.substring(0, size);
	}

	static byte[] gunzip(byte[] gz) throws IOException {
		try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
			return in.readAllBytes();
		}
	}

	private DisposableServer server(HttpServer base, @TempDir Path dir) throws IOException {
		Path file = Files.writeString(dir.resolve("page.txt"), TEXT);
		return bind(base.route(r -> r
				.get("/text", (req, res) -> res.header("Content-Type", "text/plain").sendString(Mono.just(TEXT)))
				.get("/small", (req, res) -> res.header("Content-Type", "text/plain").sendString(Mono.just("tiny")))
				.get("/png", (req, res) -> res.header("Content-Type", "image/png").sendString(Mono.just(TEXT)))
				.get("/encoded", (req, res) -> res.header("Content-Encoding", "br").sendString(Mono.just(TEXT)))
				.get("/empty", (req, res) -> res.status(204).send())
				.get("/stream", (req, res) -> res.header("Content-Type", "text/plain")
						.sendStream(Flux.range(0, 200).map(i -> ByteBuffer.wrap(text(100).replace("line", "l" + i)
								.getBytes(StandardCharsets.US_ASCII)))))
				.get("/file", (req, res) -> res.header("Content-Type", "text/plain").sendFile(file))
				.get("/sse", (req, res) -> res.sendSse(Flux.concat(
						Mono.just(ServerSentEvent.of("first")),
						Mono.delay(Duration.ofSeconds(30)).map(x -> ServerSentEvent.of("late")))))));
	}

	@Test
	void aWholeBodyIsGzippedWithItsLengthAndTheConnectionKept(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: deflate, gzip\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(r.header("Vary")).isEqualTo("Accept-Encoding");
			assertThat(r.isChunked()).isFalse();
			assertThat(Integer.parseInt(r.header("Content-Length"))).isEqualTo(r.body().length).isLessThan(TEXT.length() / 4);
			assertThat(new String(gunzip(r.body()), StandardCharsets.US_ASCII)).isEqualTo(TEXT);
			// no Accept-Encoding, gzip refused with q=0, HEAD: on the same connection
			c.write("GET /text HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response plain = c.read();
			assertThat(plain.header("Content-Encoding")).isNull();
			assertThat(plain.bodyString()).isEqualTo(TEXT);
			c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0, identity\r\n\r\n");
			assertThat(c.read().header("Content-Encoding")).isNull();
			c.write("HEAD /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: *\r\n\r\n");
			RawHttp.Response head = c.read(true);
			assertThat(head.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(head.header("Content-Length")).isEqualTo(r.header("Content-Length"));
		}
	}

	/**
	 * An {@code Accept-Encoding} element of separators only ({@code ;}) from a client: choosing the
	 * coding threw an {@code ArrayIndexOutOfBoundsException} ({@code ";".split(";")} has no
	 * element; found by {@code ServerParsersFuzzTest}) on the poll thread. Such an element names
	 * no coding and is skipped: the answer is plain, or gzip when another element takes it.
	 */
	@Test
	void anAcceptEncodingElementWithoutACodingIsSkipped(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ;\r\n\r\n");
			RawHttp.Response plain = c.read();
			assertThat(plain.status()).isEqualTo(200);
			assertThat(plain.header("Content-Encoding")).isNull();
			assertThat(plain.bodyString()).isEqualTo(TEXT);
			c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ;, gzip\r\n\r\n");
			RawHttp.Response gz = c.read();
			assertThat(gz.status()).isEqualTo(200);
			assertThat(gz.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(new String(gunzip(gz.body()), StandardCharsets.US_ASCII)).isEqualTo(TEXT);
		}
	}

	@Test
	void whatIsEncodedAlreadyOrHasNoBodyIsLeftAlone(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /encoded HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.header("Content-Encoding")).isEqualTo("br");
			assertThat(r.bodyString()).isEqualTo(TEXT);
			c.write("GET /empty HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response empty = c.read();
			assertThat(empty.status()).isEqualTo(204);
			assertThat(empty.header("Content-Encoding")).isNull();
		}
	}

	@Test
	void theMinimumSizeAndThePredicateDecide(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(1024)
				.compress((req, res) -> !"image/png".equals(res.responseHeaders().get("Content-Type"))), dir);
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /small HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response small = c.read();
			assertThat(small.header("Content-Encoding")).isNull();
			assertThat(small.bodyString()).isEqualTo("tiny");
			c.write("GET /png HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			assertThat(c.read().header("Content-Encoding")).isNull();
			c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			assertThat(c.read().header("Content-Encoding")).isEqualTo("gzip");
		}
		// off again: compress(false) and a negative size
		for (HttpServer off : new HttpServer[] {HttpServer.create().compress(true).compress(false),
				HttpServer.create().compress(true).compress(-1)}) {
			DisposableServer plain = server(off, dir);
			try (RawHttp c = RawHttp.connect(plain.port())) {
				c.write("GET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
				assertThat(c.read().header("Content-Encoding")).isNull();
			}
		}
	}

	/**
	 * RFC 9110 12.5.5: the identity answer to a client that does not take gzip depends on
	 * {@code Accept-Encoding} as much as the gzip one does, so it says {@code Vary} too (nginx's
	 * {@code gzip_vary on}); a shared cache would otherwise hand it to clients that take gzip.
	 * Answers that would never be compressed (below the minimum size, refused by the predicate,
	 * encoded already) do not vary.
	 */
	@Test
	void theIdentityAnswerOfACompressibleResponseSaysItVaries(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(1024)
				.compress((req, res) -> !"image/png".equals(res.responseHeaders().get("Content-Type"))), dir);
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String path : new String[] {"/text", "/stream", "/file"}) {
				c.write("GET " + path + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.header("Content-Encoding")).as(path).isNull();
				assertThat(r.header("Vary")).as(path).isEqualTo("Accept-Encoding");
			}
			for (String path : new String[] {"/small", "/png", "/encoded"}) {
				c.write("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
				assertThat(c.read().header("Vary")).as(path).isNull();
			}
		}
		DisposableServer off = server(HttpServer.create(), dir);
		try (RawHttp c = RawHttp.connect(off.port())) {
			c.write("GET /text HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().header("Vary")).isNull();
		}
	}

	@Test
	void streamedAndFileBodiesAreGzippedChunked(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		StringBuilder expected = new StringBuilder();
		for (int i = 0; i < 200; i++) {
			expected.append(text(100).replace("line", "l" + i));
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /stream HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.isChunked()).isTrue();
			assertThat(r.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(new String(gunzip(r.body()), StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
			// sendFile: through the heap when compressed (sendfile(2) sends the file's bytes as they are)
			c.write("GET /file HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response f = c.read();
			assertThat(f.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(f.header("Content-Length")).isNull();
			assertThat(new String(gunzip(f.body()), StandardCharsets.US_ASCII)).isEqualTo(TEXT);
			c.write("GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response raw = c.read();
			assertThat(raw.header("Content-Length")).isEqualTo(String.valueOf(TEXT.length()));
			assertThat(raw.bodyString()).isEqualTo(TEXT);
		}
		// HTTP/1.0: no chunks, the body ends with the connection, and still is whole gzip
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /stream HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response head = c.readHead();
			assertThat(head.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(new String(gunzip(c.readToEof()), StandardCharsets.US_ASCII)).isEqualTo(expected.toString());
		}
	}

	/**
	 * A static file gzipped on the fly is not the identity's bytes: its strong ETag becomes weak
	 * (as nginx's gzip does), so a client resuming the gzip download with If-Range gets the
	 * whole answer again instead of identity bytes to splice on (RFC 9110, 8.8.3 and 13.1.5),
	 * and no ranges are offered on it; the ETag still validates a cached copy (304).
	 */
	@Test
	void aFileGzippedOnTheFlyHasAWeakValidator(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("page.txt"), TEXT);
		DisposableServer server = bind(HttpServer.create().compress(true).route(r -> r.directory("/static", dir)));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response identity = c.read();
			String strong = identity.header("ETag");
			assertThat(strong).startsWith("\"");
			assertThat(identity.header("Accept-Ranges")).isEqualTo("bytes");
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response gz = c.read();
			assertThat(gz.header("Content-Encoding")).isEqualTo("gzip");
			assertThat(gz.header("ETag")).isEqualTo("W/" + strong);
			assertThat(gz.header("Accept-Ranges")).isNull();
			assertThat(new String(gunzip(gz.body()), StandardCharsets.US_ASCII)).isEqualTo(TEXT);
			// resuming with the weak tag: not a strong match, so the whole (gzipped) answer
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nRange: bytes=100-\r\nIf-Range: "
					+ gz.header("ETag") + "\r\n\r\n");
			RawHttp.Response resumed = c.read();
			assertThat(resumed.status()).isEqualTo(200);
			assertThat(new String(gunzip(resumed.body()), StandardCharsets.US_ASCII)).isEqualTo(TEXT);
			// revalidating with it: 304
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: "
					+ gz.header("ETag") + "\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(304);
		}
	}

	/**
	 * RFC 9110 15.4.5: a 304 carries the ETag and Vary its 200 would have. The 304 of a file
	 * gzipped on the fly carried the strong ETag and no Vary (a cache then stored a validator
	 * that was not the one of its copy); now it carries the weak one and Vary, and a file too
	 * small to compress, or a client that does not take gzip, still gets the strong one.
	 */
	@Test
	void theNotModifiedOfAGzippedFileCarriesItsWeakETagAndVary(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("page.txt"), TEXT);
		Files.writeString(dir.resolve("small.txt"), "tiny");
		DisposableServer server = bind(HttpServer.create().compress(1024).route(r -> r.directory("/static", dir)));
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response gz = c.read();
			assertThat(gz.header("ETag")).startsWith("W/\"");
			assertThat(gz.header("Vary")).isEqualTo("Accept-Encoding");
			for (String tag : new String[] {gz.header("ETag"), gz.header("ETag").substring(2)}) {
				c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: " + tag
						+ "\r\n\r\n");
				RawHttp.Response nm = c.read();
				assertThat(nm.status()).isEqualTo(304);
				assertThat(nm.header("ETag")).isEqualTo(gz.header("ETag"));
				assertThat(nm.header("Vary")).isEqualTo("Accept-Encoding");
				assertThat(nm.header("Accept-Ranges")).isNull();
			}
			c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + gz.header("ETag") + "\r\n\r\n");
			RawHttp.Response identity = c.read();
			assertThat(identity.status()).isEqualTo(304);
			assertThat(identity.header("ETag")).isEqualTo(gz.header("ETag").substring(2));
			assertThat(identity.header("Vary")).isEqualTo("Accept-Encoding"); // as its identity 200's
			c.write("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response small = c.read();
			assertThat(small.header("ETag")).startsWith("\"");
			c.write("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: "
					+ small.header("ETag") + "\r\n\r\n");
			RawHttp.Response smallNm = c.read();
			assertThat(smallNm.status()).isEqualTo(304);
			assertThat(smallNm.header("ETag")).isEqualTo(small.header("ETag"));
			assertThat(smallNm.header("Vary")).isNull();
		}
	}

	/**
	 * RFC 9110 15.3.7: a 206 carries the Vary its 200 would have. A range of a file the server
	 * gzips on the fly (the range is of the identity bytes, for a client that takes gzip or
	 * not) had no Vary, where its 200s say Vary: Accept-Encoding (REDbot: "The partial response
	 * is missing required headers: vary"; nginx's 206 has it); a file too small to compress
	 * still has none.
	 */
	@Test
	void aRangeOfAFileGzippedOnTheFlyVariesAsItsWholeDoes(@TempDir Path dir) throws Exception {
		Files.writeString(dir.resolve("page.txt"), TEXT);
		Files.writeString(dir.resolve("small.txt"), "tiny");
		DisposableServer server = bind(HttpServer.create().compress(1024).route(r -> r.directory("/static", dir)));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String accept : new String[] {"", "Accept-Encoding: gzip\r\n"}) {
				c.write("GET /static/page.txt HTTP/1.1\r\nHost: x\r\n" + accept + "Range: bytes=0-9\r\n\r\n");
				RawHttp.Response part = c.read();
				assertThat(part.status()).as(accept).isEqualTo(206);
				assertThat(new String(part.body(), StandardCharsets.US_ASCII)).isEqualTo(TEXT.substring(0, 10));
				assertThat(part.header("Content-Encoding")).isNull();
				assertThat(part.header("ETag")).startsWith("\"");
				assertThat(part.header("Vary")).as(accept).isEqualTo("Accept-Encoding");
			}
			c.write("GET /static/small.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\n\r\n");
			RawHttp.Response small = c.read();
			assertThat(small.status()).isEqualTo(206);
			assertThat(small.header("Vary")).isNull();
		}
	}

	/**
	 * Static files in a compressed format already (JPEG, WOFF2, ZIP, MP4) were gzipped on the
	 * fly too: CPU time on the poll thread for a body that comes out larger (REDbot: "Content
	 * negotiation for gzip compression makes the response larger"; nginx's gzip_types leave
	 * them out), and no ranges offered on them. They are now sent as they are, with their
	 * strong ETag, Accept-Ranges and no Vary (also on the 304); text and SVG still are gzipped.
	 * The files here hold text, so that gzip would take them if it were asked to.
	 */
	@Test
	void staticFilesInACompressedFormatAreNotGzippedAgain(@TempDir Path dir) throws Exception {
		for (String name : new String[] {"photo.jpg", "font.woff2", "bundle.zip", "clip.mp4", "logo.svg", "page.txt"}) {
			Files.writeString(dir.resolve(name), TEXT);
		}
		DisposableServer server = bind(HttpServer.create().compress(1024).route(r -> r.directory("/static", dir)));
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String name : new String[] {"photo.jpg", "font.woff2", "bundle.zip", "clip.mp4"}) {
				c.write("GET /static/" + name + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.header("Content-Encoding")).as(name).isNull();
				assertThat(r.bodyString()).as(name).isEqualTo(TEXT);
				assertThat(r.header("ETag")).as(name).startsWith("\"");
				assertThat(r.header("Accept-Ranges")).as(name).isEqualTo("bytes");
				assertThat(r.header("Vary")).as(name).isNull();
				c.write("GET /static/" + name + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: "
						+ r.header("ETag") + "\r\n\r\n");
				RawHttp.Response nm = c.read();
				assertThat(nm.status()).as(name).isEqualTo(304);
				assertThat(nm.header("ETag")).as(name).isEqualTo(r.header("ETag"));
				assertThat(nm.header("Vary")).as(name).isNull();
			}
			for (String name : new String[] {"logo.svg", "page.txt"}) {
				c.write("GET /static/" + name + " HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
				RawHttp.Response r = c.read();
				assertThat(r.header("Content-Encoding")).as(name).isEqualTo("gzip");
				assertThat(new String(gunzip(r.body()), StandardCharsets.US_ASCII)).as(name).isEqualTo(TEXT);
			}
		}
	}

	/**
	 * A source that emits at once (Flux.generate) of events that compress to a few bytes each,
	 * read by a fast client, never filled the send buffer to its high-water mark, so the poll
	 * thread kept pulling and compressing without polling again: the loop's other connections
	 * waited (here, for ever), and a client that went away was noticed only once its unsent
	 * output reached the mark, thousands of events later (1.5 to 3.5 s in the audit). The
	 * writer now lets the loop poll between rounds of requests; the loop has one thread, so
	 * the request for /hello is served by the same poll thread that runs the stream.
	 */
	@Test
	void aFastCompressedStreamLetsTheLoopServeItsOtherConnections() throws Exception {
		String big = "0123456789abcdef-".repeat(540); // 9 KB, compressible
		java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
		DisposableServer server = bind(HttpServer.create().compress(true).loops(1).route(r -> r
				.get("/fast", (req, res) -> res.sendSse(Flux.<ServerSentEvent>generate(sink -> sink.next(ServerSentEvent.of(big)))
						.doOnCancel(cancelled::countDown)))
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))));
		RawHttp stream = RawHttp.connect(server.port());
		try {
			stream.write("GET /fast HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			assertThat(stream.readHead().header("Content-Encoding")).isEqualTo("gzip");
			Thread reader = new Thread(() -> { // reads as fast as it comes, until the socket is closed
				byte[] b = new byte[64 * 1024];
				try {
					while (stream.socket().getInputStream().read(b) >= 0) {
						// discarded
					}
				}
				catch (IOException e) {
					// closed below
				}
			}, "fast-stream-reader");
			reader.start();
			try (RawHttp other = RawHttp.connect(server.port())) {
				other.write(RawHttp.get("/hello"));
				RawHttp.Response r = other.read();
				assertThat(r.status()).isEqualTo(200);
				assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
			}
			stream.close(); // the client goes away: the stream is cancelled
			reader.join(10_000);
		}
		finally {
			stream.close();
		}
		assertThat(cancelled.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("the stream was cancelled").isTrue();
	}

	/** Each piece is flushed: an event can be read as soon as it is sent, long before the stream ends. */
	@Test
	void serverSentEventsAreDecodableAsTheyArrive(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(10_000)) {
			c.write("GET /sse HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
			RawHttp.Response head = c.readHead();
			assertThat(head.header("Content-Encoding")).isEqualTo("gzip");
			ByteArrayOutputStream got = new ByteArrayOutputStream();
			Inflater inflater = new Inflater(true);
			byte[] chunk = c.readChunk();
			assertThat(chunk.length).isGreaterThan(10);
			assertThat(chunk[0] & 0xff).isEqualTo(0x1f); // gzip magic
			assertThat(chunk[1] & 0xff).isEqualTo(0x8b);
			inflater.setInput(chunk, 10, chunk.length - 10);
			byte[] out = new byte[1024];
			int n;
			while ((n = inflater.inflate(out)) > 0) {
				got.write(out, 0, n);
			}
			inflater.end();
			assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("data:first\n\n");
		}
	}

	@Test
	void curlAndReactorNettysClientDecodeIt(@TempDir Path dir) throws Exception {
		DisposableServer server = server(HttpServer.create().compress(true), dir);
		String base = "http://127.0.0.1:" + server.port();
		reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create().compress(true);
		for (String path : new String[] {"/text", "/file"}) {
			String body = netty.get().uri(base + path).responseSingle((res, bytes) -> {
				assertThat(res.responseHeaders().get("Content-Encoding")).isNull(); // decoded
				return bytes.asString();
			}).block(Duration.ofSeconds(10));
			assertThat(body).isEqualTo(TEXT);
		}
		Curl.assumeInstalled();
		Curl.Result r = Curl.run("--compressed", "-w", "|%{size_download}", base + "/text");
		assertThat(r.exitCode()).isZero();
		String[] parts = r.stdout().split("\\|");
		assertThat(parts[0]).isEqualTo(TEXT);
		assertThat(Integer.parseInt(parts[1])).as("bytes on the wire").isLessThan(TEXT.length() / 4);
	}
}
