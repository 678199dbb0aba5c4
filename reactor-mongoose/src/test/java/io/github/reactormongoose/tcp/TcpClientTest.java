/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import javax.net.ssl.SSLHandshakeException;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.FullBacklog;
import io.github.reactormongoose.tls.TlsSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class TcpClientTest extends TcpTestSupport {

	/** A JDK server that echoes one connection on a thread. */
	private CompletableFuture<Void> jdkEcho(ServerSocket ss) {
		return CompletableFuture.runAsync(() -> {
			try (Socket peer = ss.accept()) {
				peer.getInputStream().transferTo(peer.getOutputStream());
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
	}

	@Test
	void optionsReturnNewInstances() {
		TcpClient base = TcpClient.create();
		assertThat(base.host()).isEqualTo("127.0.0.1");
		assertThat(base.port()).isZero();
		TcpClient configured = base.host("localhost").port(7);
		assertThat(configured).isNotSameAs(base);
		assertThat(configured.host()).isEqualTo("localhost");
		assertThat(configured.port()).isEqualTo(7);
		assertThat(base.port()).isZero();
		assertThatThrownBy(() -> base.port(0)).isInstanceOf(IllegalArgumentException.class).hasMessage("port out of range: 0");
		StepVerifier.create(base.connect()).expectError(IllegalStateException.class).verify(TIMEOUT);
	}

	/**
	 * {@code doOnDisconnected}, as Reactor Netty's: once the connection closed, whoever closed it
	 * (the handler's end, the peer), with that connection, once; calls add up. There was none.
	 */
	@Test
	void doOnDisconnectedRunsOnceTheConnectionClosed() throws Exception {
		DisposableServer echo = bind(TcpServer.create().handle((in, out) -> out.send(in.receive())));
		java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
		TcpClient client = TcpClient.create().port(echo.port())
				.doOnConnected(c -> events.add("connected " + c.id()))
				.doOnDisconnected(c -> events.add("disconnected " + c.id()))
				.doOnDisconnected(c -> events.add("again " + c.id()));
		// the handler ends: the client closes
		Connection c = client.handle((in, out) -> out.sendString(Mono.just("x")).then(in.receive().next().then()))
				.connectNow(TIMEOUT);
		c.onClose().block(TIMEOUT);
		assertThat(events).containsExactly("connected " + c.id(), "disconnected " + c.id(), "again " + c.id());

		// the peer closes
		events.clear();
		ServerSocket ss = serverSocket();
		CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
			try (Socket s = ss.accept()) {
				s.getOutputStream().write('x');
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		Connection d = TcpClient.create().port(ss.getLocalPort()).doOnDisconnected(x -> events.add("disconnected " + x.id()))
				.handle((in, out) -> in.receive().then())
				.connectNow(TIMEOUT);
		peer.get(10, TimeUnit.SECONDS);
		d.onClose().block(TIMEOUT);
		assertThat(events).containsExactly("disconnected " + d.id());
	}

	@Test
	void connectsToAJdkServerAndEchoesThroughTheConnection() throws Exception {
		ServerSocket ss = serverSocket();
		CompletableFuture<Void> peer = jdkEcho(ss);
		Connection c = TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT);
		assertThat(c.remoteAddress().getPort()).isEqualTo(ss.getLocalPort());
		assertThat(c.isActive()).isTrue();

		c.send("ping".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		StepVerifier.create(c.receive()
						.map(b -> StandardCharsets.US_ASCII.decode(b).toString())
						.scan(String::concat)
						.filter(s -> s.length() == 4)
						.next())
				.expectNext("ping")
				.expectComplete()
				.verify(TIMEOUT);
		c.close();
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		peer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	/**
	 * Reactor Netty's connection methods: code written against its
	 * {@code connectNow().disposeNow()} / {@code onDispose()} / {@code isDisposed()} reads the same.
	 */
	@Test
	void aConnectionIsDisposableAsReactorNettys() throws Exception {
		ServerSocket ss = serverSocket();
		CompletableFuture<Void> peer = jdkEcho(ss);
		Connection c = TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT);
		reactor.core.Disposable d = c;
		assertThat(d.isDisposed()).isFalse();
		c.disposeNow(TIMEOUT);
		assertThat(d.isDisposed()).isTrue();
		assertThat(c.isActive()).isFalse();
		StepVerifier.create(c.onDispose()).expectComplete().verify(TIMEOUT);
		peer.handle((v, e) -> v).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS); // the peer saw the close (end or reset)
		// on a poll thread it would block the loop: refused, dispose() is the way there
		ServerSocket ss2 = serverSocket();
		CompletableFuture<Void> peer2 = jdkEcho(ss2);
		Connection c2 = TcpClient.create().port(ss2.getLocalPort()).connectNow(TIMEOUT);
		StepVerifier.create(c2.send("x".getBytes(StandardCharsets.US_ASCII)).then(Mono.fromRunnable(c2::disposeNow)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("disposeNow() would block the poll thread"))
				.verify(TIMEOUT);
		c2.dispose();
		StepVerifier.create(c2.onDispose()).expectComplete().verify(TIMEOUT);
		peer2.handle((v, e) -> v).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Test
	void handlerTalksToReactorNettyTcpServerAndItsCompletionClosesTheConnection() {
		reactor.netty.DisposableServer netty = reactor.netty.tcp.TcpServer.create()
				.host("127.0.0.1").port(0)
				.handle((in, out) -> out.send(in.receive().retain()))
				.bindNow(TIMEOUT);
		try {
			Sinks.One<String> answer = Sinks.one();
			Connection c = TcpClient.create()
					.host("127.0.0.1").port(netty.port())
					.handle((in, out) -> out.sendString(Mono.just("hello reactor netty"))
							.then(in.receiveString()
									.scan(String::concat)
									.filter(s -> s.length() >= 19)
									.next()
									.doOnNext(answer::tryEmitValue))
							.then())
					.connectNow(TIMEOUT);
			StepVerifier.create(answer.asMono()).expectNext("hello reactor netty").expectComplete().verify(TIMEOUT);
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
			assertThat(c.isActive()).isFalse();
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	@Test
	void handlerCompletionFlushesThenCloses() throws Exception {
		ServerSocket ss = serverSocket();
		long total = 4L * MIB;
		TcpClient.create().port(ss.getLocalPort())
				.handle((in, out) -> out.send(patternStream(total, 32 * 1024, new AtomicLong())))
				.connectNow(TIMEOUT);
		try (Socket peer = ss.accept()) {
			long[] got = readToEnd(peer.getInputStream());
			assertThat(got[0]).isEqualTo(total);
			assertThat(got[1]).isEqualTo(patternCrc(total));
		}
	}

	@Test
	void handlerErrorClosesTheConnection() throws Exception {
		ServerSocket ss = serverSocket();
		AtomicInteger connected = new AtomicInteger();
		Connection c = TcpClient.create().port(ss.getLocalPort())
				.doOnConnected(x -> connected.incrementAndGet())
				.handle((in, out) -> Mono.error(new IllegalStateException("failed on purpose")))
				.connectNow(TIMEOUT);
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		assertThat(connected).hasValue(1);
		try (Socket peer = ss.accept()) {
			peer.setSoTimeout((int) TIMEOUT.toMillis());
			assertThat(readEndOfStream(peer.getInputStream())).isEqualTo(-1);
		}
	}

	@Test
	void aRefusedConnectionFailsWithAConnectException() throws Exception {
		int port = freePort();
		StepVerifier.create(TcpClient.create().port(port).connect())
				.expectErrorSatisfies(e -> {
					// the socket's own error (SO_ERROR), where Mongoose only says "socket error"
					assertThat(e).isInstanceOf(MongooseException.class)
							.hasMessage("connect to tcp://127.0.0.1:" + port + " failed: Connection refused")
							.hasCauseInstanceOf(ConnectException.class);
					assertThat(e.getCause()).hasMessage("cannot connect to tcp://127.0.0.1:" + port + ": Connection refused");
				})
				.verify(TIMEOUT);

		MongooseLoop loop = newLoop();
		assertThatThrownBy(() -> TcpClient.create().runOn(loop).port(port).connectNow(TIMEOUT))
				.isInstanceOf(MongooseException.class)
				.hasCauseInstanceOf(ConnectException.class);
		assertThat(loop.isDisposed()).isFalse();
	}

	/**
	 * A connect that fails at once, inside connect(2), says why as a refused one does: a
	 * multicast address gets ENETUNREACH from the kernel without a packet sent (as an address
	 * without a route, or no free local port, would). The error was reported inside the connect
	 * command and dropped at the next poll, so the connect failed with "connection closed" and
	 * no {@code ConnectException}, and a name's next address was not tried.
	 */
	@Test
	void aConnectThatFailsAtOnceSaysWhy() {
		for (int i = 0; i < 3; i++) { // on the shared group's loops in turn
			StepVerifier.create(TcpClient.create().host("224.0.0.1").port(9).connect())
					.expectErrorSatisfies(e -> {
						assertThat(e).isInstanceOf(MongooseException.class)
								.hasMessage("connect to tcp://224.0.0.1:9 failed: Network is unreachable")
								.hasCauseInstanceOf(ConnectException.class);
						assertThat(e.getCause()).hasMessage("cannot connect to tcp://224.0.0.1:9: Network is unreachable");
					})
					.verify(TIMEOUT);
		}
	}

	/**
	 * A name whose first address fails at once (connect(2) refuses a multicast address) is
	 * reached on its next, as after a refusal: the connect failed with "connection closed",
	 * which is not a connect failure, so the next address was not tried. The name comes from a
	 * hosts file given to a child JVM ({@code jdk.net.hosts.file}), as in
	 * {@code HttpClientNextAddressTest}.
	 */
	@Test
	void aNameWhoseFirstAddressFailsAtOnceIsReachedOnItsNext(@TempDir Path dir) throws Exception {
		Path hosts = dir.resolve("hosts");
		Files.writeString(hosts, "224.0.0.1 unreachable-first.test\n127.0.0.1 unreachable-first.test\n");
		Process p = new ProcessBuilder(Commands.childJava(), "-Djdk.net.hosts.file=" + hosts,
				"-cp", System.getProperty("java.class.path"), UnreachableFirstMain.class.getName())
			.redirectErrorStream(true).start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(45, TimeUnit.SECONDS)).as(out).isTrue();
		assertThat(out).contains("connected to 127.0.0.1");
	}

	@Test
	void aConnectThatHangsFailsAtTheConnectTimeout() throws Exception {
		try (FullBacklog backlog = FullBacklog.open()) {
			long start = System.nanoTime();
			StepVerifier.create(TcpClient.create().port(backlog.port()).connectTimeout(Duration.ofMillis(300)).connect())
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(MongooseException.class)
							.hasMessageContaining("timed out after 300 ms")
							.hasCauseInstanceOf(SocketTimeoutException.class))
					.verify(TIMEOUT);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
		}
		assertThatThrownBy(() -> TcpClient.create().connectTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void theConnectTimeoutDoesNotCutATlsHandshakeThatHasItsOwn() throws Exception {
		// the TCP connection is accepted at once, the ClientHello never answered: the handshake's
		// own timeout ends the attempt, not the (shorter) connect timeout, which is over
		try (ServerSocket silent = serverSocket()) {
			long start = System.nanoTime();
			StepVerifier.create(TcpClient.create().port(silent.getLocalPort()).connectTimeout(Duration.ofMillis(100))
							.secure(TlsSpec.forClient().handshakeTimeout(Duration.ofMillis(800))).connect())
					.expectErrorSatisfies(e -> assertThat(e).hasMessageNotContaining("timed out after 100 ms")
							.hasCauseInstanceOf(SSLHandshakeException.class))
					.verify(TIMEOUT);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
		}
	}

	@Test
	void anEstablishedConnectionOutlivesItsConnectTimeout() throws Exception {
		ServerSocket ss = serverSocket();
		CompletableFuture<Void> peer = jdkEcho(ss);
		Connection c = TcpClient.create().port(ss.getLocalPort()).connectTimeout(Duration.ofMillis(100)).connectNow(TIMEOUT);
		Thread.sleep(400); // well past the timeout, whose timer must not touch a connection that was made
		assertThat(c.isActive()).isTrue();
		c.send("late".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		StepVerifier.create(c.receive().map(b -> StandardCharsets.US_ASCII.decode(b).toString()).scan(String::concat)
						.filter(s -> s.length() == 4).next())
				.expectNext("late")
				.verifyComplete();
		c.close();
		peer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Test
	void cancellingAfterTheConnectionWasEmittedKeepsItOpen() throws Exception {
		ServerSocket ss = serverSocket();
		CompletableFuture<Void> peer = jdkEcho(ss);
		Connection c = Flux.from(TcpClient.create().port(ss.getLocalPort()).connect()).next().block(TIMEOUT);
		assertThat(c).isNotNull();
		c.send("still open".getBytes(StandardCharsets.US_ASCII)).block(TIMEOUT);
		StepVerifier.create(c.receive()
						.map(b -> StandardCharsets.US_ASCII.decode(b).toString())
						.scan(String::concat)
						.filter(s -> s.length() == 10)
						.next())
				.expectNext("still open")
				.expectComplete()
				.verify(TIMEOUT);
		assertThat(c.isActive()).isTrue();
		c.close();
		peer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
	}

	@Test
	void cancellingAConnectLeavesNoConnectionOpen() throws Exception {
		ServerSocket ss = serverSocket();
		ss.setSoTimeout(500);
		TcpClient.create().port(ss.getLocalPort()).connect().subscribe().dispose();
		// cancelled before the connection was made, or closed by the cancel once it was
		try (Socket peer = ss.accept()) {
			peer.setSoTimeout(2_000);
			try {
				assertThat(readEndOfStream(peer.getInputStream())).isEqualTo(-1);
			}
			catch (java.net.SocketTimeoutException emittedFirst) {
				// established and emitted before the cancel (a descheduled test thread): such a
				// connection stays open, see cancellingAfterTheConnectionWasEmittedKeepsItOpen
			}
		}
		catch (java.net.SocketTimeoutException notConnected) {
			// cancelled before the connection was made
		}
	}

	@Test
	void connectionsOnASharedLoopLeaveItRunning() throws Exception {
		MongooseLoop loop = newLoop();
		DisposableServer server = bind(TcpServer.create().runOn(loop).handle((in, out) -> out.send(in.receive())));
		for (int i = 0; i < 3; i++) {
			String word = "round " + i;
			StepVerifier.create(TcpClient.create().runOn(loop).port(server.port())
							.connect()
							.flatMap(c -> c.send(word.getBytes(StandardCharsets.UTF_8))
									.thenMany(c.receive())
									.map(b -> StandardCharsets.UTF_8.decode(b).toString())
									.scan(String::concat)
									.filter(s -> s.length() == word.length())
									.next()
									.doFinally(s -> c.close())))
					.expectNext(word)
					.expectComplete()
					.verify(TIMEOUT);
		}
		assertThat(loop.isDisposed()).isFalse();
	}

	/**
	 * A JDK server writes 32 MiB to a client whose reader has asked for one buffer: the client
	 * stops reading, so the server's writes block; once the reader asks for more, every byte
	 * arrives in order.
	 */
	@Test
	void aSlowReaderStopsReadingTheSocket() throws Exception {
		long total = 32L * MIB;
		ServerSocket ss = serverSocket();
		ss.setReceiveBufferSize(64 * 1024);
		AtomicLong written = new AtomicLong();
		CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
			try (Socket peer = ss.accept()) {
				peer.setSendBufferSize(64 * 1024);
				OutputStream out = peer.getOutputStream();
				for (long off = 0; off < total; off += 64 * 1024) {
					out.write(pattern(off, 64 * 1024));
					written.addAndGet(64 * 1024);
				}
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		Connection c = TcpClient.create().port(ss.getLocalPort()).connectNow(TIMEOUT);
		OneBufferReader reader = new OneBufferReader();
		c.receive().subscribe(reader);

		long stalled = awaitStable(written::get);
		assertThat(stalled).as("bytes the server could write while the client reads nothing").isLessThan(total);
		assertThat(writer).isNotDone();
		assertThat(reader.buffers).hasValue(1);

		reader.requestAll();
		writer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		StepVerifier.create(reader.done()).expectComplete().verify(TIMEOUT);
		assertThat(reader.received).hasValue(total);
		assertThat(reader.crc.getValue()).isEqualTo(patternCrc(total));
	}

	/** Our client and our server echo 32 MiB with back-pressure end to end. */
	@Test
	void echoesThirtyTwoMebibytesBetweenOurClientAndServer() {
		long total = 32L * MIB;
		DisposableServer server = bind(TcpServer.create()
				.handle((in, out) -> out.send(in.receive())));
		CRC32 crc = new CRC32();
		AtomicLong received = new AtomicLong();
		Sinks.Empty<Void> echoed = Sinks.empty();
		Connection c = TcpClient.create().port(server.port())
				.handle((in, out) -> {
					out.send(patternStream(total, 64 * 1024, new AtomicLong())).subscribe();
					return in.receive()
							.doOnNext(b -> {
								received.addAndGet(b.remaining());
								crc.update(b);
							})
							.takeUntil(b -> received.get() >= total)
							.then()
							.doOnSuccess(v -> echoed.tryEmitEmpty());
				})
				.connectNow(TIMEOUT);
		StepVerifier.create(echoed.asMono()).expectComplete().verify(Duration.ofSeconds(30));
		assertThat(received).hasValue(total);
		assertThat(crc.getValue()).isEqualTo(patternCrc(total));
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
	}

	@Test
	void manyConcurrentSendsAboveTheHighWaterMarkAllComplete() throws Exception {
		// each Connection.send over the high-water mark waits for "writable"; a waiter that
		// sends again while the others are notified must be notified too (it used to hang)
		int sends = 2_000;
		int size = 16 * 1024;
		try (ServerSocket ss = closeLater(new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))) {
			CompletableFuture<Long> drained = CompletableFuture.supplyAsync(() -> {
				try (Socket peer = ss.accept()) {
					Thread.sleep(300);
					return peer.getInputStream().transferTo(OutputStream.nullOutputStream());
				}
				catch (IOException | InterruptedException e) {
					throw new IllegalStateException(e);
				}
			});
			Connection c = TcpClient.create().port(ss.getLocalPort()).runOn(newLoop()).connectNow(TIMEOUT);
			Flux.range(0, sends).flatMap(i -> c.send(ByteBuffer.allocate(size)), 64).then().block(TIMEOUT);
			c.drain().block(TIMEOUT);
			assertThat(drained.get(10, TimeUnit.SECONDS)).isEqualTo((long) sends * size);
		}
	}
}
