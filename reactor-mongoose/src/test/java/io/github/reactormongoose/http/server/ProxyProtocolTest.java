/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.ProxyProtocolSupportType;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.Haproxy;
import io.github.reactormongoose.testing.Nginx;
import io.github.reactormongoose.testing.RawHttp;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * {@code proxyProtocol(ON | AUTO)}: the PROXY protocol header (HAProxy's, versions 1 and 2) in
 * front of HTTP, HTTPS and TCP connections, from raw sockets, curl's {@code --haproxy-protocol}
 * and HAProxy's {@code send-proxy} / {@code send-proxy-v2}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyProtocolTest extends BaseHttpTest {

	@TempDir
	static Path dir;

	/** Handler runs, to show that a refused connection never reaches it. */
	private final AtomicInteger handled = new AtomicInteger();

	private DisposableServer whoAmI(ProxyProtocolSupportType type) {
		return bind(whoAmIServer(type));
	}

	private HttpServer whoAmIServer(ProxyProtocolSupportType type) {
		return HttpServer.create().proxyProtocol(type).requestHeaderTimeout(Duration.ofSeconds(1))
				.handle((req, res) -> {
					handled.incrementAndGet();
					java.net.InetSocketAddress a = req.remoteAddress();
					return res.sendString(Mono.just(a.getAddress().getHostAddress() + " " + a.getPort()));
				});
	}

	private static final byte[] V2_SIG = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

	/** A version 2 header: command (0 LOCAL, 1 PROXY), family byte, address block, then tlvBytes of TLV padding. */
	static byte[] v2(int command, int family, byte[] addresses, int tlvBytes) {
		ByteBuffer b = ByteBuffer.allocate(16 + addresses.length + tlvBytes);
		b.put(V2_SIG).put((byte) (0x20 | command)).put((byte) family).putShort((short) (addresses.length + tlvBytes));
		b.put(addresses);
		for (int i = 0; i < tlvBytes; i++) {
			b.put((byte) 0x04); // PP2_TYPE_NOOP, padding as TLVs go
		}
		return b.array();
	}

	static byte[] inet4(String src, String dst, int sport, int dport) throws Exception {
		return ByteBuffer.allocate(12).put(InetAddress.getByName(src).getAddress()).put(InetAddress.getByName(dst).getAddress())
				.putShort((short) sport).putShort((short) dport).array();
	}

	static byte[] inet6(String src, String dst, int sport, int dport) throws Exception {
		return ByteBuffer.allocate(36).put(InetAddress.getByName(src).getAddress()).put(InetAddress.getByName(dst).getAddress())
				.putShort((short) sport).putShort((short) dport).array();
	}

	private static byte[] ascii(String s) {
		return s.getBytes(StandardCharsets.US_ASCII);
	}

	private static byte[] concat(byte[] a, byte[] b) {
		byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
		System.arraycopy(b, 0, c, a.length, b.length);
		return c;
	}

	/** Writes {@code header} then a GET (in one write, or byte by byte), returns the response body. */
	private static String through(int port, byte[] header, boolean byteByByte) throws Exception {
		try (RawHttp c = RawHttp.connect(port).soTimeout(5_000)) {
			byte[] all = concat(header, ascii(RawHttp.get("/")));
			if (byteByByte) {
				for (byte b : all) {
					c.write(new byte[] {b});
				}
			}
			else {
				c.write(all);
			}
			RawHttp.Response r = c.read();
			assertThat(r.status()).isEqualTo(200);
			return r.bodyString();
		}
	}

	/** Sends {@code bytes} and expects the server to close without a byte of answer. */
	private static void refused(int port, byte[] bytes) throws Exception {
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
			s.setSoTimeout(5_000);
			s.getOutputStream().write(bytes);
			assertThat(RawHttp.readUntilClosed(s.getInputStream())).as("answer to %s", RawHttp.printable(new String(bytes, StandardCharsets.ISO_8859_1)))
					.isEmpty();
		}
	}

	/** {@link #refused} on a thread of its own: completes with the milliseconds from the connect to the close. */
	private static CompletableFuture<Long> refusedLater(int port, byte[] bytes) {
		CompletableFuture<Long> took = new CompletableFuture<>();
		Thread t = new Thread(() -> {
			long t0 = System.nanoTime();
			try {
				refused(port, bytes);
				took.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
			}
			catch (Throwable e) {
				took.completeExceptionally(e);
			}
		}, "refused");
		t.setDaemon(true);
		t.start();
		return took;
	}

	@Test
	void version1HeadersNameTheClient() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		assertThat(through(port, ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"), false)).isEqualTo("203.0.113.7 56324");
		assertThat(through(port, ascii("PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n"), true))
				.isEqualTo("2001:db8:0:0:0:0:0:7 40000");
		// UNKNOWN (the proxy could not tell): the socket's peer
		assertThat(through(port, ascii("PROXY UNKNOWN\r\n"), false)).startsWith("127.0.0.1 ");
		assertThat(through(port, ascii("PROXY UNKNOWN ffff:f::1 ffff:f::2 1 2\r\n"), false)).startsWith("127.0.0.1 ");
	}

	@Test
	void version2HeadersNameTheClient() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		assertThat(through(port, v2(1, 0x11, inet4("198.51.100.9", "192.0.2.1", 61000, 443), 0), false))
				.isEqualTo("198.51.100.9 61000");
		assertThat(through(port, v2(1, 0x21, inet6("2001:db8::9", "2001:db8::1", 1, 443), 0), true))
				.isEqualTo("2001:db8:0:0:0:0:0:9 1");
		// TLVs after the addresses are skipped
		assertThat(through(port, v2(1, 0x11, inet4("198.51.100.10", "192.0.2.1", 2000, 443), 300), false))
				.isEqualTo("198.51.100.10 2000");
		// LOCAL (the proxy's own health check) and UNSPEC: the socket's peer
		assertThat(through(port, v2(0, 0x00, new byte[0], 0), false)).startsWith("127.0.0.1 ");
		assertThat(through(port, v2(1, 0x00, new byte[0], 0), false)).startsWith("127.0.0.1 ");
	}

	/** One header per connection: every request of a keep-alive connection is the header's client's. */
	@Test
	void theHeaderHoldsForEveryRequestOfItsConnection() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		try (RawHttp c = RawHttp.connect(port).soTimeout(5_000)) {
			c.write(concat(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"), ascii(RawHttp.get("/a"))));
			assertThat(c.read().bodyString()).isEqualTo("203.0.113.7 56324");
			c.write(RawHttp.get("/b"));
			assertThat(c.read().bodyString()).isEqualTo("203.0.113.7 56324");
			// a second header on the same connection is just a bad request line
			c.write("PROXY TCP4 198.51.100.1 192.0.2.1 1 443\r\n\r\n");
			assertThat(c.read().status()).isEqualTo(400);
		}
	}

	@Test
	void withOnAConnectionWithoutAValidHeaderIsClosedUnanswered() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		List<byte[]> bad = List.of(
				ascii(RawHttp.get("/")), // no header at all
				ascii("PROXY TCP4 999.0.113.7 192.0.2.1 56324 443\r\n"), // not an address
				ascii("PROXY TCP4 203.0.113.7 192.0.2.1 65536 443\r\n"), // port out of range
				ascii("PROXY TCP4 2001:db8::7 192.0.2.1 1 443\r\n"), // family mismatch
				ascii("PROXY TCP5 203.0.113.7 192.0.2.1 1 443\r\n"),
				ascii("PROXY TCP4  203.0.113.7 192.0.2.1 1 443\r\n"), // two spaces
				ascii("PROXY TCP4 203.0.113.7 192.0.2.1 1 443 5\r\n"), // a field too many
				ascii("PROXY TCP4 203.0.113.7 192.0.2.1 1 443\n"), // bare LF: the line never ends
				ascii("PROXY " + "x".repeat(120)), // no CRLF within 107 bytes
				v2(2, 0x11, inet4("198.51.100.9", "192.0.2.1", 1, 443), 0), // command 2
				concat(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x11, 0x11, 0, 12},
						inet4("198.51.100.9", "192.0.2.1", 1, 443)), // version 1 in a v2 header
				v2(1, 0x11, new byte[8], 0), // INET with 8 address bytes
				v2(1, 0x21, new byte[12], 0), // INET6 with 12
				v2(1, 0x51, new byte[12], 0), // family 5
				v2(1, 0x11, inet4("198.51.100.9", "192.0.2.1", 1, 443), 4100)); // longer than 4,112 bytes
		for (byte[] b : bad) {
			refused(port, b); // the bare LF at the 1 s deadline, the others at once
		}
		assertThat(handled).as("no request reached the handler").hasValue(0);
		// and the server serves on
		assertThat(through(port, ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"), false)).isEqualTo("203.0.113.7 56324");
	}

	/** A header (or its absence under ON) not complete by the request head timeout: closed, unanswered. */
	@Test
	void aHeaderThatDoesNotComeInTimeIsClosed() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.ON).port(); // requestHeaderTimeout: 1 s
		// four connections at once, each closed at its own 1 s deadline (checked on each poll)
		List<CompletableFuture<Long>> took = List.of(
				refusedLater(port, ascii("PROXY TCP4 203.0.113.7")), // and nothing more
				refusedLater(port, ascii("P")), // could begin a header (or POST, under AUTO)
				refusedLater(port, new byte[] {0x0d, 0x0a, 0x0d, 0x0a}), // a v2 signature, cut
				refusedLater(port, ascii("PROXY TCP4 203.0.113.7 192.0.2.1 1 443\n"))); // bare LF, waits for CRLF
		for (CompletableFuture<Long> t : took) {
			assertThat(t.get(20, TimeUnit.SECONDS)).as("closed at its 1 s deadline (checked on each poll)").isBetween(750L, 5_000L);
		}
		refused(port, ascii(RawHttp.get("/"))); // ON: a plain request is refused (at once)
		assertThat(handled).hasValue(0);
	}

	/**
	 * maxConnections bounds the connections that keep their header back too (they are not the
	 * server's yet, so it counts them apart): one more is closed at once, not at its deadline.
	 */
	@Test
	void connectionsAwaitingTheirHeaderAreBoundedByMaxConnections() throws Exception {
		int port = bind(whoAmIServer(ProxyProtocolSupportType.ON).loops(1).maxConnections(3)
				.requestHeaderTimeout(Duration.ofSeconds(30))).port();
		List<Socket> silent = new java.util.ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
				s.setSoTimeout(5_000);
				silent.add(s);
			}
			long t0 = System.nanoTime();
			refused(port, new byte[0]); // the fourth: closed when accepted, long before 30 s
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
			// the three that waited are served once their headers come
			for (int i = 0; i < 3; i++) {
				Socket s = silent.get(i);
				s.getOutputStream().write(concat(ascii("PROXY TCP4 203.0.113." + (i + 1) + " 192.0.2.1 4000 443\r\n"),
						ascii("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")));
				String answer = new String(RawHttp.readUntilClosed(s.getInputStream()), StandardCharsets.ISO_8859_1);
				assertThat(answer).startsWith("HTTP/1.1 200").endsWith("203.0.113." + (i + 1) + " 4000");
			}
		}
		finally {
			for (Socket s : silent) {
				s.close();
			}
		}
		// closed, they are counted no more: the server takes new connections again
		Thread.sleep(200);
		assertThat(through(port, ascii("PROXY TCP4 203.0.113.9 192.0.2.1 56324 443\r\n"), false)).isEqualTo("203.0.113.9 56324");
	}

	/** Disposing the server closes the connections still awaiting their header at once (its loop lives on). */
	@Test
	void disposalClosesConnectionsAwaitingTheirHeader() throws Exception {
		DisposableServer server = whoAmIServer(ProxyProtocolSupportType.ON).runOn(newLoop())
				.requestHeaderTimeout(Duration.ofSeconds(30)).bindNow(TIMEOUT);
		try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			silent.setSoTimeout(5_000);
			// served after the silent one was accepted (one loop, accepted in order)
			assertThat(through(server.port(), ascii("PROXY TCP4 203.0.113.7 192.0.2.1 1 443\r\n"), false))
					.isEqualTo("203.0.113.7 1");
			long t0 = System.nanoTime();
			server.disposeNow(TIMEOUT);
			assertThat(RawHttp.readUntilClosed(silent.getInputStream())).isEmpty();
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
		}
	}

	@Test
	void autoTakesConnectionsWithAndWithoutAHeader() throws Exception {
		int port = whoAmI(ProxyProtocolSupportType.AUTO).port();
		assertThat(through(port, new byte[0], false)).startsWith("127.0.0.1 ");
		assertThat(through(port, new byte[0], true)).as("P, O, S, T... one byte at a time").startsWith("127.0.0.1 ");
		assertThat(through(port, ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"), true)).isEqualTo("203.0.113.7 56324");
		assertThat(through(port, v2(1, 0x11, inet4("198.51.100.9", "192.0.2.1", 61000, 443), 0), false))
				.isEqualTo("198.51.100.9 61000");
		refused(port, ascii("PROXY TCP4 nonsense\r\n")); // begun as a header, malformed
		// OFF (the default): a header is just a bad request line
		int off = whoAmI(ProxyProtocolSupportType.OFF).port();
		try (RawHttp c = RawHttp.connect(off).soTimeout(5_000)) {
			c.write(concat(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n"), ascii(RawHttp.get("/"))));
			assertThat(c.read().status()).isEqualTo(400);
		}
	}

	/** curl's --haproxy-protocol (version 1): the header it sends names curl's own socket. */
	@Test
	void curlsHeaderIsRead() throws Exception {
		Curl.assumeInstalled();
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		Curl.Result r = Curl.run("--haproxy-protocol", "-w", " %{local_port}", "http://127.0.0.1:" + port + "/");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		String[] got = r.stdout().split(" ");
		assertThat(got[0]).isEqualTo("127.0.0.1");
		assertThat(got[1]).as("the port in the header: curl's").isEqualTo(got[2]);
		Curl.Result without = Curl.run("http://127.0.0.1:" + port + "/");
		assertThat(without.exitCode()).as("without a header under ON: closed, curl's 'empty reply'").isEqualTo(52);
	}

	/** HAProxy in front, send-proxy and send-proxy-v2: the client the handler sees is curl, not HAProxy. */
	@Test
	void behindHaproxyTheClientIsTheOneHaproxyServed() throws Exception {
		Haproxy.assumeInstalled("ProxyProtocolTest.behindHaproxyTheClientIsTheOneHaproxyServed");
		Curl.assumeInstalled();
		int port = whoAmI(ProxyProtocolSupportType.ON).port();
		int v1 = Nginx.freePort();
		int v2 = Nginx.freePort();
		Path d = java.nio.file.Files.createTempDirectory(dir, "haproxy");
		try (Haproxy h = Haproxy.start(d, List.of(
				"frontend v1", "  bind 127.0.0.1:" + v1, "  default_backend app1",
				"frontend v2", "  bind 127.0.0.1:" + v2, "  default_backend app2",
				"backend app1", "  server s1 127.0.0.1:" + port + " send-proxy",
				"backend app2", "  server s2 127.0.0.1:" + port + " send-proxy-v2"), v1, v2)) {
			for (int front : new int[] {v1, v2}) {
				Curl.Result r = Curl.run("-w", " %{local_port}", "http://127.0.0.1:" + front + "/");
				assertThat(r.exitCode()).as(r.stderr()).isZero();
				String[] got = r.stdout().split(" ");
				assertThat(got[0]).isEqualTo("127.0.0.1");
				assertThat(got[1]).as("port %d: the client's port, not HAProxy's", front).isEqualTo(got[2]);
			}
		}
	}

	/** With TLS, the header comes before the handshake, also in the same segment as the ClientHello. */
	@Test
	void overTlsTheHeaderPrecedesTheHandshake() throws Exception {
		TestPki.assumeOpenssl();
		TestPki pki = TestPki.root(dir, "Proxy Test CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		int port = bind(whoAmIServer(ProxyProtocolSupportType.ON).secure(TlsSpec.forServer(localhost.cert(), localhost.key())))
				.port();
		javax.net.ssl.SSLSocketFactory f = TestPki.trusting(pki.ca()).getSocketFactory();
		for (int i = 0; i < 4; i++) {
			boolean v2 = i % 2 == 1;
			byte[] header = v2 ? v2(1, 0x11, inet4("198.51.100.9", "192.0.2.1", 61000, 443), 0)
					: ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 443\r\n");
			// first apart from the ClientHello, then in the same write (one segment): what follows
			// the header in the server's first read is the handshake's
			Socket raw = i < 2 ? new Socket(InetAddress.getLoopbackAddress(), port) : new PrependingSocket(port, header);
			if (i < 2) {
				raw.getOutputStream().write(header);
			}
			try (SSLSocket s = (SSLSocket) f.createSocket(raw, "localhost", port, true)) {
				s.setSoTimeout(5_000);
				s.getOutputStream().write(ascii("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
				String resp = new String(RawHttp.readUntilClosed(s.getInputStream()), StandardCharsets.US_ASCII);
				assertThat(resp).startsWith("HTTP/1.1 200").endsWith(v2 ? "198.51.100.9 61000" : "203.0.113.7 56324");
			}
		}
		// curl: its header and its ClientHello
		Curl.assumeInstalled();
		Curl.Result r = Curl.run("--haproxy-protocol", "--cacert", pki.ca().toString(), "-w", " %{local_port}",
				"--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		String[] got = r.stdout().split(" ");
		assertThat(got[1]).isEqualTo(got[2]);
	}

	/** A socket whose first write carries {@code prefix} before the bytes written. */
	private static final class PrependingSocket extends Socket {

		private final byte[] prefix;
		private java.io.OutputStream out;

		PrependingSocket(int port, byte[] prefix) throws java.io.IOException {
			super(InetAddress.getLoopbackAddress(), port);
			this.prefix = prefix;
		}

		@Override
		public synchronized java.io.OutputStream getOutputStream() throws java.io.IOException {
			if (out == null) {
				out = new java.io.FilterOutputStream(super.getOutputStream()) {
					private boolean first = true;

					@Override
					public void write(byte[] b, int off, int len) throws java.io.IOException {
						if (first) {
							first = false;
							this.out.write(concat(prefix, java.util.Arrays.copyOfRange(b, off, off + len)));
						}
						else {
							this.out.write(b, off, len);
						}
					}
				};
			}
			return out;
		}
	}

	@Test
	void tcpServersReadTheHeaderToo() throws Exception {
		DisposableServer server = track(TcpServer.create().proxyProtocol(ProxyProtocolSupportType.ON)
				.handle((in, out) -> out.sendString(Mono.just(in.connection().remoteAddress().getAddress().getHostAddress()
						+ " " + in.connection().remoteAddress().getPort() + "\n"))
						.then(out.send(in.receive())))
				.bindNow());
		for (byte[] header : List.of(ascii("PROXY TCP4 203.0.113.7 192.0.2.1 56324 7000\r\n"),
				v2(1, 0x11, inet4("203.0.113.7", "192.0.2.1", 56324, 7000), 0))) {
			try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
				s.setSoTimeout(5_000);
				s.getOutputStream().write(concat(header, ascii("echo me")));
				s.shutdownOutput();
				assertThat(new String(RawHttp.readUntilClosed(s.getInputStream()), StandardCharsets.US_ASCII))
						.as("the header's client, then the bytes after the header").isEqualTo("203.0.113.7 56324\necho me");
			}
		}
		refused(server.port(), ascii("echo me\r\n"));
	}
}
