/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.testing.PythonPeers;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Our graceful closes end TLS with a close_notify (RFC 8446 6.1), so that a peer reading until
 * the close (OpenSSL 3, here Python's ssl with {@code suppress_ragged_eofs=False}) sees a clean
 * end; an aborted response ends without one, so that a cut body never looks whole. The peer is
 * {@code src/test/python/tls_close.py}.
 */
class TlsCloseNotifyTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Close Root CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	private TlsSpec serverSpec() {
		return TlsSpec.forServer(localhost.chain(), localhost.key());
	}

	private DisposableServer server() {
		return bind(HttpServer.create().secure(serverSpec()).idleTimeout(Duration.ofMillis(300))
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hello")))
						.get("/stream", (req, res) -> res.sendString(Flux.range(0, 100).map(i -> "line " + i + "\n")))
						.get("/cut", (req, res) -> res.sendString(Flux.just("a part, then a failure")
								.concatWith(Mono.delay(Duration.ofMillis(100)).then(Mono.error(new IllegalStateException("cut"))))))
						.ws("/ws", (in, out) -> out.send(in.receive()))));
	}

	private static String client(int port, String mode) throws Exception {
		return PythonPeers.run(python(), "src/test/python/tls_close.py", pki.ca(), port, mode);
	}

	private static String python() {
		return PythonPeers.pythonWith("ssl", "python3");
	}

	/** How the HTTP server's connection ends after what a client sends ({@code ws-close}: an upgrade, then a close). */
	enum HttpEnd {
		CONNECTION_CLOSE("GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n", "HTTP/1.1 200 OK", "close_notify"),
		// a body delimited by the close alone: the close_notify is what says it is whole
		STREAMED_TO_HTTP_1_0("GET /stream HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n", "HTTP/1.1 200 OK", "close_notify"),
		IDLE_TIMEOUT("GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\n\\r\\n", "HTTP/1.1 200 OK", "close_notify"),
		REFUSED("GET /hello HTTP/1.1\\r\\nHost: localhost\\r\\nX-Big: " + "a".repeat(20_000) + "\\r\\n\\r\\n",
				"HTTP/1.1 431 Request Header Fields Too Large", "close_notify"),
		WEBSOCKET_CLOSE("ws-close", "HTTP/1.1 101 Switching Protocols", "close_notify"),
		// HTTP/1.0 again: had the cut body a close_notify, it would look whole
		ABORTED("GET /cut HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n", "HTTP/1.1 200 OK", "unexpected_eof");

		final String send;
		final String firstLine;
		final String end;

		HttpEnd(String send, String firstLine, String end) {
			this.send = send;
			this.firstLine = firstLine;
			this.end = end;
		}
	}

	@ParameterizedTest
	@EnumSource(HttpEnd.class)
	void gracefulHttpClosesSendACloseNotifyAndAbortsDoNot(HttpEnd e) throws Exception {
		String out = client(server().port(), e.send);
		assertThat(PythonPeers.string(out, "first")).as(out).isEqualTo(e.firstLine);
		assertThat(PythonPeers.string(out, "end")).as(out).isEqualTo(e.end);
	}

	@Test
	void tcpServerAndClientCloseWithACloseNotify() throws Throwable {
		DisposableServer s = track(TcpServer.create().secure(serverSpec())
				.handle((in, out) -> out.sendString(Mono.just("hello\n"))).bindNow(TIMEOUT));
		String out = client(s.port(), "");
		assertThat(PythonPeers.counter(out, "bytes")).isEqualTo(6);
		assertThat(PythonPeers.string(out, "end")).isEqualTo("close_notify");

		// the client's drain() against a Python server reading until our end
		String line = pythonServer("serve", port -> {
			Connection c = TcpClient.create().host("localhost").port(port)
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).connectNow(TIMEOUT);
			c.send("bye".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
			c.drain().block(TIMEOUT);
		});
		assertThat(PythonPeers.counter(line, "bytes")).isEqualTo(3);
		assertThat(PythonPeers.string(line, "end")).isEqualTo("close_notify");
	}

	@Test
	void theHttpClientRetiresAnIdleConnectionWithACloseNotify() throws Throwable {
		String line = pythonServer("serve-http", port -> {
			String body = HttpClient.create().maxIdleTime(Duration.ofMillis(200))
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca()))
					.get().uri("https://localhost:" + port + "/")
					.responseSingle((res, bytes) -> bytes.map(b -> new String(b, StandardCharsets.US_ASCII))).block(TIMEOUT);
			assertThat(body).isEqualTo("ok");
		});
		assertThat(PythonPeers.string(line, "first")).isEqualTo("");
		assertThat(PythonPeers.string(line, "end")).isEqualTo("close_notify");
	}

	/** Runs tls_close.py as a server in {@code mode}, gives its port to {@code client}, returns its report. */
	private static String pythonServer(String mode, ThrowingConsumer<Integer> client) throws Throwable {
		Process p = new ProcessBuilder(python(), "src/test/python/tls_close.py", pki.ca().toString(), "0", mode,
				localhost.chain().toString(), localhost.key().toString()).redirectErrorStream(true).start();
		try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
			client.accept(Integer.parseInt(r.readLine().trim()));
			String line = r.readLine();
			assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
			return line;
		}
		finally {
			p.destroyForcibly();
		}
	}
}
