/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.dns.DnsResolver;
import io.github.reactormongoose.dns.TestDnsServer;
import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.client.HttpClientResponse;
import io.github.reactormongoose.http.client.ResponseTimeoutException;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.websocket.WebsocketInbound;
import io.github.reactormongoose.http.websocket.WebsocketOutbound;
import io.github.reactormongoose.sntp.Sntp;
import io.github.reactormongoose.sntp.TestSntpServer;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpClient;
import io.github.reactormongoose.udp.UdpConnection;
import io.github.reactormongoose.udp.UdpServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Issue 10 ("Client side: HttpClient, WebSocket client, UDP, DNS and SNTP"): every name the
 * issue spells out, called as the issue writes it, over real sockets on 127.0.0.1. The HTTPS
 * and WSS parts belong to issue 11.
 */
class Issue10ContractTest extends BaseHttpTest {

	private static final int BIG = 1024 * 1024;

	private final Sinks.Empty<Void> never = Sinks.empty();

	private DisposableServer server() {
		return bind(HttpServer.create().host("127.0.0.1").port(0).route(r -> r
				.get("/hello", (req, res) -> res.sendString(Mono.just("Hello " + req.requestHeaders().get("User-Agent"))))
				.get("/moved", (req, res) -> res.sendRedirect("/hello"))
				.get("/slow", (req, res) -> never.asMono())
				.get("/big", (req, res) -> res.send(Flux.range(0, BIG / 8192).map(i -> ByteBuffer.allocate(8192))))
				.route("/echo", (req, res) -> res
						.header("X-Method", req.method())
						.header("X-Framing", req.requestHeaders().contains("Content-Length")
								? "length " + req.requestHeaders().get("Content-Length")
								: req.requestHeaders().containsToken("Transfer-Encoding", "chunked") ? "chunked" : "none")
						.sendByteArray(req.receiveBytes()))
				.ws("/ws", (in, out) -> out.sendString(in.receiveText().map(t -> "echo " + t)))));
	}

	@Test
	void theHttpClientSampleOfTheIssue() {
		DisposableServer srv = server();
		ByteBuffer buf = ByteBuffer.wrap("ping".getBytes(UTF_8));

		HttpClient client = HttpClient.create()              // shared default loops
				.baseUrl("http://127.0.0.1:" + srv.port())    // optional
				.headers(h -> h.set("User-Agent", "x"))       // Consumer<HttpHeaders>
				.followRedirect(true)                         // default false
				.responseTimeout(Duration.ofSeconds(5));      // also connectTimeout(Duration)
		Mono<String> s = client.get().uri("/hello")
				.responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8)));  // Mono<byte[]>
		Flux<ByteBuffer> body = client.get().uri("/big").responseContent();          // streamed
		Mono<HttpClientResponse> r = client.post().uri("/echo").send(Flux.just(buf)).response();

		StepVerifier.create(s).expectNext("Hello x").verifyComplete();
		StepVerifier.create(body.map(ByteBuffer::remaining).collectList())
				.assertNext(pieces -> {
					assertThat(pieces.stream().mapToInt(Integer::intValue).sum()).isEqualTo(BIG);
					assertThat(pieces).hasSizeGreaterThan(1); // pieces as they arrive, not one aggregate
				})
				.verifyComplete();
		StepVerifier.create(r)
				.assertNext(res -> {
					int status = res.status();
					HttpHeaders headers = res.responseHeaders();
					String version = res.version();
					assertThat(status).isEqualTo(200);
					assertThat(headers.get("X-Method")).isEqualTo("POST");
					assertThat(headers.get("X-Framing")).isEqualTo("chunked");
					assertThat(version).isEqualTo("HTTP/1.1");
				})
				.verifyComplete();

		// followRedirect(true) follows; the default (false) hands the 302 back
		StepVerifier.create(client.get().uri("/moved").responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.expectNext("Hello x").verifyComplete();
		StepVerifier.create(HttpClient.create().get().uri("http://127.0.0.1:" + srv.port() + "/moved").response()
				.map(HttpClientResponse::status))
				.expectNext(302).verifyComplete();
		// responseTimeout(Duration) and connectTimeout(Duration)
		StepVerifier.create(client.responseTimeout(Duration.ofMillis(200)).connectTimeout(Duration.ofSeconds(2))
				.get().uri("/slow").response())
				.expectError(ResponseTimeoutException.class)
				.verify(TIMEOUT);
	}

	@Test
	void verbsUriSendAndSendString() {
		DisposableServer srv = server();
		HttpClient client = HttpClient.create().baseUrl("http://127.0.0.1:" + srv.port());
		Map<String, HttpClient.RequestSender> verbs = new LinkedHashMap<>();
		verbs.put("GET", client.get());
		verbs.put("POST", client.post());
		verbs.put("PUT", client.put());
		verbs.put("PATCH", client.patch());
		verbs.put("DELETE", client.delete());
		verbs.put("OPTIONS", client.options());
		verbs.put("PROPFIND", client.request("PROPFIND"));
		verbs.forEach((method, verb) -> StepVerifier.create(verb.uri("/echo").response()   // send()-less requests
				.map(res -> res.responseHeaders().get("X-Method") + " " + res.responseHeaders().get("X-Framing")))
				.expectNext(method + (method.equals("GET") ? " none" : " length 0"))
				.verifyComplete());
		StepVerifier.create(client.head().uri("/hello").responseSingle((res, bytes) -> bytes.map(b -> res.status() + ":" + b.length)))
				.expectNext("200:0").verifyComplete();
		// uri absolute (the baseUrl is ignored) or relative to baseUrl; without headers of its own, the default User-Agent
		StepVerifier.create(HttpClient.create().baseUrl("http://127.0.0.1:1").get().uri("http://127.0.0.1:" + srv.port() + "/hello")
				.responseSingle((res, bytes) -> bytes.map(b -> new String(b, UTF_8))))
				.assertNext(hello -> assertThat(hello).matches("Hello ReactorMongoose/\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?")).verifyComplete();
		// send(Publisher<? extends ByteBuffer>): Content-Length when the length is known, chunked when not
		StepVerifier.create(client.put().uri("/echo").send(Mono.just(ByteBuffer.wrap("abc".getBytes(UTF_8))))
				.responseSingle((res, bytes) -> bytes.map(b -> res.responseHeaders().get("X-Framing") + " " + new String(b, UTF_8))))
				.expectNext("length 3 abc").verifyComplete();
		// a streamed body whose length the application knows: Content-Length, not chunked
		HttpClient sized = client.headers(h -> h.set("Content-Length", 6));
		StepVerifier.create(sized.post().uri("/echo").send(Flux.just("abc", "def").map(t -> ByteBuffer.wrap(t.getBytes(UTF_8))))
				.responseSingle((res, bytes) -> bytes.map(b -> res.responseHeaders().get("X-Framing") + " " + new String(b, UTF_8))))
				.expectNext("length 6 abcdef").verifyComplete();
		StepVerifier.create(sized.post().uri("/echo").sendString(Flux.just("abc", "defg")).response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("longer than its Content-Length 6"))
				.verify(TIMEOUT);
		StepVerifier.create(sized.post().uri("/echo").sendString(Flux.just("abc")).response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("has 3 bytes, its Content-Length says 6"))
				.verify(TIMEOUT);
		// sendString(Publisher<String>)
		Flux<String> texts = Flux.just("a", "b", "c");
		StepVerifier.create(client.post().uri("/echo").sendString(texts)
				.responseSingle((res, bytes) -> bytes.map(b -> res.responseHeaders().get("X-Framing") + " " + new String(b, UTF_8))))
				.expectNext("chunked abc").verifyComplete();
	}

	@Test
	void runOnALoopOrALoopGroup() {
		DisposableServer srv = server();
		MongooseLoop loop = newLoop("issue10-client");
		MongooseLoops loops = MongooseLoops.create("issue10-group", 2);
		try {
			AtomicReference<String> thread = new AtomicReference<>();
			StepVerifier.create(HttpClient.create().runOn(loop).get().uri("http://127.0.0.1:" + srv.port() + "/hello")
					.response().doOnNext(res -> thread.set(Thread.currentThread().getName())).map(HttpClientResponse::status))
					.expectNext(200).verifyComplete();
			assertThat(thread.get()).isEqualTo("issue10-client");
			StepVerifier.create(HttpClient.create().runOn(loops).get().uri("http://127.0.0.1:" + srv.port() + "/hello")
					.response().doOnNext(res -> thread.set(Thread.currentThread().getName())).map(HttpClientResponse::status))
					.expectNext(200).verifyComplete();
			assertThat(thread.get()).startsWith("issue10-group-");
		}
		finally {
			loops.disposeNow();
		}
	}

	@Test
	void websocketClientWithTheServersInboundAndOutboundTypes() {
		DisposableServer srv = server();
		Flux<String> received = HttpClient.create().websocket().uri("ws://127.0.0.1:" + srv.port() + "/ws")
				.handle((WebsocketInbound in, WebsocketOutbound out) -> out.sendString(Mono.just("hi"))
						.thenMany(in.receiveText().take(1)));
		StepVerifier.create(received).expectNext("echo hi").expectComplete().verify(TIMEOUT);
	}

	@Test
	void udpServerAndClient() {
		UdpConnection server = UdpServer.create().host("127.0.0.1").port(0)
				.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of(d.content(), d.address()))))
				.bindNow();
		try {
			UdpConnection client = UdpClient.create().host("127.0.0.1").port(server.localAddress().getPort()).connectNow();
			try {
				StepVerifier.create(client.sendString(Mono.just("datagram")).thenMany(client.receive().take(1)))
						.assertNext(d -> {
							assertThat(d.text()).isEqualTo("datagram");
							assertThat(d.address()).isEqualTo(server.localAddress()); // payload + sender
						})
						.verifyComplete();
			}
			finally {
				client.dispose();
				client.onDispose().block(TIMEOUT);
			}
		}
		finally {
			server.dispose();
			server.onDispose().block(TIMEOUT);
		}
	}

	@Test
	void dnsResolveGivesAMonoOfAddresses() throws Exception {
		try (TestDnsServer dns = new TestDnsServer()) {
			dns.on("service.test", TestDnsServer.addresses("192.0.2.7", "2001:db8::7"));
			Mono<List<InetAddress>> addresses = DnsResolver.create().nameserver(dns.address())
					.timeout(Duration.ofSeconds(2)).resolve("service.test");
			InetAddress v4 = InetAddress.getByName("192.0.2.7");
			InetAddress v6 = InetAddress.getByName("2001:db8::7");
			StepVerifier.create(addresses)
					.assertNext(a -> assertThat(a).containsExactly(v4, v6))
					.verifyComplete();
		}
	}

	@Test
	void sntpQueryGivesAMonoOfInstant() throws Exception {
		try (TestSntpServer ntp = new TestSntpServer()) {
			ntp.skewMillis = 60_000;
			Mono<Instant> time = Sntp.query(ntp.url());
			Instant before = Instant.now();
			StepVerifier.create(time)
					.assertNext(t -> assertThat(Duration.between(before, t).toMillis()).isBetween(55_000L, 65_000L))
					.verifyComplete();
			StepVerifier.create(Sntp.create().request(ntp.url()))   // and the clock offset
					.assertNext(t -> assertThat(t.offset().toMillis()).isBetween(55_000L, 65_000L))
					.verifyComplete();
		}
	}
}
