/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.Nginx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * A server that answers and then resets the connection (SO_LINGER 0, or a close with the
 * request's bytes unread, which makes the kernel send a reset): the reset often comes in the
 * same poll as the answer, and the loop closed the connection on the socket's error without
 * reading what was already there, so the whole answer was lost (about half of the requests;
 * curl and Reactor Netty read it). Hook 45 of native/hook-mongoose.sh reads first.
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
}
