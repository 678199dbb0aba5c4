/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.spring.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http11SslContextSpec;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * {@code WebClient} over {@link MongooseClientHttpConnector}, against a Reactor Netty server (a
 * peer this project did not write) on 127.0.0.1.
 */
class MongooseClientHttpConnectorTest {

	private static final int BIG = 8 * 1024 * 1024;

	private static DisposableServer server;

	/** The remote ports of the connections the server accepted. */
	private static final Set<Integer> connections = ConcurrentHashMap.newKeySet();

	/** The remote ports of the connections that closed. */
	private static final Set<Integer> closed = ConcurrentHashMap.newKeySet();

	private static WebClient web;

	@BeforeAll
	static void start() {
		byte[] chunk = new byte[64 * 1024];
		server = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.doOnConnection(c -> {
				int port = ((java.net.InetSocketAddress) c.channel().remoteAddress()).getPort();
				connections.add(port);
				c.onDispose(() -> closed.add(port));
			})
			.route(r -> r
				.get("/json", (req, res) -> res.header("Content-Type", "application/json")
					.sendString(Mono.just("{\"name\":\"mongoose\",\"legs\":4}")))
				.post("/echo", (req, res) -> res
					.header("X-Request-Length", String.valueOf(req.requestHeaders().get("Content-Length")))
					.header("X-Request-Chunked", String.valueOf(req.requestHeaders().get("Transfer-Encoding")))
					.header("Content-Type", req.requestHeaders().get("Content-Type", "text/plain"))
					.send(req.receive().retain()))
				.get("/big", (req, res) -> res.header("Content-Length", String.valueOf(BIG))
					.sendByteArray(Flux.range(0, BIG / chunk.length).map(i -> chunk)))
				.get("/cookies", (req, res) -> {
					String seen = req.cookies().values().stream().flatMap(Set::stream)
						.map(c -> c.name() + "=" + c.value()).sorted().reduce((a, b) -> a + ";" + b).orElse("");
					DefaultCookie sid = new DefaultCookie("SID", "31d4d96e407aad42");
					sid.setPath("/");
					sid.setHttpOnly(true);
					sid.setSecure(true);
					sid.setMaxAge(3600);
					return res.addCookie(sid).addCookie(new DefaultCookie("lang", "en-US")).sendString(Mono.just(seen));
				})
				.get("/sloppy-cookies", (req, res) -> res.addHeader("Set-Cookie", "bad=b c")
					.addHeader("Set-Cookie", "quoted=\"a,b\"")
					.addHeader("Set-Cookie", "dom=1; Domain=my_host.example; Max-Age=60; HttpOnly")
					.addHeader("Set-Cookie", "=nameless")
					.addHeader("Set-Cookie", "good=2; Path=/; Max-Age=soon")
					.sendString(Mono.just("cookies")))
				.post("/count", (req, res) -> res.sendString(req.receive()
					.reduce(0L, (n, b) -> n + b.readableBytes()).map(String::valueOf)))
				.get("/headers", (req, res) -> res.sendString(Mono.just(String.join("|",
						req.requestHeaders().getAll("Accept")) + ";" + String.join("|", req.requestHeaders().getAll("X-Client")))))
				.get("/agent", (req, res) -> res.sendString(Mono.just(String.join("|", req.requestHeaders().getAll("User-Agent")))))
				.get("/trace", (req, res) -> res.sendString(Mono.just(req.requestHeaders().get("X-Trace") + "|"
						+ req.requestHeaders().get("X-Tenant"))))
				.get("/cookie-lines", (req, res) -> res.sendString(Mono.just(String.join("|",
						req.requestHeaders().getAll("Cookie")))))
				// 307 then 308 to another path: each hop reads the body and passes on its length
				.post("/hop307", (req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
					.flatMap(b -> res.status(307).header("Location", "/hop308?first=" + b.length).send().then()))
				.post("/hop308", (req, res) -> req.receive().aggregate().asByteArray().defaultIfEmpty(new byte[0])
					.flatMap(b -> res.status(308).header("Location", "/landing?" + req.uri().substring(req.uri().indexOf('?') + 1)
							+ "&second=" + b.length).send().then()))
				.post("/landing", (req, res) -> res
					.header("X-Request-Length", String.valueOf(req.requestHeaders().get("Content-Length")))
					.header("X-Request-Chunked", String.valueOf(req.requestHeaders().get("Transfer-Encoding")))
					.header("X-Request-Type", String.valueOf(req.requestHeaders().get("Content-Type")))
					.header("X-Hops", req.uri().substring(req.uri().indexOf('?') + 1))
					.send(req.receive().retain()))
				.get("/missing", (req, res) -> res.status(404).sendString(Mono.just("no such thing")))
				.get("/slow", (req, res) -> res.sendString(Mono.just("late").delayElement(Duration.ofSeconds(5)))))
			.bindNow();
		web = WebClient.builder()
			.clientConnector(new MongooseClientHttpConnector(HttpClient.create().responseTimeout(Duration.ofSeconds(10))))
			.baseUrl("http://127.0.0.1:" + server.port())
			.build();
	}

	@AfterAll
	static void stop() {
		server.disposeNow();
	}

	@Test
	void decodesAJsonResponse() {
		Map<String, Object> m = web.get().uri("/json").retrieve()
			.bodyToMono(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {
			})
			.block(Duration.ofSeconds(10));
		assertThat(m).containsEntry("name", "mongoose").containsEntry("legs", 4);
	}

	@Test
	void sendsAnEncodedValueWithItsLengthAndAStreamChunked() {
		var single = web.post().uri("/echo").contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("a", 1))
			.retrieve().toEntity(String.class).block(Duration.ofSeconds(10));
		assertThat(single.getBody()).isEqualTo("{\"a\":1}");
		assertThat(single.getHeaders().getFirst("X-Request-Length")).isEqualTo("7");
		assertThat(single.getHeaders().getFirst("X-Request-Chunked")).isEqualTo("null");

		var stream = web.post().uri("/echo").contentType(MediaType.TEXT_PLAIN)
			.body(Flux.range(0, 1000).map(i -> i + ","), String.class).retrieve().toEntity(String.class)
			.block(Duration.ofSeconds(10));
		StringBuilder expected = new StringBuilder();
		for (int i = 0; i < 1000; i++) {
			expected.append(i).append(',');
		}
		assertThat(stream.getBody()).isEqualTo(expected.toString());
		assertThat(stream.getHeaders().getFirst("X-Request-Chunked")).isEqualTo("chunked");
	}

	@Test
	void streamsALargeBodyAsDataBuffers() {
		AtomicLong pieces = new AtomicLong();
		Long bytes = web.get().uri("/big").retrieve().bodyToFlux(DataBuffer.class).map(b -> {
			pieces.incrementAndGet();
			int n = b.readableByteCount();
			DataBufferUtils.release(b);
			return (long) n;
		}).reduce(0L, Long::sum).block(Duration.ofSeconds(30));
		assertThat(bytes).isEqualTo(BIG);
		assertThat(pieces.get()).isGreaterThan(1); // it arrived in pieces, not aggregated
	}

	@Test
	void theRequestsHeadersReplaceTheClientsDefaultsOfTheSameName() {
		WebClient withDefaults = web.mutate()
			.clientConnector(new MongooseClientHttpConnector(
					HttpClient.create().headers(h -> h.set("Accept", "text/plain").set("X-Client", "mongoose"))))
			.build();
		String seen = withDefaults.get().uri("/headers").accept(MediaType.APPLICATION_JSON).retrieve()
			.bodyToMono(String.class).block(Duration.ofSeconds(10));
		assertThat(seen).isEqualTo("application/json;mongoose");
	}

	/**
	 * RFC 9110 10.1.5: a user agent sends a {@code User-Agent}; Reactor Netty's connector sends
	 * {@code ReactorNetty/<version>}, the JDK's {@code Java-http-client/<version>}, and APIs such as
	 * GitHub's refuse a request without one. Ours is {@code ReactorMongoose/<version>}. One the
	 * application or the client sets wins.
	 */
	@Test
	void aRequestCarriesAUserAgentUnlessOneIsSet() {
		StepVerifier.create(web.get().uri("/agent").retrieve().bodyToMono(String.class))
			.assertNext(agent -> assertThat(agent).matches("ReactorMongoose/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"))
			.verifyComplete();
		StepVerifier.create(web.get().uri("/agent").header("User-Agent", "my-app/2").retrieve().bodyToMono(String.class))
			.expectNext("my-app/2")
			.verifyComplete();
		WebClient withDefault = web.mutate()
			.clientConnector(new MongooseClientHttpConnector(HttpClient.create().headers(h -> h.set("User-Agent", "gateway/1"))))
			.build();
		StepVerifier.create(withDefault.get().uri("/agent").retrieve().bodyToMono(String.class))
			.expectNext("gateway/1")
			.verifyComplete();
	}

	@Test
	void streamsALargeUploadFromDataBuffers() {
		DefaultDataBufferFactory f = DefaultDataBufferFactory.sharedInstance;
		byte[] piece = new byte[256 * 1024];
		Flux<DataBuffer> upload = Flux.range(0, 256).map(i -> f.wrap(piece)); // 64 MiB, made as it is sent
		String count = web.post().uri("/count").body(upload, DataBuffer.class).retrieve().bodyToMono(String.class)
			.block(Duration.ofSeconds(60));
		assertThat(count).isEqualTo(String.valueOf(256L * piece.length));
	}

	@Test
	void sendsRequestCookiesAndParsesSetCookie() {
		var entity = web.get().uri("/cookies").cookie("a", "1").cookie("b", "2")
			.exchangeToMono(r -> r.bodyToMono(String.class).map(body -> Map.entry(body, r.cookies())))
			.block(Duration.ofSeconds(10));
		assertThat(entity.getKey()).isEqualTo("a=1;b=2");
		ResponseCookie sid = entity.getValue().getFirst("SID");
		assertThat(sid.getValue()).isEqualTo("31d4d96e407aad42");
		assertThat(sid.getPath()).isEqualTo("/");
		assertThat(sid.isHttpOnly()).isTrue();
		assertThat(sid.isSecure()).isTrue();
		assertThat(sid.getMaxAge()).isEqualTo(Duration.ofHours(1));
		assertThat(entity.getValue().getFirst("lang").getValue()).isEqualTo("en-US");
	}

	@Test
	void theRequestsCookiesJoinACookieHeaderTheApplicationSet() {
		// a filter forwarding the Cookie header of an incoming request, as a gateway does
		WebClient forwarding = web.mutate()
			.filter((request, next) -> next.exchange(ClientRequest.from(request).header("Cookie", "SESSION=abc123").build()))
			.build();
		assertThat(forwarding.get().uri("/cookie-lines").cookie("lang", "en").cookie("theme", "dark").retrieve()
			.bodyToMono(String.class).block(Duration.ofSeconds(10)))
			.isEqualTo("SESSION=abc123; lang=en; theme=dark"); // one line, the application's first (RFC 6265 5.4)
		assertThat(web.get().uri("/cookie-lines").header("Cookie", "SESSION=abc123", "csrf=x").cookie("lang", "en")
			.retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
			.isEqualTo("SESSION=abc123; csrf=x; lang=en");
		// either alone goes as it is
		assertThat(web.get().uri("/cookie-lines").header("Cookie", "SESSION=abc123").retrieve()
			.bodyToMono(String.class).block(Duration.ofSeconds(10))).isEqualTo("SESSION=abc123");
		assertThat(web.get().uri("/cookie-lines").cookie("lang", "en").retrieve()
			.bodyToMono(String.class).block(Duration.ofSeconds(10))).isEqualTo("lang=en");
	}

	/**
	 * Every buffer it made, to check that each was released exactly once (a second release of a
	 * Netty buffer throws, a missing one leaves its count at 1).
	 */
	private static final class TrackingBufferFactory extends NettyDataBufferFactory {

		final List<NettyDataBuffer> made = new CopyOnWriteArrayList<>();

		TrackingBufferFactory() {
			super(UnpooledByteBufAllocator.DEFAULT);
		}

		private <B extends DataBuffer> B track(B b) {
			this.made.add((NettyDataBuffer) b);
			return b;
		}

		@Override
		public NettyDataBuffer allocateBuffer() {
			return track(super.allocateBuffer());
		}

		@Override
		public NettyDataBuffer allocateBuffer(int initialCapacity) {
			return track(super.allocateBuffer(initialCapacity));
		}

		@Override
		public NettyDataBuffer wrap(ByteBuffer byteBuffer) {
			return track(super.wrap(byteBuffer));
		}

		@Override
		public DataBuffer wrap(byte[] bytes) {
			return track(super.wrap(bytes));
		}
	}

	@Test
	void a307Or308RedirectSendsTheSameBodyAgain() {
		TrackingBufferFactory netty = new TrackingBufferFactory();
		HttpClient following = HttpClient.create().followRedirect(true).responseTimeout(Duration.ofSeconds(10));
		for (DataBufferFactory factory : List.of(DefaultDataBufferFactory.sharedInstance, netty)) {
			WebClient redirected = web.mutate().clientConnector(new MongooseClientHttpConnector(following, factory)).build();
			String text = "Grüße, 307 and 308 keep the content";
			int textLength = text.getBytes(StandardCharsets.UTF_8).length;
			var entity = redirected.post().uri("/hop307").contentType(MediaType.TEXT_PLAIN).bodyValue(text)
				.retrieve().toEntity(String.class).block(Duration.ofSeconds(10));
			assertLanded(entity, text, textLength);

			entity = redirected.post().uri("/hop307").contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("amount", 100)).retrieve().toEntity(String.class).block(Duration.ofSeconds(10));
			assertLanded(entity, "{\"amount\":100}", 14);
			assertThat(entity.getHeaders().getFirst("X-Request-Type")).isEqualTo("application/json");

			entity = redirected.post().uri("/hop307")
				.body(BodyInserters.fromFormData("name", "mongoose").with("note", "a b&c"))
				.retrieve().toEntity(String.class).block(Duration.ofSeconds(10));
			assertLanded(entity, "name=mongoose&note=a+b%26c", 26);
			assertThat(entity.getHeaders().getFirst("X-Request-Type")).startsWith("application/x-www-form-urlencoded");

			byte[] raw = new byte[70_000];
			for (int i = 0; i < raw.length; i++) {
				raw[i] = (byte) (i * 31);
			}
			var bytes = redirected.post().uri("/hop307")
				.body(BodyInserters.fromDataBuffers(Mono.just(factory.wrap(raw.clone()))))
				.retrieve().toEntity(byte[].class).block(Duration.ofSeconds(10));
			assertThat(bytes.getBody()).isEqualTo(raw);
			assertThat(bytes.getHeaders().getFirst("X-Request-Length")).isEqualTo("70000");
			assertThat(bytes.getHeaders().getFirst("X-Hops")).isEqualTo("first=70000&second=70000");

			// a stream is subscribed again from its source, still streamed (chunked), not kept
			entity = redirected.post().uri("/hop307").contentType(MediaType.TEXT_PLAIN)
				.body(Flux.just("strea", "med"), String.class).retrieve().toEntity(String.class)
				.block(Duration.ofSeconds(10));
			assertThat(entity.getBody()).isEqualTo("streamed");
			assertThat(entity.getHeaders().getFirst("X-Request-Chunked")).isEqualTo("chunked");
			assertThat(entity.getHeaders().getFirst("X-Hops")).isEqualTo("first=8&second=8");
		}
		// every buffer made for the requests (and the responses read) was released, once
		assertThat(netty.made).isNotEmpty().allSatisfy(b -> assertThat(b.getNativeBuffer().refCnt()).isZero());
	}

	private static void assertLanded(org.springframework.http.ResponseEntity<String> entity, String body, int length) {
		assertThat(entity.getBody()).isEqualTo(body);
		assertThat(entity.getHeaders().getFirst("X-Request-Length")).isEqualTo(String.valueOf(length));
		assertThat(entity.getHeaders().getFirst("X-Hops")).isEqualTo("first=" + length + "&second=" + length);
	}

	@Test
	void setCookieLinesSpringCannotRepresentAreSkippedNotFatal() {
		var entity = web.get().uri("/sloppy-cookies")
			.exchangeToMono(r -> r.bodyToMono(String.class).map(body -> Map.entry(body, r.cookies())))
			.block(Duration.ofSeconds(10));
		// the response itself is fine: only the unusable cookies are left out
		assertThat(entity.getKey()).isEqualTo("cookies");
		assertThat(entity.getValue().keySet()).containsExactlyInAnyOrder("dom", "good");
		ResponseCookie dom = entity.getValue().getFirst("dom");
		assertThat(dom.getValue()).isEqualTo("1");
		assertThat(dom.getDomain()).isNull(); // the invalid Domain is dropped, the rest kept
		assertThat(dom.getMaxAge()).isEqualTo(Duration.ofSeconds(60));
		assertThat(dom.isHttpOnly()).isTrue();
		ResponseCookie good = entity.getValue().getFirst("good");
		assertThat(good.getPath()).isEqualTo("/");
		assertThat(good.getMaxAge().isNegative()).isTrue(); // an invalid Max-Age is ignored
		// every line stays in the headers
		var headers = web.get().uri("/sloppy-cookies").retrieve().toBodilessEntity().block(Duration.ofSeconds(10))
			.getHeaders();
		assertThat(headers.get("Set-Cookie")).hasSize(5).contains("bad=b c");
	}

	@Test
	void anErrorStatusIsAResponseExceptionWithTheBody() {
		StepVerifier.create(web.get().uri("/missing").retrieve().bodyToMono(String.class))
			.expectErrorSatisfies(e -> {
				assertThat(e).isInstanceOf(WebClientResponseException.class);
				WebClientResponseException r = (WebClientResponseException) e;
				assertThat(r.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
				assertThat(r.getResponseBodyAsString(StandardCharsets.UTF_8)).isEqualTo("no such thing");
			})
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void aRefusedConnectionIsARequestException() throws Exception {
		int port;
		try (ServerSocket s = new ServerSocket(0)) {
			port = s.getLocalPort();
		}
		StepVerifier.create(web.get().uri("http://127.0.0.1:" + port + "/").retrieve().bodyToMono(String.class))
			.expectError(WebClientRequestException.class)
			.verify(Duration.ofSeconds(30));
	}

	/**
	 * A failed TLS handshake is a {@code WebClientRequestException} whose cause is the
	 * {@code SSLHandshakeException}, as with Reactor Netty's and the JDK's connectors, so that
	 * {@code e.getCause() instanceof SSLException} tells it from other failures.
	 */
	@Test
	void anUntrustedServerIsARequestExceptionCausedByTheHandshakeFailure(@TempDir Path dir) throws Exception {
		Path cert = dir.resolve("cert.pem");
		Path key = dir.resolve("key.pem");
		Process p = new ProcessBuilder("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
				"ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
				"-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
		p.getInputStream().readAllBytes();
		Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "openssl is not installed");
		DisposableServer tls = reactor.netty.http.server.HttpServer.create().host("127.0.0.1").port(0)
			.secure(spec -> spec.sslContext(Http11SslContextSpec.forServer(cert.toFile(), key.toFile())))
			.handle((req, res) -> res.sendString(Mono.just("secret")))
			.bindNow();
		try {
			StepVerifier.create(web.get().uri("https://127.0.0.1:" + tls.port() + "/").retrieve().bodyToMono(String.class))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebClientRequestException.class)
					.cause().isInstanceOf(SSLHandshakeException.class).hasMessageContaining("untrusted server certificate"))
				.verify(Duration.ofSeconds(10));
		}
		finally {
			tls.disposeNow();
		}
	}

	@Test
	void theClientsTimeoutsApply() {
		WebClient impatient = web.mutate()
			.clientConnector(new MongooseClientHttpConnector(HttpClient.create().responseTimeout(Duration.ofMillis(300))))
			.build();
		StepVerifier.create(impatient.get().uri("/slow").retrieve().bodyToMono(String.class))
			.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebClientRequestException.class)
				.hasCauseInstanceOf(ResponseTimeoutException.class))
			.verify(Duration.ofSeconds(10));
	}

	/**
	 * A client whose hook copies the caller's "trace" (Reactor context) and "tenant" attribute
	 * into headers, and takes a "timeout" attribute as the call's response timeout.
	 */
	private static WebClient hooked() {
		HttpClient client = HttpClient.create().responseTimeout(Duration.ofSeconds(10)).doOnRequest(r -> {
			r.currentContextView().<String>getOrEmpty("trace").ifPresent(t -> r.requestHeaders().set("X-Trace", t));
			r.currentContextView().<Map<String, Object>>getOrEmpty(MongooseClientHttpConnector.ATTRIBUTES_KEY).ifPresent(a -> {
				if (a.get("tenant") instanceof String tenant) {
					r.requestHeaders().set("X-Tenant", tenant);
				}
				if (a.get("timeout") instanceof Duration timeout) {
					r.responseTimeout(timeout);
				}
			});
		});
		return web.mutate().clientConnector(new MongooseClientHttpConnector(client)).build();
	}

	@Test
	void theClientsHooksSeeTheCallersContextAndTheRequestsAttributes() {
		WebClient hooked = hooked();
		StepVerifier.create(hooked.get().uri("/trace").attribute("tenant", "acme").retrieve().bodyToMono(String.class)
				.contextWrite(Context.of("trace", "t-1")))
			.expectNext("t-1|acme")
			.verifyComplete();
		// neither: the hook finds nothing, and a call's attributes do not stay for the next
		StepVerifier.create(hooked.get().uri("/trace").retrieve().bodyToMono(String.class))
			.expectNext("null|null")
			.verifyComplete();
		// the attributes arrive read-only: a hook cannot change what the next filter or hook sees
		HttpClient writer = HttpClient.create().doOnRequest(r -> r.currentContextView()
			.<Map<String, Object>>get(MongooseClientHttpConnector.ATTRIBUTES_KEY).put("more", 1));
		StepVerifier.create(web.mutate().clientConnector(new MongooseClientHttpConnector(writer)).build()
				.get().uri("/trace").attribute("tenant", "acme").retrieve().bodyToMono(String.class))
			.expectErrorSatisfies(e -> assertThat(e).hasRootCauseInstanceOf(UnsupportedOperationException.class))
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void anAttributeGivesOneCallItsOwnResponseTimeout() {
		WebClient hooked = hooked();
		long start = System.nanoTime();
		StepVerifier.create(hooked.get().uri("/slow").attribute("timeout", Duration.ofMillis(300))
				.retrieve().bodyToMono(String.class))
			.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(WebClientRequestException.class)
				.hasCauseInstanceOf(ResponseTimeoutException.class))
			.verify(Duration.ofSeconds(10));
		// the 5 s answer timed out after the call's 300 ms, not the client's 10 s
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
		StepVerifier.create(hooked.get().uri("/json").attribute("timeout", Duration.ofSeconds(5)).retrieve()
				.bodyToMono(String.class))
			.expectNext("{\"name\":\"mongoose\",\"legs\":4}")
			.verifyComplete();
	}

	@Test
	void anUnreadBodyIsReleasedAndTheConnectionReused() {
		// warm the pool, then many exchanges that read only the status of an 8 MiB response
		web.get().uri("/json").retrieve().toBodilessEntity().block(Duration.ofSeconds(10));
		int before = connections.size();
		for (int i = 0; i < 20; i++) {
			HttpStatus s = web.get().uri(i % 2 == 0 ? "/big" : "/json")
				.exchangeToMono(r -> Mono.just((HttpStatus) r.statusCode()))
				.block(Duration.ofSeconds(30));
			assertThat(s).isEqualTo(HttpStatus.OK);
		}
		// each exchange drained its body: the next one found the connection idle in the pool
		assertThat(connections.size() - before).isLessThanOrEqualTo(1);
	}

	@Test
	void cancellingBeforeTheResponseClosesTheConnection() throws Exception {
		int closedBefore = closed.size();
		long t0 = System.nanoTime();
		StepVerifier.create(web.get().uri("/slow").retrieve().bodyToMono(String.class).timeout(Duration.ofMillis(200),
				Mono.just("gave up")))
			.expectNext("gave up")
			.verifyComplete();
		// the exchange was abandoned: its connection closes now, not when the response comes 5 s later
		while (closed.size() == closedBefore && System.nanoTime() - t0 < 4_000_000_000L) {
			Thread.sleep(10);
		}
		assertThat(closed.size()).isGreaterThan(closedBefore);
		assertThat(System.nanoTime() - t0).isLessThan(4_000_000_000L);
	}

	@Test
	void cancellingTheBodyMidStreamClosesThatConnectionAndTheNextRequestWorks() throws Exception {
		web.get().uri("/json").retrieve().toBodilessEntity().block(Duration.ofSeconds(10));
		int closedBefore = closed.size();
		for (int i = 0; i < 5; i++) {
			// the application takes one piece of 8 MiB and cancels the rest
			Integer first = web.get().uri("/big").retrieve().bodyToFlux(DataBuffer.class).take(1)
				.map(b -> {
					int n = b.readableByteCount();
					DataBufferUtils.release(b);
					return n;
				})
				.blockLast(Duration.ofSeconds(10));
			assertThat(first).isPositive().isLessThan(BIG);
			Map<String, Object> m = web.get().uri("/json").retrieve()
				.bodyToMono(new org.springframework.core.ParameterizedTypeReference<Map<String, Object>>() {
				})
				.block(Duration.ofSeconds(10));
			assertThat(m).containsEntry("name", "mongoose");
		}
		// a cut body cannot be reused: each of the five connections was closed
		long t0 = System.nanoTime();
		while (closed.size() - closedBefore < 5 && System.nanoTime() - t0 < 4_000_000_000L) {
			Thread.sleep(10);
		}
		assertThat(closed.size() - closedBefore).isGreaterThanOrEqualTo(5);
	}
}
