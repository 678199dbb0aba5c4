/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * The hostile-input corpus: requests a hostile client or a confused proxy sends (smuggling
 * variants, bad lengths, bad chunk framing, NUL and bare CR, malformed heads, absurd targets),
 * each written to a fresh connection. For each, the server must give the status RFC 9112 names
 * (or close without an answer where the RFC allows it), close the connection after refusing a
 * request whose framing it cannot trust, never answer one request twice, never run the handler
 * for a request it refused, and keep serving everyone else.
 */
class HostileRequestTest extends BaseHttpTest {

	DisposableServer server;
	final AtomicInteger handled = new AtomicInteger();

	@BeforeEach
	void start() {
		server = bind(HttpServer.create().route(r -> r
				.get("/healthcheck", (req, res) -> res.sendString(Mono.just("OK")))
				.post("/echo", (req, res) -> {
					handled.incrementAndGet();
					return res.sendString(req.receiveString().defaultIfEmpty("").map(s -> "got " + s.length() + ":" + s));
				})
				.get("/get", (req, res) -> {
					handled.incrementAndGet();
					return res.sendString(Mono.just("target " + req.uri()));
				})
				.options("/*", (req, res) -> res.status(204).send())));
	}

	/** What must come back. */
	sealed interface Expect {
	}

	/** Served: one answer with this status and body, and the connection stays usable. */
	record Served(int status, String body) implements Expect {
	}

	/** Served, then the connection closes (HTTP/1.0). */
	record ServedAndClosed(int status, String body) implements Expect {
	}

	/** Refused: one answer with one of these statuses, then the connection closes. */
	record Refused(Set<Integer> statuses) implements Expect {
	}

	/**
	 * A chunked body refused while it streams: one answer with one of these statuses, then the
	 * connection closes; the handler ran at the head (its body failed).
	 */
	record BodyRefused(Set<Integer> statuses) implements Expect {
	}

	/** Not found or not allowed: one answer, and the connection may stay (the framing was fine). */
	record NotRouted(Set<Integer> statuses) implements Expect {
	}

	/** Refused with an answer, or closed without one (where the RFC leaves the choice). */
	record RefusedOrClosed(Set<Integer> statuses) implements Expect {
	}

	/** Served or refused, the implementation's choice; at most one answer either way. */
	record Either(int servedStatus, Set<Integer> refusedStatuses) implements Expect {
	}

	private static Arguments served(String name, String request, String body) {
		return Arguments.of(name, request, new Served(200, body));
	}

	private static Arguments refused(String name, String request, Integer... statuses) {
		return Arguments.of(name, request, new Refused(Set.of(statuses)));
	}

	private static Arguments bodyRefused(String name, String chunkedBody) {
		return Arguments.of(name, post("Transfer-Encoding: chunked\r\n", chunkedBody), new BodyRefused(Set.of(400)));
	}

	private static Arguments notRouted(String name, String request, Integer... statuses) {
		return Arguments.of(name, request, new NotRouted(Set.of(statuses)));
	}

	private static Arguments refusedOrClosed(String name, String request, Integer... statuses) {
		return Arguments.of(name, request, new RefusedOrClosed(Set.of(statuses)));
	}

	private static Arguments either(String name, String request, Integer... refused) {
		return Arguments.of(name, request, new Either(200, Set.of(refused)));
	}

	private static String post(String headers, String body) {
		return "POST /echo HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
	}

	private static String get(String target) {
		return "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
	}

	static Stream<Arguments> cases() {
		List<Arguments> a = new ArrayList<>();
		// Request smuggling: ambiguous or invalid framing must be refused (400) and the
		// connection closed, so that nothing after it is read as another request.
		a.add(refused("CL and TE: chunked", post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400));
		a.add(refused("TE: chunked and CL", post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400));
		a.add(refused("two different Content-Length", post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), 400));
		a.add(refused("Content-Length list 5, 6", post("Content-Length: 5, 6\r\n", "hello!"), 400));
		a.add(refused("two equal Content-Length", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), 400));
		a.add(refused("Content-Length list 5, 5", post("Content-Length: 5, 5\r\n", "hello"), 400));
		a.add(served("two Cookie headers (cookies are no framing: read as one)",
				"GET /get HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n", "target /get"));
		a.add(refused("two Connection headers",
				"GET /get HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", 400));
		a.add(refused("two Authorization headers",
				"GET /get HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n\r\n", 400));
		a.add(refused("Content-Length +5", post("Content-Length: +5\r\n", "hello"), 400));
		a.add(refused("Content-Length -1", post("Content-Length: -1\r\n", ""), 400));
		a.add(refused("Content-Length 0x5", post("Content-Length: 0x5\r\n", "hello"), 400));
		a.add(refused("Content-Length 1e1", post("Content-Length: 1e1\r\n", "hello"), 400));
		a.add(refused("Content-Length 5 5", post("Content-Length: 5 5\r\n", "hello"), 400));
		a.add(refused("Content-Length empty", post("Content-Length: \r\n", ""), 400));
		a.add(refused("Content-Length overflowing 64 bits", post("Content-Length: 99999999999999999999999\r\n", "hello"), 400, 413));
		a.add(refused("Content-Length 2^64", post("Content-Length: 18446744073709551616\r\n", "hello"), 400, 413));
		a.add(refused("Transfer-Encoding: xchunked", post("Transfer-Encoding: xchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400, 501));
		a.add(refused("Transfer-Encoding: chunked, identity", post("Transfer-Encoding: chunked, identity\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400, 501));
		a.add(refused("Transfer-Encoding: gzip (chunked not last)", post("Transfer-Encoding: gzip\r\n", "hello"), 400, 501));
		a.add(refused("Transfer-Encoding twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400, 501));
		a.add(refused("Transfer-Encoding with a space before the colon", post("Transfer-Encoding : chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400));
		a.add(refused("Content-Length with a tab before the colon", post("Content-Length\t: 5\r\n", "hello"), 400));
		a.add(refused("Transfer-Encoding folded onto another header", post("X-A: b\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "hello"), 400));
		a.add(refused("Transfer-Encoding on HTTP/1.0", "POST /echo HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400));
		// Chunked framing
		a.add(served("chunked body", post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), "got 5:hello"));
		a.add(served("TE value with other case and spaces", post("Transfer-Encoding:  Chunked \r\n", "5\r\nhello\r\n0\r\n\r\n"), "got 5:hello"));
		a.add(served("chunk size in upper-case hex with leading zeros", post("Transfer-Encoding: chunked\r\n", "000A\r\n0123456789\r\n0\r\n\r\n"), "got 10:0123456789"));
		a.add(served("chunk extensions", post("Transfer-Encoding: chunked\r\n", "5;name=\"v\";x\r\nhello\r\n0;end\r\n\r\n"), "got 5:hello"));
		a.add(served("trailer fields (kept for trailerHeaders)", post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-B: 2\r\n\r\n"), "got 5:hello"));
		a.add(served("one-byte chunks", post("Transfer-Encoding: chunked\r\n", "1\r\nh\r\n1\r\ni\r\n0\r\n\r\n"), "got 2:hi"));
		a.add(bodyRefused("chunk size not hex", "zz\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("chunk size over 64 bits", "10000000000000000\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("negative chunk size", "-5\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("chunk size with 0x", "0x5\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("empty chunk-size line", "\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("chunk data longer than its size", "3\r\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("bare LF after the chunk size", "5\nhello\r\n0\r\n\r\n"));
		a.add(bodyRefused("chunk-size line of 5 KiB of extensions", "5;" + "e".repeat(5_000) + "\r\nhello\r\n0\r\n\r\n"));
		// Header syntax
		a.add(refused("NUL in a header value", "GET /get HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 400));
		a.add(refused("NUL in a header name", "GET /get HTTP/1.1\r\nHost: x\r\nX\0A: b\r\n\r\n", 400));
		a.add(refused("bare CR in a header value", "GET /get HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400));
		a.add(refused("bare CR ending the request line", "GET /get HTTP/1.1\rHost: x\r\n\r\n", 400));
		a.add(refused("obs-fold continuation line", "GET /get HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  b\r\n\r\n", 400));
		a.add(refused("space before the colon", "GET /get HTTP/1.1\r\nHost : x\r\n\r\n", 400));
		a.add(refused("header name with a separator", "GET /get HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n", 400));
		a.add(refused("header without a name", "GET /get HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", 400));
		a.add(refused("header line without a colon", "GET /get HTTP/1.1\r\nHost: x\r\nJustAName\r\n\r\n", 400));
		a.add(refused("HTTP/1.1 without Host", "GET /get HTTP/1.1\r\nX-A: b\r\n\r\n", 400));
		a.add(refused("two Host headers", "GET /get HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400));
		a.add(refused("Host with a space", "GET /get HTTP/1.1\r\nHost: a b\r\n\r\n", 400));
		a.add(refused("1001 headers", "GET /get HTTP/1.1\r\nHost: x\r\n" + "X-H: v\r\n".repeat(1000) + "\r\n", 431));
		a.add(refused("a 100 KB header", "GET /get HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000) + "\r\n\r\n", 431));
		a.add(either("bare LF line endings", "GET /get HTTP/1.1\nHost: x\n\n", 400));
		a.add(Arguments.of("HTTP/1.0 without Host", "GET /get HTTP/1.0\r\n\r\n", new ServedAndClosed(200, "target /get")));
		a.add(served("header value with tabs and UTF-8 bytes", "GET /get HTTP/1.1\r\nHost: x\r\nX-A: \ta\tb \u00e9\r\n\r\n", "target /get"));
		// Empty lines where a request line is awaited are skipped (RFC 9112, section 2.2), also the
		// CRLF some clients send after a body: the request behind them is served
		a.add(served("empty lines before the request line", "\r\n\n\r\n" + get("/get"), "target /get"));
		a.add(served("CRLF after a Content-Length body", post("Content-Length: 5\r\n", "hello\r\n"), "got 5:hello"));
		a.add(served("CRLF after a chunked body", post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n\r\n"), "got 5:hello"));
		// Request line
		a.add(refused("HTTP/2.0 in the request line", "GET /get HTTP/2.0\r\nHost: x\r\n\r\n", 505));
		a.add(refused("HTTP/1.1x", "GET /get HTTP/1.1x\r\nHost: x\r\n\r\n", 400));
		a.add(refused("HTTP/1", "GET /get HTTP/1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("lower-case protocol", "GET /get http/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("two spaces in the request line", "GET  /get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("tab separators", "GET\t/get\tHTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("no protocol (HTTP/0.9)", "GET /get\r\n\r\n", 400));
		// refused at its CRLF, not after the head timeout (nothing more comes)
		a.add(refused("no protocol, and nothing after the request line", "GET /get\r\n", 400));
		a.add(refused("no protocol after empty lines, and nothing after it", "\r\nGET /get\r\n", 400));
		a.add(refused("one word, and nothing after the request line", "GARBAGE\r\n", 400));
		a.add(refused("method with a separator", "GE(T /get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("NUL in the target", "GET /get\0x HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("space inside the target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("a 20 KB target", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414));
		a.add(notRouted("unknown method is not routed", "BREW /get HTTP/1.1\r\nHost: x\r\n\r\n", 404, 405, 501));
		a.add(notRouted("lower-case method (methods are case-sensitive)", "get /get HTTP/1.1\r\nHost: x\r\n\r\n", 404, 405, 501));
		a.add(served("absolute-form target", "GET http://x/get?a=1 HTTP/1.1\r\nHost: x\r\n\r\n", "target /get?a=1"));
		// uri() is the target as sent: an empty query keeps its '?'
		a.add(served("empty query", get("/get?"), "target /get?"));
		a.add(served("absolute-form target with an empty query", "GET http://x/get? HTTP/1.1\r\nHost: x\r\n\r\n", "target /get?"));
		// RFC 9110 4.2.4: userinfo in an http(s) URI is an error
		a.add(refused("absolute-form target with userinfo", "GET http://u:p@x/get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("absolute-form target with a user name", "GET http://u@x/get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("authority-form outside CONNECT", "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		// no target form has a fragment (RFC 9112 3.2): http://x#/get was routed as /get
		a.add(refused("fragment in an absolute-form target", "GET http://x#/get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("fragment in an origin-form target", get("/get#top"), 400));
		a.add(refused("absolute-form target without a host", "GET http:///get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		a.add(refused("absolute-form target with a bad host", "GET http://a{b/get HTTP/1.1\r\nHost: x\r\n\r\n", 400));
		// a tunnel is not opened, whatever the target (a 2xx to CONNECT says it is: RFC 9110 9.3.6)
		a.add(refused("CONNECT in authority-form", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 501));
		a.add(refused("CONNECT in origin-form", "CONNECT /get HTTP/1.1\r\nHost: x\r\n\r\n", 501));
		a.add(either("asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400, 404));
		a.add(notRouted("encoded NUL in the path", get("/get%00"), 400, 404));
		a.add(notRouted("invalid percent-encoding", get("/get%zz"), 400, 404));
		a.add(notRouted("dot segments above the root", get("/../../etc/passwd"), 400, 404));
		// Expect
		a.add(refused("Expect: something else", post("Expect: teapot\r\nContent-Length: 5\r\n", "hello"), 417));
		a.add(refused("Expect: 100-continue and something else", post("Expect: 100-continue, teapot\r\nContent-Length: 5\r\n", "hello"), 417));
		// empty list members are ignored (RFC 9110 5.6.1.2): an empty Expect asks nothing
		a.add(served("empty Expect", post("Expect:\r\nContent-Length: 5\r\n", "hello"), "got 5:hello"));
		a.add(served("Expect of empty list members", post("Expect: , ,\r\nContent-Length: 5\r\n", "hello"), "got 5:hello"));
		// garbage
		a.add(refusedOrClosed("TLS ClientHello bytes", "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003", 400));
		a.add(refusedOrClosed("binary garbage", "\u0000\u0001\u0002\u00ff\u00fe\r\n\r\n", 400));
		return a.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("cases")
	void hostileRequest(String name, String request, Expect expect) throws Exception {
		int before = handled.get();
		// with a second request on the same connection where it is served only if the first one was
		Answers got = expect instanceof Served || expect instanceof Either || expect instanceof NotRouted
				? exchange(request, "GET /healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				: exchange(request);
		List<RawHttp.Response> answers = got.answers();
		boolean closed = got.closed();
		if (expect instanceof Served s) {
				assertThat(answers).as("answers").hasSize(2);
				assertThat(answers.get(0).status()).as("status; %s", answers.get(0)).isEqualTo(s.status());
				assertThat(answers.get(0).bodyString()).isEqualTo(s.body());
				assertThat(answers.get(1).status()).as("the next request on the connection").isEqualTo(200);
		}
		else if (expect instanceof Refused r) {
				assertThat(answers).as("exactly one answer").hasSize(1);
				assertThat(answers.get(0).status()).as("status; %s", answers.get(0)).isIn(r.statuses());
				assertThat(closed).as("connection closed after the refusal").isTrue();
				assertThat(handled.get()).as("handler never ran").isEqualTo(before);
		}
		else if (expect instanceof BodyRefused r) {
			assertThat(answers).as("exactly one answer").hasSize(1);
			assertThat(answers.get(0).status()).as("status; %s", answers.get(0)).isIn(r.statuses());
			assertThat(answers.get(0).header("Connection")).isEqualTo("close");
			assertThat(closed).as("connection closed after the refusal").isTrue();
		}
		else if (expect instanceof ServedAndClosed s) {
			assertThat(answers).as("exactly one answer").hasSize(1);
			assertThat(answers.get(0).status()).isEqualTo(s.status());
			assertThat(answers.get(0).bodyString()).isEqualTo(s.body());
			assertThat(closed).as("connection closed after an HTTP/1.0 answer").isTrue();
		}
		else if (expect instanceof NotRouted r) {
			assertThat(answers).as("answers").isNotEmpty();
			assertThat(answers.get(0).status()).as("status; %s", answers.get(0)).isIn(r.statuses());
			assertThat(answers).as("one answer, then the next request's, if the connection stayed").hasSizeLessThanOrEqualTo(2);
			if (answers.size() == 2) {
				assertThat(answers.get(1).status()).isEqualTo(200);
			}
			else {
				assertThat(closed).as("connection closed after its only answer").isTrue();
			}
			assertThat(handled.get()).as("handler never ran").isEqualTo(before);
		}
		else if (expect instanceof RefusedOrClosed r) {
				assertThat(answers).as("at most one answer").hasSizeLessThanOrEqualTo(1);
				if (!answers.isEmpty()) {
					assertThat(answers.get(0).status()).as("status; %s", answers.get(0)).isIn(r.statuses());
				}
				assertThat(closed).as("connection closed").isTrue();
				assertThat(handled.get()).as("handler never ran").isEqualTo(before);
		}
		else if (expect instanceof Either e) {
				assertThat(answers).as("answers").isNotEmpty();
				if (answers.get(0).status() / 100 == 2) {
					assertThat(answers).as("served, then the next request").hasSize(2);
				}
				else {
					assertThat(answers).as("exactly one answer").hasSize(1);
					assertThat(answers.get(0).status()).isIn(e.refusedStatuses());
					assertThat(closed).as("connection closed after the refusal").isTrue();
				}
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			c.write(RawHttp.get("/healthcheck"));
			assertThat(c.read().status()).as("server still serving").isEqualTo(200);
		}
	}

	/**
	 * A request line that comes in pieces (one write each, split before and after its CRLF) is
	 * served: only a complete line without a version is refused at its CRLF.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("versions")
	void requestLineInPiecesIsServed(String version) throws Exception {
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(3_000)) {
			for (String piece : new String[] {"\r\n", "GET /g", "et HT", "TP/1.", version.substring(7), "\r",
					"\nHost: x\r\n", "\r\n"}) {
				c.write(piece);
			}
			RawHttp.Response r = c.read();
			assertThat(r.status()).as("status; %s", r).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("target /get");
		}
	}

	static Stream<String> versions() {
		return Stream.of("HTTP/1.0", "HTTP/1.1");
	}

	/**
	 * Malformed requests pipelined behind a good one, in the same write: the good one is
	 * answered, then the bad one gets the 400 it gets alone, and the connection closes. The
	 * shapes Mongoose's parser refuses (the first two) were answered 200 and then closed without
	 * a word: its parser found them at the poll after the first answer, where the 400 was not
	 * written.
	 */
	@ParameterizedTest(name = "{0}")
	@MethodSource("pipelinedBehindAGoodOne")
	void malformedRequestPipelinedBehindAGoodOneGets400(String name, String bad, int status) throws Exception {
		int before = handled.get();
		Answers got = exchange(get("/get") + bad);
		List<RawHttp.Response> answers = got.answers();
		boolean closed = got.closed();
		assertThat(answers).as("answers").hasSize(2);
		assertThat(answers.get(0).status()).isEqualTo(200);
		assertThat(answers.get(0).bodyString()).isEqualTo("target /get");
		assertThat(answers.get(1).status()).as("status; %s", answers.get(1)).isEqualTo(status);
		assertThat(answers.get(1).header("Connection")).isEqualTo("close");
		assertThat(closed).as("connection closed after the refusal").isTrue();
		assertThat(handled.get()).as("handler ran for the good request only").isEqualTo(before + 1);
	}

	static Stream<Arguments> pipelinedBehindAGoodOne() {
		return Stream.of(
				Arguments.of("garbage line", "GARBAGE\r\n\r\n", 400),
				Arguments.of("space before the colon", "GET /get HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", 400),
				Arguments.of("CL and TE", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400),
				Arguments.of("two Content-Length", post("Content-Length: 1\r\nContent-Length: 1\r\n", "A"), 400),
				Arguments.of("no protocol", "GET /get\r\n", 400),
				Arguments.of("HTTP/2.0", "GET /get HTTP/2.0\r\nHost: x\r\n\r\n", 505),
				Arguments.of("Expect: teapot", "GET /get HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", 417));
	}

	/** The answers read on a connection, and whether the server closed it (else it fell silent). */
	private record Answers(List<RawHttp.Response> answers, boolean closed) {
	}

	/** Opens a connection, sends each of {@code writes} (a write each, ISO-8859-1), reads all the answers. */
	private Answers exchange(String... writes) throws IOException {
		List<RawHttp.Response> answers = new ArrayList<>();
		try (RawHttp c = RawHttp.connect(server.port()).soTimeout(3_000)) {
			for (String w : writes) {
				c.write(w);
			}
			return new Answers(answers, readAll(c, answers));
		}
	}

	/** Reads answers until the server closes (true) or stays silent for the timeout (false). */
	private static boolean readAll(RawHttp c, List<RawHttp.Response> answers) throws IOException {
		while (true) {
			try {
				answers.add(c.read());
			}
			catch (SocketTimeoutException e) {
				return false;
			}
			catch (EOFException e) {
				return true;
			}
			catch (IOException e) {
				if (String.valueOf(e.getMessage()).contains("reset")) {
					return true;
				}
				throw e;
			}
		}
	}
}
