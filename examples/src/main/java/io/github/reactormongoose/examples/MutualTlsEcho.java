/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.tls.TlsSpec;
import reactor.core.publisher.Mono;

/**
 * Mutual TLS on raw TCP: the server requires a client certificate issued by its CA
 * ({@code clientAuth(REQUIRE)} with {@code trustedCertificates(ca)}), and the client presents
 * one ({@code keyCertificate(cert, key)}) while it verifies the server against the same CA.
 * The server speaks first: its handler starts once the handshake is done, so it greets the
 * client by the name in its certificate ({@code connection().peerCertificates()}), then echoes.
 */
public final class MutualTlsEcho {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private MutualTlsEcho() {
	}

	/**
	 * An echo server on 127.0.0.1 (free port) that accepts only clients with a certificate from
	 * {@code caPem}; it first sends one line, {@code hello <subject>}.
	 */
	public static DisposableServer server(Path chainPem, Path keyPem, Path caPem) {
		return TcpServer.create()
				.secure(TlsSpec.forServer(chainPem, keyPem)
						.clientAuth(TlsSpec.ClientAuth.REQUIRE)
						.trustedCertificates(caPem))
				.handle((in, out) -> {
					X509Certificate client = in.connection().peerCertificates().get(0); // checked by now
					String greeting = "hello " + client.getSubjectX500Principal().getName() + "\n";
					return out.sendString(Mono.just(greeting)).then(out.send(in.receive()));
				})
				.bindNow(TIMEOUT);
	}

	/**
	 * Connects to {@code localhost:port} with a client certificate, sends {@code text} and returns
	 * what came back: the server's greeting line, then the echo. A server that refuses the
	 * certificate closes the connection, or resets it when our text arrived unread:
	 * IllegalStateException.
	 */
	public static String call(int port, Path caPem, Path clientCertPem, Path clientKeyPem, String text) {
		Connection c = TcpClient.create()
				.host("localhost")
				.port(port)
				.secure(TlsSpec.forClient()
						.trustedCertificates(caPem)
						.keyCertificate(clientCertPem, clientKeyPem))
				.connectNow(TIMEOUT);
		String refused = "the server closed the connection without an answer (it did not accept the client "
				+ "certificate)"; // TLS 1.3: the client's handshake ends before the server has checked it
		try {
			c.send(text.getBytes(StandardCharsets.UTF_8)).block(TIMEOUT);
			String echo = c.receive()
					.map(b -> StandardCharsets.UTF_8.decode(b).toString())
					.scan(String::concat)
					.filter(s -> s.indexOf('\n') >= 0 && s.length() - s.indexOf('\n') - 1 >= text.length())
					.blockFirst(TIMEOUT);
			if (echo == null) {
				throw new IllegalStateException(refused);
			}
			return echo;
		}
		catch (MongooseException e) { // ConnectionClosedException, or "socket error" on a reset
			throw new IllegalStateException(refused, e);
		}
		finally {
			c.close();
		}
	}
}
