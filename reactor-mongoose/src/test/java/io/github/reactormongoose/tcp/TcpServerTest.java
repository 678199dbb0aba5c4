/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import org.junit.jupiter.api.Test;
import reactor.core.Scannable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class TcpServerTest extends TcpTestSupport {

	private static TcpServer echo() {
		return TcpServer.create().handle((in, out) -> out.send(in.receive()));
	}

	@Test
	void optionsReturnNewInstancesAndNothingBindsBeforeBind() {
		TcpServer base = TcpServer.create();
		TcpServer configured = base.host("0.0.0.0").port(7001);
		assertThat(configured).isNotSameAs(base);
		assertThat(base.host()).isEqualTo("127.0.0.1");
		assertThat(base.port()).isZero();
		assertThat(configured.host()).isEqualTo("0.0.0.0");
		assertThat(configured.port()).isEqualTo(7001);
		assertThat(base.handle((in, out) -> Mono.empty())).isNotSameAs(base);
		assertThat(base.doOnConnection(c -> {
		})).isNotSameAs(base);
		assertThatThrownBy(() -> base.port(65536)).isInstanceOf(IllegalArgumentException.class);
		// bind() is lazy: an unsubscribed Mono binds nothing
		Mono<DisposableServer> lazy = configured.bind();
		assertThat(lazy).isNotNull();
	}

	/**
	 * {@code doOnBound} and {@code doOnUnbound}, as Reactor Netty's and {@code HttpServer}'s: the
	 * bound server before {@code bind()} emits it, the disposed one before {@code onDispose()}
	 * completes; calls add up in order; a {@code doOnBound} that throws fails the bind and
	 * disposes the server. There were none on {@code TcpServer}.
	 */
	@Test
	void doOnBoundAndDoOnUnboundRunWithTheServer() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		DisposableServer server = TcpServer.create()
				.doOnBound(s -> events.add("bound " + s.port()))
				.doOnBound(s -> events.add("bound again"))
				.doOnUnbound(s -> events.add("unbound " + s.port()))
				.bindNow(TIMEOUT);
		assertThat(events).containsExactly("bound " + server.port(), "bound again");
		server.disposeNow(TIMEOUT);
		assertThat(events).containsExactly("bound " + server.port(), "bound again", "unbound " + server.port());

		AtomicReference<DisposableServer> refused = new AtomicReference<>();
		StepVerifier.create(TcpServer.create()
						.doOnBound(s -> {
							refused.set(s);
							throw new IllegalStateException("not this one");
						})
						.bind())
				.expectErrorMessage("not this one")
				.verify(TIMEOUT);
		refused.get().onDispose().block(TIMEOUT); // disposed: its onDispose() completes
		assertThat(refused.get().isDisposed()).isTrue();
	}

	@Test
	void echoesToAJdkSocketAndRunsOnThePollThread() throws Exception {
		List<String> threads = new CopyOnWriteArrayList<>();
		AtomicReference<Connection> seen = new AtomicReference<>();
		DisposableServer server = bind(TcpServer.create()
				.loopName("tcp-echo-test")
				.doOnConnection(c -> threads.add("connection:" + Thread.currentThread().getName()))
				.doOnConnection(seen::set)
				.handle((in, out) -> {
					threads.add("handler:" + Thread.currentThread().getName());
					return out.send(in.receive());
				}));
		assertThat(server.port()).isPositive();
		assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();

		Socket s = connect(server.port());
		OutputStream out = s.getOutputStream();
		InputStream in = s.getInputStream();
		for (String msg : new String[] {"hello\n", "h\u00e9llo \u2603\n", "x"}) {
			byte[] bytes = msg.getBytes(StandardCharsets.UTF_8);
			out.write(bytes);
			out.flush();
			assertThat(in.readNBytes(bytes.length)).isEqualTo(bytes);
		}
		assertThat(threads).containsExactly("connection:tcp-echo-test", "handler:tcp-echo-test");
		Connection c = seen.get();
		assertThat(c.remoteAddress().getPort()).isEqualTo(s.getLocalPort());
		assertThat(c.localAddress().getPort()).isEqualTo(server.port());
		assertThat(c.isActive()).isTrue();

		s.close();
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		assertThat(c.isActive()).isFalse();
	}

	/**
	 * {@code Connection.receive()} is a {@code ByteBufferFlux}, as {@code TcpInbound.receive()}:
	 * {@code in.connection().receive().asString()} did not compile (a plain {@code Flux}).
	 */
	@Test
	void theConnectionsReceiveHasTheByteBufferFluxConversions() throws Exception {
		DisposableServer server = bind(TcpServer.create()
				.handle((in, out) -> out.sendString(in.connection().receive().asString().map(String::toUpperCase))));
		try (Socket s = connect(server.port())) {
			s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
			s.shutdownOutput();
			assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("HELLO");
		}
	}

	@Test
	void echoesToReactorNettyTcpClient() {
		DisposableServer server = bind(echo());
		reactor.netty.Connection netty = reactor.netty.tcp.TcpClient.create()
				.host("127.0.0.1").port(server.port())
				.connectNow(TIMEOUT);
		try {
			netty.outbound().sendString(Mono.just("hello from reactor netty")).then().subscribe();
			StepVerifier.create(netty.inbound().receive().asString(StandardCharsets.UTF_8)
							.scan(String::concat)
							.filter(s -> s.length() >= 24)
							.next())
					.expectNext("hello from reactor netty")
					.expectComplete()
					.verify(TIMEOUT);
		}
		finally {
			netty.disposeNow(TIMEOUT);
		}
	}

	@Test
	void withoutAHandlerTheConnectionStaysOpenForTheConnectionCallback() throws Exception {
		DisposableServer server = bind(TcpServer.create()
				.doOnConnection(c -> c.send(c.receive()).subscribe(null, e -> c.close(), c::close)));
		Socket s = connect(server.port());
		s.getOutputStream().write("raw".getBytes(StandardCharsets.US_ASCII));
		assertThat(new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("raw");
	}

	@Test
	void receiveStringDecodesAndSendStringEncodes() throws Exception {
		DisposableServer server = bind(TcpServer.create()
				.handle((in, out) -> out.sendString(in.receiveString()
						.scan(String::concat)
						.filter(s -> s.endsWith("\n"))
						.next()
						.map(s -> s.toUpperCase() + "\u2603"))));
		Socket s = connect(server.port());
		s.getOutputStream().write("gr\u00fc\u00dfe\n".getBytes(StandardCharsets.UTF_8));
		assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
				.isEqualTo("GR\u00dcSSE\n\u2603");
	}

	@Test
	void handlerCompletionClosesTheConnectionAfterFlushingEverything() throws Exception {
		long total = 8L * MIB;
		AtomicLong pulled = new AtomicLong();
		Sinks.Empty<Void> closed = Sinks.empty();
		DisposableServer server = bind(TcpServer.create()
				.doOnConnection(c -> c.onClose().subscribe(null, null, closed::tryEmitEmpty))
				.handle((in, out) -> out.send(patternStream(total, 64 * 1024, pulled))));
		Socket s = connect(server.port());
		long[] got = readToEnd(s.getInputStream()); // ends only when the server closed
		assertThat(got[0]).isEqualTo(total);
		assertThat(got[1]).isEqualTo(patternCrc(total));
		StepVerifier.create(closed.asMono()).expectComplete().verify(TIMEOUT);
	}

	/** {@code writeTimeout}: a peer that stops reading a 256 MiB stream is reset; the handler's send fails. */
	@Test
	void aPeerThatStopsReadingIsResetAfterTheWriteTimeout() throws Exception {
		long total = 256L * MIB;
		AtomicLong pulled = new AtomicLong();
		Sinks.One<String> ended = Sinks.one();
		DisposableServer server = bind(TcpServer.create().writeTimeout(Duration.ofSeconds(1))
				.handle((in, out) -> out.send(patternStream(total, 64 * 1024, pulled))
						.doOnError(e -> ended.tryEmitValue(e.getClass().getSimpleName()))
						.doOnSuccess(v -> ended.tryEmitValue("sent"))));
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
			long t0 = System.nanoTime();
			StepVerifier.create(ended.asMono()).expectNext("AbortedException").expectComplete().verify(TIMEOUT);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(6));
			assertThat(pulled.get()).isLessThan(total);
		}
		// without it, the same peer is waited for: still sending after 2 s
		Sinks.One<String> waited = Sinks.one();
		DisposableServer patient = bind(TcpServer.create()
				.handle((in, out) -> out.send(patternStream(total, 64 * 1024, new AtomicLong()))
						.doOnError(e -> waited.tryEmitValue(e.getClass().getSimpleName()))));
		try (Socket s = connect(patient.port())) {
			StepVerifier.create(waited.asMono()).expectSubscription().expectNoEvent(Duration.ofSeconds(2)).thenCancel().verify();
		}
		assertThatThrownBy(() -> TcpServer.create().writeTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
	}

	/** The reset ends the inbound as a closed connection (the handler ended, logged at DEBUG), not as a failure. */
	@Test
	void theWriteTimeoutEndsTheInboundAsAClosedConnection() throws Exception {
		Sinks.One<Throwable> inbound = Sinks.one();
		DisposableServer server = bind(TcpServer.create().writeTimeout(Duration.ofSeconds(1))
				.handle((in, out) -> out.send(patternStream(256L * MIB, 64 * 1024, new AtomicLong()))
						.and(in.receive().doOnError(inbound::tryEmitValue).then())));
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5_000);
			Throwable e = inbound.asMono().block(TIMEOUT);
			assertThat(e).isInstanceOf(io.github.reactormongoose.ConnectionClosedException.class)
					.hasMessageMatching("connection reset by the server's write timeout: the peer took none of \\d+ bytes for \\d+ ms");
		}
	}

	@Test
	void handlerErrorClosesTheConnectionAtOnce() throws Exception {
		Sinks.Empty<Void> closed = Sinks.empty();
		DisposableServer server = bind(TcpServer.create()
				.doOnConnection(c -> c.onClose().subscribe(null, null, closed::tryEmitEmpty))
				.handle((in, out) -> out.sendString(Mono.just("partial"))
						.then(Mono.error(new IllegalStateException("handler failed on purpose")))));
		Socket s = connect(server.port());
		StepVerifier.create(closed.asMono()).expectComplete().verify(TIMEOUT);
		InputStream in = s.getInputStream();
		// whatever was already written may arrive; then the stream ends
		byte[] rest = io.github.reactormongoose.testing.RawHttp.readUntilClosed(in);
		assertThat("partial").startsWith(new String(rest, StandardCharsets.UTF_8));
	}

	@Test
	void handlerThatThrowsOrReturnsNullClosesTheConnection() throws Exception {
		AtomicInteger calls = new AtomicInteger();
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			if (calls.incrementAndGet() == 1) {
				throw new IllegalStateException("thrown on purpose");
			}
			return null;
		}));
		for (int i = 0; i < 2; i++) {
			Socket s = connect(server.port());
			assertThat(readEndOfStream(s.getInputStream())).isEqualTo(-1);
		}
		assertThat(calls).hasValue(2);
	}

	@Test
	void aThrowingConnectionCallbackClosesTheConnectionBeforeTheHandler() throws Exception {
		AtomicInteger handled = new AtomicInteger();
		DisposableServer server = bind(echo()
				.doOnConnection(c -> {
					throw new IllegalStateException("callback failed on purpose");
				})
				.handle((in, out) -> {
					handled.incrementAndGet();
					return Mono.never();
				}));
		Socket s = connect(server.port());
		assertThat(readEndOfStream(s.getInputStream())).isEqualTo(-1);
		assertThat(handled).hasValue(0);
	}

	/**
	 * The default ({@code halfClose(false)}, as Reactor Netty's): the peer's FIN closes the
	 * connection, which completes the inbound and cancels the handler (with
	 * {@code halfClose(true)} the handler goes on: TcpHalfCloseTest).
	 */
	@Test
	void peerCloseCompletesInboundAndCancelsAPendingHandler() throws Exception {
		Sinks.Empty<Void> cancelled = Sinks.empty();
		Sinks.Empty<Void> inboundDone = Sinks.empty();
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			in.receive().subscribe(null, null, inboundDone::tryEmitEmpty);
			return Mono.<Void>never().doOnCancel(cancelled::tryEmitEmpty);
		}));
		Socket s = connect(server.port());
		s.getOutputStream().write(1);
		s.close();
		StepVerifier.create(inboundDone.asMono()).expectComplete().verify(TIMEOUT);
		StepVerifier.create(cancelled.asMono()).expectComplete().verify(TIMEOUT);
	}

	/**
	 * A reset (RST) from the peer ends the inbound with {@link ConnectionClosedException}, as
	 * a close does, not with a bare {@code MongooseException("socket error")}: the handler's
	 * failure is then logged at DEBUG, not as a WARN with a stack trace for every client that
	 * resets (which any client can do, as often as it likes).
	 */
	@Test
	void aResetByThePeerEndsTheInboundAsAClosedConnection() throws Exception {
		for (int round = 0; round < 20; round++) {
			CompletableFuture<Throwable> ended = new CompletableFuture<>();
			DisposableServer server = bind(TcpServer.create().handle((in, out) -> in.receive()
					.doOnError(ended::complete)
					.doOnComplete(() -> ended.complete(null))
					.then()));
			try (Socket s = connect(server.port())) {
				s.getOutputStream().write(new byte[] {1, 2, 3});
				s.setSoLinger(true, 0); // close() sends RST
			}
			Throwable e = ended.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			if (e != null) {
				assertThat(e).isInstanceOf(ConnectionClosedException.class).hasMessageContaining("reset");
			}
			server.disposeNow(TIMEOUT);
		}
	}

	/** Every send watches the connection's close while it runs, and stops watching when done. */
	@Test
	void manySendsOnOneConnectionLeaveNoCloseWatchBehind() throws Exception {
		int sends = 2000;
		Sinks.One<Connection> conn = Sinks.one();
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			conn.tryEmitValue(out.connection());
			return Flux.range(0, sends).concatMap(i -> out.sendString(Mono.just("x"))).then(Mono.never());
		}));
		Socket s = connect(server.port());
		assertThat(s.getInputStream().readNBytes(sends)).hasSize(sends);
		Connection c = conn.asMono().block(TIMEOUT);
		long watchers = Scannable.from(c.onClose()).inners().count();
		assertThat(watchers).as("subscribers of onClose()").isLessThan(10);
	}

	@Test
	void sendToAClosedConnectionFails() throws Exception {
		Sinks.One<Connection> conn = Sinks.one();
		AtomicReference<TcpOutbound> outbound = new AtomicReference<>();
		// the peer's close closes the connection (with halfClose(true) it stays open for the handler)
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			outbound.set(out);
			conn.tryEmitValue(out.connection());
			return Mono.never();
		}));
		Socket s = connect(server.port());
		Connection c = conn.asMono().block(TIMEOUT);
		s.close();
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		StepVerifier.create(outbound.get().sendString(Mono.just("too late")))
				.expectError(io.github.reactormongoose.ConnectionClosedException.class)
				.verify(TIMEOUT);
	}

	@Test
	void bindingATakenAddressFailsWithAddressInUse() throws Exception {
		DisposableServer first = bind(echo());
		StepVerifier.create(echo().port(first.port()).bind())
				.expectErrorSatisfies(e -> assertThat(e)
						.isInstanceOf(AddressInUseException.class)
						.hasCauseInstanceOf(java.net.BindException.class))
				.verify(TIMEOUT);

		ServerSocket taken = serverSocket();
		assertThatThrownBy(() -> echo().port(taken.getLocalPort()).bindNow(TIMEOUT))
				.isInstanceOf(AddressInUseException.class);
	}

	@Test
	void disposeClosesOpenConnectionsAndStopsAccepting() throws Exception {
		DisposableServer server = bind(echo());
		Socket a = connect(server.port());
		Socket b = connect(server.port());
		a.getOutputStream().write('a');
		b.getOutputStream().write('b');
		assertThat(a.getInputStream().read()).isEqualTo('a');
		assertThat(b.getInputStream().read()).isEqualTo('b');

		server.dispose();
		StepVerifier.create(server.onDispose()).expectComplete().verify(TIMEOUT);
		assertThat(server.isDisposed()).isTrue();
		assertThat(readEndOfStream(a.getInputStream())).isEqualTo(-1);
		assertThat(readEndOfStream(b.getInputStream())).isEqualTo(-1);
		assertThatThrownBy(() -> connect(server.port())).isInstanceOf(IOException.class);
	}

	@Test
	void gracefulDisposeLetsRunningHandlersFinish() throws Exception {
		Sinks.Empty<Void> release = Sinks.empty();
		Sinks.Empty<Void> accepted = Sinks.empty();
		DisposableServer server = bind(TcpServer.create()
				.doOnConnection(c -> accepted.tryEmitEmpty())
				.handle((in, out) -> out.sendString(release.asMono().then(Mono.just("finished")))));
		Socket s = connect(server.port());
		StepVerifier.create(accepted.asMono()).expectComplete().verify(TIMEOUT);

		CompletableFuture<Void> disposed = server.disposeLater(Duration.ofSeconds(30)).toFuture();
		assertThat(server.onDispose().toFuture()).isNotDone();
		assertThat(disposed).isNotDone();
		release.tryEmitEmpty();
		assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("finished");
		disposed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		StepVerifier.create(server.onDispose()).expectComplete().verify(TIMEOUT);
	}

	@Test
	void disposeNowClosesConnectionsThatOutliveTheTimeout() throws Exception {
		DisposableServer server = bind(echo());
		Socket s = connect(server.port());
		s.getOutputStream().write('!');
		assertThat(s.getInputStream().read()).isEqualTo('!');
		server.disposeNow(Duration.ofMillis(200));
		assertThat(readEndOfStream(s.getInputStream())).isEqualTo(-1);
	}

	@Test
	void aServerOnASharedLoopLeavesTheLoopRunning() throws Exception {
		MongooseLoop loop = newLoop();
		DisposableServer first = echo().runOn(loop).bindNow(TIMEOUT);
		DisposableServer second = bind(echo().runOn(loop));
		first.disposeNow();
		assertThat(loop.isDisposed()).isFalse();
		Socket s = connect(second.port());
		s.getOutputStream().write('x');
		assertThat(s.getInputStream().read()).isEqualTo('x');

		// disposing the loop stops the servers on it
		loop.disposeNow(Duration.ofMillis(500));
		StepVerifier.create(second.onDispose()).expectComplete().verify(TIMEOUT);
		assertThat(readEndOfStream(s.getInputStream())).isEqualTo(-1);
		StepVerifier.create(echo().runOn(loop).bind()).expectError(IllegalStateException.class).verify(TIMEOUT);
	}

	/**
	 * The server writes 32 MiB to a peer that does not read: the producer is pulled only while
	 * the send buffer is below the high-water mark, so pulling stops far short of 32 MiB; once
	 * the peer reads, every byte arrives in order and the connection closes.
	 */
	@Test
	void aSlowReaderStopsTheProducer() throws Exception {
		long total = 32L * MIB;
		assertThat(pulledWhileThePeerReadsNothing(total, 64 * 1024)).as("bytes pulled while the peer reads nothing")
				.isPositive().isLessThan(total / 2);
	}

	/**
	 * A source of large items (4 MiB each) for a peer that does not read is pulled at most an
	 * item past the high-water mark, not the 32 items the send keeps requested: each item pulled
	 * is copied into the native send buffer at once, so 32 of them were 128 MiB of native memory.
	 */
	@Test
	void aSlowReaderStopsAProducerOfLargeItemsAtTheMark() throws Exception {
		int item = 4 * MIB;
		// the first item goes past the 256 KiB mark; the socket may take up to one more
		assertThat(pulledWhileThePeerReadsNothing(64L * MIB, item)).as("bytes pulled while the peer reads nothing")
				.isPositive().isLessThanOrEqualTo(2L * item);
	}

	/**
	 * The server sends {@code total} bytes in items of {@code item} bytes to a peer with a small
	 * receive buffer that reads nothing until the pulling stopped, then everything: the bytes
	 * pulled by then. Checks that every byte then arrives in order and the whole source was pulled.
	 */
	private long pulledWhileThePeerReadsNothing(long total, int item) throws Exception {
		AtomicLong pulled = new AtomicLong();
		DisposableServer server = bind(TcpServer.create()
				.handle((in, out) -> out.send(patternStream(total, item, pulled))));
		Socket s = new Socket();
		closeLater(s);
		s.setReceiveBufferSize(64 * 1024);
		s.connect(server.address(), 5_000);
		s.setSoTimeout((int) TIMEOUT.toMillis());

		long stalled = awaitStable(pulled::get);

		long[] got = readToEnd(s.getInputStream());
		assertThat(got[0]).isEqualTo(total);
		assertThat(got[1]).isEqualTo(patternCrc(total));
		assertThat(pulled.get()).isEqualTo(total);
		return stalled;
	}

	/**
	 * A peer writes 32 MiB to a handler that has asked for one buffer: the server stops reading
	 * the socket (64 buffers at most wait in memory), so the peer's writes block; once the
	 * handler asks for more, everything arrives in order.
	 */
	@Test
	void aSlowHandlerStopsReadingTheSocket() throws Exception {
		long total = 32L * MIB;
		OneBufferReader reader = new OneBufferReader();
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			in.receive().subscribe(reader);
			return reader.done();
		}));
		Socket s = new Socket();
		closeLater(s);
		s.setSendBufferSize(64 * 1024);
		s.connect(server.address(), 5_000);
		AtomicLong written = new AtomicLong();
		CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
			try {
				OutputStream out = s.getOutputStream();
				for (long off = 0; off < total; off += 64 * 1024) {
					out.write(pattern(off, 64 * 1024));
					written.addAndGet(64 * 1024);
				}
				s.shutdownOutput();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});

		long stalled = awaitStable(written::get);
		assertThat(stalled).as("bytes the peer could write while the handler reads nothing").isLessThan(total);
		assertThat(writer).isNotDone();
		assertThat(reader.buffers).hasValue(1);

		reader.requestAll();
		writer.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		StepVerifier.create(reader.done()).expectComplete().verify(TIMEOUT);
		assertThat(reader.received).hasValue(total);
		assertThat(reader.crc.getValue()).isEqualTo(patternCrc(total));
	}

	/**
	 * A peer that resets a connection whose reading is paused (the handler asked for one buffer,
	 * the inbound queue is full) closes it, as Reactor Netty's epoll transport does: its
	 * descriptor goes at once, and the handler's inbound, after the buffers already queued,
	 * fails with "connection reset by the peer". The paused socket was out of the epoll set, so
	 * the reset was never seen and the connection stayed until the handler ended.
	 */
	@Test
	void aResetOfAPausedConnectionClosesIt() throws Exception {
		OneBufferReader reader = new OneBufferReader();
		Sinks.One<Connection> accepted = Sinks.one();
		DisposableServer server = bind(TcpServer.create().doOnConnection(accepted::tryEmitValue).handle((in, out) -> {
			in.receive().subscribe(reader);
			return reader.done().onErrorResume(e -> Mono.never());
		}));
		Socket s = new Socket();
		closeLater(s);
		s.connect(server.address(), 5_000);
		AtomicLong written = new AtomicLong();
		CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
			try {
				OutputStream out = s.getOutputStream();
				for (long off = 0; off < 32L * MIB; off += 64 * 1024) {
					out.write(new byte[64 * 1024]);
					written.addAndGet(64 * 1024);
				}
			}
			catch (IOException e) {
				// the reset below ends the blocked write
			}
		});
		awaitStable(written::get);
		assertThat(writer).as("the peer's writes block: reading is paused").isNotDone();
		assertThat(reader.buffers).hasValue(1);
		Connection c = accepted.asMono().block(TIMEOUT);

		s.setSoLinger(true, 0);
		s.close();
		StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		// the buffers read before the reset stay the handler's, then the reset follows them
		reader.requestAll();
		StepVerifier.create(reader.done())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionClosedException.class)
						.hasMessage("connection reset by the peer"))
				.verify(TIMEOUT);
	}

	/**
	 * A FIN on a paused connection keeps it, as Reactor Netty does: the bytes still queued and in
	 * the kernel arrive, then the end, once the handler asks for more.
	 */
	@Test
	void aHalfCloseOfAPausedConnectionKeepsItsData() throws Exception {
		long total = 2L * MIB; // more than the 64 buffers of 16 KiB that pause reading
		OneBufferReader reader = new OneBufferReader();
		DisposableServer server = bind(TcpServer.create().handle((in, out) -> {
			in.receive().subscribe(reader);
			return reader.done();
		}));
		Socket s = new Socket();
		closeLater(s);
		s.setSendBufferSize(4 * MIB);
		s.connect(server.address(), 5_000);
		OutputStream out = s.getOutputStream();
		for (long off = 0; off < total; off += 64 * 1024) {
			out.write(pattern(off, 64 * 1024));
		}
		s.shutdownOutput();
		awaitStable(reader.received::get);
		assertThat(reader.buffers).hasValue(1);

		reader.requestAll();
		StepVerifier.create(reader.done()).expectComplete().verify(TIMEOUT);
		assertThat(reader.received).hasValue(total);
		assertThat(reader.crc.getValue()).isEqualTo(patternCrc(total));
	}

	/**
	 * Cancelling a send stops pulling its source, as in Reactor Netty: "tick until the peer
	 * speaks, then say bye" (takeUntilOther cancels the ticking send) ends the ticks, and nothing
	 * follows the bye. The source kept being pulled and written until the connection closed.
	 */
	@Test
	void aCancelledSendStopsPullingItsSource() throws Exception {
		AtomicReference<String> sourceEnd = new AtomicReference<>();
		DisposableServer s = bind(TcpServer.create().handle((in, out) -> out
				.sendString(Flux.interval(Duration.ofMillis(20)).map(i -> "tick" + i + "\n").doOnCancel(() -> sourceEnd.set("cancelled")))
				.then().takeUntilOther(in.receive().next())
				.then(out.sendString(Mono.just("bye\n")).then())
				.then(Mono.never())));
		try (Socket c = connect(s.port())) {
			c.setSoTimeout(5000);
			InputStream in = c.getInputStream();
			byte[] buf = new byte[4096];
			assertThat(new String(buf, 0, in.read(buf), StandardCharsets.US_ASCII)).startsWith("tick");
			c.getOutputStream().write("stop".getBytes(StandardCharsets.US_ASCII));
			StringBuilder after = new StringBuilder();
			long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(600);
			c.setSoTimeout(100);
			while (System.nanoTime() < end) {
				try {
					int n = in.read(buf);
					if (n < 0) {
						break;
					}
					after.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
				}
				catch (java.net.SocketTimeoutException e) {
					// nothing this time
				}
			}
			String text = after.toString();
			assertThat(text).contains("bye\n");
			assertThat(text.substring(text.indexOf("bye\n") + 4)).as("nothing after the bye: " + text).isEmpty();
			assertThat(sourceEnd.get()).isEqualTo("cancelled");
		}
	}
}
