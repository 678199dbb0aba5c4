/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.zip.CRC32;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.DisposableServer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Our side's half-close on raw TCP (docs/tcp.md, "Half-close"): {@code shutdownOutput()} sends
 * a FIN behind everything written before it and the connection goes on reading, as
 * {@code Socket.shutdownOutput()}. There was no way to do it: a handler's end closed the whole
 * connection, so a {@code TcpClient} could not talk to a service that answers at the FIN.
 */
class TcpShutdownOutputTest extends TcpTestSupport {

	/**
	 * A JDK service that reads its request to the end (our FIN), then answers and closes; what
	 * {@code answer} makes of the request's bytes is written back. Returns the service's port;
	 * {@code request} completes with the request's byte count and CRC-32.
	 */
	private int answeringAtTheFin(CompletableFuture<long[]> request, Function<long[], byte[][]> answer) throws Exception {
		ServerSocket ss = serverSocket();
		CompletableFuture.runAsync(() -> {
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout((int) TIMEOUT.toMillis());
				long[] got = readToEnd(peer.getInputStream()); // ends at our FIN only
				request.complete(got);
				for (byte[] part : answer.apply(got)) {
					peer.getOutputStream().write(part);
				}
			}
			catch (Exception e) {
				request.completeExceptionally(e);
			}
		});
		return ss.getLocalPort();
	}

	@Test
	void aClientGetsTheAnswerOfAServiceThatAnswersAtTheFin() throws Exception {
		CompletableFuture<long[]> request = new CompletableFuture<>();
		int port = answeringAtTheFin(request, got -> new byte[][] {("got " + got[0] + " bytes").getBytes(StandardCharsets.US_ASCII)});
		CompletableFuture<String> answer = new CompletableFuture<>();
		Connection c = track(TcpClient.create().port(port)
				.handle((in, out) -> out.sendString(Mono.just("question"))
						.then(out.shutdownOutput())
						.thenMany(in.receiveString())
						.reduce(String::concat)
						.doOnNext(answer::complete)
						.then())
				.connectNow(TIMEOUT));
		assertThat(answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("got 8 bytes");
		assertThat(request.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)[0]).isEqualTo(8);
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
	}

	/**
	 * 8 MiB each way: the FIN waits until the whole request has left the native buffers (the
	 * service counts and checksums it), and the 8 MiB answer is read whole after it.
	 */
	@Test
	void largeRequestAndAnswerAroundTheFin() throws Exception {
		int size = 8 * MIB;
		CompletableFuture<long[]> request = new CompletableFuture<>();
		int port = answeringAtTheFin(request, got -> {
			byte[][] parts = new byte[size / MIB][];
			for (int i = 0; i < parts.length; i++) {
				parts[i] = pattern((long) i * MIB, MIB);
			}
			return parts;
		});
		AtomicLong received = new AtomicLong();
		CRC32 crc = new CRC32();
		CompletableFuture<Void> answerEnd = new CompletableFuture<>();
		track(TcpClient.create().port(port)
				.handle((in, out) -> out.send(patternStream(size, 64 * 1024, new AtomicLong()))
						.then(out.shutdownOutput())
						.thenMany(in.receive())
						.doOnNext(b -> {
							received.addAndGet(b.remaining());
							crc.update(b);
						})
						.doOnComplete(() -> answerEnd.complete(null))
						.then())
				.connectNow(TIMEOUT));
		long[] got = request.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(got[0]).isEqualTo(size);
		assertThat(got[1]).isEqualTo(patternCrc(size));
		answerEnd.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(received.get()).isEqualTo(size);
		assertThat(crc.getValue()).isEqualTo(patternCrc(size));
	}

	/** A server handler ends its output after a greeting and still receives what the client sends after that FIN. */
	@Test
	void aServerHandlerShutsDownItsOutputAndKeepsReceiving() throws Exception {
		CompletableFuture<String> received = new CompletableFuture<>();
		CountDownLatch closed = new CountDownLatch(1);
		DisposableServer server = bind(TcpServer.create()
				.doOnConnection(c -> c.onClose().subscribe(null, null, closed::countDown))
				.handle((in, out) -> out.sendString(Mono.just("hello\n"))
						.then(out.shutdownOutput())
						.then(in.receiveString().reduce("", String::concat).doOnNext(received::complete))
						.then()));
		Socket s = connect(server.port());
		InputStream in = s.getInputStream();
		// the server's FIN: the stream ends while the connection is still open for our bytes
		assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello\n");
		s.getOutputStream().write("after your FIN".getBytes(StandardCharsets.US_ASCII));
		s.shutdownOutput();
		assertThat(received.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("after your FIN");
		assertThat(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("the server's connection closed").isTrue();
	}

	/**
	 * Twice (at the same time and after it completed): each completes. Sends after it fail, and
	 * the connection still reads: the peer's answer arrives, its close ends the connection.
	 */
	@Test
	void twiceCompletesAndASendAfterItFails() throws Exception {
		ServerSocket ss = serverSocket();
		Connection c = track(TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT));
		try (Socket peer = ss.accept()) {
			peer.setSoTimeout((int) TIMEOUT.toMillis());
			StepVerifier.create(c.send("request".getBytes(StandardCharsets.US_ASCII))).expectComplete().verify(TIMEOUT);
			StepVerifier.create(Mono.when(c.shutdownOutput(), c.shutdownOutput())).expectComplete().verify(TIMEOUT);
			StepVerifier.create(c.shutdownOutput()).expectComplete().verify(TIMEOUT);
			assertThat(new String(peer.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("request");
			StepVerifier.create(c.send("late".getBytes(StandardCharsets.US_ASCII)))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionClosedException.class)
							.hasMessageContaining("shutdownOutput()"))
					.verify(TIMEOUT);
			StepVerifier.create(c.send(Flux.just(ByteBuffer.wrap(new byte[] {1}))))
					.expectError(ConnectionClosedException.class)
					.verify(TIMEOUT);
			peer.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
		}
		StepVerifier.create(c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).reduce(String::concat))
				.expectNext("answer")
				.expectComplete()
				.verify(TIMEOUT);
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
	}

	/**
	 * On a closed connection it fails; so does one waiting behind output the peer does not
	 * read when the connection is closed: its FIN never went out.
	 */
	@Test
	void failsOnAClosedConnectionAndWhenTheCloseComesFirst() throws Exception {
		ServerSocket ss = serverSocket();
		ss.setReceiveBufferSize(4096); // the accepted socket's: the peer takes little before it reads
		Connection closed = track(TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT));
		closeLater(ss.accept());
		closed.disposeNow(TIMEOUT);
		StepVerifier.create(closed.shutdownOutput()).expectError(ConnectionClosedException.class).verify(TIMEOUT);

		Connection c = track(TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT));
		closeLater(ss.accept());
		// more than the socket buffers take: the rest waits in the native queue, the peer reads none of it
		c.send(ByteBuffer.wrap(new byte[16 * MIB])).onErrorComplete().subscribe();
		StepVerifier.create(c.shutdownOutput())
				.then(c::close)
				.expectError(ConnectionClosedException.class)
				.verify(TIMEOUT);
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
	}
}
