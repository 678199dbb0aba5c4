/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.websocket;

import static io.github.reactormongoose.testing.PythonPeers.counter;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.PythonPeers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 300 WebSocket sessions against the server driven by wsproto, a strict RFC 6455
 * implementation nobody here wrote ({@code src/test/python/websocket_sessions.py}):
 * sub-protocol choice, text and binary messages up to 300 KB (past the 16-bit length) in
 * fragments with pings between them, echoed byte for byte, and the closing handshake with the
 * TCP close after it. Debian's {@code python3-wsproto} ({@code .ci/run} installs it); skipped
 * with a notice without it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebsocketSessionsTest extends BaseHttpTest {

	@Test
	void aStrictPeerDrivesSessionsOfEveryShape() throws Exception {
		String python = PythonPeers.pythonWith("wsproto", "python3-wsproto");
		DisposableServer s = bind(HttpServer.create().maxWebsocketFrameSize(1 << 20).route(r -> r
				.ws("/echo", (in, out) -> out.send(in.receive()))
				.ws("/proto", (in, out) -> out.send(in.receive()), "chat, superchat")));
		String out = PythonPeers.run(python, "src/test/python/websocket_sessions.py", s.port(), 300, 1);
		assertThat(counter(out, "sessions")).isEqualTo(300);
		assertThat(counter(out, "bad")).as(out).isZero();
		assertThat(counter(out, "closed_ok")).as(out).isEqualTo(300);
		assertThat(counter(out, "messages_ok")).as(out).isGreaterThan(700);
	}
}
