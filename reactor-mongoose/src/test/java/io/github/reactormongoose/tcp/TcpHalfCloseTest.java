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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.ConnectionEvent.Type;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Half-close on raw TCP (docs/tcp.md, "Half-close"): a peer's FIN completes the inbound, and
 * the connection stays open for output until the handler ends (TcpServer, TcpClient) or the
 * subscriber drains it ({@code MongooseLoop.listen(url, true)}). The FIN closed the whole
 * connection at once, dropping output not yet written.
 */
class TcpHalfCloseTest extends TcpTestSupport {

	/**
	 * An 8 MiB greeting to a peer that shut down its sending side at once arrives whole, as
	 * from Reactor Netty; it was cut to what the socket had taken when the FIN was read.
	 */
	@Test
	void aLargeGreetingReachesAPeerThatHalfClosedFirst() throws Exception {
		byte[] chunk = pattern(0, 64 * 1024);
		int chunks = 8 * MIB / chunk.length;
		CRC32 crc = new CRC32();
		for (int i = 0; i < chunks; i++) {
			crc.update(chunk);
		}
		DisposableServer server = bind(TcpServer.create().halfClose(true)
				.handle((in, out) -> out.send(Flux.range(0, chunks).map(i -> ByteBuffer.wrap(chunk)))));
		Socket s = connect(server.port());
		s.shutdownOutput();
		long[] got = readToEnd(s.getInputStream()); // ends when the server closes, after the last byte
		assertThat(got[0]).isEqualTo(8L * MIB);
		assertThat(got[1]).isEqualTo(crc.getValue());
	}

	/** The client half-closes after its request and reads the answer, made once the request is whole. */
	@Test
	void aClientThatHalfClosesAfterItsRequestGetsTheAnswer() throws Exception {
		CompletableFuture<String> inboundEnd = new CompletableFuture<>();
		DisposableServer server = bind(TcpServer.create().halfClose(true).handle((in, out) -> out.sendString(in.receiveString()
				.reduce(String::concat)
				.doOnSuccess(inboundEnd::complete)
				.map(request -> "answer to " + request))));
		Socket s = connect(server.port());
		s.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
		s.shutdownOutput();
		assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("answer to question");
		assertThat(inboundEnd.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("question");
	}

	/**
	 * {@code MongooseLoop.listen(url, true)}: the FIN is a HALF_CLOSE event after the last READ;
	 * the subscriber answers, then drains the connection.
	 */
	@Test
	void aListenerWithHalfCloseAnswersAfterTheFin() throws Exception {
		MongooseLoop loop = newLoop();
		List<Type> types = new CopyOnWriteArrayList<>();
		Map<Long, StringBuilder> requests = new ConcurrentHashMap<>();
		CompletableFuture<Integer> port = new CompletableFuture<>();
		CountDownLatch closed = new CountDownLatch(1);
		track(loop.listen("tcp://127.0.0.1:0", true)
				.doOnNext(e -> {
					if (e.type() != Type.BOUND && e.type() != Type.ACCEPT) {
						types.add(e.type());
					}
					if (e.type() == Type.CLOSE) {
						closed.countDown();
					}
				})
				.flatMap(e -> switch (e.type()) {
					case BOUND -> {
						port.complete(e.connection().localAddress().getPort());
						yield Mono.<Void>empty();
					}
					case READ -> {
						requests.computeIfAbsent(e.connection().id(), id -> new StringBuilder())
								.append(StandardCharsets.US_ASCII.decode(e.data()));
						yield Mono.<Void>empty();
					}
					case HALF_CLOSE -> answer(e, "answer to " + requests.remove(e.connection().id()));
					default -> Mono.<Void>empty();
				})
				.subscribe());
		Socket s = connect(port.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
		s.getOutputStream().write("question".getBytes(StandardCharsets.US_ASCII));
		s.shutdownOutput();
		assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("answer to question");
		assertThat(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("CLOSE event").isTrue();
		assertThat(types).startsWith(Type.READ).contains(Type.HALF_CLOSE).endsWith(Type.CLOSE);
		assertThat(types.subList(0, types.indexOf(Type.HALF_CLOSE))).containsOnly(Type.READ);
	}

	private static Mono<Void> answer(ConnectionEvent e, String text) {
		Connection c = e.connection();
		return c.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII))).then(c.drain());
	}

	/**
	 * A TcpClient whose server half-closes after its answer still sends: its inbound completes,
	 * and what its handler writes after that reaches the server whole.
	 */
	@Test
	void aClientKeepsSendingAfterTheServerHalfClosed() throws Exception {
		int size = MIB;
		ServerSocket ss = serverSocket();
		CompletableFuture<long[]> serverGot = CompletableFuture.supplyAsync(() -> {
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout((int) TIMEOUT.toMillis());
				peer.getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
				peer.shutdownOutput();
				return readToEnd(peer.getInputStream());
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
		});
		CompletableFuture<String> answer = new CompletableFuture<>();
		Connection c = track(TcpClient.create().halfClose(true).port(ss.getLocalPort())
				.handle((in, out) -> in.receiveString()
						.reduce(String::concat)
						.doOnNext(answer::complete)
						.thenMany(Flux.range(0, size / (64 * 1024)).map(i -> ByteBuffer.wrap(pattern(i * 64L * 1024, 64 * 1024))))
						.as(out::send))
				.connectNow(TIMEOUT));
		assertThat(answer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("go\n");
		long[] got = serverGot.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(got[0]).isEqualTo(size);
		assertThat(got[1]).isEqualTo(patternCrc(size));
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
	}

	/**
	 * A half-closed connection whose handler has not answered yet costs no CPU: its socket
	 * stays readable at its end, and a loop still asking for EPOLLIN (level-triggered) would
	 * wake at once, every poll. Counted in poll iterations over a window the loop ends itself.
	 */
	@Test
	void aHalfClosedConnectionWaitingForItsHandlerDoesNotSpin() throws Exception {
		MongooseLoop loop = newLoop();
		AtomicLong iterations = new AtomicLong();
		LoopAccess.engine(loop).observeOnce(() -> (records, busyNanos) -> iterations.incrementAndGet());
		CountDownLatch inboundDone = new CountDownLatch(1);
		Sinks.Empty<Void> release = Sinks.empty();
		DisposableServer server = bind(TcpServer.create().halfClose(true).runOn(loop).handle((in, out) -> in.receive()
				.doOnComplete(inboundDone::countDown)
				.then(release.asMono())
				.then(out.sendString(Mono.just("late answer")))));
		Socket s = connect(server.port());
		s.getOutputStream().write(1);
		s.shutdownOutput();
		assertThat(inboundDone.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

		CountDownLatch windowEnd = new CountDownLatch(1);
		long[] during = new long[1];
		loop.execute(() -> {
			long start = iterations.get();
			loop.schedule(Duration.ofMillis(200), () -> {
				during[0] = iterations.get() - start;
				windowEnd.countDown();
			});
		});
		assertThat(windowEnd.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		// idle, the loop wakes for the timer alone; spinning, it did thousands of iterations
		assertThat(during[0]).as("poll iterations in 200 ms with a half-closed connection waiting").isLessThan(50);

		release.tryEmitEmpty();
		InputStream in = s.getInputStream();
		assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("late answer");
	}

	/** A peer that resets after its FIN still closes the connection: the waiting handler is cancelled. */
	@Test
	void aResetAfterTheFinClosesTheConnection() throws Exception {
		CountDownLatch inboundDone = new CountDownLatch(1);
		Sinks.Empty<Void> cancelled = Sinks.empty();
		Sinks.Empty<Void> closed = Sinks.empty();
		DisposableServer server = bind(TcpServer.create().halfClose(true)
				.doOnConnection(c -> c.onClose().subscribe(null, null, closed::tryEmitEmpty))
				.handle((in, out) -> in.receive()
						.doOnComplete(inboundDone::countDown)
						.then(Mono.<Void>never())
						.doOnCancel(cancelled::tryEmitEmpty)));
		Socket s = connect(server.port());
		s.shutdownOutput();
		assertThat(inboundDone.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
		s.setSoLinger(true, 0);
		s.close(); // RST
		StepVerifier.create(closed.asMono()).expectComplete().verify(TIMEOUT);
		StepVerifier.create(cancelled.asMono()).expectComplete().verify(TIMEOUT);
	}
}
