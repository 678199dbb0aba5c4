/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.Nginx;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A server that answers and then resets the connection (SO_LINGER 0, or a close with the
 * request's bytes unread, which makes the kernel send a reset): the reset often comes in the
 * same poll as the answer, and the loop closed the connection on the socket's error without
 * reading what was already there, so the whole answer was lost (about half of the requests;
 * curl and Reactor Netty read it). Hook 45 of native/hook-mongoose.sh reads first; hook 50 reads
 * what waits before a send that the reset made fail closes the connection (an upload refused
 * early).
 */
class ResetAfterAnswerTest extends BaseHttpTest {

	@TempDir
	Path dir;

	private static String text(HttpClient.ResponseReceiver r) {
		return r.responseSingle((res, b) -> b.map(x -> res.status() + " " + new String(x, UTF_8))
				.defaultIfEmpty(res.status() + " ")).block(TIMEOUT);
	}

	@Test
	void anAnswerFollowedByAResetIsRead() throws Exception {
		try (ScriptedServer s = new ScriptedServer(c -> {
			c.readHead();
			c.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
			c.socket.setSoLinger(true, 0);
			c.socket.close();
		})) {
			HttpClient client = HttpClient.create().port(s.port());
			for (int i = 0; i < 40; i++) {
				assertThat(text(client.get().uri("/r" + i))).as("request %d", i).isEqualTo("200 hello");
			}
		}
	}

	/**
	 * Python's stock http.server answers a POST with 501 and closes with the request's body
	 * unread: its kernel resets the connection right after the answer.
	 */
	@Test
	void pythonHttpServerAnswersAPostWith501AndAReset() throws Exception {
		Commands.assumeExecutable(Path.of("/usr/bin/python3"), "python3",
				"ResetAfterAnswerTest.pythonHttpServerAnswersAPostWith501AndAReset");
		int port = Nginx.freePort();
		Path log = dir.resolve("http.server.log");
		Process p = new ProcessBuilder("/usr/bin/python3", "-m", "http.server", String.valueOf(port), "--bind",
				"127.0.0.1", "--directory", dir.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			Commands.awaitListening(p, port, "python3 -m http.server", log);
			HttpClient client = HttpClient.create().port(port);
			for (int i = 0; i < 30; i++) {
				String got = text(client.post().uri("/form" + i).sendString(Mono.just("a=" + "x".repeat(100_000))));
				assertThat(got).as("request %d", i).startsWith("501 ").contains("Unsupported method");
			}
		}
		finally {
			Commands.stop(p);
		}
	}

	/**
	 * A server that refuses an upload as soon as it has its head (413) and resets the connection
	 * while the request body is still going out: the reset made a send of the body fail, and the
	 * connection closed with the answer unread (AbortedException "Connection has been closed
	 * before send request", in a few requests of a hundred over TLS; curl gets the 413). Over
	 * TLS (the JDK's SSLServerSocket), then plain; the body is a single 8 MiB buffer, then a stream
	 * of 64 KiB buffers.
	 */
	@Test
	void anUploadRefusedEarlyWithAResetGetsTheRefusal() throws Exception {
		TestPki.assumeOpenssl();
		TestPki pki = TestPki.root(dir, "Reset Test CA");
		TestPki.Issued localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
		try (ServerSocket tls = TestPki.serving(localhost).getServerSocketFactory().createServerSocket(0, 50,
				InetAddress.getLoopbackAddress())) {
			refusing(tls);
			uploadsGet413(HttpClient.create().host("127.0.0.1").port(tls.getLocalPort())
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())));
		}
		try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			refusing(plain);
			uploadsGet413(HttpClient.create().host("127.0.0.1").port(plain.getLocalPort()));
		}
	}

	private static void uploadsGet413(HttpClient client) {
		byte[] body = new byte[8 << 20];
		for (int i = 0; i < 40; i++) {
			assertThat(text(client.post().uri("/whole" + i).send(Mono.fromSupplier(() -> ByteBuffer.wrap(body)))))
					.as("request %d", i).isEqualTo("413 too big!");
			assertThat(text(client.post().uri("/streamed" + i)
					.send(Flux.range(0, 128).map(k -> ByteBuffer.wrap(body, 0, 65_536)))))
					.as("streamed request %d", i).isEqualTo("413 too big!");
		}
	}

	/** Answers each connection's first request head with a 413 and resets the connection. */
	private static void refusing(ServerSocket server) {
		Thread t = new Thread(() -> {
			while (!server.isClosed()) {
				try (Socket s = server.accept()) {
					readHeadOnly(s.getInputStream());
					OutputStream out = s.getOutputStream();
					out.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\nConnection: close\r\n\r\ntoo big!"
							.getBytes(UTF_8));
					out.flush();
					s.setSoLinger(true, 0);
				}
				catch (IOException e) {
					// the server socket closed, or a client left: next
				}
			}
		}, "refusing-server");
		t.setDaemon(true);
		t.start();
	}

	/** Reads a request head and nothing after it. */
	private static void readHeadOnly(InputStream in) throws IOException {
		int state = 0;
		while (state < 4) {
			int x = in.read();
			if (x < 0) {
				throw new IOException("the client closed before the end of the head");
			}
			state = (x == '\r' && (state == 0 || state == 2)) || (x == '\n' && (state == 1 || state == 3)) ? state + 1
					: x == '\r' ? 1 : 0;
		}
	}
}
