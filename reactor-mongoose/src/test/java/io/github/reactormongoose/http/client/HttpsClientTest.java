/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@code HttpClient.secure(TlsSpec)}, {@code https://} and {@code wss://} against this project's
 * {@code HttpServer.secure(...)}: bodies both ways, keep-alive over TLS, pools per transport,
 * the checks of the server's chain and name, client certificates, redirects across schemes.
 * The peers nobody here wrote are in {@link HttpsClientInteropTest}.
 */
class HttpsClientTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	/** The client ports of the connections that asked for /hello (connection ids are per loop, not unique). */
	private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
	private final List<ServerSocket> sockets = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Https Client Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	@AfterEach
	void closeSockets() throws Exception {
		for (ServerSocket s : sockets) {
			s.close();
		}
	}

	private TlsSpec serverSpec(TestPki.Issued issued) {
		return TlsSpec.forServer(issued.chain(), issued.key());
	}

	private static TlsSpec trusting() {
		return TlsSpec.forClient().trustedCertificates(pki.ca());
	}

	/** The routes of both the plain and the TLS server; /hello records the connection. */
	private DisposableServer server(HttpServer base) {
		return bind(base.host("127.0.0.1").port(0).route(r -> r
				.get("/hello", (req, res) -> {
					connections.add(req.remoteAddress().getPort());
					return res.sendString(Mono.just("Hello over " + req.scheme()));
				})
				.post("/echo", (req, res) -> res
						.header("X-Chunked", String.valueOf(req.requestHeaders().containsToken("Transfer-Encoding", "chunked")))
						.sendByteArray(req.receiveBytes()))
				.get("/big", (req, res) -> res.send(Flux.range(0, 64).map(i -> ByteBuffer.wrap(block(i)))))
				.get("/redirect", (req, res) -> res.sendRedirect(String.valueOf(req.queryParam("to"))))
				.ws("/echo", (in, out) -> out.send(in.receive()))));
	}

	private DisposableServer https(TestPki.Issued issued) {
		return server(HttpServer.create().secure(serverSpec(issued)));
	}

	private DisposableServer plain() {
		return server(HttpServer.create());
	}

	private static byte[] block(int i) {
		byte[] b = new byte[16384];
		java.util.Arrays.fill(b, (byte) i);
		return b;
	}

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))).block(TIMEOUT);
	}

	/** The live connections of the pool of {@code loop} for this key (0 when it has none). */
	private static int poolSize(MongooseLoop loop, String host, int port, TlsSpec tls) {
		ConnectionPool pool = ConnectionPool.of(LoopAccess.engine(loop), host, port, tls, new ClientConfig().pool, null, null, false, null,
				List.of());
		return Mono.<Integer>create(sink -> pool.loop.execute(() -> sink.success(pool.size()))).block(TIMEOUT);
	}

	// ---- requests and bodies ----

	@Test
	void getAndStreamedPostOverHttps() {
		DisposableServer s = https(localhost);
		HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting()).baseUrl("https://localhost:" + s.port());
		assertThat(text(c.get().uri("/hello"))).isEqualTo("200 Hello over https");
		// a streamed (chunked) body of 1 MiB up, and a 1 MiB response streamed down
		Flux<ByteBuffer> up = Flux.range(0, 64).map(i -> ByteBuffer.wrap(block(i)));
		byte[] echoed = c.post().uri("/echo").send(up).responseSingle((res, b) -> {
			assertThat(res.responseHeaders().get("X-Chunked")).isEqualTo("true");
			return b;
		}).block(TIMEOUT);
		assertThat(echoed).hasSize(64 * 16384);
		for (int i = 0; i < 64; i++) {
			assertThat(echoed[i * 16384]).isEqualTo((byte) i);
			assertThat(echoed[i * 16384 + 16383]).isEqualTo((byte) i);
		}
		Long down = c.get().uri("/big").responseContent().map(ByteBuffer::remaining).reduce(0L, Long::sum).block(TIMEOUT);
		assertThat(down).isEqualTo(64L * 16384);
		assertThat(text(c.post().uri("/echo").sendString(Mono.just("fixed length")))).isEqualTo("200 fixed length");
	}

	@Test
	void keepAliveReusesOneTlsConnection() {
		DisposableServer s = https(localhost);
		HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting()).baseUrl("https://localhost:" + s.port());
		for (int i = 0; i < 10; i++) {
			assertThat(text(c.get().uri("/hello"))).isEqualTo("200 Hello over https");
		}
		assertThat(connections).hasSize(1);
	}

	@Test
	void concurrentRequestsShareAFewTlsConnections() {
		DisposableServer s = https(localhost);
		HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting()).maxConnections(4)
				.baseUrl("https://localhost:" + s.port());
		List<String> answers = Flux.range(0, 40).flatMap(i -> c.get().uri("/hello")
				.responseSingle((res, b) -> b.map(x -> new String(x, UTF_8))), 40).collectList().block(TIMEOUT);
		assertThat(answers).hasSize(40).containsOnly("Hello over https");
		assertThat(connections).hasSizeBetween(1, 4);
	}

	@Test
	void wssEchoRoundTrip() {
		DisposableServer s = https(localhost);
		StepVerifier.create(HttpClient.create().secure(trusting()).websocket()
						.uri("wss://localhost:" + s.port() + "/echo")
						.handle((in, out) -> out.sendString(Flux.just("one", "two", "é".repeat(20_000)))
								.thenMany(in.receiveText().take(3))))
				.expectNext("one", "two", "é".repeat(20_000))
				.verifyComplete();
	}

	// ---- pools per transport and spec ----

	@Test
	void httpAndHttpsNeverShareAConnection() {
		MongooseLoop loop = newLoop();
		TlsSpec spec = trusting();
		HttpClient c = HttpClient.create().runOn(loop).secure(spec);
		DisposableServer tls = https(localhost);
		String https = "https://localhost:" + tls.port() + "/hello";
		assertThat(text(c.get().uri(https))).isEqualTo("200 Hello over https");
		int first = connections.iterator().next();
		// plain text to the TLS port: a new connection (the server refuses it), not the idle TLS one
		assertThatThrownBy(() -> text(c.get().uri("http://localhost:" + tls.port() + "/hello")))
				.isInstanceOf(PrematureCloseException.class);
		assertThat(text(c.get().uri(https))).isEqualTo("200 Hello over https");
		assertThat(connections).containsExactly(first);
		assertThat(poolSize(loop, "localhost", tls.port(), spec)).isEqualTo(1);

		// and TLS to a plain port: a handshake failure, while the plain pool keeps working
		DisposableServer plain = plain();
		String http = "http://localhost:" + plain.port() + "/hello";
		assertThat(text(c.get().uri(http))).isEqualTo("200 Hello over http");
		assertThatThrownBy(() -> text(c.get().uri("https://localhost:" + plain.port() + "/hello")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class);
		assertThat(text(c.get().uri(http))).isEqualTo("200 Hello over http");
		assertThat(connections).hasSize(2);
		assertThat(poolSize(loop, "localhost", plain.port(), spec)).isZero();
	}

	@Test
	void differentSpecsUseDifferentConnections() {
		MongooseLoop loop = newLoop();
		DisposableServer s = https(localhost);
		String url = "https://localhost:" + s.port() + "/hello";
		HttpClient a = HttpClient.create().runOn(loop).secure(trusting());
		HttpClient b = HttpClient.create().runOn(loop).secure(trusting().serverName("localhost"));
		assertThat(text(a.get().uri(url))).isEqualTo("200 Hello over https");
		assertThat(text(b.get().uri(url))).isEqualTo("200 Hello over https");
		assertThat(text(a.get().uri(url))).isEqualTo("200 Hello over https");
		assertThat(text(b.headers(h -> h.set("X-Derived", "yes")).get().uri(url))).isEqualTo("200 Hello over https");
		assertThat(connections).hasSize(2); // one per spec; a client derived from b keeps b's pool
	}

	// ---- verification ----

	@Test
	void untrustedCertificateIsRefusedAndNotPooled() {
		MongooseLoop loop = newLoop();
		DisposableServer s = https(localhost);
		HttpClient c = HttpClient.create().runOn(loop); // the JDK's default trust store
		for (int i = 0; i < 2; i++) {
			assertThatThrownBy(() -> text(c.get().uri("https://localhost:" + s.port() + "/hello")))
					.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
					.hasMessageContaining("untrusted server certificate").hasMessageContaining("CN=localhost");
		}
		assertThat(connections).isEmpty();
		assertThat(poolSize(loop, "localhost", s.port(), ClientConfig.DEFAULT_TLS)).isZero();
		// noSSL() takes a trusting spec off again: the default trust store refuses as above
		HttpClient trusting = HttpClient.create().runOn(loop).secure(trusting());
		assertThat(text(trusting.get().uri("https://localhost:" + s.port() + "/hello"))).isEqualTo("200 Hello over https");
		assertThatThrownBy(() -> text(trusting.noSSL().get().uri("https://localhost:" + s.port() + "/hello")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void hostNameMismatchIsRefused() throws Exception {
		TestPki.Issued other = pki.server("other", TestPki.KeyType.EC_P256, "DNS:other.example");
		DisposableServer s = https(other);
		MongooseLoop loop = newLoop();
		TlsSpec spec = trusting();
		assertThatThrownBy(() -> text(HttpClient.create().runOn(loop).secure(spec).get()
				.uri("https://localhost:" + s.port() + "/hello")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
				.hasMessageContaining("the server certificate (CN=other) is not valid for localhost");
		assertThat(connections).isEmpty();
		assertThat(poolSize(loop, "localhost", s.port(), spec)).isZero();
	}

	@Test
	void serverNameOverridesTheUrlsHost() throws Exception {
		TestPki.Issued internal = pki.server("service.internal", TestPki.KeyType.EC_P256, "DNS:service.internal");
		DisposableServer s = https(internal);
		String url = "https://127.0.0.1:" + s.port() + "/hello";
		assertThat(text(HttpClient.create().secure(trusting().serverName("service.internal")).get().uri(url)))
				.isEqualTo("200 Hello over https");
		assertThatThrownBy(() -> text(HttpClient.create().secure(trusting()).get().uri(url)))
				.hasRootCauseInstanceOf(SSLHandshakeException.class).hasMessageContaining("is not valid for 127.0.0.1");
	}

	@Test
	void clientCertificateToAServerThatRequiresOne() throws Exception {
		TestPki.Issued client = pki.client("https-client", TestPki.KeyType.EC_P256);
		DisposableServer s = server(HttpServer.create().secure(serverSpec(localhost)
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca())));
		String url = "https://localhost:" + s.port() + "/hello";
		HttpClient c = HttpClient.create().runOn(newLoop());
		assertThat(text(c.secure(trusting().keyCertificate(client.cert(), client.key())).get().uri(url)))
				.isEqualTo("200 Hello over https");
		assertThat(connections).hasSize(1);
		// TLS 1.3: the client's handshake is done before the server checks its (empty) Certificate,
		// so the server's refusal arrives as the connection closing under the request
		assertThatThrownBy(() -> text(c.secure(trusting()).responseTimeout(TIMEOUT).get().uri(url)))
				.isInstanceOfAny(PrematureCloseException.class, MongooseException.class);
		assertThat(connections).hasSize(1);
	}

	@Test
	void handshakeFailuresAreDescriptive() throws Exception {
		// a peer that accepts and never answers: the spec's handshake timeout
		ServerSocket silent = listen();
		assertThatThrownBy(() -> text(HttpClient.create().secure(trusting().handshakeTimeout(Duration.ofMillis(300)))
				.get().uri("https://localhost:" + silent.getLocalPort() + "/")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
				.hasMessageContaining("timed out");
		// a plain-text answer to the ClientHello
		ServerSocket talker = listen();
		Thread answer = new Thread(() -> {
			try (Socket sock = talker.accept()) {
				InputStream in = sock.getInputStream();
				in.read(new byte[512]);
				OutputStream out = sock.getOutputStream();
				out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(UTF_8));
				out.flush();
				in.read(new byte[512]);
			}
			catch (Exception e) {
				// the test asserts on the client's side
			}
		}, "plain-text-answer");
		answer.setDaemon(true);
		answer.start();
		assertThatThrownBy(() -> text(HttpClient.create().secure(trusting())
				.get().uri("https://localhost:" + talker.getLocalPort() + "/")))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
				.hasMessageContaining("not a TLS record");
	}

	private ServerSocket listen() throws Exception {
		ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		sockets.add(s);
		return s;
	}

	// ---- redirects and schemes ----

	@Test
	void redirectsSwitchBetweenHttpAndHttps() {
		DisposableServer tls = https(localhost);
		DisposableServer plain = plain();
		String toHttps = "https://localhost:" + tls.port() + "/hello";
		String toHttp = "http://localhost:" + plain.port() + "/hello";
		HttpClient c = HttpClient.create().runOn(newLoop()).secure(trusting()).followRedirect(true);
		HttpClientResponse[] head = new HttpClientResponse[1];
		String body = c.get().uri("http://localhost:" + plain.port() + "/redirect?to=" + toHttps)
				.responseSingle((res, b) -> {
					head[0] = res;
					return b.map(x -> new String(x, UTF_8));
				}).block(TIMEOUT);
		assertThat(body).isEqualTo("Hello over https");
		assertThat(head[0].uri()).isEqualTo(toHttps);
		assertThat(head[0].redirects()).isEqualTo(1);
		assertThat(text(c.get().uri("https://localhost:" + tls.port() + "/redirect?to=" + toHttp)))
				.isEqualTo("200 Hello over http");
		// a redirect to https with the default spec, which does not trust the test CA
		assertThatThrownBy(() -> text(HttpClient.create().followRedirect(true)
				.get().uri("http://localhost:" + plain.port() + "/redirect?to=" + toHttps)))
				.hasRootCauseInstanceOf(SSLHandshakeException.class).hasMessageContaining("untrusted server certificate");
	}

	@Test
	void httpsDefaultsToPort443() {
		// nothing listens on 443 here: the connect error names the port
		StepVerifier.create(HttpClient.create().secure(trusting()).connectTimeout(Duration.ofSeconds(5))
						.get().uri("https://127.0.0.1/").response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectException.class)
						.hasMessageContaining("127.0.0.1:443"))
				.verify(TIMEOUT);
	}

	@Test
	void secureRefusesAServerSpecAndOtherSchemesAreRefused() {
		assertThatThrownBy(() -> HttpClient.create().secure(serverSpec(localhost)))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a client spec");
		DisposableServer plain = plain();
		StepVerifier.create(HttpClient.create().followRedirect(true)
						.get().uri("http://127.0.0.1:" + plain.port() + "/redirect?to=ftp://127.0.0.1:1/").response())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnsupportedOperationException.class)
						.hasMessageContaining("http or https"))
				.verify(TIMEOUT);
		StepVerifier.create(HttpClient.create().get().uri("wss://127.0.0.1:1/").response())
				.expectError(UnsupportedOperationException.class)
				.verify(TIMEOUT);
		// named by the application, with or without a base URL (not a path under it)
		for (HttpClient c : new HttpClient[] {HttpClient.create(), HttpClient.create().baseUrl("http://127.0.0.1:" + plain.port() + "/s")}) {
			for (String uri : new String[] {"ftp://127.0.0.1:1/x", "file:///etc/hosts", "FTP://h/"}) {
				StepVerifier.create(c.get().uri(uri).response())
						.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(UnsupportedOperationException.class)
								.hasMessageContaining(uri))
						.verify(TIMEOUT);
			}
			StepVerifier.create(c.websocket().uri("ftp://127.0.0.1:1/x").handle((in, out) -> in.receive()))
					.expectError(UnsupportedOperationException.class)
					.verify(TIMEOUT);
		}
	}
}
