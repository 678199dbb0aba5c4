/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@link ClientGateway} in front of a backend HttpServer, called by the JDK's HttpClient. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientGatewayTest {

	private DisposableServer backend;
	private ClientGateway gateway;
	private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	@BeforeEach
	void start() {
		backend = HttpServer.create().host("127.0.0.1").port(0).compress(true).route(r -> r
				.get("/asked", (req, res) -> res.sendString(Mono.just("asked for " + req.requestHeaders().get("Accept-Encoding"))))
				.get("/user", (req, res) -> res.sendString(Mono.just("{\"name\":\"ada\",\"agent\":\""
						+ req.requestHeaders().get("User-Agent") + "\"}")))
				.get("/orders", (req, res) -> res.sendString(Mono.just("[1,2,3]").delayElement(Duration.ofMillis(50))))
				.get("/big", (req, res) -> res.header("Content-Type", "text/csv")
						.sendString(Flux.range(0, 20_000).map(i -> i + ",row\n")))
				.get("/bighead", (req, res) -> res.header("X-Policy", "p".repeat(20_000)).sendString(Mono.just("fat head")))
				.get("/whoami", (req, res) -> res.sendString(Mono.just(String.valueOf(req.requestHeaders().get("X-Request-Id")))))
				.get("/slow", (req, res) -> res.sendString(Mono.never()))
				// a moved resource that needs credentials, a hop within the backend, one out of it
				.get("/moved", (req, res) -> res.status(307).header("Location", "/private").send())
				.get("/twice", (req, res) -> res.status(302).header("Location", "/moved").send())
				.get("/away", (req, res) -> res.status(302)
						.header("Location", "http://localhost:" + req.hostPort() + "/private").send())
				.get("/private", (req, res) -> {
					String credentials = req.requestHeaders().get("Authorization");
					return credentials == null ? res.status(401).sendString(Mono.just("who are you?"))
							: res.sendString(Mono.just("private to " + credentials));
				}))
				.bindNow(Duration.ofSeconds(10));
		gateway = ClientGateway.start("127.0.0.1", 0, "http://127.0.0.1:" + backend.port());
	}

	@AfterEach
	void stop() {
		gateway.disposeNow();
		backend.disposeNow();
	}

	private HttpResponse<String> get(String path) throws Exception {
		return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
				.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void theExamplesOwnBackendServesTheAggregate() throws Exception {
		// what main runs without arguments: the gateway in front of startBackend's server
		DisposableServer own = ClientGateway.startBackend(0);
		ClientGateway g = ClientGateway.start("127.0.0.1", 0, "http://127.0.0.1:" + own.port());
		try {
			HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/aggregate"))
					.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("{\"user\":{\"name\":\"ada\",\"agent\":\"reactor-mongoose-gateway\"},\"orders\":[1,2,3]}");
		}
		finally {
			g.disposeNow();
			own.disposeNow();
		}
	}

	@Test
	void aggregatesTwoBackendCalls() throws Exception {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		Metrics.addRegistry(registry);
		try {
			HttpResponse<String> r = get("/aggregate");
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("{\"user\":{\"name\":\"ada\",\"agent\":\"reactor-mongoose-gateway\"},\"orders\":[1,2,3]}");
			// the backend client's meters: one call to each path
			for (String path : new String[] {"/user", "/orders"}) {
				assertThat(registry.get("reactor.mongoose.http.client.response.time")
						.tags("remote.address", "127.0.0.1:" + backend.port(), "uri", path, "status", "200").timer().count())
						.isEqualTo(1);
			}
		}
		finally {
			Metrics.removeRegistry(registry);
		}
	}

	@Test
	void backendCallsCarryTheCallersRequestId() throws Exception {
		HttpResponse<String> r = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/proxy/whoami"))
				.header("X-Request-Id", "req-42").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(r.body()).isEqualTo("req-42");
		// none, or one that could smuggle something: a new one per request
		String first = get("/proxy/whoami").body();
		assertThat(first).matches("[0-9a-f-]{36}");
		assertThat(get("/proxy/whoami").body()).matches("[0-9a-f-]{36}").isNotEqualTo(first);
		HttpResponse<String> odd = jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/proxy/whoami"))
				.header("X-Request-Id", "a b;c").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
		assertThat(odd.body()).matches("[0-9a-f-]{36}");
	}

	@Test
	void proxiesAStreamedBody() throws Exception {
		HttpResponse<String> r = get("/proxy/big");
		assertThat(r.statusCode()).isEqualTo(200);
		assertThat(r.headers().firstValue("Content-Type")).hasValue("text/csv");
		assertThat(r.body().lines()).hasSize(20_000).startsWith("0,row").endsWith("19999,row");
		assertThat(get("/proxy/missing").statusCode()).isEqualTo(404);
		// the backend was asked for gzip and answered with it; the gateway's client got plain text
		assertThat(get("/proxy/asked").body()).isEqualTo("asked for gzip");
		// a 20 KB backend head is over the client's default 8 KiB, within the gateway's 32 KiB
		HttpResponse<String> fat = get("/proxy/bighead");
		assertThat(fat.statusCode()).isEqualTo(200);
		assertThat(fat.body()).isEqualTo("fat head");
	}

	@Test
	void fetchRefusesInternalAddressesWithoutConnecting() throws Exception {
		String[] inward = {"http://127.0.0.1:" + backend.port() + "/user", "http://localhost:" + backend.port() + "/user",
				"http://[::1]:" + backend.port() + "/user", "http://10.1.2.3/", "http://192.168.0.1/admin",
				"http://169.254.169.254/latest/meta-data/", "http://[fd00::1]/", "http://0.0.0.0:" + backend.port() + "/",
				// other spellings of loopback: the filter sees the address they resolve to
				"http://2130706433:" + backend.port() + "/user", "http://[::ffff:127.0.0.1]:" + backend.port() + "/user"};
		for (String url : inward) {
			HttpResponse<String> r = get("/fetch?url=" + java.net.URLEncoder.encode(url, java.nio.charset.StandardCharsets.UTF_8));
			assertThat(r.statusCode()).as(url).isEqualTo(403);
			assertThat(r.body()).as(url).startsWith("Filtered host");
		}
		assertThat(get("/fetch?url=file:///etc/passwd").statusCode()).isEqualTo(400);
		// the filter is what refused them: the same backend is reachable through /proxy
		assertThat(get("/proxy/user").statusCode()).isEqualTo(200);
		assertThat(ClientGateway.PUBLIC_ONLY.test(java.net.InetAddress.getByName("93.184.215.14"))).isTrue();
		assertThat(ClientGateway.PUBLIC_ONLY.test(java.net.InetAddress.getByName("2606:2800:21f:cb07::1"))).isTrue();
	}

	private HttpResponse<String> getWithCredentials(String path) throws Exception {
		return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
				.header("Authorization", "Bearer t0ken").timeout(Duration.ofSeconds(10)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void redirectsWithinTheBackendKeepTheCallersCredentials() throws Exception {
		// one hop and two hops within the backend: the credentials are sent again after each
		HttpResponse<String> moved = getWithCredentials("/proxy/moved");
		assertThat(moved.statusCode()).isEqualTo(200);
		assertThat(moved.body()).isEqualTo("private to Bearer t0ken");
		assertThat(getWithCredentials("/proxy/twice").body()).isEqualTo("private to Bearer t0ken");
		// without credentials the redirect is followed all the same, and the backend refuses
		HttpResponse<String> anonymous = get("/proxy/moved");
		assertThat(anonymous.statusCode()).isEqualTo(401);
		assertThat(anonymous.body()).isEqualTo("who are you?");
		// a redirect to another origin (the same server under another host name) is not followed:
		// the caller gets it as it came, and the backend never saw the credentials there
		HttpResponse<String> away = getWithCredentials("/proxy/away");
		assertThat(away.statusCode()).isEqualTo(302);
		assertThat(away.headers().firstValue("Location")).hasValue("http://localhost:" + backend.port() + "/private");
	}

	@Test
	void theRedirectRuleComparesSchemeHostAndPort() {
		URI backendUri = URI.create("http://127.0.0.1:8000");
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "/b")).isTrue();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a/b", "c?d=1")).isTrue();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "HTTP://127.0.0.1:8000/b")).isTrue();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "https://127.0.0.1:8000/b")).isFalse();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b")).isFalse();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "http://127.0.0.1/b")).isFalse();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "//evil.example:8000/b")).isFalse();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "http://evil.example/b")).isFalse();
		assertThat(ClientGateway.staysOn(backendUri, "http://127.0.0.1:8000/a", "http://[bad")).isFalse();
		assertThat(ClientGateway.staysOn(URI.create("https://api.example"), "https://api.example/a", "https://API.example:443/b")).isTrue();
		assertThat(ClientGateway.staysOn(URI.create("http://api.example"), "http://api.example/a", "http://api.example:80/b")).isTrue();
	}

	@Test
	void slowBackendGives504AndGoneBackendGives502() throws Exception {
		HttpResponse<String> slow = get("/proxy/slow");
		assertThat(slow.statusCode()).isEqualTo(504);
		backend.disposeNow();
		assertThat(get("/aggregate").statusCode()).isEqualTo(502);
	}

	private HttpResponse<String> get(String path, String timeoutMs) throws Exception {
		return jdk.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
				.header(ClientGateway.TIMEOUT, timeoutMs)
				.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	@Test
	void callerShortensTheBackendTimeoutPerRequest() throws Exception {
		// /orders answers after 50 ms: fine within the gateway's 2 s, too late for a caller's 10 ms
		assertThat(get("/aggregate", "2000").statusCode()).isEqualTo(200);
		HttpResponse<String> hurried = get("/aggregate", "10");
		assertThat(hurried.statusCode()).isEqualTo(504);
		assertThat(hurried.body()).contains("within 10");
		// a backend that never answers: the caller's 100 ms, not the gateway's 2 s
		HttpResponse<String> slow = get("/proxy/slow", "100");
		assertThat(slow.statusCode()).isEqualTo(504);
		assertThat(slow.body()).contains("within 100");
		// the next call without the header has the gateway's own timeout again
		assertThat(get("/proxy/slow").body()).contains("within 2000");
	}

	@Test
	void badTimeoutHeaderIs400() throws Exception {
		for (String bad : new String[] {"0", "-5", "2001", "abc", "1.5", "99999999999"}) {
			HttpResponse<String> r = get("/proxy/whoami", bad);
			assertThat(r.statusCode()).as(bad).isEqualTo(400);
			assertThat(r.body()).as(bad).contains(ClientGateway.TIMEOUT).contains(bad);
		}
		assertThat(get("/proxy/whoami", "1500").statusCode()).isEqualTo(200);
	}
}
