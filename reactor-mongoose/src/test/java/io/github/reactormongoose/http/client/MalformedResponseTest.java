/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * Every malformed or cut response, each from a scripted raw-socket server: the response fails
 * with its own exception type, and the client closes the connection (never reuses it).
 */
class MalformedResponseTest extends BaseHttpTest {

	/** Answers the first request with {@code response}, then waits for the client to close. */
	private void expectFailure(String response, Class<? extends Throwable> type, HttpClient client) throws Exception {
		AtomicBoolean closedByClient = new AtomicBoolean();
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write(response);
			closedByClient.set(c.awaitClientClose(5000));
		})) {
			StepVerifier.create(client.get().uri(s.url("/")).responseSingle((res, b) -> b))
					.expectError(type)
					.verify(TIMEOUT);
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (!closedByClient.get() && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(closedByClient).as("the client closed the connection").isTrue();
			assertThat(s.failures).isEmpty();
		}
	}

	private void expectFailure(String response, Class<? extends Throwable> type) throws Exception {
		expectFailure(response, type, HttpClient.create());
	}

	@ParameterizedTest
	@ValueSource(strings = {"HTTP/1.1 2OO OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n",
			"HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 99 Low\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n", "\r\n\r\n",
			"HTTP/1.1  200 OK\r\n\r\n"})
	void malformedStatusLine(String response) throws Exception {
		expectFailure(response, MalformedStatusLineException.class);
	}

	/**
	 * A peer that is no HTTP server (a mail server's greeting, an SSH banner: the wrong port)
	 * sends one line and waits for us. The status line is judged as soon as its first bytes
	 * cannot begin {@code HTTP/1.}, or at the latest when its line ends; it was judged only once
	 * the blank line ending the head arrived, which never comes, so the request hung until the
	 * peer closed or {@code responseTimeout}.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"220 mail.example.com ESMTP Postfix\r\n", "SSH-2.0-OpenSSH_9.6\r\n", "+OK POP3 ready\r\n",
		"HTTP/2", "HTTP/1.1 2OO OK\r\n", "HTTP/1.1 200OK\r\n", "HTTP/1.1 099 Low\n"})
	void aPeerThatGreetsWithAnotherProtocolFailsAtOnce(String greeting) throws Exception {
		AtomicBoolean closedByClient = new AtomicBoolean();
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.write(greeting); // greets as soon as connected, then waits for a command
			closedByClient.set(c.awaitClientClose(5000));
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop()).responseTimeout(Duration.ofSeconds(8));
			StepVerifier.create(client.get().uri(s.url("/")).response())
					.expectError(MalformedStatusLineException.class)
					.verify(Duration.ofSeconds(3));
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (!closedByClient.get() && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(closedByClient).as("the client closed the connection").isTrue();
		}
	}

	/**
	 * RFC 9112 4 and 2.2: a reason phrase is HTAB, SP, visible characters and obs-text; a bare CR
	 * (which some parsers take for a line end, smuggling a header in), a NUL or another control
	 * character was accepted and handed over by {@code reasonPhrase()}.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"HTTP/1.1 200 O\rK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\rSet-Cookie: evil=1\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 O\0K\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 200 O\u0001K\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 O\u007fK\r\nContent-Length: 2\r\n\r\nok"})
	void aControlCharacterInTheReasonPhraseIsRefused(String response) throws Exception {
		expectFailure(response, MalformedStatusLineException.class);
	}

	@Test
	void aReasonPhraseWithTabsAndObsTextIsKept() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 Tr\u00e8s\tbien\r\nContent-Length: 2\r\n\r\nok");
		}, "GET", HttpClientResponse::reasonPhrase)).isEqualTo("200 Tr\u00e8s\tbien ok");
	}

	/**
	 * A server that sends interim answers for ever (a 103 every 100 ms, or 100 Continue back to
	 * back) never gets to the final one: each byte counts as an answer for
	 * {@code responseTimeout}, and the interim heads were skipped without a count, so the request
	 * hung. At most 8 interim responses are taken per request (as the JDK's client): the ninth
	 * fails it, and the connection is closed.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n|100",
		"HTTP/1.1 100 Continue\r\n\r\n|0"})
	void endlessInterimResponsesFailTheRequest(String interimAndPause) throws Exception {
		String interim = interimAndPause.substring(0, interimAndPause.indexOf('|'));
		long pause = Long.parseLong(interimAndPause.substring(interimAndPause.indexOf('|') + 1));
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			for (;;) { // until the client closes: the write fails
				c.write(interim);
				if (pause > 0) {
					Thread.sleep(pause); // the server's pace, not a wait for the client
				}
			}
		})) {
			HttpClient client = HttpClient.create().runOn(newLoop()).responseTimeout(Duration.ofMillis(500));
			StepVerifier.create(client.get().uri(s.url("/")).response())
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MalformedResponseException.class)
							.hasMessageContaining("interim"))
					.verify(Duration.ofSeconds(5));
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.clientClosed.get() == 0 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(s.clientClosed).as("the client closed the connection").hasValue(1);
		}
	}

	/** A few interim responses before the final one are still skipped. */
	@Test
	void eightInterimResponsesAreSkipped() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n".repeat(8));
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		}, "GET")).isEqualTo("200 ok");
	}

	@Test
	void statusLineLongerThanTheLimit() throws Exception {
		expectFailure("HTTP/1.1 200 " + "x".repeat(300) + "\r\n\r\n", MalformedStatusLineException.class,
				HttpClient.create().maxHeaderSize(256));
	}

	@Test
	void oversizedHeaders() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nX-Big: " + "y".repeat(2000) + "\r\nContent-Length: 0\r\n\r\n",
				HeadersTooLargeException.class, HttpClient.create().maxHeaderSize(1024));
	}

	@Test
	void tooManyHeaders() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\n" + "X-A: 1\r\n".repeat(10) + "Content-Length: 0\r\n\r\n",
				HeadersTooLargeException.class, HttpClient.create().maxHeaders(5));
		// the same limit through the decoder spec, and the exception names it
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\n" + "Set-Cookie: c=1\r\n".repeat(300) + "Content-Length: 0\r\n\r\n");
		})) {
			StepVerifier.create(HttpClient.create().httpResponseDecoder(spec -> spec.maxHeaderCount(200)).get()
					.uri(s.url("/")).responseSingle((res, b) -> b))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(HeadersTooLargeException.class)
							.hasMessage("Response has 301 header fields, more than maxHeaders (200; HttpClient.maxHeaders, "
									+ "httpResponseDecoder's maxHeaderCount)"))
					.verify(TIMEOUT);
		}
	}

	/**
	 * A response of 200 short header lines (199 {@code Set-Cookie}, 2.8 KB) is read whole, as
	 * Reactor Netty and the JDK's client read it: the client failed it with "200 header fields,
	 * more than 100".
	 */
	@Test
	void aResponseOfTwoHundredHeaderLinesIsReadWhole() throws Exception {
		StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < 199; i++) {
			head.append("Set-Cookie: c").append(i).append("=v\r\n");
		}
		assertThat(body(c -> {
			c.readHead();
			c.write(head + "Content-Length: 2\r\n\r\nok");
		}, "GET", res -> res.responseHeaders().size() + " " + res.responseHeaders().getAll("Set-Cookie").size() + " "
				+ res.responseHeaders().getAll("Set-Cookie").get(198))).isEqualTo("200 200 199 c198=v ok");
		// maxHeaders and the spec's maxHeaderCount are one setting
		java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
		HttpClient.create().maxHeaders(7).httpResponseDecoder(spec -> {
			seen.set(spec.maxHeaderCount());
			return spec;
		});
		assertThat(seen).hasValue(7);
	}

	@Test
	void contentLengthWithTransferEncoding() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
				AmbiguousFramingException.class);
	}

	@Test
	void differentContentLengths() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", AmbiguousFramingException.class);
	}

	@ParameterizedTest
	@ValueSource(strings = {"-1", "abc", "1 2", ""})
	void invalidContentLength(String value) throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n\r\nabc", MalformedResponseException.class);
	}

	@ParameterizedTest
	@ValueSource(strings = {"NoColon\r\n", "Bad Name: x\r\n", ": empty\r\n", "X-Cr: a\rb\r\n", "X-Nul: a\0b\r\n",
		" folded: a\rb\r\n"})
	void malformedHeaderLine(String line) throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nX-A: 1\r\n" + line + "Content-Length: 0\r\n\r\n", MalformedResponseException.class);
	}

	@ParameterizedTest
	@ValueSource(strings = {"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcX\r\n0\r\n\r\n", "fffffffffffffffffff\r\n",
			"3 x\r\nabc\r\n0\r\n\r\n", "\r\n"})
	void badChunkFraming(String body) throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body, ChunkFramingException.class);
	}

	@Test
	void chunkSizeLineLongerThanTheLimit() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;" + "e".repeat(5000) + "\r\nabc\r\n0\r\n\r\n",
				ChunkFramingException.class);
	}

	@Test
	void oversizedTrailers() throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: " + "t".repeat(2000)
				+ "\r\n\r\n", HeadersTooLargeException.class, HttpClient.create().maxHeaderSize(1024));
	}

	/** The server closes after part of the response: the error says so; nothing hangs. */
	@ParameterizedTest
	@ValueSource(strings = {"", "HTTP/1.1 200 OK\r\nContent-Len", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: 1\r\n"})
	void prematureClose(String partial) throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write(partial);
		})) {
			StepVerifier.create(HttpClient.create().get().uri(s.url("/")).responseSingle((res, b) -> b))
					.expectError(PrematureCloseException.class)
					.verify(TIMEOUT);
			assertThat(s.accepted).as("a fresh connection is not retried").hasValue(1);
		}
	}

	@Test
	void headArrivesThenTheBodyFailsWithPrematureClose() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
		})) {
			StepVerifier.create(HttpClient.create().get().uri(s.url("/")).response((res, body) -> body.map(b -> res.status())))
					.expectNext(200)
					.expectError(PrematureCloseException.class)
					.verify(TIMEOUT);
		}
	}

	// ---- valid but unusual framing ----

	private String body(ScriptedServer.Script script, String method) throws Exception {
		return body(script, method, res -> null);
	}

	/** The status, {@code extra} of the response (when not null) and the body. */
	private String body(ScriptedServer.Script script, String method,
			java.util.function.Function<HttpClientResponse, String> extra) throws Exception {
		try (ScriptedServer s = new ScriptedServer(script)) {
			return HttpClient.create().request(method).uri(s.url("/"))
					.responseSingle((res, b) -> b.defaultIfEmpty(new byte[0]).map(x -> res.status()
							+ (extra.apply(res) != null ? " " + extra.apply(res) : "") + " " + new String(x, UTF_8)))
					.block(TIMEOUT);
		}
	}

	@Test
	void chunkedWithExtensionsAndTrailers() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
			c.write("3;name=value;x=\"q\"\r\nabc\r\n");
			c.write("A \r\n0123456789\r\n0;last\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n");
		}, "GET")).isEqualTo("200 abc0123456789");
	}

	/**
	 * A transfer coding before chunked belongs to the message (RFC 9112 6.1): gzip is decoded
	 * whether or not compression was asked for (its bytes were handed over as the content);
	 * another one fails the response.
	 */
	@Test
	void gzipAsATransferCodingIsDecoded() throws Exception {
		java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
		try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(zipped)) {
			z.write("decoded by the client".getBytes(UTF_8));
		}
		String gz = new String(zipped.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1);
		for (HttpClient client : new HttpClient[] {HttpClient.create(), HttpClient.create().compress(true)}) {
			try (ScriptedServer s = new ScriptedServer(c -> {
				c.readHead();
				c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
						+ Integer.toHexString(gz.length()) + "\r\n" + gz + "\r\n0\r\n\r\n");
			})) {
				assertThat(client.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT))
						.isEqualTo("decoded by the client");
			}
		}
		expectFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: deflate, chunked\r\n\r\n0\r\n\r\n", MalformedResponseException.class);
	}

	@Test
	void bodyUntilClose() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
		}, "GET")).isEqualTo("200 until the end");
	}

	@Test
	void transferEncodingNotEndingInChunkedReadsUntilClose() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc");
		}, "GET")).isEqualTo("200 3\r\nabc");
	}

	/**
	 * A {@code Transfer-Encoding} that names no coding: {@code ","} threw an
	 * {@code ArrayIndexOutOfBoundsException} on the poll thread ({@code ",".split(",")} has no
	 * element; found by {@code ClientParsersFuzzTest}) instead of failing the response; an empty
	 * value, or commas only, read the body until close. Now each is a
	 * {@code MalformedResponseException}.
	 */
	@ParameterizedTest
	@ValueSource(strings = {",", ",,", " , ,", ""})
	void aTransferEncodingWithoutACodingIsMalformed(String value) throws Exception {
		expectFailure("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + value + "\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
				MalformedResponseException.class);
	}

	/**
	 * Empty list elements beside a coding are ignored (RFC 9110 5.6.1): {@code ", chunked, ,"} is
	 * chunked. It was read until close (the last element, empty, is not chunked), the chunk
	 * framing handed on as the body.
	 */
	@Test
	void emptyElementsBesideChunkedAreIgnored() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: , chunked, ,\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
		}, "GET")).isEqualTo("200 abc");
	}

	@Test
	void interimResponsesAreSkippedAndBareLfAccepted() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n");
			c.write("HTTP/1.1 200 OK\nContent-Length: 2\n\nok");
		}, "GET")).isEqualTo("200 ok");
	}

	@Test
	void noBodyForHead204And304() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
			c.awaitClientClose(200);
		}, "HEAD")).isEqualTo("200 ");
		for (int code : new int[] {204, 304}) {
			assertThat(body(c -> {
				c.readHead();
				c.write("HTTP/1.1 " + code + " X\r\nContent-Length: 5\r\n\r\n");
				c.awaitClientClose(200);
			}, "GET")).isEqualTo(code + " ");
		}
	}

	/** RFC 9112 5.2: a user agent replaces an obsolete line folding with SP (Netty does too). */
	@Test
	void obsoleteLineFoldingIsUnfolded() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\n\tthird\r\nContent-Length: 2\r\n\r\nok");
		}, "GET", res -> res.responseHeaders().get("X-Folded"))).isEqualTo("200 first second third ok");
		// a continuation with no field before it is still malformed
		expectFailure("HTTP/1.1 200 OK\r\n folded: x\r\nContent-Length: 0\r\n\r\n", MalformedResponseException.class);
	}

	/**
	 * A field folded onto a second line (obs-fold) is one field for {@code maxHeaders}: 60
	 * folded fields failed as "121 header fields, more than 100".
	 */
	@Test
	void foldedFieldsCountOnceTowardsMaxHeaders() throws Exception {
		StringBuilder head = new StringBuilder("HTTP/1.1 200 OK\r\n");
		for (int i = 0; i < 60; i++) {
			head.append("X-F").append(i).append(": a\r\n b\r\n");
		}
		assertThat(body(c -> {
			c.readHead();
			c.write(head + "Content-Length: 2\r\n\r\nok");
		}, "GET", res -> res.responseHeaders().get("X-F59"))).isEqualTo("200 a b ok");
		// the trailers likewise, within maxHeaders(5)
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
					+ "X-T1: a\r\n b\r\nX-T2: c\r\n d\r\nX-T3: e\r\n f\r\n\r\n");
		})) {
			assertThat(HttpClient.create().runOn(newLoop()).maxHeaders(5).get().uri(s.url("/"))
					.response((res, body) -> body.then(res.trailerHeaders())).blockLast(TIMEOUT).get("X-T3"))
					.isEqualTo("e f");
		}
	}

	/**
	 * RFC 9110 2.5: a response of a higher HTTP/1 minor version is treated as HTTP/1.1; version()
	 * handed over the raw token ({@code HTTP/1.9}), which its documentation did not allow.
	 */
	@Test
	void aHigherHttp1MinorVersionIsReportedAsHttp11() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.9 200 OK\r\nContent-Length: 2\r\n\r\nok");
		}, "GET", HttpClientResponse::version)).isEqualTo("200 HTTP/1.1 ok");
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
		}, "GET", HttpClientResponse::version)).isEqualTo("200 HTTP/1.0 ok");
	}

	/** RFC 9110 15: 600 to 999 are invalid but in use; the caller gets them (and may treat them as 5xx). */
	@ParameterizedTest
	@ValueSource(ints = {600, 999})
	void statusCodesAbove599AreGivenToTheCaller(int code) throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.1 " + code + " Weird\r\nContent-Length: 2\r\n\r\nok");
		}, "GET")).isEqualTo(code + " ok");
	}

	@Test
	void statusLineWithoutReason() throws Exception {
		assertThat(body(c -> {
			c.readHead();
			c.write("HTTP/1.0 200\r\nContent-Length: 1\r\n\r\nx");
		}, "GET")).isEqualTo("200 x");
	}

	// ---- what may be reused ----

	private static String get(HttpClient c, ScriptedServer s) {
		return c.get().uri(s.url("/")).responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
	}

	@Test
	void keepAliveConnectionIsReused() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			for (int i = 0; i < 5; i++) {
				assertThat(get(c, s)).isEqualTo("ok");
			}
			assertThat(s.accepted).hasValue(1);
			assertThat(s.requests).hasSize(5);
		}
	}

	@Test
	void connectionCloseHttp10AndExtraBytesAreNotReused() throws Exception {
		String[] answers = {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
			"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"};
		for (String answer : answers) {
			try (ScriptedServer s = new ScriptedServer(c -> {
				while (c.readHead() != null) {
					c.write(answer);
				}
			})) {
				HttpClient c = HttpClient.create().runOn(newLoop());
				assertThat(get(c, s)).isEqualTo("ok");
				assertThat(get(c, s)).isEqualTo("ok");
				assertThat(s.accepted).as(answer).hasValue(2);
			}
		}
	}

	/**
	 * Bytes that follow a response in the same read (a server's second, injected response, a
	 * Content-Length counted in characters, a 304 with a body) are never the next request's
	 * response (RFC 9112 6.3), also when that request is chained on the end of the body
	 * (concatMap), which takes the connection back from the pool at once, inside the read.
	 */
	@Test
	void bytesAfterAResponseAreNotTheNextOnesAnswerEvenWhenChained() throws Exception {
		String[] answers = {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED",
			"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokay", "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\nhello"};
		for (String answer : answers) {
			try (ScriptedServer s = new ScriptedServer(c -> {
				String head;
				while ((head = c.readHead()) != null) {
					c.write(head.startsWith("GET /first") ? answer : "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nreal answer");
				}
			})) {
				HttpClient c = HttpClient.create().runOn(newLoop());
				java.util.List<String> got = Flux.just("/first", "/second", "/third")
						.concatMap(path -> c.get().uri(s.url(path)).responseSingle((res, b) -> b.defaultIfEmpty(new byte[0])
								.map(x -> res.status() + " " + new String(x, UTF_8))))
						.collectList().block(TIMEOUT);
				assertThat(got).as(answer).containsExactly(got.get(0), "200 real answer", "200 real answer");
				assertThat(s.accepted).as(answer).hasValue(2);
			}
		}
	}

	@Test
	void http10KeepAliveIsReused() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(1);
		}
	}

	/**
	 * An HTTP/1.0 response with {@code Transfer-Encoding} has faulty framing (RFC 9112 6.1: the
	 * client MUST close the connection after it), even with {@code Connection: keep-alive}: its
	 * chunked body is read, then the connection is closed instead of reused.
	 */
	@Test
	void http10WithTransferEncodingIsReadButNotReused() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(2);
		}
	}

	@Test
	void unconsumedBodyClosesTheConnection() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			while (c.readHead() != null) {
				c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
				for (int i = 0; i < 2000 && !c.socket.isClosed(); i++) {
					c.write("400\r\n" + "z".repeat(1024) + "\r\n");
				}
				c.write("0\r\n\r\n");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			StepVerifier.create(c.get().uri(s.url("/")).responseContent().take(1)).expectNextCount(1).verifyComplete();
			StepVerifier.create(c.get().uri(s.url("/")).responseContent().take(1)).expectNextCount(1).verifyComplete();
			assertThat(s.accepted).hasValue(2);
		}
		catch (RuntimeException e) {
			throw e;
		}
	}

	@Test
	void idleConnectionClosedByTheServerIsNotUsed() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			Thread.sleep(100); // the server closed its end after one response
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(2);
		}
	}

	@Test
	void staleConnectionIsRetriedOnceOnANewOne() throws Exception {
		// the server closes a kept-alive connection when the second request arrives, without answering
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			if (c.index == 0) {
				c.readHead();
				c.socket.setSoLinger(true, 0);
				c.socket.close();
			}
			else {
				c.readHead();
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(get(c, s)).isEqualTo("ok");
			assertThat(s.accepted).hasValue(2);
		}
	}

	/**
	 * The same race seen by a write: the server resets a kept-alive connection while a large
	 * fixed body is still being written (tinyproxy keeps no client connection and does not
	 * say so). The failed write ended the exchange with AbortedException ("closed before send
	 * request"); it is the stale case as much as a close before any answer, and is retried alike.
	 */
	@Test
	void aStaleConnectionFoundByAFailedWriteIsRetriedToo() throws Exception {
		byte[] big = new byte[4 << 20];
		try (ScriptedServer s = new ScriptedServer(c -> {
			if (c.index == 0) {
				c.readHead();
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
				c.in.readNBytes(64 * 1024); // the next request's head and the start of its body
				c.socket.setSoLinger(true, 0);
				c.socket.close();
			}
			else {
				c.readHead();
				c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			}
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			String answer = c.put().uri(s.url("/up")).send(reactor.core.publisher.Mono.just(java.nio.ByteBuffer.wrap(big)))
					.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))).block(TIMEOUT);
			assertThat(answer).isEqualTo("ok");
			assertThat(s.accepted).hasValue(2);
		}
	}

	/**
	 * RFC 9110 9.2.2: a request that is not idempotent is not sent again by itself. The server
	 * read the whole POST on a kept-alive connection, then closed it without an answer (it may
	 * have acted on it before dying): the POST was retried, and applied twice.
	 */
	@Test
	void aPostOnAStaleConnectionIsNotRetried() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			c.readHead(); // the POST, body and all
			c.socket.close();
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop());
			assertThat(get(c, s)).isEqualTo("ok");
			assertThatThrownBy(() -> c.post().uri(s.url("/order")).send(reactor.core.publisher.Mono.just(
					java.nio.ByteBuffer.wrap("pay 100 EUR".getBytes(UTF_8))))
					.responseSingle((res, b) -> b).block(TIMEOUT)).isInstanceOf(PrematureCloseException.class);
			assertThat(s.accepted).as("not sent again").hasValue(1);
			assertThat(s.requests).hasSize(2);
		}
	}

	@Test
	void withDisableRetryTheStaleConnectionsRequestFails() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			c.readHead();
			c.socket.setSoLinger(true, 0);
			c.socket.close();
		})) {
			HttpClient c = HttpClient.create().runOn(newLoop()).disableRetry(true);
			assertThat(get(c, s)).isEqualTo("ok");
			assertThatThrownBy(() -> get(c, s)).isInstanceOf(PrematureCloseException.class);
			assertThat(s.accepted).as("not sent again").hasValue(1);
		}
	}

	@Test
	void idleConnectionsAreEvicted() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
			c.awaitClientClose(5000);
			c.socket.close();
		})) {
			MongooseLoop loop = newLoop();
			HttpClient c = HttpClient.create().runOn(loop).maxIdleTime(Duration.ofMillis(200));
			assertThat(get(c, s)).isEqualTo("ok");
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (s.clientClosed.get() == 0 && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			assertThat(s.clientClosed).hasValue(1);
		}
	}
}
