/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Curl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link BehindLoadBalancer}: the client named by a PROXY header, or the socket's peer without one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BehindLoadBalancerTest {

	private DisposableServer server;

	@AfterEach
	void stop() {
		if (server != null) {
			server.disposeNow();
		}
	}

	@Test
	void theClientIsTheOneTheBalancerNames() throws Exception {
		server = BehindLoadBalancer.start("127.0.0.1", 0);
		// what a balancer sends: a version 1 header naming a client elsewhere, then the request
		try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
			s.setSoTimeout(5_000);
			OutputStream out = s.getOutputStream();
			out.write(("PROXY TCP4 203.0.113.7 192.0.2.10 51234 80\r\n"
					+ "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
			assertThat(response).startsWith("HTTP/1.1 200").endsWith("client 203.0.113.7 port 51234\n");
		}
		// curl: with its own header (AUTO) and without one
		Curl.assumeInstalled();
		Curl.Result proxied = Curl.run("--haproxy-protocol", "-w", "%{local_port}", "http://127.0.0.1:" + server.port() + "/");
		assertThat(proxied.exitCode()).as(proxied.stderr()).isZero();
		String[] lines = proxied.stdout().split("\n");
		assertThat(lines[0]).isEqualTo("client 127.0.0.1 port " + lines[1]);
		Curl.Result direct = Curl.run("http://127.0.0.1:" + server.port() + "/");
		assertThat(direct.stdout()).startsWith("client 127.0.0.1 port ");
	}

	/** A blocked client, named by the balancer, is closed before its request; the others are served. */
	@Test
	void blockedClientsAreRefusedByTheAddressTheBalancerNames() throws Exception {
		server = BehindLoadBalancer.start("127.0.0.1", 0, java.util.Set.of("198.51.100.23"));
		for (String client : new String[] {"198.51.100.23", "203.0.113.7"}) {
			try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
				s.setSoTimeout(5_000);
				s.getOutputStream().write(("PROXY TCP4 " + client + " 192.0.2.10 51234 80\r\n"
						+ "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				String response = new String(io.github.reactormongoose.testing.RawHttp.readUntilClosed(s.getInputStream()),
						StandardCharsets.US_ASCII);
				if (client.startsWith("198.")) {
					assertThat(response).as("closed unanswered").isEmpty();
				}
				else {
					assertThat(response).endsWith("client 203.0.113.7 port 51234\n");
				}
			}
		}
	}
}
