/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.PythonPeers;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LineSum} (a {@code TcpServer} that answers after the client's half-close) against the
 * JDK's {@link Socket#shutdownOutput()} and Python's {@code shutdown(SHUT_WR)}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LineSumTest {

	private static final int TIMEOUT_MS = 10_000;

	/** Sends its input, shuts down its sending side, prints what comes back until the server closes. */
	private static final String PYTHON_CLIENT = """
			import socket, sys
			s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
			s.sendall(sys.argv[2].encode())
			s.shutdown(socket.SHUT_WR)
			answer = b""
			while True:
			    data = s.recv(65536)
			    if not data:
			        break
			    answer += data
			sys.stdout.write(answer.decode())
			""";

	private DisposableServer server;

	@BeforeEach
	void start() {
		server = LineSum.start("127.0.0.1", 0);
	}

	@AfterEach
	void stop() {
		server.disposeNow(Duration.ofSeconds(5));
	}

	/** Writes each part (flushed on its own), half-closes, and reads until the server closes. */
	private String call(String... parts) throws IOException {
		try (Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", server.port()), TIMEOUT_MS);
			s.setSoTimeout(TIMEOUT_MS);
			OutputStream out = s.getOutputStream();
			for (String part : parts) {
				out.write(part.getBytes(StandardCharsets.UTF_8));
				out.flush();
			}
			s.shutdownOutput();
			// ends with the server's close, after the answer
			return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	@Test
	void answersTheSumAfterTheClientHalfCloses() throws Exception {
		// a line cut between two writes, "\r\n" endings, a blank line, a last line without its newline
		assertThat(call("1\n2", "0\r\n\n-3\n", "4")).isEqualTo("count=4 sum=22\n");
		assertThat(call()).isEqualTo("count=0 sum=0\n");
	}

	@Test
	void sumsAnInputOfManyReads() throws Exception {
		StringBuilder input = new StringBuilder();
		for (int i = 1; i <= 100_000; i++) {
			input.append(i).append('\n');
		}
		// about 600 KB: dozens of reads, lines cut between them
		assertThat(call(input.toString())).isEqualTo("count=100000 sum=5000050000\n");
	}

	@Test
	void aBadLineIsNamedInTheAnswer() throws Exception {
		assertThat(call("5\nfive\n6\n")).isEqualTo("error: line 2: not a whole number: five\n");
		assertThat(call("1\n" + "9".repeat(LineSum.MAX_LINE + 1) + "\n"))
				.isEqualTo("error: line 2: longer than " + LineSum.MAX_LINE + " characters\n");
		assertThat(call(Long.MAX_VALUE + "\n1\n")).isEqualTo("error: line 2: the sum overflows\n");
	}

	/** The example's own client: {@code TcpClient} with {@code shutdownOutput()}. */
	@Test
	void answersOurTcpClientThatShutsDownItsOutput() {
		assertThat(LineSum.sum("127.0.0.1", server.port(), Flux.range(1, 1000).map(String::valueOf))
				.block(Duration.ofMillis(TIMEOUT_MS))).isEqualTo("count=1000 sum=500500\n");
		assertThat(LineSum.sum("127.0.0.1", server.port(), Flux.just("1", "x")).block(Duration.ofMillis(TIMEOUT_MS)))
				.isEqualTo("error: line 2: not a whole number: x\n");
	}

	@Test
	void answersPythonsShutdownOfItsSendingSide() throws Exception {
		String python = PythonPeers.pythonWith("socket", "python3");
		assertThat(PythonPeers.run(python, "-c", PYTHON_CLIENT, server.port(), "10\n20\n12\n"))
				.isEqualTo("count=3 sum=42\n");
	}
}
