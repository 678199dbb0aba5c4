/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Relative URIs on {@link HttpClient#host(String)}, {@link HttpClient#port(int)} and
 * {@link HttpClient#remoteAddress} (Reactor Netty's way of aiming a client at a server, common in
 * tests): the request reaches that address with a {@code Host} header naming it, over TLS after
 * {@code secure()}, for WebSocket sessions too; a base URL and absolute URIs take precedence.
 * The peer that reports what it received is Reactor Netty's server.
 */
class HttpClientRemoteAddressTest extends BaseHttpTest {

	@TempDir
	static Path dir;

	/** Reactor Netty on {@code host}: answers "{name} {Host header} {path}". */
	private reactor.netty.DisposableServer peer(String host, String name) {
		reactor.netty.DisposableServer s = reactor.netty.http.server.HttpServer.create().host(host).port(0)
				.handle((req, res) -> res.sendString(Mono.just(name + " " + req.requestHeaders().get("Host") + " " + req.uri())))
				.bindNow(TIMEOUT);
		track(s); // disposed after the test, as the test's own servers
		return s;
	}

	private static String text(HttpClient.ResponseReceiver receiver) {
		return receiver.responseSingle((res, bytes) -> bytes.map(b -> res.status() + " " + new String(b, StandardCharsets.UTF_8)))
				.block(TIMEOUT);
	}

	@Test
	void aPortAloneAimsAtLocalhost() {
		reactor.netty.DisposableServer s = peer("127.0.0.1", "netty");
		HttpClient client = HttpClient.create().port(s.port());
		assertThat(text(client.get().uri("/hello?x=1"))).isEqualTo("200 netty localhost:" + s.port() + " /hello?x=1");
		assertThat(text(client.post().uri("no-slash").send(Mono.empty()))).isEqualTo("200 netty localhost:" + s.port() + " /no-slash");
	}

	@Test
	void hostAndPortMakeTheOriginInEitherOrder() {
		reactor.netty.DisposableServer s = peer("127.0.0.1", "netty");
		String expected = "200 netty 127.0.0.1:" + s.port() + " /a";
		assertThat(text(HttpClient.create().host("127.0.0.1").port(s.port()).get().uri("/a"))).isEqualTo(expected);
		assertThat(text(HttpClient.create().port(s.port()).host("127.0.0.1").get().uri("/a"))).isEqualTo(expected);
		// an IPv6 literal goes in brackets, in the URI and the Host header
		reactor.netty.DisposableServer v6 = peer("::1", "six");
		assertThat(text(HttpClient.create().host("::1").port(v6.port()).get().uri("/b"))).isEqualTo("200 six [::1]:" + v6.port() + " /b");
	}

	@Test
	void theRemoteAddressIsAskedForEveryRequest() {
		reactor.netty.DisposableServer one = peer("127.0.0.1", "one");
		reactor.netty.DisposableServer two = peer("127.0.0.1", "two");
		AtomicInteger calls = new AtomicInteger();
		HttpClient client = HttpClient.create()
				.remoteAddress(() -> (calls.incrementAndGet() % 2 == 1 ? one : two).address());
		assertThat(text(client.get().uri("/x"))).isEqualTo("200 one 127.0.0.1:" + one.port() + " /x");
		assertThat(text(client.get().uri("/x"))).isEqualTo("200 two 127.0.0.1:" + two.port() + " /x");
		assertThat(calls).hasValue(2);
		// an unresolved address keeps its name; our own server's address() works as well
		DisposableServer ours = bind(HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.sendString(Mono.just("ours " + req.requestHeaders().get("Host")))));
		assertThat(text(HttpClient.create().remoteAddress(() -> InetSocketAddress.createUnresolved("localhost", ours.port()))
				.get().uri("/"))).isEqualTo("200 ours localhost:" + ours.port());
		assertThat(text(HttpClient.create().remoteAddress(ours::address).get().uri("/"))).isEqualTo("200 ours 127.0.0.1:" + ours.port());
		// a resolved address made with a name is asked for by that name
		assertThat(text(HttpClient.create().remoteAddress(() -> new InetSocketAddress("localhost", ours.port())).get().uri("/")))
				.isEqualTo("200 ours localhost:" + ours.port());
	}

	@Test
	void hostAndPortRemoveARemoteAddressWhichIsUsedInsteadOfThem() {
		reactor.netty.DisposableServer s = peer("127.0.0.1", "netty");
		SocketAddress nowhere = new InetSocketAddress("127.0.0.1", 1);
		// host and port after remoteAddress: the supplier is gone (localhost, that port)
		assertThat(text(HttpClient.create().remoteAddress(() -> nowhere).port(s.port()).get().uri("/p")))
				.isEqualTo("200 netty localhost:" + s.port() + " /p");
		// remoteAddress after host and port: used instead of them
		assertThat(text(HttpClient.create().host("example.invalid").port(9).remoteAddress(s::address).get().uri("/q")))
				.isEqualTo("200 netty 127.0.0.1:" + s.port() + " /q");
	}

	@Test
	void aBaseUrlAndAnAbsoluteUriTakePrecedence() {
		reactor.netty.DisposableServer s = peer("127.0.0.1", "netty");
		reactor.netty.DisposableServer other = peer("127.0.0.1", "other");
		HttpClient client = HttpClient.create().port(other.port()).baseUrl("http://127.0.0.1:" + s.port() + "/api");
		assertThat(text(client.get().uri("/v1"))).isEqualTo("200 netty 127.0.0.1:" + s.port() + " /api/v1");
		assertThat(text(HttpClient.create().port(other.port()).get().uri("http://127.0.0.1:" + s.port() + "/abs")))
				.isEqualTo("200 netty 127.0.0.1:" + s.port() + " /abs");
	}

	@Test
	void secureMakesTheOriginHttpsAndNoSslMakesItPlainAgain() throws Exception {
		TestPki pki = TestPki.root(dir, "Remote Address Root CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256, "DNS:localhost");
		HttpServer echo = HttpServer.create().host("127.0.0.1").port(0)
				.handle((req, res) -> res.sendString(Mono.just(req.scheme() + " " + req.requestHeaders().get("Host"))));
		DisposableServer tls = bind(echo.secure(TlsSpec.forServer(localhost.chain(), localhost.key())));
		DisposableServer plain = bind(echo);
		HttpClient secure = HttpClient.create().secure(TlsSpec.forClient().trustedCertificates(pki.ca()));
		assertThat(text(secure.port(tls.port()).get().uri("/"))).isEqualTo("200 https localhost:" + tls.port());
		assertThat(text(secure.noSSL().port(plain.port()).get().uri("/"))).isEqualTo("200 http localhost:" + plain.port());
		// the name TLS verifies is the address's: localhost, not 127.0.0.1, which the certificate does not name
		assertThat(text(secure.remoteAddress(() -> new InetSocketAddress("localhost", tls.port())).get().uri("/")))
				.isEqualTo("200 https localhost:" + tls.port());
		StepVerifier.create(secure.remoteAddress(tls::address).get().uri("/").response())
				.expectErrorSatisfies(e -> assertThat(e).hasRootCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class))
				.verify(TIMEOUT);
		assertThat(text(HttpClient.create().port(plain.port()).get().uri("/"))).isEqualTo("200 http localhost:" + plain.port());
		// secure() with the default spec, which does not trust this root: TLS is attempted
		StepVerifier.create(HttpClient.create().secure().port(tls.port()).get().uri("/").response())
				.expectErrorSatisfies(e -> assertThat(e).hasRootCauseInstanceOf(javax.net.ssl.SSLHandshakeException.class))
				.verify(TIMEOUT);
	}

	@Test
	void aWebsocketSessionOnAPort() {
		DisposableServer ws = bind(HttpServer.create().host("127.0.0.1").port(0)
				.route(r -> r.ws("/echo", (in, out) -> out.sendString(in.receiveText().map(m -> "echo " + m)))));
		List<String> got = HttpClient.create().port(ws.port()).websocket().uri("/echo")
				.handle((in, out) -> out.sendString(Flux.just("a", "b")).then().thenMany(in.receiveText().take(2)))
				.collectList().block(TIMEOUT);
		assertThat(got).containsExactly("echo a", "echo b");
	}

	@Test
	void withoutAnyOriginOrWithANonInetAddressTheRequestFailsClearly() {
		StepVerifier.create(HttpClient.create().get().uri("/x").response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessage("Relative uri /x without a baseUrl, host, port or remoteAddress"))
				.verify(TIMEOUT);
		StepVerifier.create(HttpClient.create().remoteAddress(() -> UnixDomainSocketAddress.of("/tmp/x.sock")).get().uri("/x").response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("not an InetSocketAddress"))
				.verify(TIMEOUT);
		assertThatThrownBy(() -> HttpClient.create().port(65536)).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("port 65536 is not in 1..65535");
		assertThatThrownBy(() -> HttpClient.create().port(-1)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> HttpClient.create().host("")).isInstanceOf(IllegalArgumentException.class);
	}
}
