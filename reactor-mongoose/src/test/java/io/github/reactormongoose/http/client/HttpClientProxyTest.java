/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.Nginx;
import io.github.reactormongoose.testing.ProxyPeers;
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
 * {@code HttpClient.proxy(...)} against real proxies nobody here wrote: tinyproxy (HTTP:
 * {@code CONNECT} tunnels for https and WebSocket, absolute-form requests for http, Basic
 * authentication), microsocks (SOCKS5, with and without a password) and Dante (SOCKS4), all
 * from Debian's packages; and against scripted proxies that refuse, stall or misbehave.
 */
class HttpClientProxyTest extends BaseHttpTest {

	/** What tinyproxy logs for a tunnel to the host name "localhost". */
	private static final String ESTABLISHED = "Established connection to host \"localhost\"";

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	/** The client ports the server saw on /hello. */
	private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
	private final List<AutoCloseable> peers = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Proxy Test Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	@AfterEach
	void closePeers() throws Exception {
		for (AutoCloseable p : peers) {
			p.close();
		}
	}

	private <T extends AutoCloseable> T peer(T p) {
		peers.add(p);
		return p;
	}

	/** /hello answers with the scheme and the Via header the request came with. */
	private DisposableServer server(HttpServer base) {
		return bind(base.host("127.0.0.1").port(0).route(r -> r
				.get("/hello", (req, res) -> {
					clientPorts.add(req.remoteAddress().getPort());
					String via = req.requestHeaders().get("Via");
					return res.sendString(Mono.just("Hello over " + req.scheme() + ", host "
							+ req.requestHeaders().get("Host") + ", via " + (via != null ? via : "none")));
				})
				.post("/echo", (req, res) -> res.sendByteArray(req.receiveBytes()))
				.ws("/echo", (in, out) -> out.send(in.receive()))));
	}

	private DisposableServer plain() {
		return server(HttpServer.create());
	}

	private DisposableServer https() {
		return server(HttpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key())));
	}

	private HttpClient client(Consumer<? super ProxyProvider.TypeSpec> proxy) {
		return HttpClient.create().runOn(newLoop()).secure(TlsSpec.forClient().trustedCertificates(pki.ca())).proxy(proxy);
	}

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))
			.defaultIfEmpty(res.status() + " ")).block(TIMEOUT);
	}

	/** The error the request ends with (unwrapped, unlike block()'s), or null. */
	private static Throwable failure(HttpClient.ResponseReceiver r) {
		return r.response().then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
	}

	private static byte[] bytes(int n) {
		byte[] b = new byte[n];
		for (int i = 0; i < n; i++) {
			b[i] = (byte) (i * 31 + 7);
		}
		return b;
	}

	// ---- an HTTP proxy: tinyproxy ----

	@Test
	void plainHttpGoesToTheProxyInAbsoluteForm() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.tinyproxy(dir, null, null));
		DisposableServer s = plain();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port()));
		// tinyproxy adds its Via header: the request went through it, with the Host of the URI
		assertThat(text(c.get().uri("http://localhost:" + s.port() + "/hello")))
			.startsWith("200 Hello over http, host localhost:" + s.port() + ", via ")
			.contains("tinyproxy");
		byte[] body = bytes(300_000);
		byte[] echoed = c.post().uri("http://localhost:" + s.port() + "/echo")
			.send(Mono.just(ByteBuffer.wrap(body))).responseSingle((res, b) -> b).block(TIMEOUT);
		assertThat(echoed).isEqualTo(body);
		// absolute form, no tunnel: tinyproxy logged no CONNECT
		assertThat(proxy.log()).doesNotContain("CONNECT localhost");
	}

	@Test
	void httpsTunnelsThroughConnectAndKeepsTheTunnelAlive() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.tinyproxy(dir, null, null));
		DisposableServer s = https();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("localhost").port(proxy.port()));
		for (int i = 0; i < 5; i++) {
			// no Via: the proxy only saw TLS records, the server's chain was verified for "localhost"
			assertThat(text(c.get().uri("https://localhost:" + s.port() + "/hello")))
				.isEqualTo("200 Hello over https, host localhost:" + s.port() + ", via none");
		}
		assertThat(clientPorts).as("one tunnel, reused").hasSize(1);
		byte[] body = bytes(1 << 20);
		byte[] echoed = c.post().uri("https://localhost:" + s.port() + "/echo")
			.send(Flux.range(0, 16).map(i -> ByteBuffer.wrap(body, i * 65536, 65536))).responseSingle((res, b) -> b)
			.block(TIMEOUT);
		assertThat(echoed).isEqualTo(body);
		// the proxy was given the host name, not an address
		assertThat(proxy.awaitLog(ESTABLISHED)).contains(ESTABLISHED);
	}

	@Test
	void aProxyThatWantsCredentialsGetsThem() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.tinyproxy(dir, "alice", "s3cret"));
		DisposableServer tls = https();
		DisposableServer plain = plain();
		HttpClient anonymous = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port()));
		assertThat(failure(anonymous.get().uri("https://localhost:" + tls.port() + "/hello")))
			.isInstanceOfSatisfying(ProxyConnectException.class, e -> assertThat(e.status()).isEqualTo(407))
			.hasMessageContaining("http, none, 127.0.0.1:" + proxy.port() + " => localhost:" + tls.port())
			.hasMessageContaining("407");
		// plain http: the proxy's answer is the response, as with any client
		assertThat(text(anonymous.get().uri("http://localhost:" + plain.port() + "/hello"))).startsWith("407 ");

		AtomicInteger asked = new AtomicInteger();
		HttpClient alice = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port())
			.username("alice").password(u -> {
				asked.incrementAndGet();
				return u.equals("alice") ? "s3cret" : "?";
			}));
		assertThat(text(alice.get().uri("https://localhost:" + tls.port() + "/hello"))).startsWith("200 Hello over https");
		assertThat(text(alice.get().uri("http://localhost:" + plain.port() + "/hello"))).startsWith("200 Hello over http");
		assertThat(asked).hasPositiveValue();

		HttpClient wrong = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port())
			.username("alice").password(u -> "guess"));
		// tinyproxy answers wrong credentials with 401
		assertThat(failure(wrong.get().uri("https://localhost:" + tls.port() + "/hello")))
			.isInstanceOfSatisfying(ProxyConnectException.class, e -> assertThat(e.status()).isIn(401, 407));
	}

	@Test
	void websocketsGoThroughATunnel() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.tinyproxy(dir, null, null));
		DisposableServer plain = plain();
		DisposableServer tls = https();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port()));
		for (String uri : List.of("ws://localhost:" + plain.port() + "/echo", "wss://localhost:" + tls.port() + "/echo")) {
			StepVerifier.create(c.websocket().uri(uri)
					.handle((in, out) -> out.sendString(Flux.just("one", "two", "x".repeat(60_000)))
						.thenMany(in.receiveText().take(3))))
				.expectNext("one", "two", "x".repeat(60_000))
				.verifyComplete();
		}
		assertThat(proxy.awaitLog(ESTABLISHED)).contains(ESTABLISHED);
	}

	// ---- a SOCKS5 proxy: microsocks ----

	@Test
	void socks5CarriesHttpHttpsAndWebsockets() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.microsocks(dir, null, null));
		DisposableServer plain = plain();
		DisposableServer tls = https();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).address(new InetSocketAddress("127.0.0.1", proxy.port())));
		assertThat(text(c.get().uri("http://localhost:" + plain.port() + "/hello")))
			.isEqualTo("200 Hello over http, host localhost:" + plain.port() + ", via none");
		for (int i = 0; i < 3; i++) {
			assertThat(text(c.get().uri("https://localhost:" + tls.port() + "/hello"))).startsWith("200 Hello over https");
		}
		assertThat(clientPorts).as("one connection for http, one tunnel for https, reused").hasSize(2);
		StepVerifier.create(c.websocket().uri("wss://localhost:" + tls.port() + "/echo")
				.handle((in, out) -> out.sendString(Mono.just("through socks")).thenMany(in.receiveText().take(1))))
			.expectNext("through socks")
			.verifyComplete();
	}

	@Test
	void socks5WithAUserNameAndPassword() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.microsocks(dir, "bob", "hunter2"));
		DisposableServer s = https();
		String url = "https://localhost:" + s.port() + "/hello";
		HttpClient anonymous = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(proxy.port()));
		assertThat(failure(anonymous.get().uri(url))).isInstanceOf(ProxyConnectException.class)
			.hasMessageContaining("socks5, none, 127.0.0.1:" + proxy.port() + " => localhost:" + s.port())
			.hasMessageContaining("accepts none of the authentication methods");
		HttpClient wrong = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(proxy.port())
			.username("bob").password(u -> "hunter3"));
		assertThat(failure(wrong.get().uri(url))).isInstanceOf(ProxyConnectException.class)
			.hasMessageContaining("user name and password refused");
		HttpClient bob = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(proxy.port())
			.username("bob").password(u -> "hunter2"));
		assertThat(text(bob.get().uri(url))).startsWith("200 Hello over https");
	}

	// ---- a SOCKS4 proxy: Dante ----

	@Test
	void socks4CarriesHttpHttpsAndWebsocketsToAnIpv4Address() throws Exception {
		ProxyPeers proxy = peer(ProxyPeers.dante(dir));
		DisposableServer plain = plain();
		DisposableServer tls = https();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()));
		assertThat(text(c.get().uri("http://127.0.0.1:" + plain.port() + "/hello")))
			.isEqualTo("200 Hello over http, host 127.0.0.1:" + plain.port() + ", via none");
		byte[] body = bytes(300_000);
		for (int i = 0; i < 3; i++) {
			assertThat(text(c.get().uri("https://127.0.0.1:" + tls.port() + "/hello"))).startsWith("200 Hello over https");
		}
		assertThat(c.post().uri("https://127.0.0.1:" + tls.port() + "/echo").send(Mono.just(ByteBuffer.wrap(body)))
			.responseSingle((res, b) -> b).block(TIMEOUT)).isEqualTo(body);
		assertThat(clientPorts).as("one connection for http, one tunnel for https, reused").hasSize(2);
		StepVerifier.create(c.websocket().uri("wss://127.0.0.1:" + tls.port() + "/echo")
				.handle((in, out) -> out.sendString(Mono.just("through socks4")).thenMany(in.receiveText().take(1))))
			.expectNext("through socks4")
			.verifyComplete();
		// the proxy made those connections (its log names the client and the target)
		assertThat(proxy.awaitLog("127.0.0.1." + tls.port())).contains("127.0.0.1." + tls.port());
	}

	@Test
	void socks4WithANameResolvedHereThroughTheAddressFilter() throws Exception {
		// Dante has no SOCKS 4a: a host name reaches it only as the address the filter accepted
		ProxyPeers proxy = peer(ProxyPeers.dante(dir));
		DisposableServer tls = https();
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()));
		HttpClient ipv4 = c.addressFilter(a -> a instanceof java.net.Inet4Address);
		assertThat(text(ipv4.get().uri("https://localhost:" + tls.port() + "/hello")))
			.startsWith("200 Hello over https, host localhost:" + tls.port());
		// without it the name goes to the proxy (4a), which refuses it
		assertThat(failure(c.get().uri("https://localhost:" + tls.port() + "/hello")))
			.isInstanceOfSatisfying(ProxyConnectException.class, e -> assertThat(e.status()).isEqualTo(-1))
			.hasMessageContaining("socks4, none, 127.0.0.1:" + proxy.port() + " => localhost:" + tls.port())
			.hasMessageContaining("status: 91 request rejected or failed (a SOCKS4 server without SOCKS 4a");
	}

	@Test
	void socks4RequestsCarryTheUserIdAndSocks4aNames() throws Exception {
		byte[] granted = { 0, 90, 0, 0, 0, 0, 0, 0 };
		// a name in SOCKS 4a's form: address 0.0.0.1, the user id, then the name
		try (ScriptedProxy proxy = new ScriptedProxy(new byte[][] { { 0, 91, 0, 0, 0, 0, 0, 0 } })) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port())
				.username("reports"));
			assertThat(failure(c.get().uri("https://api.example:8443/x"))).isInstanceOf(ProxyConnectException.class)
				.hasMessageContaining("socks4, username, 127.0.0.1:" + proxy.port() + " => api.example:8443, status: 91");
			byte[] req = proxy.rawRequests.poll(5, TimeUnit.SECONDS);
			ByteArrayOutputStream want = new ByteArrayOutputStream();
			want.writeBytes(new byte[] { 4, 1, (byte) (8443 >> 8), (byte) 8443, 0, 0, 0, 1 });
			want.writeBytes("reports\0api.example\0".getBytes(ISO_8859_1));
			assertThat(req).isEqualTo(want.toByteArray());
		}
		// an IPv4 literal as the address, no user id: an empty one
		try (ScriptedProxy proxy = new ScriptedProxy(new byte[][] { { 0, 92, 0, 0, 0, 0, 0, 0 } })) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()));
			assertThat(failure(c.get().uri("http://10.1.2.3:80/x"))).isInstanceOf(ProxyConnectException.class)
				.hasMessageContaining("status: 92 rejected: the proxy cannot reach identd");
			assertThat(proxy.rawRequests.poll(5, TimeUnit.SECONDS)).isEqualTo(new byte[] { 4, 1, 0, 80, 10, 1, 2, 3, 0 });
		}
		// a granted tunnel: the request goes through it
		try (ScriptedProxy proxy = new ScriptedProxy(granted, new byte[0])) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()))
				.responseTimeout(java.time.Duration.ofMillis(500));
			c.get().uri("http://192.0.2.7:8080/path").response().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
			assertThat(proxy.rawRequests.poll(5, TimeUnit.SECONDS)).isEqualTo(new byte[] { 4, 1, 31, (byte) 144, (byte) 192, 0, 2, 7, 0 });
			proxy.requests.poll(5, TimeUnit.SECONDS); // the SOCKS4 request, as text
			assertThat(proxy.requests.poll(5, TimeUnit.SECONDS)).startsWith("GET /path HTTP/1.1\r\n")
				.doesNotContain("http://192.0.2.7");
		}
	}

	@Test
	void socks4RefusalsAndNonsenseAreProxyConnectExceptions() throws Exception {
		record Case(byte[] answer, String message) {
		}
		List<Case> cases = List.of(
				new Case(new byte[] { 0, 93, 0, 0, 0, 0, 0, 0 }, "status: 93 rejected: identd reports a different user id"),
				new Case(new byte[] { 0, 17, 0, 0, 0, 0, 0, 0 }, "status: 17 unassigned"),
				new Case(new byte[] { 5, 0 }, "not a SOCKS4 reply"),
				new Case("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(ISO_8859_1), "not a SOCKS4 reply"),
				new Case(new byte[] { 0, 90, 0, 0, 0, 0, 0, 0, 'x' }, "bytes after the SOCKS4 reply"),
				new Case(new byte[] { 0, 90, 0 }, "the proxy closed the connection"),
				new Case(new byte[0], "the proxy closed the connection"));
		DisposableServer s = https();
		for (Case k : cases) {
			try (ScriptedProxy proxy = new ScriptedProxy(k.answer())) {
				HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()));
				assertThat(failure(c.get().uri("https://127.0.0.1:" + s.port() + "/hello")))
					.as(k.message())
					.isInstanceOf(ProxyConnectException.class)
					.hasMessageContaining(k.message());
			}
		}
		// an IPv6 target cannot be carried: refused before anything is sent
		try (ScriptedProxy proxy = new ScriptedProxy(new byte[][] { { 0, 90, 0, 0, 0, 0, 0, 0 } })) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("127.0.0.1").port(proxy.port()));
			assertThat(failure(c.get().uri("https://[::1]:" + s.port() + "/hello"))).isInstanceOf(ProxyConnectException.class)
				.hasMessageContaining("SOCKS4 carries IPv4 addresses only, not [::1] (use SOCKS5)");
			assertThat(proxy.rawRequests.poll(300, TimeUnit.MILLISECONDS)).as("nothing sent to the proxy").isNull();
		}
		assertThat(clientPorts).as("nothing reached the server").isEmpty();
	}

	// ---- which requests use the proxy ----

	@Test
	void nonProxyHostsAreConnectedToDirectly() throws Exception {
		DisposableServer s = plain();
		int deadPort = Nginx.freePort(); // no proxy listens there
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(deadPort)
			.nonProxyHosts("127\\.0\\.0\\.1|.*\\.internal"));
		assertThat(text(c.get().uri("http://127.0.0.1:" + s.port() + "/hello"))).startsWith("200 Hello over http");
		// every other host goes to the proxy, which is not there
		assertThat(failure(c.get().uri("http://localhost:" + s.port() + "/hello")))
			.isInstanceOf(ConnectException.class)
			.hasMessageContaining("proxy 127.0.0.1:" + deadPort);
		// noProxy() removes it again
		assertThat(text(c.noProxy().get().uri("http://localhost:" + s.port() + "/hello"))).startsWith("200 Hello over http");
	}

	@Test
	void theAddressFilterChecksTheTargetAndTheProxyGetsTheAcceptedAddress() throws Exception {
		ScriptedProxy proxy = peer(new ScriptedProxy("HTTP/1.1 200 Connection established\r\n\r\n"));
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port()));
		// refused: nothing at all is connected, not even the proxy
		HttpClient filtered = c.addressFilter(a -> !a.isLoopbackAddress());
		assertThat(failure(filtered.get().uri("https://localhost:443/")))
			.isInstanceOf(FilteredAddressException.class);
		assertThat(proxy.accepted.get()).isZero();
		// accepted: the proxy is asked for the address that was checked, not for the name
		HttpClient allowed = c.addressFilter(a -> true).responseTimeout(java.time.Duration.ofMillis(500));
		allowed.get().uri("https://localhost:8443/").response().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
		String request = proxy.requests.poll(5, TimeUnit.SECONDS);
		assertThat(request).matches("(?s)CONNECT (127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\]):8443 HTTP/1\\.1\r\nHost: .*");
	}

	// ---- proxies that refuse or misbehave ----

	@Test
	void refusalsAndNonsenseFromTheProxyAreProxyConnectExceptions() throws Exception {
		record Case(String answer, int status, String message) {
		}
		List<Case> cases = List.of(
				new Case("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n", 502, "status: 502 Bad Gateway"),
				new Case("HTTP/1.0 403 Forbidden\r\n\r\n", 403, "status: 403 Forbidden"),
				new Case("SSH-2.0-OpenSSH_9.2\r\n\r\n", -1, "not an HTTP answer to CONNECT: SSH-2.0-OpenSSH_9.2"),
				new Case("HTTP/1.1 200 OK\r\n\r\nsurprise", -1, "bytes after the answer to CONNECT"),
				new Case("HTTP/1.1 2xx Fine\r\n\r\n", -1, "bad status line"),
				new Case("HTTP/1.1 200 OK\r\nX-Padding: " + "a".repeat(20_000), -1, "answer longer than"),
				new Case("", -1, "the proxy closed the connection"));
		DisposableServer s = https();
		for (Case k : cases) {
			try (ScriptedProxy proxy = new ScriptedProxy(k.answer())) {
				HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port()));
				assertThat(failure(c.get().uri("https://localhost:" + s.port() + "/hello")))
					.as(k.message())
					.isInstanceOfSatisfying(ProxyConnectException.class, e -> assertThat(e.status()).isEqualTo(k.status()))
					.hasMessageContaining(k.message());
			}
		}
		assertThat(clientPorts).as("nothing reached the server").isEmpty();
	}

	@Test
	void aProxyThatNeverAnswersTimesOut() throws Exception {
		ScriptedProxy proxy = peer(new ScriptedProxy((byte[][]) null));
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(proxy.port())
			.connectTimeoutMillis(300));
		long t0 = System.nanoTime();
		assertThat(failure(c.get().uri("https://localhost:9/"))).isInstanceOf(ProxyConnectException.class)
			.hasMessageContaining("no tunnel within 300 ms");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
	}

	@Test
	void aFailingPasswordFunctionFailsTheRequestWithItsException() throws Exception {
		ScriptedProxy silent = peer(new ScriptedProxy((byte[][]) null));
		HttpClient c = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(silent.port())
			.username("u").password(u -> {
				throw new IllegalStateException("vault sealed");
			}));
		// the CONNECT of https, and the absolute-form request of http
		assertThat(failure(c.get().uri("https://localhost:9/"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("vault sealed");
		assertThat(failure(c.get().uri("http://localhost:9/"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("vault sealed");
		// SOCKS5 asks for it once the proxy chose the user name and password method
		ScriptedProxy socks = peer(new ScriptedProxy(new byte[] { 5, 2 }, new byte[0]));
		HttpClient s = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(socks.port())
			.username("u").password(u -> {
				throw new IllegalStateException("vault sealed");
			}));
		assertThat(failure(s.get().uri("https://localhost:9/"))).isInstanceOf(IllegalStateException.class)
			.hasMessage("vault sealed");
		// and proxy headers that cannot be sent are refused when the connection is made
		HttpClient h = client(p -> p.type(ProxyProvider.Proxy.HTTP).host("127.0.0.1").port(silent.port())
			.httpHeaders(x -> x.set("X-Tag", "a\r\nInjected: 1")));
		assertThat(failure(h.get().uri("https://localhost:9/"))).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("must not contain CR, LF or NUL");
	}

	@Test
	void socks5RefusalsNameTheReason() throws Exception {
		DisposableServer s = https();
		// greeting accepted (no authentication), then "connection refused" for the target
		try (ScriptedProxy proxy = new ScriptedProxy(new byte[] { 5, 0 }, new byte[] { 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 })) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(proxy.port()));
			assertThat(failure(c.get().uri("https://localhost:" + s.port() + "/hello")))
				.isInstanceOf(ProxyConnectException.class)
				.hasMessageContaining("status: 5 connection refused");
			// the request: version 5, CONNECT, a domain name, the port
			byte[] req = proxy.rawRequests.poll(5, TimeUnit.SECONDS);
			assertThat(req).startsWith(5, 1, 0);
			req = proxy.rawRequests.poll(5, TimeUnit.SECONDS);
			byte[] name = "localhost".getBytes(ISO_8859_1);
			assertThat(req).startsWith(5, 1, 0, 3, name.length);
			assertThat(new String(req, 5, name.length, ISO_8859_1)).isEqualTo("localhost");
			assertThat(((req[5 + name.length] & 0xff) << 8) | (req[6 + name.length] & 0xff)).isEqualTo(s.port());
		}
		// a server that is not SOCKS at all
		try (ScriptedProxy proxy = new ScriptedProxy("HTTP/1.1 400 Bad Request\r\n\r\n")) {
			HttpClient c = client(p -> p.type(ProxyProvider.Proxy.SOCKS5).host("127.0.0.1").port(proxy.port()));
			assertThat(failure(c.get().uri("https://localhost:" + s.port() + "/hello")))
				.isInstanceOf(ProxyConnectException.class)
				.hasMessageContaining("not a SOCKS5 answer");
		}
	}

	// ---- configuration ----

	@Test
	void badSpecificationsAreRefusedWithTheReason() {
		HttpClient c = HttpClient.create();
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy")))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a port");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy").port(70_000)))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 65535");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy").port(3128).password(u -> "x")))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a username");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.HTTP).host("proxy").port(3128).nonProxyHosts("(")))
			.isInstanceOf(java.util.regex.PatternSyntaxException.class);
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.SOCKS5)))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy address missing");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("proxy").port(1080)
			.username("u").password(u -> "x")))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SOCKS4 has a user id but no password");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("proxy").port(1080).username("a\0b")))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not contain NUL");
		assertThatThrownBy(() -> c.proxy(p -> p.type(ProxyProvider.Proxy.SOCKS4).host("proxy").port(1080)
			.username("u".repeat(256))))
			.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SOCKS4 user name has at most 255 bytes");
	}

	@Test
	void systemPropertiesChooseAProxyPerScheme() {
		Properties p = new Properties();
		p.setProperty("https.proxyHost", "secure.proxy");
		p.setProperty("http.proxyHost", "plain.proxy");
		p.setProperty("http.proxyPort", "3128");
		p.setProperty("http.nonProxyHosts", "*.internal|localhost|[::1]");
		ProxyProvider.Selection s = ProxyProvider.fromSystemProperties(p);
		assertThat(s.choose(true, "example.com")).satisfies(x -> {
			assertThat(x.host()).isEqualTo("secure.proxy");
			assertThat(x.port()).isEqualTo(443);
		});
		assertThat(s.choose(false, "example.com").port()).isEqualTo(3128);
		assertThat(s.choose(false, "db.internal")).isNull();
		assertThat(s.choose(true, "LOCALHOST")).isNull();
		assertThat(s.choose(true, "[::1]")).isNull();
		assertThat(s.choose(true, "internal.example.com")).isNotNull();

		// SOCKS for whatever scheme has no HTTP proxy; the JDK's default exceptions
		Properties q = new Properties();
		q.setProperty("socksProxyHost", "socks.proxy");
		q.setProperty("https.proxyHost", "secure.proxy");
		ProxyProvider.Selection t = ProxyProvider.fromSystemProperties(q);
		assertThat(t.choose(false, "example.com").type()).isEqualTo(ProxyProvider.Proxy.SOCKS5);
		assertThat(t.choose(false, "example.com").port()).isEqualTo(1080);
		assertThat(t.choose(true, "example.com").type()).isEqualTo(ProxyProvider.Proxy.HTTP);
		assertThat(t.choose(false, "127.0.0.5")).isNull();
		assertThat(t.choose(false, "localhost")).isNull();

		Properties bad = new Properties();
		bad.setProperty("http.proxyHost", "p");
		bad.setProperty("http.proxyPort", "eighty");
		assertThatThrownBy(() -> ProxyProvider.fromSystemProperties(bad)).hasMessageContaining("http.proxyPort");
		// socksProxyVersion=4: SOCKS4 with the user id, and no password (the JDK ignores it there too)
		Properties v4 = new Properties();
		v4.setProperty("socksProxyHost", "p");
		v4.setProperty("socksProxyVersion", "4");
		v4.setProperty("java.net.socks.username", "svc");
		v4.setProperty("java.net.socks.password", "ignored");
		assertThat(ProxyProvider.fromSystemProperties(v4).choose(true, "example.com")).satisfies(x -> {
			assertThat(x.type()).isEqualTo(ProxyProvider.Proxy.SOCKS4);
			assertThat(x.port()).isEqualTo(1080);
			assertThat(x.username()).isEqualTo("svc");
			assertThat(x.password()).isNull();
		});
		v4.setProperty("socksProxyVersion", "6");
		assertThatThrownBy(() -> ProxyProvider.fromSystemProperties(v4)).hasMessageContaining("socksProxyVersion must be 4 or 5: 6");
		assertThat(ProxyProvider.fromSystemProperties(new Properties())).satisfies(n -> {
			assertThat(n.plain()).isNull();
			assertThat(n.secure()).isNull();
		});
	}

	/**
	 * A proxy that answers every connection with scripted bytes, one answer per chunk the
	 * client sends (null answer: never says anything), records what it got and counts accepts.
	 */
	private static final class ScriptedProxy implements AutoCloseable {

		final ServerSocket socket = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
		final AtomicInteger accepted = new AtomicInteger();
		final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
		final BlockingQueue<byte[]> rawRequests = new LinkedBlockingQueue<>();
		final List<Socket> open = new CopyOnWriteArrayList<>();
		final Thread thread;

		ScriptedProxy(String answer) throws Exception {
			this(answer == null ? null : new byte[][] { answer.getBytes(ISO_8859_1) });
		}

		ScriptedProxy(byte[]... answers) throws Exception {
			thread = new Thread(() -> {
				while (!socket.isClosed()) {
					try {
						Socket s = socket.accept();
						accepted.incrementAndGet();
						open.add(s);
						InputStream in = s.getInputStream();
						OutputStream out = s.getOutputStream();
						byte[] buf = new byte[4096];
						for (int i = 0; answers != null && i < answers.length; i++) {
							int n = in.read(buf);
							if (n < 0) {
								break;
							}
							requests.add(new String(buf, 0, n, ISO_8859_1));
							rawRequests.add(java.util.Arrays.copyOf(buf, n));
							out.write(answers[i]);
							out.flush();
						}
						if (answers == null) {
							int n = in.read(buf);
							if (n > 0) {
								requests.add(new String(buf, 0, n, ISO_8859_1));
							}
							continue; // stays open, says nothing
						}
						if (answers.length == 1) {
							s.close(); // a one-answer script hangs up after it
						}
					}
					catch (Exception e) {
						// closed
					}
				}
			}, "scripted-proxy");
			thread.setDaemon(true);
			thread.start();
		}

		int port() {
			return socket.getLocalPort();
		}

		@Override
		public void close() throws Exception {
			socket.close();
			for (Socket s : open) {
				s.close();
			}
			thread.join(5000);
		}
	}
}
