/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A TCP service that answers once the client has sent everything: the client writes whole
 * numbers, one per line, then shuts down its sending side (a half-close:
 * {@code Socket.shutdownOutput()}, {@code shutdown(SHUT_WR)}, {@code nc -N}) and reads the
 * answer, {@code count=N sum=S}, until the server closes.
 * <p>
 * The handler reduces the connection's input and sends the result:
 * {@code out.sendString(in.receiveString().reduceWith(Tally::new, Tally::add).map(Tally::answer))}.
 * The client's FIN completes {@code receive()}, so the reduction ends there; the connection stays
 * open for the answer ({@code halfClose(true)}; with {@code halfClose(false)}, the default, as
 * Reactor Netty's, the FIN would close it unanswered) and
 * closes once the answer is written. The strings follow the socket's reads, not lines, so the
 * tally keeps a line cut between two reads until its end comes; it holds one line at most, so
 * the input may be of any length. A line that is not a whole number (or one longer than
 * {@link #MAX_LINE} characters, or a sum that overflows a {@code long}) makes the answer
 * {@code error: line N: ...}.
 * <p>
 * {@link #sum} is a client on {@code TcpClient}: it sends the lines, then
 * {@code shutdownOutput()} ends its sending side only, and it reads the answer.
 */
public final class LineSum {

	/** The longest line taken, in characters (a {@code long} has at most 20). */
	public static final int MAX_LINE = 64;

	private LineSum() {
	}

	/** Binds {@code host:port} (0: a free port) and waits up to 10 s. */
	public static DisposableServer start(String host, int port) {
		return TcpServer.create()
				.halfClose(true) // the client's FIN ends its input, not the connection: the answer goes out
				.host(host)
				.port(port)
				.handle((in, out) -> out.sendString(in.receiveString(StandardCharsets.UTF_8)
						.reduceWith(Tally::new, Tally::add) // completes at the client's FIN
						.map(Tally::answer)))
				.bindNow(Duration.ofSeconds(10));
	}

	/**
	 * The client, on {@code TcpClient}: sends {@code lines} (a newline after each), shuts down its
	 * sending side ({@code shutdownOutput()}: the FIN follows the last line) and reads the answer
	 * until the server closes.
	 */
	public static Mono<String> sum(String host, int port, Publisher<String> lines) {
		return TcpClient.create().host(host).port(port).connect()
				.flatMap(c -> c.send(Flux.from(lines).map(line -> ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8))))
						.then(c.shutdownOutput())
						.thenMany(c.receive()) // completes when the server closes, after the answer
						.reduce(new ByteArrayOutputStream(), (answer, b) -> {
							byte[] bytes = new byte[b.remaining()];
							b.get(bytes);
							answer.writeBytes(bytes);
							return answer;
						})
						.map(answer -> answer.toString(StandardCharsets.UTF_8))
						.doFinally(signal -> c.dispose()));
	}

	/** The lines of one connection so far; used by one connection's handler, on its poll thread. */
	static final class Tally {

		private final StringBuilder line = new StringBuilder();
		private long lines;
		private long sum;
		private String error;

		/** Takes the next chunk of input, as it was read. */
		Tally add(String chunk) {
			int from = 0;
			for (int nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
				append(chunk, from, nl);
				endLine();
				from = nl + 1;
			}
			append(chunk, from, chunk.length());
			return this;
		}

		private void append(String chunk, int from, int to) {
			if (error == null && line.length() + (to - from) > MAX_LINE) {
				error = "line " + (lines + 1) + ": longer than " + MAX_LINE + " characters";
			}
			if (error == null) {
				line.append(chunk, from, to);
			}
		}

		private void endLine() {
			String text = line.toString().strip(); // "\r\n" ends a line too
			line.setLength(0);
			if (error != null || text.isEmpty()) {
				return;
			}
			lines++;
			try {
				sum = Math.addExact(sum, Long.parseLong(text));
			}
			catch (NumberFormatException e) {
				error = "line " + lines + ": not a whole number: " + text;
			}
			catch (ArithmeticException e) {
				error = "line " + lines + ": the sum overflows";
			}
		}

		/** The answer once the input has ended (a last line without its newline counts). */
		String answer() {
			endLine();
			return (error != null ? "error: " + error : "count=" + lines + " sum=" + sum) + "\n";
		}
	}

	/**
	 * Serves until interrupted.
	 * @param args optional: the port (default 7001; {@code -Dport} also works)
	 */
	public static void main(String[] args) {
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", "7001"));
		DisposableServer server = start("127.0.0.1", port);
		Runtime.getRuntime().addShutdownHook(new Thread(server::disposeNow, "line-sum-shutdown"));
		System.out.println("Line sum on tcp://127.0.0.1:" + server.port()
				+ " (try: printf '1\\n2\\n39\\n' | nc -N 127.0.0.1 " + server.port() + ")");
		server.onDispose().block();
	}
}
