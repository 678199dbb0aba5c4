/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The {@code Date} header (RFC 9110, 6.6.1: an origin server with a clock sends one in every
 * 2xx, 3xx and 4xx response): on the handlers' responses unless turned off or set by the
 * handler, and on the native layer's own rejections, as IMF-fixdate of the current second.
 */
class DateHeaderTest extends BaseHttpTest {

	/** IMF-fixdate, exactly (two-digit day, GMT). */
	private static final String IMF_FIXDATE = "(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} "
			+ "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d{2}:\\d{2}:\\d{2} GMT";

	private static HttpServer routes() {
		return HttpServer.create().route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
				.get("/stream", (req, res) -> res.sendString(Flux.just("a", "b")))
				.get("/own", (req, res) -> res.header("date", "Sun, 06 Nov 1994 08:49:37 GMT").sendString(Mono.just("own")))
				.get("/missing", (req, res) -> res.status(404).send()));
	}

	/** Asserts one Date line of the current time (within the second before and after) and returns it. */
	private static String assertCurrentDate(RawHttp.Response r, long before, long after) {
		assertThat(r.headers("Date")).as("one Date header in %s", r).hasSize(1);
		String date = r.header("Date");
		assertThat(date).matches(IMF_FIXDATE);
		long s = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
		assertThat(s).isBetween(before, after);
		return date;
	}

	private static long nowSeconds() {
		return System.currentTimeMillis() / 1000;
	}

	@Test
	void everyResponseOfTheHandlersCarriesTheCurrentDate() throws Exception {
		DisposableServer server = bind(routes());
		try (RawHttp c = RawHttp.connect(server.port())) {
			for (String target : new String[] { "/hello", "/stream", "/missing", "/nowhere" }) {
				long before = nowSeconds();
				RawHttp.Response r = c.write(RawHttp.get(target)).read();
				assertCurrentDate(r, before, nowSeconds());
			}
			long before = nowSeconds();
			c.write("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
			assertCurrentDate(c.read(true), before, nowSeconds());
		}
	}

	@Test
	void theDateMovesOnWithTheClock() throws Exception {
		DisposableServer server = bind(routes());
		try (RawHttp c = RawHttp.connect(server.port())) {
			long before = nowSeconds();
			String first = assertCurrentDate(c.write(RawHttp.get("/hello")).read(), before, nowSeconds());
			Thread.sleep(1_100);
			long later = nowSeconds();
			String second = assertCurrentDate(c.write(RawHttp.get("/hello")).read(), later, nowSeconds());
			assertThat(second).isNotEqualTo(first);
		}
	}

	@Test
	void aDateTheHandlerSetIsSentInstead() throws Exception {
		DisposableServer server = bind(routes());
		try (RawHttp c = RawHttp.connect(server.port())) {
			RawHttp.Response r = c.write(RawHttp.get("/own")).read();
			assertThat(r.headers("Date")).containsExactly("Sun, 06 Nov 1994 08:49:37 GMT");
		}
	}

	@Test
	void turnedOffTheHandlersResponsesHaveNoneButTheServersRejectionsKeepTheirs() throws Exception {
		DisposableServer server = bind(routes().dateHeader(false).maxHeaderSize(1024));
		try (RawHttp c = RawHttp.connect(server.port())) {
			assertThat(c.write(RawHttp.get("/hello")).read().headers("Date")).isEmpty();
			assertThat(c.write(RawHttp.get("/nowhere")).read().headers("Date")).isEmpty();
			assertThat(c.write(RawHttp.get("/own")).read().headers("Date")).containsExactly("Sun, 06 Nov 1994 08:49:37 GMT");
		}
		try (RawHttp c = RawHttp.connect(server.port())) {
			long before = nowSeconds();
			RawHttp.Response r = c.write("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "x".repeat(2048) + "\r\n\r\n").read();
			assertThat(r.status()).isEqualTo(431);
			assertCurrentDate(r, before, nowSeconds());
		}
	}

	@Test
	void theNativeLayersRejectionsCarryTheDate() throws Exception {
		DisposableServer server = bind(routes());
		for (String request : new String[] { "GET /hello HTTP/1.1\r\n\r\n", // 400: no Host
				"GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", // 400
				"GET /hello HTTP/2.0\r\nHost: x\r\n\r\n" }) { // 505
			try (RawHttp c = RawHttp.connect(server.port())) {
				long before = nowSeconds();
				RawHttp.Response r = c.write(request).read();
				assertThat(r.status()).isIn(400, 505);
				assertCurrentDate(r, before, nowSeconds());
			}
		}
	}

	@Test
	void peersReadIt() throws Exception {
		DisposableServer server = bind(routes());
		long before = nowSeconds();
		HttpResponse<String> jdk = get(server, "/hello");
		long s = ZonedDateTime.parse(jdk.headers().firstValue("Date").orElseThrow(), DateTimeFormatter.RFC_1123_DATE_TIME)
				.toEpochSecond();
		assertThat(s).isBetween(before, nowSeconds());
		Curl.assumeInstalled();
		Curl.Result curl = Curl.run("-sI", "http://127.0.0.1:" + server.port() + "/hello");
		assertThat(curl.stdout()).startsWith("HTTP/1.1 200 OK\r\n").containsPattern("\r\nDate: " + IMF_FIXDATE + "\r\n");
	}
}
