/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.CookieManager;
import java.net.URI;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.Cookie;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.FormPart;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.HttpServerRequest;
import io.github.reactormongoose.http.server.HttpServerResponse;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A service with a login session in a cookie, and a client that keeps it.
 * <p>
 * The service ({@link HttpServer}): {@code POST /login} with the form fields {@code user} and
 * {@code password} opens a session, sets the cookie {@code session} ({@code HttpOnly},
 * {@code SameSite=Strict}, {@code Path=/}) and redirects (303) to {@code /me}; a wrong password
 * is answered 401. {@code GET /me} says who the session is, in the language of the
 * {@code lang} cookie (401 without a session); {@code POST /logout} closes the session and
 * removes the cookie ({@code Max-Age=0}).
 * <p>
 * The client ({@link Session}) is an {@link HttpClient} with a cookie store,
 * {@code cookieHandler(new CookieManager())}: the 303 of the login sets the cookie, the
 * redirect's {@code GET /me} already sends it, and so does every later request of that client,
 * until the logout's {@code Max-Age=0} takes it out of the store. Its {@code lang} cookie is the
 * client's own, {@code cookie(Cookie.of("lang", ...))}, sent with every request. One
 * {@code CookieManager} per session: two sessions never see each other's cookies. The
 * redirects it followed are kept by a {@code doOnRedirect} hook ({@link Session#redirects()}).
 */
public final class LoginSession implements Disposable {

	/** The accounts: user to password. */
	private static final Map<String, String> ACCOUNTS = Map.of("alice", "wonderland", "bob", "builder");

	private static final Map<String, String> HELLO = Map.of("en", "Hello", "fr", "Bonjour", "de", "Hallo");

	private static final SecureRandom RANDOM = new SecureRandom();

	/** Open sessions: id to user. */
	private final Map<String, String> sessions = new ConcurrentHashMap<>();

	private final DisposableServer server;

	private LoginSession(HttpServer server) {
		this.server = server.route(r -> r
				.post("/login", this::login)
				.get("/me", this::me)
				.post("/logout", this::logout))
				.bindNow(Duration.ofSeconds(10));
	}

	/** Starts the service on {@code host:port} (0: a free port). */
	public static LoginSession start(String host, int port) {
		return new LoginSession(HttpServer.create().host(host).port(port));
	}

	public int port() {
		return server.port();
	}

	/** How many sessions are open. */
	public int openSessions() {
		return sessions.size();
	}

	private Mono<Void> login(HttpServerRequest req, HttpServerResponse res) {
		return req.receiveForm().collectMap(FormPart::name, FormPart::string, HashMap::new).flatMap(form -> {
			String user = form.getOrDefault("user", "");
			String expected = ACCOUNTS.get(user);
			String given = form.getOrDefault("password", "");
			if (expected == null || !MessageDigest.isEqual(expected.getBytes(UTF_8), given.getBytes(UTF_8))) {
				return res.status(401).sendString(Mono.just("wrong user or password"));
			}
			byte[] id = new byte[18];
			RANDOM.nextBytes(id);
			String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
			sessions.put(session, user);
			return res.status(303).header("Location", "/me")
					.addCookie(Cookie.of("session", session).path("/").httpOnly(true).sameSite("Strict"))
					.send();
		});
	}

	private Mono<Void> me(HttpServerRequest req, HttpServerResponse res) {
		String session = req.cookie("session");
		String user = session == null ? null : sessions.get(session);
		if (user == null) {
			return res.status(401).sendString(Mono.just("not logged in"));
		}
		String lang = req.cookie("lang");
		String hello = HELLO.getOrDefault(lang == null ? "en" : lang, HELLO.get("en"));
		return res.sendString(Mono.just(hello + ", " + user));
	}

	private Mono<Void> logout(HttpServerRequest req, HttpServerResponse res) {
		String session = req.cookie("session");
		if (session != null) {
			sessions.remove(session);
		}
		return res.addCookie(Cookie.of("session", "").path("/").maxAge(Duration.ZERO)).sendString(Mono.just("bye"));
	}

	@Override
	public void dispose() {
		server.disposeNow(Duration.ofSeconds(5));
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	/** A client of the service with its own cookie store: one user's session. */
	public static final class Session {

		private final HttpClient client;
		private final List<String> redirects = new CopyOnWriteArrayList<>();

		/** A session with the service at {@code baseUrl}, greeted in {@code lang}. */
		public Session(String baseUrl, String lang) {
			this.client = HttpClient.create()
					.baseUrl(baseUrl)
					.followRedirect(true)
					// each redirect followed, as "303 /login -> /me"
					.doOnRedirect(res -> redirects.add(res.status() + " " + URI.create(res.uri()).getPath() + " -> "
							+ res.responseHeaders().get("Location")))
					.cookieHandler(new CookieManager())
					.cookie(Cookie.of("lang", lang));
		}

		/** The redirects this session followed, oldest first: {@code "303 /login -> /me"}. */
		public List<String> redirects() {
			return List.copyOf(redirects);
		}

		/** Logs in: the status and body of the answer ({@code 200 Hello, alice} after the redirect). */
		public Mono<String> login(String user, String password) {
			return text(client.post().uri("/login").sendForm(f -> f.attr("user", user).attr("password", password)));
		}

		/** {@code GET /me}: the status and body. */
		public Mono<String> me() {
			return text(client.get().uri("/me"));
		}

		/** {@code POST /logout}: the status and body. */
		public Mono<String> logout() {
			return text(client.post().uri("/logout").send(Mono.empty()));
		}

		private static Mono<String> text(HttpClient.ResponseReceiver r) {
			return r.responseSingle((res, body) -> body.map(b -> res.status() + " " + new String(b, UTF_8))
					.defaultIfEmpty(res.status() + " "));
		}
	}

	/** Starts the service on port 8086 (or {@code -Dport}), logs alice in and out, keeps serving. */
	public static void main(String[] args) {
		LoginSession service = start("127.0.0.1", Integer.getInteger("port", 8086));
		Runtime.getRuntime().addShutdownHook(new Thread(service::dispose, "login-session-shutdown"));
		Session alice = new Session("http://127.0.0.1:" + service.port(), "fr");
		System.out.println("login:  " + alice.login("alice", "wonderland").block() + " (redirected: " + alice.redirects() + ")");
		System.out.println("me:     " + alice.me().block());
		System.out.println("logout: " + alice.logout().block());
		System.out.println("me:     " + alice.me().block());
		System.out.println("Service on http://127.0.0.1:" + service.port()
				+ " (try: curl -i -c jar -d user=bob -d password=builder http://127.0.0.1:" + service.port() + "/login)");
		service.server.onDispose().block();
	}
}
