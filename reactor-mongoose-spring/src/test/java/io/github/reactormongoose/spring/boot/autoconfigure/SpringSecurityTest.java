/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reactormongoose.spring.boot.MongooseWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.security.config.annotation.method.configuration.EnableReactiveMethodSecurity;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebSession;

/**
 * A Spring Security WebFlux application (form login with CSRF, HTTP Basic, roles, method
 * security, a WebSocket and an SSE endpoint behind authentication) on reactor-mongoose, with
 * {@code server.forward-headers-strategy=native}. Every answer checked here was compared with the
 * same application on Reactor Netty (docs/spring-boot.md, "Spring Security"): same statuses,
 * redirects, cookies, security headers and bodies.
 */
class SpringSecurityTest {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" type=\"hidden\" value=\"([^\"]+)\"");

	private static final Pattern SESSION = Pattern.compile("SESSION=([^;]+)");

	@Configuration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@EnableWebFluxSecurity
	@EnableReactiveMethodSecurity
	static class App {

		@Bean
		SecurityWebFilterChain chain(ServerHttpSecurity http) {
			return http
				.authorizeExchange(e -> e.pathMatchers("/public/**").permitAll()
					.pathMatchers("/admin/**").hasRole("ADMIN")
					.anyExchange().authenticated())
				.formLogin(f -> { })
				.httpBasic(b -> { })
				.build();
		}

		@Bean
		MapReactiveUserDetailsService users() {
			return new MapReactiveUserDetailsService(
					User.withUsername("user").password("{noop}password").roles("USER").build(),
					User.withUsername("admin").password("{noop}admin").roles("USER", "ADMIN").build());
		}

		@Bean
		HandlerMapping echoSocket() {
			WebSocketHandler echo = s -> s.send(s.receive().map(m -> s.textMessage("echo " + m.getPayloadAsText())));
			return new SimpleUrlHandlerMapping(Map.of("/ws", echo), -1);
		}

		@Bean
		Controller controller() {
			return new Controller();
		}
	}

	@RestController
	static class Controller {

		@GetMapping("/me")
		Mono<String> me(java.security.Principal principal, WebSession session) {
			return Mono.just(principal.getName() + " " + session.getId());
		}

		@GetMapping("/admin/x")
		String admin() {
			return "admin";
		}

		@GetMapping("/method/admin")
		@PreAuthorize("hasRole('ADMIN')")
		public Mono<String> methodAdmin() {
			return Mono.just("method-admin");
		}

		@GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<String> sse(java.security.Principal principal) {
			return Flux.range(1, 3).map(i -> principal.getName() + i);
		}

		@PostMapping("/form")
		Mono<String> form(ServerWebExchange exchange) {
			return exchange.getFormData().map(f -> "fields=" + f.size() + " big=" + f.getFirst("big").length());
		}

		@GetMapping("/redirect")
		Mono<Void> redirect(ServerWebExchange exchange) {
			exchange.getResponse().setStatusCode(HttpStatus.FOUND);
			exchange.getResponse().getHeaders().setLocation(exchange.getRequest().getURI().resolve("/public/hi"));
			return exchange.getResponse().setComplete();
		}
	}

	private static ConfigurableApplicationContext app;

	private static String base;

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@BeforeAll
	static void start() {
		app = new SpringApplicationBuilder(App.class).run("--server.port=0", "--server.address=127.0.0.1",
				"--spring.main.banner-mode=off", "--server.forward-headers-strategy=native");
		assertThat(((WebServerApplicationContext) app).getWebServer()).isInstanceOf(MongooseWebServer.class);
		base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
	}

	@AfterAll
	static void stop() {
		app.close();
	}

	private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
		// a safety net only: on a loaded 2-CPU machine, 50 parallel logins take several seconds on
		// Reactor Netty too
		return client.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpRequest.Builder get(String path, String... headers) {
		HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
		return headers.length == 0 ? b : b.headers(headers);
	}

	private static HttpRequest.Builder post(String path, String form, String... headers) {
		return get(path, headers).header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString(form));
	}

	private static String basic(String user, String password) {
		return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	private static String session(HttpResponse<?> response) {
		String cookie = response.headers().firstValue("Set-Cookie").orElseThrow();
		assertThat(cookie).contains("Path=/").containsIgnoringCase("HttpOnly").doesNotContain("Secure");
		Matcher m = SESSION.matcher(cookie);
		assertThat(m.find()).as(cookie).isTrue();
		return m.group(1);
	}

	/** the login page's token and the anonymous session that holds it */
	private static String[] loginPage() throws Exception {
		HttpResponse<String> page = send(get("/login"));
		assertThat(page.statusCode()).isEqualTo(200);
		Matcher m = CSRF.matcher(page.body());
		assertThat(m.find()).as(page.body()).isTrue();
		return new String[] {m.group(1), session(page)};
	}

	private static String login(String user, String password) throws Exception {
		String[] page = loginPage();
		HttpResponse<String> login = send(post("/login", "username=" + user + "&password=" + password + "&_csrf="
				+ URLEncoder.encode(page[0], StandardCharsets.UTF_8), "Cookie", "SESSION=" + page[1]));
		assertThat(login.statusCode()).isEqualTo(302);
		assertThat(login.headers().firstValue("Location")).hasValue("/");
		String session = session(login);
		assertThat(session).as("a new session id on login (fixation protection)").isNotEqualTo(page[1]);
		return session;
	}

	private static void assertSecurityHeaders(HttpResponse<?> r) {
		assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
		assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache, no-store, max-age=0, must-revalidate");
		assertThat(r.headers().firstValue("Pragma")).hasValue("no-cache");
	}

	@Test
	void formLoginWithItsCsrfTokenGivesANewSessionThatLogoutEnds() throws Exception {
		String session = login("user", "password");
		HttpResponse<String> me = send(get("/me", "Cookie", "SESSION=" + session));
		assertThat(me.statusCode()).isEqualTo(200);
		assertThat(me.body()).isEqualTo("user " + session);
		assertSecurityHeaders(me);
		assertThat(me.headers().firstValue("Strict-Transport-Security")).as("HSTS only over https").isEmpty();

		// the token of the authenticated session (the login changed the session, and with it the token)
		Matcher m = CSRF.matcher(send(get("/login", "Cookie", "SESSION=" + session)).body());
		assertThat(m.find()).isTrue();
		HttpResponse<String> logout = send(post("/logout", "_csrf=" + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8),
				"Cookie", "SESSION=" + session));
		assertThat(logout.statusCode()).isEqualTo(302);
		assertThat(logout.headers().firstValue("Location")).hasValue("/login?logout");
		HttpResponse<String> after = send(get("/me", "Cookie", "SESSION=" + session, "Accept", "text/html"));
		assertThat(after.statusCode()).isEqualTo(302);
		assertThat(after.headers().firstValue("Location")).hasValue("/login");
	}

	@Test
	void aWrongPasswordGoesBackToTheLoginPage() throws Exception {
		String[] page = loginPage();
		HttpResponse<String> login = send(post("/login", "username=user&password=nope&_csrf="
				+ URLEncoder.encode(page[0], StandardCharsets.UTF_8), "Cookie", "SESSION=" + page[1]));
		assertThat(login.statusCode()).isEqualTo(302);
		assertThat(login.headers().firstValue("Location")).hasValue("/login?error");
	}

	@Test
	void postsWithoutTheCsrfTokenAre403AndALargeFormWithItIsRead() throws Exception {
		String session = login("user", "password");
		HttpResponse<String> none = send(post("/form", "big=x", "Cookie", "SESSION=" + session));
		assertThat(none.statusCode()).isEqualTo(403);
		assertThat(none.body()).isEqualTo("Access Denied");
		HttpResponse<String> bogus = send(post("/form", "big=x&_csrf=bogus", "Cookie", "SESSION=" + session));
		assertThat(bogus.statusCode()).isEqualTo(403);

		Matcher m = CSRF.matcher(send(get("/login", "Cookie", "SESSION=" + session)).body());
		assertThat(m.find()).isTrue();
		StringBuilder form = new StringBuilder("big=" + "x".repeat(200 * 1024));
		for (int i = 0; i < 500; i++) {
			form.append("&f").append(i).append('=').append(i);
		}
		form.append("&_csrf=").append(URLEncoder.encode(m.group(1), StandardCharsets.UTF_8));
		HttpResponse<String> big = send(post("/form", form.toString(), "Cookie", "SESSION=" + session));
		assertThat(big.statusCode()).isEqualTo(200);
		assertThat(big.body()).isEqualTo("fields=502 big=204800");
	}

	@Test
	void httpBasicRolesAndMethodSecurity() throws Exception {
		HttpResponse<String> anonymous = send(get("/me"));
		assertThat(anonymous.statusCode()).isEqualTo(401);
		assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"Realm\"");
		assertSecurityHeaders(anonymous);
		assertThat(send(get("/me", "Authorization", basic("user", "nope"))).statusCode()).isEqualTo(401);
		assertThat(send(get("/me", "Accept", "text/html")).headers().firstValue("Location")).hasValue("/login");

		assertThat(send(get("/me", "Authorization", basic("user", "password"))).body()).startsWith("user ");
		HttpResponse<String> forbidden = send(get("/admin/x", "Authorization", basic("user", "password")));
		assertThat(forbidden.statusCode()).isEqualTo(403);
		assertThat(forbidden.body()).isEqualTo("Access Denied");
		assertThat(send(get("/method/admin", "Authorization", basic("user", "password"))).statusCode()).isEqualTo(403);
		HttpResponse<String> admin = send(get("/method/admin", "Authorization", basic("admin", "admin")));
		assertThat(admin.statusCode()).isEqualTo(200);
		assertThat(admin.body()).isEqualTo("method-admin");
	}

	@Test
	void forwardedSchemeAndHostMakeTheRedirectAndHsts() throws Exception {
		HttpResponse<String> r = send(get("/redirect", "Authorization", basic("user", "password"), "X-Forwarded-Proto",
				"https", "X-Forwarded-Host", "example.com"));
		assertThat(r.statusCode()).isEqualTo(302);
		assertThat(r.headers().firstValue("Location")).hasValue("https://example.com/public/hi");
		// the request is https for Spring Security: HSTS, and a Secure session cookie
		HttpResponse<String> login = send(get("/login", "X-Forwarded-Proto", "https"));
		assertThat(login.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000 ; includeSubDomains");
		assertThat(login.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure");
		HttpResponse<String> prefixed = send(get("/me", "Accept", "text/html", "X-Forwarded-Prefix", "/app"));
		assertThat(prefixed.headers().firstValue("Location")).hasValue("/app/login");
	}

	@Test
	void sseAndWebSocketBehindAuthentication() throws Exception {
		HttpResponse<String> sse = send(get("/sse", "Authorization", basic("user", "password")));
		assertThat(sse.statusCode()).isEqualTo(200);
		assertThat(sse.body()).isEqualTo("data:user1\n\ndata:user2\n\ndata:user3\n\n");
		assertThat(send(get("/sse")).statusCode()).isEqualTo(401);

		URI ws = URI.create(base.replace("http:", "ws:") + "/ws");
		assertThatThrownBy(() -> client.newWebSocketBuilder().buildAsync(ws, new WebSocket.Listener() { })
			.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOfSatisfying(WebSocketHandshakeException.class,
					e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
		CompletableFuture<String> echoed = new CompletableFuture<>();
		WebSocket socket = client.newWebSocketBuilder()
			.header("Cookie", "SESSION=" + login("user", "password"))
			.buildAsync(ws, new WebSocket.Listener() {
				@Override
				public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
					echoed.complete(data.toString());
					return null;
				}
			})
			.get(10, TimeUnit.SECONDS);
		socket.sendText("hi", true);
		assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("echo hi");
		socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
	}

	@Test
	void fiftyParallelLoginsEachGetTheirOwnSession() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(50);
		List<CompletableFuture<String>> logins = new ArrayList<>();
		for (int i = 0; i < 50; i++) {
			String user = i % 2 == 0 ? "user" : "admin";
			String password = i % 2 == 0 ? "password" : "admin";
			logins.add(CompletableFuture.supplyAsync(() -> {
				try {
					String session = login(user, password);
					HttpResponse<String> me = send(get("/me", "Cookie", "SESSION=" + session));
					HttpResponse<String> admin = send(get("/admin/x", "Cookie", "SESSION=" + session));
					return me.body() + " " + admin.statusCode();
				}
				catch (Exception e) {
					throw new CompletionException(e);
				}
			}, pool));
		}
		Set<String> sessions = new HashSet<>();
		for (int i = 0; i < 50; i++) {
			String[] answer = logins.get(i).get(120, TimeUnit.SECONDS).split(" ");
			assertThat(answer[0]).isEqualTo(i % 2 == 0 ? "user" : "admin");
			assertThat(answer[2]).isEqualTo(i % 2 == 0 ? "403" : "200");
			sessions.add(answer[1]);
		}
		pool.shutdown();
		assertThat(sessions).hasSize(50);
	}
}
