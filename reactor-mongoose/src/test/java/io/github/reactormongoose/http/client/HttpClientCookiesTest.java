/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The client's cookies: {@link HttpClient#cookie(Cookie)} (RFC 6265 §5.4 matching, one
 * {@code Cookie} header), {@link HttpClientRequest#addCookie(Cookie)} in a hook, and a cookie store
 * ({@link HttpClient#cookieHandler(CookieHandler)} with the JDK's {@link CookieManager}) that keeps
 * a session across a redirect, later requests and a WebSocket upgrade. The login server is
 * Reactor Netty's.
 */
class HttpClientCookiesTest extends BaseHttpTest {

	@TempDir
	static Path dir;

	/**
	 * Reactor Netty: {@code POST /login} sets {@code session} and redirects to {@code /home},
	 * which greets only a request with that cookie; {@code /logout} expires it; {@code /big} sets
	 * one with a 4 MiB body; {@code /bounce?to=url} redirects; {@code /cookies}
	 * answers the request's {@code Cookie} headers, one per line.
	 */
	private String loginServer() {
		reactor.netty.DisposableServer s = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r
						.post("/login", (req, res) -> {
							DefaultCookie c = new DefaultCookie("session", "s-42");
							c.setPath("/");
							c.setHttpOnly(true);
							return res.status(302).header("Location", "/home").addCookie(c).send();
						})
						.get("/home", (req, res) -> {
							String session = req.requestHeaders().getAll("Cookie").stream()
									.anyMatch(h -> h.contains("session=s-42")) ? "s-42" : null;
							return session == null ? res.status(401).sendString(Mono.just("who are you?"))
									: res.sendString(Mono.just("welcome, " + session));
						})
						.get("/logout", (req, res) -> {
							DefaultCookie c = new DefaultCookie("session", "");
							c.setPath("/");
							c.setMaxAge(0);
							return res.addCookie(c).sendString(Mono.just("bye"));
						})
						.get("/bounce", (req, res) -> res.sendRedirect(
								java.net.URLDecoder.decode(req.uri().substring(req.uri().indexOf("to=") + 3), StandardCharsets.UTF_8)))
						.get("/big", (req, res) -> res.addCookie(new DefaultCookie("big", "1"))
								.sendByteArray(Mono.just(new byte[4 << 20])))
						.get("/cookies/**", (req, res) -> res.sendString(Mono.just(
								String.join("\n", req.requestHeaders().getAll("Cookie"))))))
				.bindNow(TIMEOUT);
		track(s); // disposed after the test, as the test's own servers
		return "http://127.0.0.1:" + s.port();
	}

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, StandardCharsets.UTF_8))
				.defaultIfEmpty(res.status() + " ")).block(TIMEOUT);
	}

	@Test
	void theClientsCookiesGoInOneCookieHeaderWhereTheyMatch() {
		String base = loginServer();
		HttpClient client = HttpClient.create()
				.headers(h -> h.set("Cookie", "pre=0"))
				.cookie(Cookie.of("a", "1"))
				.cookie(Cookie.of("b", "2").path("/cookies/api"))
				.cookie(Cookie.of("c", "3").path("/cookies/ap"))
				.cookie(Cookie.of("d", "4").secure(true))
				.cookie(Cookie.of("e", "5").domain("example.com"))
				.cookie(Cookie.of("f", "6").domain("127.0.0.1"))
				.cookie(Cookie.of("g", "7").domain("0.0.1"))
				.cookie(Cookie.of("a", "9"));
		// one header: the header set by headers(...), then the matching cookies; a=9 replaced a=1;
		// no subdomains of an IP address (g)
		assertThat(text(client.get().uri(base + "/cookies/api/v1"))).isEqualTo("200 pre=0; b=2; f=6; a=9");
		assertThat(text(client.get().uri(base + "/cookies/api"))).isEqualTo("200 pre=0; b=2; f=6; a=9");
		// /cookies/apix is not below /cookies/api, nor below /cookies/ap
		assertThat(text(client.get().uri(base + "/cookies/apix"))).isEqualTo("200 pre=0; f=6; a=9");
		assertThat(text(client.get().uri(base + "/cookies/ap/x"))).isEqualTo("200 pre=0; c=3; f=6; a=9");
	}

	@Test
	void theClientsCookiesFollowARedirectToTheSameHostAndByDomainOnly() {
		String base = loginServer();
		int port = URI.create(base).getPort();
		HttpClient client = HttpClient.create().followRedirect(true)
				.headers(h -> h.set("Cookie", "header=1"))
				.cookie(Cookie.of("any", "1"))
				.cookie(Cookie.of("local", "2").domain("localhost"));
		// same origin: the Cookie header of headers(...) is kept, the client's cookies matched again
		assertThat(text(client.get().uri(base + "/bounce?to=/cookies/x"))).isEqualTo("200 header=1; any=1");
		// 127.0.0.1 -> localhost: another origin, so not that header; only the cookie whose
		// Domain matches the new host
		assertThat(text(client.get().uri(base + "/bounce?to=http://localhost:" + port + "/cookies/x"))).isEqualTo("200 local=2");
		assertThat(text(client.get().uri("http://localhost:" + port + "/cookies/x"))).isEqualTo("200 header=1; any=1; local=2");
	}

	@Test
	void aSecureCookieGoesOverHttpsOnly() throws Exception {
		TestPki pki = TestPki.root(dir, "Cookie Root CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		HttpServer echo = HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.sendString(Mono.just(String.join("\n", req.requestHeaders().getAll("Cookie")))));
		DisposableServer tls = bind(echo.secure(TlsSpec.forServer(localhost.chain(), localhost.key())));
		DisposableServer plain = bind(echo);
		HttpClient client = HttpClient.create().secure(TlsSpec.forClient().trustedCertificates(pki.ca()))
				.cookie(Cookie.of("id", "x1").secure(true)).cookie(Cookie.of("lang", "en"))
				.cookie(Cookie.of("host", "h").domain("localhost"));
		assertThat(text(client.get().uri("https://localhost:" + tls.port() + "/"))).isEqualTo("200 id=x1; lang=en; host=h");
		assertThat(text(client.get().uri("http://localhost:" + plain.port() + "/"))).isEqualTo("200 lang=en; host=h");
		// localhost's cookie does not go to 127.0.0.1
		assertThat(text(client.get().uri("http://127.0.0.1:" + plain.port() + "/"))).isEqualTo("200 lang=en");
	}

	@Test
	void aHookAddsCookiesBeforeTheRequestIsWrittenAndSeesThem() {
		String base = loginServer();
		List<Map<String, List<String>>> seen = new CopyOnWriteArrayList<>();
		List<Throwable> late = new CopyOnWriteArrayList<>();
		HttpClient client = HttpClient.create().cookie(Cookie.of("a", "1"))
				.doOnRequest(req -> req.addCookie(Cookie.of("trace", "t-7").path("/ignored")))
				.doAfterRequest(req -> {
					seen.add(req.cookies());
					try {
						req.addCookie(Cookie.of("late", "1"));
					}
					catch (IllegalStateException e) {
						late.add(e);
					}
				});
		// a hook's cookie is the user's choice: its attributes are not checked, only name=value sent
		assertThat(text(client.get().uri(base + "/cookies/x"))).isEqualTo("200 a=1; trace=t-7");
		assertThat(seen).containsExactly(Map.of("a", List.of("1"), "trace", List.of("t-7")));
		assertThat(late).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("doOnRequest"));
	}

	@Test
	void aCookieManagerKeepsTheSessionAcrossTheRedirectAndLaterRequestsUntilItExpires() {
		String base = loginServer();
		HttpClient client = HttpClient.create().followRedirect(true).cookieHandler(new CookieManager());
		// the 302 sets the cookie; the redirect's GET /home already sends it
		assertThat(text(client.post().uri(base + "/login").sendString(Mono.just("user=alice")))).isEqualTo("200 welcome, s-42");
		assertThat(text(client.get().uri(base + "/home"))).isEqualTo("200 welcome, s-42");
		assertThat(text(client.get().uri(base + "/cookies/x"))).isEqualTo("200 session=s-42");
		// a client without the store, or with another one, has no session
		assertThat(text(HttpClient.create().get().uri(base + "/home"))).isEqualTo("401 who are you?");
		assertThat(text(client.cookieHandler(new CookieManager()).get().uri(base + "/home"))).isEqualTo("401 who are you?");
		// Max-Age=0 removes it from the store
		assertThat(text(client.get().uri(base + "/logout"))).isEqualTo("200 bye");
		assertThat(text(client.get().uri(base + "/home"))).isEqualTo("401 who are you?");
	}

	@Test
	void theStoresCookiesGoWithAWebsocketUpgradeAndItsSetCookieIsKept() {
		DisposableServer s = bind(HttpServer.create().route(r -> r
				.get("/login", (req, res) -> res.addCookie(Cookie.of("session", "ws-1").path("/").httpOnly(true)).sendString(Mono.just("ok")))
				.ws("/feed", (in, out) -> out.sendString(Mono.just("cookie: " + in.headers().get("Cookie"))))));
		CookieManager jar = new CookieManager();
		HttpClient client = HttpClient.create().cookieHandler(jar);
		assertThat(text(client.get().uri("http://127.0.0.1:" + s.port() + "/login"))).isEqualTo("200 ok");
		String got = client.websocket().uri("ws://127.0.0.1:" + s.port() + "/feed")
				.handle((in, out) -> in.receiveText()).next().block(TIMEOUT);
		assertThat(got).isEqualTo("cookie: session=ws-1");
		// the store was asked for http:// (it gives HttpOnly cookies to http and https URIs only)
		// and saw the cookie under http://
		assertThat(jar.getCookieStore().get(URI.create("http://127.0.0.1:" + s.port() + "/"))).singleElement()
				.satisfies(c -> assertThat(c.getValue()).isEqualTo("ws-1"));
	}

	@Test
	void aStoreThatFailsFailsTheRequestAndTheClientGoesOn() {
		String base = loginServer();
		CookieHandler failingGet = new CookieHandler() {
			@Override
			public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) throws IOException {
				throw new IOException("store offline");
			}

			@Override
			public void put(URI uri, Map<String, List<String>> responseHeaders) {
			}
		};
		CookieHandler failingPut = new CookieHandler() {
			@Override
			public Map<String, List<String>> get(URI uri, Map<String, List<String>> requestHeaders) {
				return Map.of();
			}

			@Override
			public void put(URI uri, Map<String, List<String>> responseHeaders) throws IOException {
				throw new IOException("store full");
			}
		};
		HttpClient client = HttpClient.create().maxConnections(1);
		assertThatThrownBy(() -> text(client.cookieHandler(failingGet).get().uri(base + "/home")))
				.hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("store offline");
		// the 302 of /login and the 200 of /big (4 MiB) have Set-Cookie: put fails; /cookies has none:
		// put is not called
		assertThatThrownBy(() -> text(client.cookieHandler(failingPut).post().uri(base + "/login").send(Flux.empty())))
				.hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("store full");
		assertThatThrownBy(() -> text(client.cookieHandler(failingPut).get().uri(base + "/big")))
				.hasRootCauseInstanceOf(IOException.class).hasRootCauseMessage("store full");
		assertThat(text(client.cookieHandler(failingPut).get().uri(base + "/cookies/x"))).isEqualTo("200 ");
		// the failed responses were discarded (a body nobody reads would hold the connection): the
		// single pooled connection serves the next request
		assertThat(text(client.get().uri(base + "/home"))).isEqualTo("401 who are you?");
	}

	/**
	 * A {@code Set-Cookie} of separators only ({@code ;}) from a hostile server: {@code cookies()}
	 * threw an {@code ArrayIndexOutOfBoundsException} ({@code ";".split(";")} has no element; found
	 * by {@code ClientParsersFuzzTest}); it names no cookie, so it is skipped like any header
	 * without a cookie name.
	 */
	@Test
	void aSetCookieOfSeparatorsOnlyIsSkipped() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nSet-Cookie: ;\r\nSet-Cookie: ;;\r\nSet-Cookie: a=1; Path=/\r\nContent-Length: 0\r\n\r\n");
			c.awaitClientClose(5000);
		})) {
			List<String> names = HttpClient.create().get().uri(s.url("/"))
					.response().map(r -> r.cookies().stream().map(Cookie::name).toList()).block(TIMEOUT);
			assertThat(names).containsExactly("a");
		}
	}
}
