/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@link HttpServer#httpRequestDecoder}: the request line limit (414, also before the line has
 * ended), the head limit next to it (431), a second {@code Content-Length}, and the settings it
 * refuses; over raw sockets and the JDK client.
 */
class HttpRequestDecoderSpecTest extends BaseHttpTest {

	private final AtomicInteger handled = new AtomicInteger();

	private DisposableServer server(HttpServer base) {
		return bind(base.route(r -> r
				.get("/**", (req, res) -> {
					handled.incrementAndGet();
					return res.sendString(Mono.just("uri " + req.uri().length()));
				})
				.post("/echo", (req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveString().defaultIfEmpty("").map(s -> "got " + s));
				})));
	}

	/** A GET whose request line ({@code GET <target> HTTP/1.1}) is {@code length} bytes. */
	private static String lineOf(int length) {
		String prefix = "GET /";
		String suffix = " HTTP/1.1";
		return prefix + "a".repeat(length - prefix.length() - suffix.length()) + suffix;
	}

	@Test
	void aRequestLineLongerThanTheLimitIsAnswered414AndTheOneAtTheLimitIsServed() throws Exception {
		DisposableServer s = server(HttpServer.create().httpRequestDecoder(spec -> spec.maxInitialLineLength(100)));
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(lineOf(100) + "\r\nHost: x\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			// the same connection goes on
			c.write(lineOf(64) + "\r\nHost: x\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(200);
		}
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(lineOf(101) + "\r\nHost: x\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(414);
			assertThat(r.reason()).isEqualTo("URI Too Long");
			assertThat(r.bodyString()).isEqualTo("request target too long\n");
			assertThat(r.header("Connection")).isEqualTo("close");
			assertThat(c.isClosedByPeer()).isTrue();
		}
		// a line that has not ended yet is refused as soon as it is longer than the limit
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write("GET /" + "b".repeat(300));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(414);
			assertThat(c.isClosedByPeer()).isTrue();
		}
		assertThat(handled.get()).isEqualTo(2);
		// the head limit still counts the whole head: a short line with long headers is 431
		DisposableServer small = server(HttpServer.create()
				.httpRequestDecoder(spec -> spec.maxInitialLineLength(100).maxHeaderSize(512)));
		try (RawHttp c = RawHttp.connect(small.port())) {
			c.write(lineOf(80) + "\r\nHost: x\r\nX-Big: " + "c".repeat(600) + "\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(431);
		}
	}

	@Test
	void byDefaultTheLineFollowsTheHeadLimit() throws Exception {
		String target = "/" + "t".repeat(20_000);
		DisposableServer standard = server(HttpServer.create());
		try (RawHttp c = RawHttp.connect(standard.port())) {
			c.write("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(414);
		}
		// a larger head limit lets a longer line through, unless the line has a limit of its own
		DisposableServer roomy = server(HttpServer.create().maxHeaderSize(32 * 1024));
		try (RawHttp c = RawHttp.connect(roomy.port())) {
			c.write("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("uri " + target.length());
		}
		DisposableServer lined = server(HttpServer.create().maxHeaderSize(32 * 1024)
				.httpRequestDecoder(spec -> spec.maxInitialLineLength(8192)));
		try (RawHttp c = RawHttp.connect(lined.port())) {
			c.write("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(414);
		}
	}

	/** A GET with {@code lines} header lines: Host, then X-H-1 ... */
	private static String manyLines(String target, int lines) {
		StringBuilder b = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
		for (int i = 1; i < lines; i++) {
			b.append("X-H-").append(i).append(": v").append(i).append("\r\n");
		}
		return b.append("\r\n").toString();
	}

	/**
	 * 150 short header lines (2 KB, within the 16 KiB head) are served, all of them seen by the
	 * handler, and the connection goes on; a WebSocket upgrade with as many is accepted. Both
	 * were answered 431 "too many request headers" from 100 lines on (Reactor Netty serves them).
	 */
	@Test
	void oneHundredFiftyHeaderLinesAreServedAndAllSeen() throws Exception {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/count", (req, res) -> res.sendString(Mono.just(req.requestHeaders().size() + " "
						+ req.requestHeaders().get("X-H-149"))))
				.ws("/ws", (in, out) -> out.sendString(Mono.just("hi")))));
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(manyLines("/count", 150));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("150 v149");
			c.write(manyLines("/count", 1000)); // the default limit, 14 KB: still served
			assertThat(c.read().bodyString()).isEqualTo("1000 v149");
		}
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(manyLines("/ws", 146).replace("Host: x\r\n", "Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
					+ "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"));
			assertThat(c.readHead().status()).isEqualTo(101);
		}
	}

	/**
	 * More header lines than {@code maxHeaderCount} are answered 431 with the reason and the
	 * connection closed, as for a head over {@code maxHeaderSize}; as many as the limit are served
	 * and the connection kept. The default, 1,000, refuses 1,001 lines of a head within its size.
	 */
	@Test
	void moreHeaderLinesThanMaxHeaderCountAreAnswered431() throws Exception {
		DisposableServer s = server(HttpServer.create().httpRequestDecoder(spec -> spec.maxHeaderCount(20)));
		try (LogCapture log = LogCapture.allLevels(HttpServer.class.getName()); RawHttp c = RawHttp.connect(s.port())) {
			c.write(manyLines("/a", 20));
			assertThat(c.read().status()).isEqualTo(200);
			c.write(manyLines("/b", 21));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(431);
			assertThat(r.bodyString()).isEqualTo("too many request headers (more than 20 lines)\n");
			assertThat(r.header("Connection")).isEqualTo("close");
			assertThat(c.isClosedByPeer()).isTrue();
			// the server's log says why (the access log has the 431 and the request line)
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (log.lines().stream().noneMatch(l -> l.contains("rejected")) && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(log.lines()).anyMatch(l -> l.matches(
					"connection \\d+: request rejected with 431 \\(too many request headers \\(more than 20 lines\\)\\)"));
		}
		assertThat(handled.get()).isEqualTo(1);
		DisposableServer standard = server(HttpServer.create());
		try (RawHttp c = RawHttp.connect(standard.port())) {
			c.write(manyLines("/c", 1001));
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(431);
			assertThat(r.bodyString()).isEqualTo("too many request headers (more than 1000 lines)\n");
			assertThat(c.isClosedByPeer()).isTrue();
		}
		// up to what the native build parses, given the room
		DisposableServer most = server(HttpServer.create().maxHeaderSize(64 * 1024)
				.httpRequestDecoder(spec -> spec.maxHeaderCount(HttpServer.MAX_HEADER_COUNT)));
		try (RawHttp c = RawHttp.connect(most.port())) {
			c.write(manyLines("/d", 2000));
			assertThat(c.read().status()).isEqualTo(200);
			c.write(manyLines("/e", 2001));
			assertThat(c.read().bodyString()).isEqualTo("too many request headers (more than 2000 lines)\n");
		}
		assertThat(handled.get()).isEqualTo(2);
	}

	@Test
	void theJdkClientsLongUriGets414() throws Exception {
		DisposableServer s = server(HttpServer.create().httpRequestDecoder(spec -> spec.maxInitialLineLength(4096)));
		HttpClient jdk = jdkClient();
		HttpResponse<String> ok = jdk.send(HttpRequest.newBuilder(uri(s, "/q?x=" + "1".repeat(4000))).timeout(TIMEOUT).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(ok.statusCode()).isEqualTo(200);
		HttpResponse<String> tooLong = jdk.send(HttpRequest.newBuilder(uri(s, "/q?x=" + "1".repeat(5000))).timeout(TIMEOUT)
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(tooLong.statusCode()).isEqualTo(414);
	}

	@Test
	void aSecondContentLengthIsAnswered400EvenWithTheSameValue() throws Exception {
		DisposableServer strict = server(HttpServer.create().httpRequestDecoder(spec -> spec.allowDuplicateContentLengths(false)));
		for (String twice : new String[] {
				"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
				"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello"}) {
			try (RawHttp c = RawHttp.connect(strict.port())) {
				c.write(twice);
				assertThat(c.read().status()).as(twice).isEqualTo(400);
				assertThat(c.isClosedByPeer()).isTrue();
			}
		}
		assertThat(handled.get()).isZero();
	}

	@Test
	void theSpecStartsFromTheServersSettingsAndRefusesWhatCannotBeHonoured() {
		HttpServer base = HttpServer.create().maxHeaderSize(4096);
		base.httpRequestDecoder(spec -> {
			assertThat(spec.maxHeaderSize()).isEqualTo(4096);
			assertThat(spec.maxInitialLineLength()).isEqualTo(4096);
			assertThat(spec.allowDuplicateContentLengths()).isFalse();
			assertThat(spec.validateHeaders()).isTrue();
			return spec;
		});
		HttpServer changed = base.httpRequestDecoder(spec -> spec.maxInitialLineLength(2048).maxHeaderSize(8192)
				.allowDuplicateContentLengths(false).validateHeaders(true).initialBufferSize(256).maxChunkSize(16384)
				.h2cMaxContentLength(0));
		assertThat(changed.configuration().maxHeaderSize()).isEqualTo(8192);
		assertThat(changed.configuration().maxInitialLineLength()).isEqualTo(2048);
		// a later call starts from there
		changed.httpRequestDecoder(spec -> {
			assertThat(spec.maxInitialLineLength()).isEqualTo(2048);
			return spec;
		});
		// the line is never longer than the head
		assertThat(changed.maxHeaderSize(1024).configuration().maxInitialLineLength()).isEqualTo(1024);
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.validateHeaders(false)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("always validates");
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.allowDuplicateContentLengths(true)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("always answered 400");
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.maxInitialLineLength(10)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64..1048576");
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.maxHeaderSize(100)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256..1048576");
		assertThat(base.configuration().maxHeaderCount()).isEqualTo(HttpServer.DEFAULT_MAX_HEADER_COUNT);
		assertThat(base.httpRequestDecoder(spec -> spec.maxHeaderCount(150)).configuration().maxHeaderCount()).isEqualTo(150);
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.maxHeaderCount(0)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeaderCount must be 1..2000");
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> spec.maxHeaderCount(2001)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxHeaderCount must be 1..2000");
		assertThatThrownBy(() -> base.httpRequestDecoder(spec -> null))
				.isInstanceOf(NullPointerException.class).hasMessageContaining("returned null");
	}
}
