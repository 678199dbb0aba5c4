/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.tls.TlsSpec;
import reactor.core.publisher.Mono;

/**
 * HTTPS with client certificates: the server requires one issued by its CA
 * ({@code clientAuth(REQUIRE)}), and {@code GET /whoami} answers with the subject of the
 * certificate the client authenticated with ({@code request.peerCertificates()}), the way a
 * service identifies its callers by mutual TLS.
 */
public final class ClientCertificateHello {

	private ClientCertificateHello() {
	}

	/** Binds {@code host:port} (0: a free port), accepting clients with a certificate from {@code caPem}. */
	public static DisposableServer start(String host, int port, Path chainPem, Path keyPem, Path caPem) {
		return HttpServer.create()
				.host(host)
				.port(port)
				.secure(TlsSpec.forServer(chainPem, keyPem)
						.clientAuth(TlsSpec.ClientAuth.REQUIRE)
						.trustedCertificates(caPem))
				.route(r -> r.get("/whoami", (req, res) -> res.header("Content-Type", "text/plain")
						.sendString(Mono.just("Hello, " + subject(req.peerCertificates())))))
				.bindNow(Duration.ofSeconds(10));
	}

	/** The client certificate's subject, e.g. {@code CN=device-1,O=Example}. */
	static String subject(List<X509Certificate> chain) {
		return chain.isEmpty() ? "stranger" : chain.get(0).getSubjectX500Principal().getName(X500Principal.RFC2253);
	}
}
