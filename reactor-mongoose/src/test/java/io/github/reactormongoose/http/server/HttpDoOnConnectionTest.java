/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link HttpServer#doOnConnection}: once per connection, on its poll thread, before anything
 * is read (after the handshake on HTTPS); its {@link Connection} tells the addresses, ends with
 * the connection, refuses one by its (PROXY-named) address, and keeps away from its bytes.
 */
class HttpDoOnConnectionTest extends BaseHttpTest {

	@TempDir
	static Path dir;

	private final List<Connection> seen = new CopyOnWriteArrayList<>();
	private final List<String> threads = new CopyOnWriteArrayList<>();
	private final AtomicInteger handled = new AtomicInteger();

	private HttpServer server() {
		return HttpServer.create().handle((req, res) -> {
			handled.incrementAndGet();
			return res.sendString(Mono.just("hello " + req.remoteAddress().getAddress().getHostAddress()));
		}).doOnConnection(c -> {
			seen.add(c);
			threads.add(Thread.currentThread().getName());
		});
	}

	@Test
	void oncePerConnectionOnItsPollThreadWithItsAddressesAndLifetime() throws Exception {
		int port = bind(server().loops(1).loopName("conn-cb")).port();
		try (RawHttp a = RawHttp.connect(port).soTimeout(5_000); RawHttp b = RawHttp.connect(port).soTimeout(5_000)) {
			for (int i = 0; i < 2; i++) { // keep-alive: still one connection each
				assertThat(a.write(RawHttp.get("/")).read().status()).isEqualTo(200);
				assertThat(b.write(RawHttp.get("/")).read().status()).isEqualTo(200);
			}
			assertThat(seen).hasSize(2);
			assertThat(threads).allMatch(t -> t.startsWith("conn-cb"));
			assertThat(seen).extracting(c -> c.remoteAddress().getPort())
					.containsExactlyInAnyOrder(a.socket().getLocalPort(), b.socket().getLocalPort());
			assertThat(seen).allMatch(Connection::isActive);
			assertThat(seen.get(0).localAddress().getPort()).isEqualTo(port);
			assertThat(seen.get(0).id()).isNotEqualTo(seen.get(1).id());
		}
		for (Connection c : seen) { // the clients closed
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
			assertThat(c.isActive()).isFalse();
			assertThat(c.localAddress()).isNull();
		}
	}

	/** A deny list by the client a load balancer names: closed before a byte of request is read. */
	@Test
	void closingRefusesAClientBeforeItsRequest() throws Exception {
		int port = bind(server().proxyProtocol(ProxyProtocolSupportType.ON).doOnConnection(c -> {
			if (c.remoteAddress().getAddress().getHostAddress().equals("203.0.113.66")) {
				c.close();
			}
		})).port();
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
			s.setSoTimeout(5_000);
			s.getOutputStream().write(("PROXY TCP4 203.0.113.66 192.0.2.1 4000 443\r\n" + RawHttp.get("/"))
					.getBytes(StandardCharsets.US_ASCII));
			assertThat(RawHttp.readUntilClosed(s.getInputStream())).as("closed unanswered").isEmpty();
		}
		assertThat(handled).hasValue(0);
		try (RawHttp ok = RawHttp.connect(port).soTimeout(5_000)) {
			ok.write("PROXY TCP4 203.0.113.7 192.0.2.1 4000 443\r\n" + RawHttp.get("/"));
			assertThat(ok.read().bodyString()).isEqualTo("hello 203.0.113.7");
		}
		assertThat(seen).extracting(c -> c.remoteAddress().getAddress().getHostAddress())
				.containsExactly("203.0.113.66", "203.0.113.7");
	}

	@Test
	void aCallbackThatThrowsClosesItsConnectionAndTheServerServesOn() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		int port = bind(server().doOnConnection(c -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("refused by the test");
			}
		})).port();
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
			s.setSoTimeout(5_000);
			s.getOutputStream().write(RawHttp.get("/").getBytes(StandardCharsets.US_ASCII));
			assertThat(RawHttp.readUntilClosed(s.getInputStream())).isEmpty();
		}
		try (RawHttp ok = RawHttp.connect(port).soTimeout(5_000)) {
			assertThat(ok.write(RawHttp.get("/")).read().status()).isEqualTo(200);
		}
		assertThat(handled).hasValue(1);
	}

	@Test
	void itsBytesAreTheServersAndDrainClosesAfterTheExchange() throws Exception {
		CompletableFuture<Connection> conn = new CompletableFuture<>();
		CompletableFuture<Void> exchangeOn = new CompletableFuture<>();
		int port = bind(HttpServer.create()
				.doOnConnection(conn::complete)
				.handle((req, res) -> {
					exchangeOn.complete(null);
					return res.sendString(Mono.delay(Duration.ofMillis(300)).thenReturn("late answer"));
				})).port();
		try (RawHttp c = RawHttp.connect(port).soTimeout(5_000)) {
			c.write(RawHttp.get("/"));
			Connection view = conn.get(5, TimeUnit.SECONDS);
			StepVerifier.create(view.send(new byte[] {1})).expectError(IllegalStateException.class).verify(TIMEOUT);
			StepVerifier.create(view.receive()).expectError(IllegalStateException.class).verify(TIMEOUT);
			// the connection is announced before its request is read: drain once the exchange is on
			exchangeOn.get(5, TimeUnit.SECONDS);
			CompletableFuture<Void> drained = view.drain().toFuture(); // while the exchange is on: after its answer
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			assertThat(r.bodyString()).isEqualTo("late answer");
			assertThat(c.readToEof()).isEmpty();
			drained.get(10, TimeUnit.SECONDS);
		}
	}

	/** drain() of a connection that became a WebSocket: the session is closed with 1001 (going away). */
	@Test
	void drainingAWebsocketSaysGoingAway() throws Exception {
		CompletableFuture<Connection> conn = new CompletableFuture<>();
		int port = bind(HttpServer.create().doOnConnection(conn::complete)
				.route(r -> r.ws("/echo", (in, out) -> out.send(in.receive())))).port();
		io.github.reactormongoose.testing.WebSocketRecorder r = new io.github.reactormongoose.testing.WebSocketRecorder();
		java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
				.buildAsync(java.net.URI.create("ws://127.0.0.1:" + port + "/echo"), r).get(10, TimeUnit.SECONDS);
		ws.sendText("still here", true).get(5, TimeUnit.SECONDS);
		assertThat(r.next()).isEqualTo("still here");
		CompletableFuture<Void> drained = conn.get(5, TimeUnit.SECONDS).drain().toFuture();
		assertThat(r.awaitClose().code()).isEqualTo(1001);
		drained.get(10, TimeUnit.SECONDS);
	}

	/** On HTTPS, after the handshake: the client's certificate is known to the callback. */
	@Test
	void overTlsAfterTheHandshakeWithTheClientsCertificate() throws Exception {
		TestPki.assumeOpenssl();
		TestPki pki = TestPki.root(dir, "Callback Test CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		TestPki.Issued client = pki.client("device-7", TestPki.KeyType.EC_P256);
		List<String> subjects = new CopyOnWriteArrayList<>();
		int port = bind(server().secure(TlsSpec.forServer(localhost.cert(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca()))
				.doOnConnection(c -> subjects.add(c.peerCertificates().isEmpty() ? "none"
						: c.peerCertificates().get(0).getSubjectX500Principal().getName()))).port();
		javax.net.ssl.SSLSocketFactory f = TestPki.presenting(client, pki.ca()).getSocketFactory();
		try (SSLSocket s = (SSLSocket) f.createSocket("127.0.0.1", port)) {
			s.setSoTimeout(5_000);
			s.startHandshake();
			RawHttp c = RawHttp.wrap(s);
			assertThat(c.write(RawHttp.get("/")).read().status()).isEqualTo(200);
		}
		assertThat(subjects).containsExactly("CN=device-7");
	}
}
