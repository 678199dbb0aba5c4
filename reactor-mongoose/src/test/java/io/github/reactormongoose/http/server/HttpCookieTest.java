/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.testing.Curl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Cookies set with {@code addCookie} as real cookie engines take them (curl's cookie jar, the
 * JDK's {@link CookieManager}) and read back by {@code request.cookies()}; {@code Set-Cookie}
 * read by our client's {@code response.cookies()} from the JDK's HttpServer; the checks of
 * {@link Cookie#of}.
 */
class HttpCookieTest extends BaseHttpTest {

	@TempDir
	Path dir;

	private DisposableServer server() {
		return bind(HttpServer.create().route(r -> r
				.get("/login", (req, res) -> res
						.addCookie(Cookie.of("session", "abc123").path("/").httpOnly(true).sameSite("lax")
								.maxAge(Duration.ofHours(1)))
						.addCookie(Cookie.of("theme", "\"dark\"").path("/"))
						.addCookie(Cookie.of("gone", "x").path("/").maxAge(Duration.ZERO))
						.sendString(Mono.just("in")))
				.get("/me", (req, res) -> res.sendString(Mono.just(req.cookie("session") + " " + req.cookies())))));
	}

	@Test
	void curlsCookieJarKeepsWhatAddCookieSetAndSendsItBack() throws Exception {
		Curl.assumeInstalled();
		DisposableServer s = server();
		Path jar = dir.resolve("jar.txt");
		String base = "http://127.0.0.1:" + s.port();
		Curl.Result login = Curl.run("-c", jar.toString(), base + "/login");
		assertThat(login.stdout()).isEqualTo("in");
		String stored = Files.readString(jar);
		assertThat(stored).contains("#HttpOnly_127.0.0.1").contains("\tsession\tabc123").contains("\ttheme\t\"dark\"")
				.doesNotContain("gone");
		Curl.Result me = Curl.run("-b", jar.toString(), base + "/me");
		assertThat(me.stdout()).startsWith("abc123 ").contains("session=[abc123]").contains("theme=[dark]");
	}

	/**
	 * Several {@code Cookie} lines (HTTP/2 splits cookies into several fields, RFC 9113 8.2.3, and
	 * a client or gateway may pass them on so) are read as one: hook 28 of hook-mongoose.sh lets
	 * them through Mongoose's parser, which refused them as malformed.
	 */
	@Test
	void severalCookieHeadersAreReadAsOne() throws Exception {
		DisposableServer s = server();
		try (io.github.reactormongoose.testing.RawHttp c = io.github.reactormongoose.testing.RawHttp.connect(s.port())) {
			c.write("GET /me HTTP/1.1\r\nHost: x\r\nCookie: session=abc123\r\nCookie: theme=dark; lang=en\r\n"
					+ "Cookie: lang=fr\r\n\r\n");
			io.github.reactormongoose.testing.RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("abc123 {session=[abc123], theme=[dark], lang=[en, fr]}");
			// the connection goes on
			c.write("GET /me HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(c.read().bodyString()).isEqualTo("null {}");
		}
	}

	@Test
	void theJdksCookieManagerTakesThemToo() throws Exception {
		DisposableServer s = server();
		CookieManager manager = new CookieManager();
		HttpClient jdk = HttpClient.newBuilder().cookieHandler(manager).build();
		String base = "http://127.0.0.1:" + s.port();
		HttpResponse<String> login = jdk.send(HttpRequest.newBuilder(URI.create(base + "/login")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(login.headers().allValues("Set-Cookie")).hasSize(3).anySatisfy(v -> assertThat(v)
				.startsWith("session=abc123; Max-Age=3600; Expires=").endsWith("; Path=/; HttpOnly; SameSite=Lax"));
		List<HttpCookie> kept = manager.getCookieStore().getCookies();
		assertThat(kept).extracting(HttpCookie::getName).containsExactlyInAnyOrder("session", "theme");
		HttpCookie session = kept.stream().filter(c -> c.getName().equals("session")).findFirst().orElseThrow();
		assertThat(session.isHttpOnly()).isTrue();
		assertThat(session.getMaxAge()).isBetween(3590L, 3600L);
		String me = jdk.send(HttpRequest.newBuilder(URI.create(base + "/me")).build(), HttpResponse.BodyHandlers.ofString())
				.body();
		assertThat(me).startsWith("abc123 ").contains("session=[abc123]");
	}

	@Test
	void ourClientReadsSetCookieAsAUserAgentDoes() throws Exception {
		com.sun.net.httpserver.HttpServer jdkServer = com.sun.net.httpserver.HttpServer.create(
				new InetSocketAddress("127.0.0.1", 0), 0);
		jdkServer.createContext("/", ex -> {
			ex.getResponseHeaders().add("Set-Cookie", "a=1; Path=/docs; Domain=.example.org; Secure; HttpOnly; Max-Age=60");
			ex.getResponseHeaders().add("Set-Cookie", "b=\"two words\"; SameSite=None; Partitioned; Max-Age=soon");
			ex.getResponseHeaders().add("Set-Cookie", "=nameless");
			ex.getResponseHeaders().add("Set-Cookie", "c=; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
			ex.sendResponseHeaders(204, -1);
			ex.close();
		});
		jdkServer.start();
		try {
			List<Cookie> cookies = io.github.reactormongoose.http.client.HttpClient.create().runOn(newLoop()).get()
					.uri("http://127.0.0.1:" + jdkServer.getAddress().getPort() + "/").response()
					.map(r -> r.cookies()).block(TIMEOUT);
			assertThat(cookies).hasSize(3);
			Cookie a = cookies.get(0);
			assertThat(a.name()).isEqualTo("a");
			assertThat(a.value()).isEqualTo("1");
			assertThat(a.path()).isEqualTo("/docs");
			assertThat(a.domain()).isEqualTo("example.org");
			assertThat(a.isSecure()).isTrue();
			assertThat(a.isHttpOnly()).isTrue();
			assertThat(a.maxAge()).isEqualTo(Duration.ofSeconds(60));
			Cookie b = cookies.get(1);
			assertThat(b.value()).isEqualTo("two words");
			assertThat(b.sameSite()).isEqualTo("None");
			assertThat(b.isPartitioned()).isTrue();
			assertThat(b.maxAge()).isNull(); // an invalid Max-Age is ignored
			assertThat(cookies.get(2).name()).isEqualTo("c");
			assertThat(cookies.get(2).value()).isEmpty();
		}
		finally {
			jdkServer.stop(0);
		}
	}

	@Test
	void cookiesThatABrowserWouldDropAreRefusedWhenMade() {
		for (String name : new String[] { "", "a b", "a;b", "a=b", "ü", "a\u0001" }) {
			assertThatThrownBy(() -> Cookie.of(name, "v")).as(name).isInstanceOf(IllegalArgumentException.class);
		}
		for (String value : new String[] { "a b", "a;b", "a,b", "a\"b", "a\\b", "ü", "a\r\nSet-Cookie: x=y" }) {
			assertThatThrownBy(() -> Cookie.of("n", value)).as(value).isInstanceOf(IllegalArgumentException.class)
					.hasMessageContaining("cookie-octets");
		}
		assertThatThrownBy(() -> Cookie.of("n", "v").path("/a;b")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> Cookie.of("n", "v").domain("x\r\n")).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> Cookie.of("n", "v").sameSite("sometimes")).isInstanceOf(IllegalArgumentException.class);
		assertThat(Cookie.of("n", "a=b/c+d").secure(true).partitioned(true).encode())
				.isEqualTo("n=a=b/c+d; Secure; Partitioned");
		assertThat(Cookie.of("n", "").maxAge(Duration.ofSeconds(-5)).encode())
				.isEqualTo("n=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
		assertThat(Cookie.of("n", "v").maxAge(Duration.ofDays(1)).maxAge(null).encode()).isEqualTo("n=v");
	}

	@Test
	void requestCookieHeadersAreReadLeniently() {
		Map<String, List<String>> m = Cookie.parseRequest(List.of("a=1; b=\"2\"; junk; =x; a=3", "c=; d=e=f"));
		assertThat(m).containsExactly(Map.entry("a", List.of("1", "3")), Map.entry("b", List.of("2")),
				Map.entry("c", List.of("")), Map.entry("d", List.of("e=f")));
	}
}
