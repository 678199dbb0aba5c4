/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.LogCapture;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * {@code HttpServer.forwarded(true)}: the client, scheme and host of a request behind a reverse
 * proxy, from {@code Forwarded} or {@code X-Forwarded-*}; off by default; bad values keep the
 * connection's own.
 */
class ForwardedTest extends BaseHttpTest {

	private DisposableServer server(boolean forwarded) {
		return bind(HttpServer.create().host("127.0.0.1").port(0).forwarded(forwarded).accessLog(true)
			.route(r -> r.get("/who", (req, res) -> res.sendString(Mono.just(describe(req.remoteAddress()) + " "
					+ req.scheme() + " " + req.hostAddress().getHostString() + ":" + req.hostAddress().getPort())))));
	}

	private static String describe(InetSocketAddress a) {
		return (a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString()) + ":" + a.getPort();
	}

	private static String ask(DisposableServer s, String headers) throws Exception {
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write("GET /who HTTP/1.1\r\nHost: localhost:" + s.port() + "\r\n" + headers + "\r\n");
			return c.read().bodyString();
		}
	}

	@Test
	void offByDefaultTheHeadersChangeNothing() throws Exception {
		DisposableServer s = server(false);
		assertThat(HttpServer.create().configuration().forwarded()).isFalse();
		assertThat(ask(s, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n"))
			.matches("127\\.0\\.0\\.1:\\d+ http 127\\.0\\.0\\.1:" + s.port());
	}

	@Test
	void xForwardedHeadersGiveTheClientSchemeAndHost() throws Exception {
		DisposableServer s = server(true);
		// the first X-Forwarded-For address is the client; the port stays the connection's
		assertThat(ask(s, "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\nX-Forwarded-Proto: https\r\n"
				+ "X-Forwarded-Host: example.com\r\nX-Forwarded-Port: 8443\r\n"))
			.matches("203\\.0\\.113\\.7:\\d+ https example\\.com:8443");
		// without a port, the scheme's default
		assertThat(ask(s, "X-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n"))
			.matches("127\\.0\\.0\\.1:\\d+ https example\\.com:443");
		// a bare IPv6 client
		assertThat(ask(s, "X-Forwarded-For: 2001:db8::17\r\n")).startsWith("2001:db8:0:0:0:0:0:17:");
	}

	@Test
	void forwardedWinsAndItsFirstElementCounts() throws Exception {
		DisposableServer s = server(true);
		assertThat(ask(s, "Forwarded: for=\"[2001:db8:cafe::17]:4711\";proto=https;host=api.example.com, for=198.51.100.1\r\n"
				+ "X-Forwarded-For: 203.0.113.9\r\n"))
			.isEqualTo("2001:db8:cafe:0:0:0:0:17:4711 https api.example.com:443");
		assertThat(ask(s, "Forwarded: For=192.0.2.60;Proto=http;Host=\"shop.example:8080\"\r\n"))
			.matches("192\\.0\\.2\\.60:\\d+ http shop\\.example:8080");
	}

	/**
	 * Both header families on one request, and several proxies: a request with a
	 * {@code Forwarded} header is read from it alone (what it lacks keeps the connection's own;
	 * {@code X-Forwarded-*} are not read then), and of several values or header lines the first
	 * counts: the answers of Reactor Netty 1.3.7's {@code forwarded(true)} to the same requests.
	 * (Spring's {@code ForwardedHeaderTransformer} differs in one place: it takes the client
	 * from {@code X-Forwarded-For} when {@code Forwarded} has no {@code for=}.)
	 */
	@Test
	void withBothFamiliesForwardedAloneCountsAndTheFirstValueOfSeveral() throws Exception {
		DisposableServer s = server(true);
		String own = "127\\.0\\.0\\.1:\\d+";
		String ownHost = "127\\.0\\.0\\.1:" + s.port();
		assertThat(ask(s, "Forwarded: proto=https;host=api.example.com\r\nX-Forwarded-For: 203.0.113.9\r\n"))
			.matches(own + " https api\\.example\\.com:443");
		assertThat(ask(s, "Forwarded: for=198.51.100.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: x.example\r\n"))
			.matches("198\\.51\\.100\\.1:\\d+ http " + ownHost);
		assertThat(ask(s, "Forwarded: host=h.example:8080;proto=https\r\nX-Forwarded-Port: 9999\r\n"))
			.matches(own + " https h\\.example:8080");
		assertThat(ask(s, "Forwarded: for=192.0.2.1\r\nForwarded: for=198.51.100.2\r\n")).matches("192\\.0\\.2\\.1:\\d+ http " + ownHost);
		assertThat(ask(s, "X-Forwarded-For: 192.0.2.1\r\nX-Forwarded-For: 198.51.100.2\r\n"))
			.matches("192\\.0\\.2\\.1:\\d+ http " + ownHost);
		assertThat(ask(s, "X-Forwarded-For: 192.0.2.1, 198.51.100.2\r\nX-Forwarded-Proto: https, http\r\n"
				+ "X-Forwarded-Host: a.example, b.example\r\nX-Forwarded-Port: 8443, 80\r\n"))
			.matches("192\\.0\\.2\\.1:\\d+ https a\\.example:8443");
		assertThat(ask(s, "X-Forwarded-Host: h.example:8080\r\nX-Forwarded-Port: 9999\r\n")).matches(own + " http h\\.example:9999");
		assertThat(ask(s, "X-Forwarded-Proto: https\r\nX-Forwarded-Port: 9999\r\n")).matches(own + " https 127\\.0\\.0\\.1:9999");
	}

	@Test
	void obfuscatedUnknownOrMalformedValuesKeepTheConnectionsOwn() throws Exception {
		DisposableServer s = server(true);
		String own = "127\\.0\\.0\\.1:\\d+ http 127\\.0\\.0\\.1:" + s.port();
		for (String headers : new String[] {"Forwarded: for=_hidden;proto=gopher;host=\"a b\"\r\n",
				"Forwarded: for=unknown\r\n", "X-Forwarded-For: evil.example.com\r\n", "X-Forwarded-For: 999.1.1.1\r\n",
				"X-Forwarded-For: [::1\r\n", "X-Forwarded-Port: eighty\r\n", "X-Forwarded-Host: host:99999\r\n",
				"X-Forwarded-Proto: javascript\r\n", "Forwarded: for=\"[::1]:x\"\r\n", "Forwarded: ;;==,\r\n"}) {
			assertThat(ask(s, headers)).as(headers).matches(own);
		}
	}

	/** hostName(), hostPort() and fullPath(), as Reactor Netty's: the host the client addressed. */
	@Test
	void hostNameAndPortAreTheOnesTheClientAddressed() throws Exception {
		for (boolean forwarded : new boolean[] {false, true}) {
			DisposableServer s = bind(HttpServer.create().forwarded(forwarded).handle((req, res) -> res.sendString(
					Mono.just(req.hostName() + " " + req.hostPort() + " " + req.fullPath()))));
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
				c.write("GET /a%20b/c?x=1 HTTP/1.1\r\nHost: shop.example:8443\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("shop.example 8443 /a b/c");
				c.write("GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n"); // no port: the scheme's
				assertThat(c.read().bodyString()).isEqualTo("shop.example 80 /");
				c.write("GET / HTTP/1.1\r\nHost: [2001:db8::1]:9000\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("[2001:db8::1] 9000 /");
				c.write("GET / HTTP/1.1\r\nHost: bad:port\r\n\r\n"); // malformed: the server's own
				assertThat(c.read().bodyString()).isEqualTo("127.0.0.1 " + s.port() + " /");
				c.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"); // none at all
				assertThat(c.read().bodyString()).isEqualTo("127.0.0.1 " + s.port() + " /");
				// an absolute-form target's host, not the Host field's (RFC 9112 3.2.2); one with
				// userinfo is refused (HostileRequestTest)
				c.write("GET http://a.example:8080/p?q=1 HTTP/1.1\r\nHost: b.example\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo("a.example 8080 /p");
				// a proxy's host wins under forwarded(true) only
				c.write("GET / HTTP/1.1\r\nHost: internal:8080\r\nX-Forwarded-Host: public.example\r\n"
						+ "X-Forwarded-Proto: https\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo(forwarded ? "public.example 443 /" : "internal 8080 /");
				// the forwarded scheme's default port for the Host header, as for a forwarded host
				c.write("GET / HTTP/1.1\r\nHost: chat.example\r\nX-Forwarded-Proto: wss\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo(forwarded ? "chat.example 443 /" : "chat.example 80 /");
			}
		}
	}

	/**
	 * connectionRemoteAddress(), connectionHostAddress() and connectionScheme(), as Reactor
	 * Netty's: the connection's own, whatever the proxy forwarded (the Spring adapter builds its
	 * request from them and leaves the URI to Spring's transformer).
	 */
	@Test
	void theConnectionsOwnAddressesAndSchemeStayUnderForwarded() throws Exception {
		for (boolean forwarded : new boolean[] {false, true}) {
			DisposableServer s = bind(HttpServer.create().host("127.0.0.1").port(0).forwarded(forwarded)
				.handle((req, res) -> res.sendString(Mono.just(describe(req.remoteAddress()) + " "
						+ describe(req.connectionRemoteAddress()) + " " + req.connectionScheme() + " "
						+ describe(req.connectionHostAddress())))));
			try (RawHttp c = RawHttp.connect(s.port()).soTimeout(5_000)) {
				int own = c.socket().getLocalPort();
				c.write("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.7:4711\r\nX-Forwarded-Proto: https\r\n"
						+ "X-Forwarded-Host: public.example\r\n\r\n");
				assertThat(c.read().bodyString()).isEqualTo((forwarded ? "203.0.113.7:4711" : "127.0.0.1:" + own)
						+ " 127.0.0.1:" + own + " http 127.0.0.1:" + s.port());
			}
		}
	}

	@Test
	void theAccessLogShowsTheForwardedClient() throws Exception {
		try (LogCapture log = LogCapture.of("reactor.mongoose.http.server.AccessLog")) {
			DisposableServer s = server(true);
			ask(s, "X-Forwarded-For: 198.51.100.23\r\n");
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (log.lines().isEmpty() && System.nanoTime() < deadline) {
				Thread.sleep(10); // the line is written after the response
			}
			assertThat(log.lines()).singleElement().satisfies(l -> assertThat(l).startsWith("198.51.100.23 - - ["));
		}
	}

	@Test
	void randomHeaderValuesNeverFailAndNeverLookUpNames() {
		// the parser faces whatever clients send: 20,000 random values of both families
		java.util.Random random = new java.util.Random(20261203);
		String alphabet = "0123456789abcdefABCDEF.:[]\";,= _-%\\forprotohst";
		InetSocketAddress remote = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000);
		InetSocketAddress local = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 8080);
		for (int i = 0; i < 20_000; i++) {
			StringBuilder v = new StringBuilder();
			int n = random.nextInt(40);
			for (int k = 0; k < n; k++) {
				v.append(alphabet.charAt(random.nextInt(alphabet.length())));
			}
			io.github.reactormongoose.http.HttpHeaders h = new io.github.reactormongoose.http.HttpHeaders();
			switch (i % 4) {
				case 0 -> h.set("Forwarded", v.toString());
				case 1 -> h.set("Forwarded", "for=" + v + ";proto=" + v + ";host=" + v);
				case 2 -> h.set("X-Forwarded-For", v.toString()).set("X-Forwarded-Host", v.toString());
				default -> h.set("X-Forwarded-Proto", v.toString()).set("X-Forwarded-Port", v.toString());
			}
			ForwardedInfo f = ForwardedInfo.of(h, remote, "http", local);
			assertThat(f.scheme).isIn("http", "https", "ws", "wss");
			// a client address is a literal or the connection's own: never an unresolved name
			assertThat(f.remote.isUnresolved()).isFalse();
			assertThat(f.host.getPort()).isBetween(0, 65535);
		}
	}
}
