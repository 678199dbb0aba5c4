/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.spring.test.AbstractAdapterTest;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpCookie;
import org.springframework.http.ResponseCookie;

import static org.assertj.core.api.Assertions.assertThat;

/** Request cookies parsed from {@code Cookie}, response cookies as several {@code Set-Cookie}. */
class CookieTest extends AbstractAdapterTest {

	@Test
	void readsRequestCookiesAndWritesSeveralSetCookieHeaders() throws Exception {
		start((request, response) -> {
			StringBuilder seen = new StringBuilder();
			request.getCookies().forEach((name, cookies) -> {
				for (HttpCookie c : cookies) {
					seen.append(name).append('=').append(c.getValue()).append(';');
				}
			});
			response.addCookie(ResponseCookie.from("SID", "31d4d96e407aad42").path("/").secure(true).httpOnly(true).build());
			response.addCookie(ResponseCookie.from("lang", "en-US").path("/").domain("example.com")
					.maxAge(Duration.ofHours(1)).sameSite("Lax").build());
			response.addCookie(ResponseCookie.from("lang", "fr").build());
			return response.writeWith(Mono.just(response.bufferFactory().wrap(seen.toString().getBytes())));
		});
		HttpResponse<String> r = this.client.send(request("/cookie")
				.header("Cookie", "SID=31d4d96e407aad42; lang=en-US; quoted=\"v\"").GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(r.body()).isEqualTo("SID=31d4d96e407aad42;lang=en-US;quoted=v;");
		List<String> setCookies = r.headers().allValues("Set-Cookie");
		assertThat(setCookies).hasSize(3);
		assertThat(setCookies.get(0)).startsWith("SID=31d4d96e407aad42").contains("Path=/", "Secure", "HttpOnly");
		assertThat(setCookies.get(1)).startsWith("lang=en-US").contains("Domain=example.com", "Max-Age=3600",
				"SameSite=Lax");
		assertThat(setCookies.get(2)).isEqualTo("lang=fr");
	}

	@Test
	void noCookieHeaderMeansNoCookies() throws Exception {
		start((request, response) -> response.writeWith(Mono.just(
				response.bufferFactory().wrap(String.valueOf(request.getCookies().size()).getBytes()))));
		assertThat(get("/").body()).isEqualTo("0");
	}
}
