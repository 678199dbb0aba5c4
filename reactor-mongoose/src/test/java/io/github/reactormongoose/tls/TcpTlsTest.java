/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw TCP over TLS: {@code TcpServer.secure} and {@code TcpClient.secure}. The client verifies
 * the server's chain and host name with the JDK before the connection is emitted.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpTlsTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	private final List<DisposableServer> servers = new CopyOnWriteArrayList<>();
	private final List<Process> processes = new CopyOnWriteArrayList<>();

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Tcp Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	@AfterEach
	void dispose() {
		servers.forEach(s -> s.disposeNow(TIMEOUT));
		processes.forEach(Process::destroyForcibly);
	}

	private int echo(TlsSpec spec) {
		DisposableServer s = TcpServer.create().secure(spec).handle((in, out) -> out.send(in.receive())).bindNow(TIMEOUT);
		servers.add(s);
		return s.port();
	}

	private static String exchange(Connection c, String text) {
		c.send(text.getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		String got = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).scan(String::concat)
				.filter(s -> s.length() >= text.length()).blockFirst(TIMEOUT);
		c.close();
		return got;
	}

	@Test
	void echoOverTls() {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		Connection c = TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
		assertThat(exchange(c, "ping over tls")).isEqualTo("ping over tls");
	}

	/**
	 * {@code shutdownOutput()} is refused over TLS on both ends (a FIN without close_notify is a
	 * truncation to the peer); the connection is left as it was: the echo still answers.
	 */
	@Test
	void shutdownOutputIsRefusedOverTls() throws Exception {
		java.util.concurrent.CompletableFuture<Throwable> serverSide = new java.util.concurrent.CompletableFuture<>();
		DisposableServer s = TcpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.handle((in, out) -> out.shutdownOutput().doOnError(serverSide::complete).onErrorComplete()
						.then(out.send(in.receive())))
				.bindNow(TIMEOUT);
		servers.add(s);
		Connection c = TcpClient.create().host("localhost").port(s.port())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
		assertThatThrownBy(() -> c.shutdownOutput().block(TIMEOUT))
				.isInstanceOf(UnsupportedOperationException.class)
				.hasMessageContaining("TLS");
		assertThat(serverSide.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
				.isInstanceOf(UnsupportedOperationException.class);
		assertThat(exchange(c, "still open")).isEqualTo("still open");
	}

	/** {@code noSSL()} on both ends: the same configured server and client, plain TCP. */
	@Test
	void noSslMakesBothEndsPlainAgain() {
		DisposableServer s = TcpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key())).noSSL()
				.handle((in, out) -> out.send(in.receive())).bindNow(TIMEOUT);
		servers.add(s);
		TcpClient secure = TcpClient.create().host("127.0.0.1").port(s.port())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca()));
		assertThat(exchange(secure.noSSL().connectNow(TIMEOUT), "ping in clear")).isEqualTo("ping in clear");
		// a plain JDK socket speaks to it too: no handshake is awaited
		try (java.net.Socket raw = new java.net.Socket("127.0.0.1", s.port())) {
			raw.setSoTimeout(10_000);
			raw.getOutputStream().write("raw".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(raw.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("raw");
		}
		catch (java.io.IOException e) {
			throw new java.io.UncheckedIOException(e);
		}
	}

	@Test
	void echoOverTlsOnEveryLoopOfAServersOwnGroup() {
		java.util.Set<String> loops = java.util.concurrent.ConcurrentHashMap.newKeySet();
		DisposableServer s = TcpServer.create().loopName("tls-loops").loops(2)
				.secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.doOnConnection(c -> loops.add(Thread.currentThread().getName()))
				.handle((in, out) -> out.send(in.receive()))
				.bindNow(TIMEOUT);
		servers.add(s);
		TcpClient client = TcpClient.create().host("localhost").port(s.port())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca()));
		// every listener of the group does its own handshakes with the server's one TLS context
		for (int i = 0; i < 64 && loops.size() < 2; i++) {
			assertThat(exchange(client.connectNow(TIMEOUT), "tls " + i)).isEqualTo("tls " + i);
		}
		assertThat(loops).containsExactlyInAnyOrder("tls-loops-0", "tls-loops-1");
	}

	/**
	 * The JDK closes a TLS 1.3 connection with two encrypted alerts, user_canceled then
	 * close_notify. Mongoose dropped the first without counting its sequence number, so the
	 * second failed to decrypt and the server's stream ended in "GCM tag verify failed".
	 */
	@Test
	void aJdkClientsCloseAlertsEndTheStreamCleanly() throws Exception {
		java.util.concurrent.CompletableFuture<String> end = new java.util.concurrent.CompletableFuture<>();
		StringBuilder got = new StringBuilder();
		DisposableServer s = TcpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.handle((in, out) -> out.send(in.receive().doOnNext(b -> got.append(StandardCharsets.US_ASCII.decode(b.duplicate())))
						.doOnComplete(() -> end.complete("completed")).doOnError(e -> end.complete("error: " + e.getMessage()))))
				.bindNow(TIMEOUT);
		servers.add(s);
		try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.trusting(pki.ca()).getSocketFactory()
				.createSocket("localhost", s.port())) {
			socket.setEnabledProtocols(new String[] {"TLSv1.3"});
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write("before the close".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(socket.getInputStream().readNBytes(16), StandardCharsets.US_ASCII)).isEqualTo("before the close");
		}
		assertThat(end.get(10, TimeUnit.SECONDS)).isEqualTo("completed");
		assertThat(got.toString()).isEqualTo("before the close");
	}

	@Test
	void mutualTls() throws Exception {
		TestPki.Issued client = pki.client("tcp-client", TestPki.KeyType.EC_P256);
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
				.trustedCertificates(pki.ca()));
		TlsSpec trusting = TlsSpec.forClient().trustedCertificates(pki.ca());
		Connection c = TcpClient.create().host("localhost").port(port)
				.secure(trusting.keyCertificate(client.cert(), client.key())).connectNow(TIMEOUT);
		assertThat(exchange(c, "with a client certificate")).isEqualTo("with a client certificate");
		// without one the server ends the handshake; the client sees the connection closed
		Connection without = TcpClient.create().host("localhost").port(port).secure(trusting).connect()
				.onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(TIMEOUT);
		if (without != null) {
			assertThat(without.onClose().then(reactor.core.publisher.Mono.just(true)).block(TIMEOUT)).isTrue();
		}
		// a certificate of the trusted CA made for servers only (the server's own): closed too
		Connection serverCert = TcpClient.create().host("localhost").port(port)
				.secure(trusting.keyCertificate(localhost.cert(), localhost.key())).connect()
				.onErrorResume(e -> reactor.core.publisher.Mono.empty()).block(TIMEOUT);
		if (serverCert != null) {
			assertThat(serverCert.onClose().then(reactor.core.publisher.Mono.just(true)).block(TIMEOUT)).isTrue();
		}
	}

	/** The subject of the peer's own certificate, or "none". */
	private static String leaf(List<java.security.cert.X509Certificate> chain) {
		return chain.isEmpty() ? "none" : chain.get(0).getSubjectX500Principal().getName();
	}

	/** A server that speaks first: one line naming the client's certificate, then an echo. */
	private DisposableServer greeter(TlsSpec spec, List<String> callbacks, java.util.concurrent.atomic.AtomicInteger handlers) {
		DisposableServer s = TcpServer.create().secure(spec)
				.doOnConnection(c -> callbacks.add(leaf(c.peerCertificates())))
				.handle((in, out) -> {
					handlers.incrementAndGet();
					return out.sendString(reactor.core.publisher.Mono.just("hello " + leaf(in.connection().peerCertificates()) + "\n"))
							.then(out.send(in.receive()));
				})
				.bindNow(TIMEOUT);
		servers.add(s);
		return s;
	}

	private static String firstLine(javax.net.ssl.SSLSocket socket) throws IOException {
		socket.setSoTimeout(10_000);
		return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
	}

	/**
	 * As Reactor Netty's: a TLS server's callbacks and handler start once the handshake is done,
	 * so a server that speaks first reaches a client that only reads, and the client's
	 * certificate (checked by then) is the connection's peerCertificates().
	 */
	@Test
	void theHandlerStartsAfterTheHandshakeAndKnowsTheClientsCertificate() throws Exception {
		TestPki.Issued client = pki.client("banner-client", TestPki.KeyType.EC_P256);
		List<String> callbacks = new CopyOnWriteArrayList<>();
		java.util.concurrent.atomic.AtomicInteger handlers = new java.util.concurrent.atomic.AtomicInteger();
		DisposableServer s = greeter(TlsSpec.forServer(localhost.chain(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca()), callbacks, handlers);
		try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.presenting(client, pki.ca())
				.getSocketFactory().createSocket("localhost", s.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello CN=banner-client");
			socket.getOutputStream().write("and back\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(socket.getInputStream().readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("and back\n");
		}
		assertThat(callbacks).containsExactly("CN=banner-client");
		// a client certificate from the intermediate of openssl's own client: the chain as sent
		TestPki.assumeOpenssl();
		TestPki issuing = pki.intermediate("Tcp Client Issuing CA");
		TestPki.Issued device = issuing.client("openssl-device", TestPki.KeyType.EC_P256);
		Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + s.port(), "-quiet", "-ign_eof",
				"-cert", device.cert().toString(), "-key", device.key().toString(), "-cert_chain", issuing.ca().toString(),
				"-CAfile", pki.ca().toString(), "-verify_return_error").redirectError(ProcessBuilder.Redirect.DISCARD).start();
		processes.add(p);
		String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
		assertThat(greeting).isEqualTo("hello CN=openssl-device");
		p.destroy();
		assertThat(callbacks).containsExactly("CN=banner-client", "CN=openssl-device");
		assertThat(handlers).hasValue(2);
	}

	/**
	 * RFC 8446 5.1 lets a handshake message span several records. openssl's client with
	 * {@code -max_send_frag 512} sends its certificate (RSA-4096, with an intermediate) and its
	 * 512-byte signature in several records, and a relay that cuts every plaintext handshake
	 * record into 100-byte ones splits the JDK client's ClientHello. Both handshakes failed
	 * while the stack read each record on its own ("invalid certificate chain length", "bad
	 * client hello").
	 */
	@Test
	void handshakeMessagesSplitOverRecordsReachTheServer() throws Exception {
		TestPki.assumeOpenssl();
		TestPki issuing = pki.intermediate("Split Client Issuing CA");
		TestPki.Issued device = issuing.client("split-device", TestPki.KeyType.RSA_4096);
		TestPki.Issued client = pki.client("split-hello-client", TestPki.KeyType.EC_P256);
		List<String> callbacks = new CopyOnWriteArrayList<>();
		java.util.concurrent.atomic.AtomicInteger handlers = new java.util.concurrent.atomic.AtomicInteger();
		DisposableServer s = greeter(TlsSpec.forServer(localhost.chain(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca()), callbacks, handlers);
		Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + s.port(), "-quiet", "-ign_eof",
				"-cert", device.cert().toString(), "-key", device.key().toString(), "-cert_chain", issuing.ca().toString(),
				"-CAfile", pki.ca().toString(), "-verify_return_error", "-max_send_frag", "512")
				.redirectError(ProcessBuilder.Redirect.DISCARD).start();
		processes.add(p);
		String greeting = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)).readLine();
		assertThat(greeting).isEqualTo("hello CN=split-device");
		p.destroy();
		try (io.github.reactormongoose.testing.TlsRecordSplitter relay = new io.github.reactormongoose.testing.TlsRecordSplitter(s.port(), 100);
				javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.presenting(client, pki.ca())
						.getSocketFactory().createSocket("localhost", relay.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello CN=split-hello-client");
			socket.getOutputStream().write("and back\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(socket.getInputStream().readNBytes(9), StandardCharsets.US_ASCII)).isEqualTo("and back\n");
			assertThat(relay.records()).as("records the ClientHello was cut into").isGreaterThan(2);
		}
		assertThat(callbacks).containsExactly("CN=split-device", "CN=split-hello-client");
	}

	/** Reactor Netty's rule too: a connection whose handshake fails never reaches the callbacks or the handler. */
	@Test
	void aFailedHandshakeNeverReachesTheHandler() throws Exception {
		TestPki other = TestPki.root(dir, "Unrelated Client CA");
		TestPki.Issued stranger = other.client("stranger", TestPki.KeyType.EC_P256);
		List<String> callbacks = new CopyOnWriteArrayList<>();
		java.util.concurrent.atomic.AtomicInteger handlers = new java.util.concurrent.atomic.AtomicInteger();
		DisposableServer s = greeter(TlsSpec.forServer(localhost.chain(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.REQUIRE).trustedCertificates(pki.ca()), callbacks, handlers);
		// plain text where a ClientHello belongs: closed at once
		try (java.net.Socket plain = new java.net.Socket("127.0.0.1", s.port())) {
			plain.setSoTimeout(10_000);
			plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			int got;
			try {
				got = plain.getInputStream().read();
			}
			catch (java.net.SocketException reset) {
				got = -1;
			}
			assertThat(got).isEqualTo(-1);
		}
		// no certificate, and one from another CA: the server ends the handshake
		for (javax.net.ssl.SSLContext ctx : List.of(TestPki.trusting(pki.ca()), TestPki.presenting(stranger, pki.ca()))) {
			try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("localhost", s.port())) {
				assertThatThrownBy(() -> {
					String line = firstLine(socket);
					if (line == null) {
						throw new java.io.EOFException("closed");
					}
				}).isInstanceOf(IOException.class);
			}
		}
		// a good client afterwards: the one connection that reached the handler
		TestPki.Issued client = pki.client("after-the-failures", TestPki.KeyType.EC_P256);
		try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.presenting(client, pki.ca())
				.getSocketFactory().createSocket("localhost", s.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello CN=after-the-failures");
		}
		assertThat(callbacks).containsExactly("CN=after-the-failures");
		assertThat(handlers).hasValue(1);
	}

	@Test
	void optionalClientAuthStartsTheHandlerWithOrWithoutACertificate() throws Exception {
		TestPki.Issued client = pki.client("optional-client", TestPki.KeyType.EC_P256);
		List<String> callbacks = new CopyOnWriteArrayList<>();
		DisposableServer s = greeter(TlsSpec.forServer(localhost.chain(), localhost.key())
				.clientAuth(TlsSpec.ClientAuth.OPTIONAL).trustedCertificates(pki.ca()), callbacks,
				new java.util.concurrent.atomic.AtomicInteger());
		try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.trusting(pki.ca()).getSocketFactory()
				.createSocket("localhost", s.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello none");
		}
		try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) TestPki.presenting(client, pki.ca())
				.getSocketFactory().createSocket("localhost", s.port())) {
			assertThat(firstLine(socket)).isEqualTo("hello CN=optional-client");
		}
		// our own client, with and without a certificate
		TlsSpec trusting = TlsSpec.forClient().trustedCertificates(pki.ca());
		for (TlsSpec spec : List.of(trusting, trusting.keyCertificate(client.cert(), client.key()))) {
			Connection c = TcpClient.create().host("localhost").port(s.port()).secure(spec).connectNow(TIMEOUT);
			String line = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).scan(String::concat)
					.filter(x -> x.endsWith("\n")).blockFirst(TIMEOUT);
			c.close();
			assertThat(line).isIn("hello none\n", "hello CN=optional-client\n");
		}
		assertThat(callbacks).containsExactly("none", "CN=optional-client", "none", "CN=optional-client");
	}

	@Test
	void aClientsConnectionKnowsTheServersChainAndAPlainOneHasNone() {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		Connection c = TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
		assertThat(c.peerCertificates()).hasSize(1);
		assertThat(leaf(c.peerCertificates())).isEqualTo("CN=localhost");
		assertThat(c.peerCertificates().get(0).getIssuerX500Principal().getName()).isEqualTo("CN=Tcp Root CA");
		c.close();
		DisposableServer plain = TcpServer.create().handle((in, out) -> out.send(in.receive())).bindNow(TIMEOUT);
		servers.add(plain);
		Connection p = TcpClient.create().host("127.0.0.1").port(plain.port()).connectNow(TIMEOUT);
		assertThat(p.peerCertificates()).isEmpty();
		p.close();
	}

	/** Mongoose's own check passes here (it accepts any certificate naming the connected IP); the JDK's does not. */
	@Test
	void wrongHostNameIsRefused() {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		assertThatThrownBy(() -> TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca()).serverName("other.example")).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class)
				.hasMessageContaining("is not valid for other.example");
	}

	/**
	 * A peer that ends its side with a TLS close_notify and keeps TCP open (RFC 8446 6.1; the
	 * JDK's shutdownOutput does so) ends the inbound as a FIN does, on the client and on the
	 * server; it was waited for until the peer dropped TCP.
	 */
	@Test
	void aCloseNotifyEndsTheInboundAsAFinDoes() throws Exception {
		// Python's ssl: unwrap() sends close_notify and keeps the TCP connection (waiting for ours)
		try (PythonTlsServer peer = pythonTlsServer("c, _ = ls.accept(); s = ctx.wrap_socket(c, server_side=True); s.sendall(b'hello\\n')",
				"try:", "    s.unwrap()", "except Exception:", "    pass", "c.close()")) {
			Connection c = TcpClient.create().host("localhost").port(peer.port())
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
			String got = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).reduce("", String::concat)
					.block(Duration.ofSeconds(5));
			assertThat(got).isEqualTo("hello\n");
			assertThat(peer.process().waitFor(10, TimeUnit.SECONDS)).as("the peer saw our close").isTrue();
		}
		// the server side: a JDK client that ends its side (close_notify, then its FIN) after a greeting
		java.util.concurrent.LinkedBlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
		DisposableServer server = TcpServer.create().secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.handle((in, out) -> in.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString())
						.reduce("", String::concat).doOnNext(received::add).then())
				.bindNow(TIMEOUT);
		servers.add(server);
		javax.net.ssl.SSLContext client = TestPki.presenting(localhost, pki.ca());
		try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) client.getSocketFactory().createSocket("localhost", server.port())) {
			s.setEnabledProtocols(new String[] {"TLSv1.3"});
			s.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
			s.getOutputStream().flush();
			s.shutdownOutput();
			assertThat(received.poll(5, TimeUnit.SECONDS)).isEqualTo("bye\n");
		}
	}

	/**
	 * The server name sent (SNI) is the host name, and none for an IP literal (RFC 6066 3: a
	 * HostName is no address); the certificate is checked against the address all the same.
	 */
	@Test
	void noServerNameIsSentForAnIpLiteral() throws Exception {
		try (PythonTlsServer peer = pythonTlsServer("names = []", "ctx.sni_callback = lambda sock, name, c: names.append(name)",
				"for _ in range(2):",
				"    c, _ = ls.accept(); s = ctx.wrap_socket(c, server_side=True); s.sendall(b'x'); s.close()",
				"print(names, flush=True)")) {
			for (String host : new String[] {"127.0.0.1", "localhost"}) {
				Connection c = TcpClient.create().host(host).port(peer.port())
						.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
				c.receive().blockFirst(TIMEOUT);
				c.close();
			}
			assertThat(peer.output().readLine()).isEqualTo("[None, 'localhost']");
		}
	}

	/** A TLS server in Python's ssl with the localhost certificate: its process, its output after the port line, its port. */
	private record PythonTlsServer(Process process, java.io.BufferedReader output, int port) implements AutoCloseable {

		@Override
		public void close() throws java.io.IOException {
			process.destroyForcibly();
			output.close();
		}
	}

	/**
	 * Starts Python's ssl as a server with the localhost certificate ({@code ctx}) and a listening
	 * socket on 127.0.0.1 ({@code ls}) whose port it prints, then runs {@code lines}.
	 */
	private PythonTlsServer pythonTlsServer(String... lines) throws Exception {
		String python = io.github.reactormongoose.testing.PythonPeers.pythonWith("ssl", "python3");
		String script = String.join("\n", "import socket, ssl, sys",
				"ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1], sys.argv[2])",
				"ls = socket.socket(); ls.bind(('127.0.0.1', 0)); ls.listen(4); print(ls.getsockname()[1], flush=True)",
				String.join("\n", lines));
		Process p = new ProcessBuilder(python, "-c", script, localhost.chain().toString(), localhost.key().toString())
				.redirectErrorStream(true).start();
		java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
		try {
			return new PythonTlsServer(p, out, Integer.parseInt(out.readLine().trim()));
		}
		catch (RuntimeException | java.io.IOException e) {
			p.destroyForcibly();
			throw e;
		}
	}

	/** Host names compare without case (RFC 6125, 6.4.1): a certificate for localhost serves LocalHost. */
	@Test
	void theHostNameMatchesWhateverItsCase() throws Exception {
		TestPki.Issued dnsOnly = pki.server("dns-only", TestPki.KeyType.EC_P256, "DNS:localhost");
		int port = echo(TlsSpec.forServer(dnsOnly.chain(), dnsOnly.key()));
		for (TcpClient client : new TcpClient[] {
			TcpClient.create().host("LocalHost").port(port).secure(TlsSpec.forClient().trustedCertificates(pki.ca())),
			TcpClient.create().host("127.0.0.1").port(port)
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca()).serverName("LOCALHOST"))}) {
			Connection c = client.connectNow(TIMEOUT);
			assertThat(leaf(c.peerCertificates())).isEqualTo("CN=dns-only");
			c.close();
		}
		// another name is still refused, in any case
		assertThatThrownBy(() -> TcpClient.create().host("127.0.0.1").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca()).serverName("OTHER.example")).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class);
		// and a certificate whose names are in upper case (RFC 6125 6.4.1; the JDK accepts it)
		TestPki.Issued upper = pki.server("upper", TestPki.KeyType.EC_P256, "DNS:LOCALHOST", "DNS:*.EXAMPLE.ORG");
		int upperPort = echo(TlsSpec.forServer(upper.chain(), upper.key()));
		for (String name : new String[] {"localhost", "Api.Example.org"}) {
			Connection c = TcpClient.create().host("127.0.0.1").port(upperPort)
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca()).serverName(name)).connectNow(TIMEOUT);
			assertThat(leaf(c.peerCertificates())).as(name).isEqualTo("CN=upper");
			c.close();
		}
	}

	@Test
	void certificateForAnotherHostIsRefusedByTheJdkCheck() throws Exception {
		TestPki.Issued other = pki.server("other", TestPki.KeyType.EC_P256, "DNS:other.example", "IP:10.1.2.3");
		int port = echo(TlsSpec.forServer(other.chain(), other.key()));
		assertThatThrownBy(() -> TcpClient.create().host("127.0.0.1").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void selfSignedServerIsNotTrustedByTheJdkDefaultTrustStore() {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		assertThatThrownBy(() -> TcpClient.create().host("localhost").port(port).secure(TlsSpec.forClient())
				.connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class).hasMessageContaining("untrusted server certificate")
				.hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void anotherCaIsNotTrusted() throws Exception {
		TestPki other = TestPki.root(dir, "Unrelated Root CA");
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		assertThatThrownBy(() -> TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(other.ca())).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class).hasMessageContaining("untrusted server certificate");
	}

	@Test
	void expiredServerCertificateIsRefused() throws Exception {
		TestPki.Issued expired = pki.expiredServer("expired");
		int port = echo(TlsSpec.forServer(expired.chain(), expired.key()));
		assertThatThrownBy(() -> TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class).hasRootCauseInstanceOf(SSLHandshakeException.class);
	}

	@Test
	void clientAgainstOpensslServerWithAnIntermediate() throws Exception {
		TestPki.assumeOpenssl();
		TestPki issuing = pki.intermediate("Tcp Issuing CA");
		TestPki.Issued s = issuing.server("localhost", TestPki.KeyType.EC_P256);
		int port;
		try (ServerSocket probe = new ServerSocket(0)) {
			port = probe.getLocalPort();
		}
		Process p = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", s.cert().toString(),
				"-key", s.key().toString(), "-cert_chain", issuing.ca().toString(), "-www", "-tls1_3")
				.redirectErrorStream(true).start();
		processes.add(p);
		Connection c = connectWhenListening(TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())));
		c.send("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		String got = c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).scan(String::concat)
				.filter(t -> t.contains("TLSv1.3")).blockFirst(TIMEOUT);
		assertThat(got).startsWith("HTTP/1.0 200 ok");
		// the chain as openssl sent it: the server's certificate, then the intermediate
		assertThat(c.peerCertificates()).extracting(x -> x.getSubjectX500Principal().getName())
				.containsExactly("CN=localhost", "CN=Tcp Issuing CA");
		c.close();
	}

	/**
	 * RFC 8446 4.6.3: a peer's KeyUpdate renews its keys, and one that asks for it ({@code K},
	 * update_requested) gets a KeyUpdate of ours before our next data. The built-in stack kept no
	 * traffic secret and dropped the message: the peer's next record failed to decrypt ("GCM tag
	 * verify failed") and the connection ended. OpenSSL sends one on the commands {@code k} and
	 * {@code K}; the JDK after {@code jdk.tls.keyLimits} (2^37 bytes on one connection).
	 */
	@Test
	void aPeersKeyUpdateRenewsItsKeysAndOursWhenItAsks() throws Exception {
		TestPki.assumeOpenssl();
		io.github.reactormongoose.testing.Commands.assumeAvailable("stdbuf", "--version");
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		// -msg: openssl prints each handshake message it receives, our KeyUpdate among them
		Process p = new ProcessBuilder("stdbuf", "-oL", "openssl", "s_client", "-msg", "-connect", "127.0.0.1:" + port,
				"-servername", "localhost", "-CAfile", pki.ca().toString(), "-verify_return_error", "-tls1_3")
				.redirectErrorStream(true).start();
		processes.add(p);
		Lines out = new Lines(p);
		java.io.Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII);
		for (String[] step : new String[][] {{"one"}, {"k", "two"}, {"K", "three"}, {"K", "k", "four"}}) {
			int mark = out.mark();
			for (String line : step) {
				typeLine(in, out, line, "KEYUPDATE");
			}
			if (java.util.Arrays.asList(step).contains("K")) {
				assertThat(out.seen(OUR_KEY_UPDATE, mark)).as("our KeyUpdate after %s", String.join(" ", step)).isTrue();
			}
			// the echo of the step's last line comes back under the keys both sides renewed
			assertThat(out.seen(step[step.length - 1], mark)).as("echo after %s", String.join(" ", step)).isTrue();
		}
		in.write("Q\n");
		in.flush();
		assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
	}

	/**
	 * The JDK's own reason for a KeyUpdate: {@code jdk.tls.keyLimits} (2^37 bytes of AES-GCM by
	 * default; here 2^12, set in a child JVM's security properties), after which it renews its
	 * keys and asks for ours, in both directions of a long transfer.
	 */
	@Test
	void aJdkClientRenewingItsKeysOnALongConnectionKeepsItsEcho() throws Exception {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		Path limits = dir.resolve("key-limits.security");
		java.nio.file.Files.writeString(limits, "jdk.tls.keyLimits=AES/GCM/NoPadding KeyUpdate 2^12\n");
		Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Djava.security.properties=" + limits, "-Djavax.net.debug=ssl:handshake", "-cp",
				System.getProperty("java.class.path"), io.github.reactormongoose.testing.JdkTlsEchoClient.class.getName(),
				String.valueOf(port), pki.ca().toString(), String.valueOf(1 << 20)).redirectErrorStream(true).start();
		processes.add(p);
		java.util.concurrent.CompletableFuture<String> output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
			try {
				return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			}
			catch (IOException e) {
				return e.toString();
			}
		});
		assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String out = output.get(10, TimeUnit.SECONDS);
		assertThat(out).contains("echo ok " + (1 << 20));
		// the JDK renewed its keys (and asked for ours) many times, and took ours
		assertThat(countOf(out, "Produced KeyUpdate")).isGreaterThan(10);
		assertThat(countOf(out, "Consuming KeyUpdate")).isGreaterThan(10);
	}

	private static int countOf(String text, String part) {
		int n = 0;
		for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
			n++;
		}
		return n;
	}

	/**
	 * RFC 8446 5: a ChangeCipherSpec record is allowed only during the handshake; one after it
	 * is an unexpected record, and the connection ends. The stack skipped it at any time. The
	 * JDK's socket is layered over a plain one, which writes the record raw after the handshake.
	 */
	@Test
	void aChangeCipherSpecAfterTheHandshakeEndsTheConnection() throws Exception {
		int port = echo(TlsSpec.forServer(localhost.chain(), localhost.key()));
		try (java.net.Socket plain = new java.net.Socket("127.0.0.1", port);
				javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) TestPki.trusting(pki.ca()).getSocketFactory()
						.createSocket(plain, "localhost", port, false)) {
			tls.setEnabledProtocols(new String[] {"TLSv1.3"});
			tls.setSoTimeout(10_000);
			tls.getOutputStream().write('a');
			assertThat(tls.getInputStream().read()).isEqualTo('a'); // the handshake is done, the echo works
			plain.getOutputStream().write(new byte[] {20, 3, 3, 0, 1, 1});
			tls.getOutputStream().write('b');
			int next;
			try {
				next = tls.getInputStream().read();
			}
			catch (IOException e) { // a reset
				next = -1;
			}
			assertThat(next).as("the server ended the connection instead of echoing").isEqualTo(-1);
		}
	}

	/** The client side of the same: OpenSSL's server renews its keys and asks for ours. */
	@Test
	void aClientFollowsTheServersKeyUpdates() throws Exception {
		TestPki.assumeOpenssl();
		io.github.reactormongoose.testing.Commands.assumeAvailable("stdbuf", "--version");
		int port;
		try (ServerSocket probe = new ServerSocket(0)) {
			port = probe.getLocalPort();
		}
		// stdbuf: s_server's own lines (the one that says a KeyUpdate went out) go through stdio
		Process p = new ProcessBuilder("stdbuf", "-oL", "openssl", "s_server", "-msg", "-accept", "127.0.0.1:" + port, "-cert",
				localhost.chain().toString(), "-key", localhost.key().toString(), "-tls1_3").redirectErrorStream(true).start();
		processes.add(p);
		Lines out = new Lines(p);
		java.io.Writer in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII);
		Connection c = connectWhenListening(TcpClient.create().host("localhost").port(port)
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())));
		java.util.concurrent.LinkedBlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
		c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).subscribe(received::add);
		c.send("hello server\n".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		assertThat(out.seen("hello server", 0)).isTrue();
		String[][] steps = {{"k", "after k"}, {"K", "after K"}, {"K", "K", "after two K"}};
		for (String[] step : steps) {
			int mark = out.mark();
			for (String line : step) {
				typeLine(in, out, line, "SSL_do_handshake -> 1");
			}
			String expected = step[step.length - 1] + "\n";
			StringBuilder got = new StringBuilder();
			while (!got.toString().endsWith(expected)) {
				String piece = received.poll(10, TimeUnit.SECONDS);
				assertThat(piece).as("data from the server after %s", String.join(" ", step)).isNotNull();
				got.append(piece);
			}
			if (java.util.Arrays.asList(step).contains("K")) {
				assertThat(out.seen(OUR_KEY_UPDATE, mark)).as("our KeyUpdate after %s", String.join(" ", step)).isTrue();
			}
			// and ours, sealed with the keys the server asked us to renew, reaches it
			c.send(("reply " + expected).getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
			assertThat(out.seen("reply " + step[step.length - 1], mark)).as("our data after %s", String.join(" ", step)).isTrue();
		}
		assertThat(c.isActive()).isTrue();
		c.close();
	}

	/** How openssl's {@code -msg} shows a KeyUpdate it received. */
	private static final String OUR_KEY_UPDATE = "<<< TLS 1.3, Handshake [length 0005], KeyUpdate";

	/**
	 * Types a line into openssl's s_client or s_server. A command ({@code k}, {@code K}) must come
	 * alone in a read (openssl looks at the first byte of what it read and drops the rest), so
	 * the next line waits until it printed that the KeyUpdate went out ({@code sent}: s_client's
	 * line for it, or s_server's).
	 */
	private static void typeLine(java.io.Writer in, Lines out, String line, String sent) throws Exception {
		int mark = out.mark();
		in.write(line + "\n");
		in.flush();
		if (line.equalsIgnoreCase("k")) {
			assertThat(out.seen(sent, mark)).as("openssl sent a KeyUpdate").isTrue();
		}
	}

	/**
	 * The lines a process prints, read as they come on a thread of their own. openssl's stdout
	 * and stderr share the pipe and are written at different times, so a test waits for a line
	 * printed after a point ({@link #mark()}), in whatever order the lines came.
	 */
	private static final class Lines {

		private final List<String> lines = new CopyOnWriteArrayList<>();

		Lines(Process p) {
			java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
					StandardCharsets.US_ASCII));
			Thread reader = new Thread(() -> {
				try {
					for (String l = out.readLine(); l != null; l = out.readLine()) {
						lines.add(l);
					}
				}
				catch (IOException e) {
					// the process ended
				}
			}, "openssl-output");
			reader.setDaemon(true);
			reader.start();
		}

		int mark() {
			return lines.size();
		}

		/** Whether a line equal to {@code line} came at or after {@code from}, waiting up to 10 s. */
		boolean seen(String line, int from) throws InterruptedException {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			do {
				for (int i = from; i < lines.size(); i++) {
					if (lines.get(i).equals(line)) {
						return true;
					}
				}
				Thread.sleep(10);
			}
			while (System.nanoTime() < deadline);
			return false;
		}
	}

	private static Connection connectWhenListening(TcpClient client) throws InterruptedException, IOException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (true) {
			try {
				return client.connectNow(TIMEOUT);
			}
			catch (MongooseException e) {
				if (!(e.getCause() instanceof java.net.ConnectException) || System.nanoTime() > deadline) {
					throw e;
				}
				Thread.sleep(100);
			}
		}
	}
}
