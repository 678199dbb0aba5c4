/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.Curl;
import io.github.reactormongoose.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

class HttpsServerTest extends BaseHttpTest {

	@TempDir
	static Path dir;
	static TestPki pki;

	@BeforeAll
	static void certificates() throws Exception {
		if (System.getenv("MG_DEBUG") != null) {
			io.github.reactormongoose.internal.jni.NativeConstants.logLevel(4);
		}
		pki = TestPki.root(dir, "Test Root CA");
	}

	private DisposableServer hello(TlsSpec spec) {
		return bind(HttpServer.create().secure(spec)
				.route(r -> r.get("/hello", (req, res) -> res.header("Content-Type", "text/plain")
						.sendString(Mono.just("Hello, " + req.uri())))));
	}

	@Test
	void curlOverKeepAlive() throws Exception {
		Curl.assumeInstalled();
		TestPki.Issued s = pki.server("localhost", TestPki.KeyType.EC_P256);
		DisposableServer server = hello(TlsSpec.forServer(s.chain(), s.key()));
		String url = "https://localhost:" + server.port() + "/hello";
		Curl.Result r = Curl.run("-v", "--cacert", pki.ca().toString(), url + "?a", url + "?b");
		assertThat(r.exitCode()).as(r.stderr()).isZero();
		assertThat(r.stdout()).isEqualTo("Hello, /hello?aHello, /hello?b");
		assertThat(r.stderr()).contains("TLSv1.3").contains("Re-using existing connection");
	}
}
