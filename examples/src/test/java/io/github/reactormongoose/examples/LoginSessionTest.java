/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link LoginSession}: sessions kept by the reactor-mongoose client's cookie store across the
 * login's redirect and later requests, two users apart, the logout's removal; the JDK's
 * {@link HttpClient} with its own {@link CookieManager} against the same service.
 */
class LoginSessionTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private LoginSession service;

	private String base;

	@BeforeEach
	void start() {
		service = LoginSession.start("127.0.0.1", 0);
		base = "http://127.0.0.1:" + service.port();
	}

	@AfterEach
	void stop() {
		service.dispose();
	}

	@Test
	void eachClientKeepsItsOwnSessionUntilItLogsOut() {
		LoginSession.Session alice = new LoginSession.Session(base, "fr");
		LoginSession.Session bob = new LoginSession.Session(base, "de");
		assertThat(alice.me().block(TIMEOUT)).isEqualTo("401 not logged in");
		// the 303's Set-Cookie is stored and the redirect's GET /me sends it, with the lang cookie
		assertThat(alice.login("alice", "wonderland").block(TIMEOUT)).isEqualTo("200 Bonjour, alice");
		assertThat(alice.redirects()).containsExactly("303 /login -> /me");
		assertThat(bob.login("bob", "builder").block(TIMEOUT)).isEqualTo("200 Hallo, bob");
		assertThat(alice.me().block(TIMEOUT)).isEqualTo("200 Bonjour, alice");
		assertThat(bob.me().block(TIMEOUT)).isEqualTo("200 Hallo, bob");
		assertThat(service.openSessions()).isEqualTo(2);
		assertThat(alice.logout().block(TIMEOUT)).isEqualTo("200 bye");
		assertThat(alice.me().block(TIMEOUT)).isEqualTo("401 not logged in");
		assertThat(bob.me().block(TIMEOUT)).isEqualTo("200 Hallo, bob");
		assertThat(service.openSessions()).isEqualTo(1);
	}

	@Test
	void aWrongPasswordOpensNoSession() {
		LoginSession.Session mallory = new LoginSession.Session(base, "en");
		assertThat(mallory.login("alice", "guess").block(TIMEOUT)).isEqualTo("401 wrong user or password");
		assertThat(mallory.login("nobody", "").block(TIMEOUT)).isEqualTo("401 wrong user or password");
		assertThat(mallory.me().block(TIMEOUT)).isEqualTo("401 not logged in");
		assertThat(mallory.redirects()).isEmpty();
		assertThat(service.openSessions()).isZero();
	}

	@Test
	void theJdkClientWithItsCookieManagerLogsInToo() throws Exception {
		HttpClient jdk = HttpClient.newBuilder().cookieHandler(new CookieManager())
				.followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(TIMEOUT).build();
		HttpResponse<String> login = jdk.send(HttpRequest.newBuilder(URI.create(base + "/login")).timeout(TIMEOUT)
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("user=bob&password=builder")).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(login.statusCode()).isEqualTo(200);
		assertThat(login.body()).isEqualTo("Hello, bob");
		assertThat(login.previousResponse()).hasValueSatisfying(r -> {
			assertThat(r.statusCode()).isEqualTo(303);
			assertThat(r.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c)
					.startsWith("session=").contains("; Path=/").contains("; HttpOnly").contains("; SameSite=Strict"));
		});
	}
}
