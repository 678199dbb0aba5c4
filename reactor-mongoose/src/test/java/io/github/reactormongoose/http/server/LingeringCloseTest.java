/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.NodePeers;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * A response after which the server closes the connection (the client said
 * {@code Connection: close}, or {@code maxKeepAliveRequests} was reached) must arrive whole even
 * when the client has sent more than the server read: pipelined requests that will not be
 * answered, as undici's pipelining pool sends them. Closing a socket with unread input resets
 * the connection (RFC 9112 9.6, the TCP reset problem), and the reset destroys whatever of the
 * response the kernel had not yet delivered; the server lingers instead: it shuts down its
 * writes once the response is out, discards the input, and closes when the client does.
 * {@code src/test/node/undici_pipelining.js} runs undici's pipelining pool (Debian's node-undici)
 * against {@code maxKeepAliveRequests}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LingeringCloseTest extends BaseHttpTest {

	private static final int BODY = 8 << 20;

	/** What the client reads until the server's end: the bytes, or up to a reset. */
	private static byte[] readAll(InputStream in) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		byte[] buf = new byte[65536];
		try {
			for (int n; (n = in.read(buf)) > 0;) {
				b.write(buf, 0, n);
			}
		}
		catch (IOException e) {
			// a reset: what came before it is what the client got
		}
		return b.toByteArray();
	}

	private static int bodyLength(byte[] response) {
		String s = new String(response, StandardCharsets.ISO_8859_1);
		int end = s.indexOf("\r\n\r\n");
		return end < 0 ? -1 : response.length - end - 4;
	}

	private byte[] exchange(DisposableServer s, String firstRequest) throws IOException {
		try (Socket socket = new Socket()) {
			socket.setReceiveBufferSize(16 * 1024); // the client reads what the kernel lets through
			socket.connect(s.address());
			OutputStream out = socket.getOutputStream();
			out.write(firstRequest.getBytes(StandardCharsets.ISO_8859_1));
			// requests behind it, more than the server buffers while a response is pending
			// (HttpServer.DEFAULT_PIPELINE_LIMIT): the rest stays unread in its socket
			byte[] next = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
			for (int sent = 0; sent < 2 * HttpServer.DEFAULT_PIPELINE_LIMIT; sent += next.length) {
				out.write(next);
			}
			out.flush();
			return readAll(socket.getInputStream());
		}
	}

	private DisposableServer bigServer(HttpServer server) {
		byte[] chunk = new byte[64 * 1024];
		return bind(server.route(r -> r.get("/big", (req, res) -> res.header("Content-Length", String.valueOf(BODY))
				.send(Flux.range(0, BODY / chunk.length).map(i -> ByteBuffer.wrap(chunk))))));
	}

	@Test
	void theClientsConnectionCloseResponseArrivesWholeWithRequestsPipelinedBehindIt() throws IOException {
		DisposableServer s = bigServer(HttpServer.create());
		byte[] got = exchange(s, "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
		assertThat(new String(got, 0, 12, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
		assertThat(bodyLength(got)).isEqualTo(BODY);
	}

	@Test
	void theLastResponseOfMaxKeepAliveRequestsArrivesWholeWithRequestsPipelinedBehindIt() throws IOException {
		DisposableServer s = bigServer(HttpServer.create().maxKeepAliveRequests(1));
		byte[] got = exchange(s, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
		assertThat(new String(got, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200").contains("Connection: close");
		assertThat(bodyLength(got)).isEqualTo(BODY);
	}

	@Test
	void undicisPipeliningPoolLosesNoRequestWhereTheServerEndsItsConnections() throws Exception {
		String node = NodePeers.nodeWith("undici", "node-undici");
		byte[] body = new byte[128 * 1024];
		DisposableServer s = bind(HttpServer.create().maxKeepAliveRequests(5)
				.route(r -> r.get("/big", (req, res) -> res.send(Flux.range(0, 2).map(i -> ByteBuffer.wrap(body, 0, body.length / 2))))));
		// undici writes up to 10 requests ahead; the 5th answer of each connection says
		// Connection: close and undici sends the unanswered ones again on a new connection,
		// unless a reset lost them (or the 5th answer): then they fail (ECONNRESET, EPIPE)
		String out = NodePeers.run(node, "src/test/node/undici_pipelining.js", s.port(), "/big", 100);
		assertThat(PythonPeers.counter(out, "failed")).as(out).isZero();
		assertThat(PythonPeers.counter(out, "ok")).as(out).isEqualTo(100);
	}
}
