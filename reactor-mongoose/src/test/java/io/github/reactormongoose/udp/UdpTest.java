/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.jni.NativeConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** {@link UdpServer} and {@link UdpClient} against the JDK's {@link DatagramChannel}, and against each other. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final List<UdpConnection> open = new java.util.ArrayList<>();

	@AfterEach
	void closeAll() {
		for (UdpConnection c : open) {
			c.dispose();
			c.onDispose().block(WAIT);
		}
	}

	private <T extends UdpConnection> T track(T c) {
		open.add(c);
		return c;
	}

	private UdpConnection echoServer() {
		return track(UdpServer.create()
				.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of(d.content(), d.address()))))
				.bindNow());
	}

	private static DatagramChannel jdk() throws Exception {
		DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
		ch.bind(new InetSocketAddress("127.0.0.1", 0));
		ch.socket().setSoTimeout(10_000);
		return ch;
	}

	/** Receives one datagram on a blocking JDK channel, with the socket's timeout. */
	private static byte[] receive(DatagramChannel ch, InetSocketAddress[] from) throws Exception {
		java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[70_000], 70_000);
		ch.socket().receive(p);
		if (from != null) {
			from[0] = (InetSocketAddress) p.getSocketAddress();
		}
		return Arrays.copyOf(p.getData(), p.getLength());
	}

	@Test
	void echoesToTheJdkSenderWithItsAddress() throws Exception {
		UdpConnection server = echoServer();
		assertThat(server.localAddress().getPort()).isPositive();
		assertThat(server.localAddress().getAddress().isLoopbackAddress()).isTrue();
		assertThat(server.remoteAddress()).isNull();
		try (DatagramChannel a = jdk(); DatagramChannel b = jdk()) {
			a.send(ByteBuffer.wrap("from a".getBytes(StandardCharsets.UTF_8)), server.localAddress());
			b.send(ByteBuffer.wrap("from b".getBytes(StandardCharsets.UTF_8)), server.localAddress());
			InetSocketAddress[] from = new InetSocketAddress[1];
			assertThat(new String(receive(b, from), StandardCharsets.UTF_8)).isEqualTo("from b");
			assertThat(from[0].getPort()).isEqualTo(server.localAddress().getPort());
			assertThat(new String(receive(a, null), StandardCharsets.UTF_8)).isEqualTo("from a");
		}
	}

	@Test
	void reportsTheSenderOfEachDatagram() throws Exception {
		UdpConnection server = track(UdpServer.create().bindNow());
		try (DatagramChannel a = jdk()) {
			a.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), server.localAddress());
			Datagram d = server.receive().blockFirst(WAIT);
			assertThat(d).isNotNull();
			assertThat(d.bytes()).containsExactly(1, 2, 3);
			assertThat(d.address()).isEqualTo(a.getLocalAddress());
		}
	}

	@Test
	void largestDatagramsPassBothWays() throws Exception {
		UdpConnection server = echoServer();
		byte[] big = new byte[Datagram.MAX_IPV4_PAYLOAD];
		new Random(7).nextBytes(big);
		try (DatagramChannel a = jdk()) {
			a.socket().setReceiveBufferSize(200_000);
			for (int size : new int[] {16_384, 16_385, 40_000, Datagram.MAX_IPV4_PAYLOAD}) {
				a.send(ByteBuffer.wrap(big, 0, size), server.localAddress());
				assertThat(receive(a, null)).as("echo of %d bytes", size).isEqualTo(Arrays.copyOf(big, size));
			}
		}
	}

	@Test
	void anEmptyDatagramIsDeliveredAndTheSocketLivesOn() throws Exception {
		UdpConnection server = echoServer();
		try (DatagramChannel a = jdk()) {
			a.send(ByteBuffer.allocate(0), server.localAddress());
			assertThat(receive(a, null)).isEmpty();
			a.send(ByteBuffer.wrap("after".getBytes(StandardCharsets.UTF_8)), server.localAddress());
			assertThat(new String(receive(a, null), StandardCharsets.UTF_8)).isEqualTo("after");
		}
		assertThat(server.isDisposed()).isFalse();
	}

	@Test
	void aConnectedClientTalksToItsPeerOnly() throws Exception {
		try (DatagramChannel peer = jdk(); DatagramChannel stranger = jdk()) {
			UdpConnection client = track(UdpClient.create()
					.port(((InetSocketAddress) peer.getLocalAddress()).getPort())
					.connectNow());
			assertThat(client.remoteAddress()).isEqualTo(peer.getLocalAddress());
			client.sendString(Flux.just("ping")).block(WAIT);
			InetSocketAddress[] from = new InetSocketAddress[1];
			assertThat(new String(receive(peer, from), StandardCharsets.UTF_8)).isEqualTo("ping");
			assertThat(from[0]).isEqualTo(client.localAddress());
			// the kernel drops the stranger's datagram on a connected socket; the peer's arrives
			stranger.send(ByteBuffer.wrap("stranger".getBytes(StandardCharsets.UTF_8)), client.localAddress());
			peer.send(ByteBuffer.wrap("pong".getBytes(StandardCharsets.UTF_8)), client.localAddress());
			InetSocketAddress peerAddress = (InetSocketAddress) peer.getLocalAddress();
			StepVerifier.create(client.receive().take(1))
					.assertNext(d -> {
						assertThat(d.text()).isEqualTo("pong");
						assertThat(d.address()).isEqualTo(peerAddress);
					})
					.verifyComplete();
		}
	}

	@Test
	void aClientWhosePeerPortIsClosedFailsWithPortUnreachable() throws Exception {
		int closedPort;
		try (DatagramChannel gone = jdk()) {
			closedPort = ((InetSocketAddress) gone.getLocalAddress()).getPort();
		}
		UdpConnection client = track(UdpClient.create().port(closedPort).connectNow());
		client.sendString(Flux.just("anyone?")).block(WAIT);
		StepVerifier.create(client.receive())
				.expectErrorSatisfies(e -> assertThat(e).hasRootCauseInstanceOf(PortUnreachableException.class)
						.hasMessageContaining("refused"))
				.verify(WAIT);
		assertThat(client.onDispose().block(WAIT)).isNull();
	}

	@Test
	void aServerSendsToAnyAddressButNeedsOne() throws Exception {
		UdpConnection server = track(UdpServer.create().bindNow());
		try (DatagramChannel a = jdk()) {
			server.send(Mono.just(Datagram.of("to a", (InetSocketAddress) a.getLocalAddress()))).block(WAIT);
			assertThat(new String(receive(a, null), StandardCharsets.UTF_8)).isEqualTo("to a");
		}
		assertThatThrownBy(() -> server.sendString(Mono.just("to nobody")).block(WAIT))
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("not connected");
		assertThat(server.isDisposed()).isFalse();
	}

	/**
	 * Every size over the family's limit (65,507 bytes on IPv4, 65,527 on IPv6) fails the same
	 * way, with the kernel's EMSGSIZE, also past 64 KiB; the socket lives on.
	 */
	@Test
	void aTooLargeDatagramFailsItsSend() {
		String tooLong = NativeConstants.errnoMessage(NativeConstants.EMSGSIZE) + " (errno " + NativeConstants.EMSGSIZE + ")";
		for (String host : List.of("127.0.0.1", "::1")) {
			int limit = host.equals("::1") ? 65_527 : Datagram.MAX_IPV4_PAYLOAD;
			UdpConnection server = track(UdpServer.create().host(host).bindNow());
			UdpConnection client = track(UdpClient.create().host(host).port(server.localAddress().getPort()).connectNow());
			Mono<List<Datagram>> received = server.receive().take(2).collectList().cache();
			received.subscribe();
			client.send(Mono.just(Datagram.of(new byte[limit], null))).block(WAIT);
			for (int size : new int[] {limit + 1, 65_535, 65_536, 65_537, 70_000, 1 << 20}) {
				assertThatThrownBy(() -> client.send(Mono.just(Datagram.of(new byte[size], null))).block(WAIT))
						.as("%d bytes to %s", size, host)
						.isExactlyInstanceOf(MongooseException.class)
						.hasMessageContaining("send a datagram of " + size + " bytes")
						.hasMessageEndingWith(tooLong);
			}
			client.sendString(Mono.just("still open")).block(WAIT);
			List<Datagram> got = received.block(WAIT);
			assertThat(got.get(0).length()).isEqualTo(limit);
			assertThat(got.get(1).text()).isEqualTo("still open");
		}
	}

	/**
	 * A send fed from outside the handler (an event feed, {@code Flux.never()}) ends when its
	 * socket closes, as on TCP: it fails with {@link ConnectionClosedException} and its source
	 * is cancelled, instead of waiting for a datagram that can no longer be sent.
	 */
	@Test
	void closingTheSocketEndsAPendingSendAndCancelsItsSource() {
		UdpConnection server = track(UdpServer.create().bindNow());
		UdpConnection client = track(UdpClient.create().port(server.localAddress().getPort()).connectNow());
		Sinks.Many<Datagram> feed = Sinks.many().unicast().onBackpressureBuffer();
		AtomicBoolean feedCancelled = new AtomicBoolean();
		Mono<Datagram> first = server.receive().next().cache();
		first.subscribe();
		StepVerifier.create(client.send(feed.asFlux().doOnCancel(() -> feedCancelled.set(true))))
				.then(() -> feed.tryEmitNext(Datagram.of("one", null)))
				.then(() -> assertThat(first.block(WAIT).text()).isEqualTo("one")) // the send is under way
				.then(client::dispose)
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionClosedException.class)
						.hasMessageContaining("closed while sending"))
				.verify(WAIT);
		assertThat(feedCancelled).isTrue();
		// a send on the closed socket ends at once, whatever its source
		StepVerifier.create(client.send(Flux.never()))
				.expectError(ConnectionClosedException.class)
				.verify(WAIT);
	}

	@Test
	void disposingTheLoopEndsThePendingSendsOfItsSockets() {
		MongooseLoop loop = MongooseLoop.create("udp-test-pending-send");
		try {
			UdpConnection server = UdpServer.create().runOn(loop).bindNow();
			UdpConnection client = UdpClient.create().runOn(loop).port(server.localAddress().getPort()).connectNow();
			AtomicInteger cancelled = new AtomicInteger();
			Mono<Void> fromServer = server.send(Flux.<Datagram>never().doOnCancel(cancelled::incrementAndGet)).cache();
			Mono<Void> fromClient = client.send(Flux.<Datagram>never().doOnCancel(cancelled::incrementAndGet)).cache();
			fromServer.subscribe(null, e -> {
			});
			fromClient.subscribe(null, e -> {
			});
			loop.disposeNow(Duration.ofSeconds(5));
			StepVerifier.create(fromServer).expectError(ConnectionClosedException.class).verify(WAIT);
			StepVerifier.create(fromClient).expectError(ConnectionClosedException.class).verify(WAIT);
			assertThat(cancelled).hasValue(2);
		}
		finally {
			loop.disposeNow();
		}
	}

	/**
	 * Cancelling a send cancels its source, and the reason its writer is stopped with goes
	 * nowhere: handed to the cancelled {@code Mono}'s sink, Reactor would pass it to
	 * {@link Hooks#onOperatorError} (which tracing and error hooks see) as a failure.
	 */
	@Test
	void aCancelledSendStopsPullingItsSourceQuietly() throws Exception {
		UdpConnection server = track(UdpServer.create().bindNow());
		UdpConnection client = track(UdpClient.create().port(server.localAddress().getPort()).connectNow());
		List<Throwable> dropped = new java.util.concurrent.CopyOnWriteArrayList<>();
		Hooks.onErrorDropped(dropped::add);
		Hooks.onOperatorError("udp-test", (e, data) -> {
			if (e instanceof ConnectionClosedException || e instanceof java.util.concurrent.CancellationException) {
				dropped.add(e);
			}
			return e;
		});
		try {
			java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
			AtomicInteger pulled = new AtomicInteger();
			Disposable send = client.send(Flux.interval(Duration.ofMillis(5))
					.map(i -> Datagram.of(Long.toString(i), null))
					.doOnNext(d -> pulled.incrementAndGet())
					.doOnCancel(cancelled::countDown))
					.subscribe();
			server.receive().take(3).blockLast(WAIT);
			send.dispose();
			assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
			int after = pulled.get();
			Mono.delay(Duration.ofMillis(100)).block();
			assertThat(pulled.get()).isEqualTo(after);
			// the socket lives on and sends again
			client.sendString(Mono.just("again")).block(WAIT);
			assertThat(dropped).isEmpty();
		}
		finally {
			Hooks.resetOnErrorDropped();
			Hooks.resetOnOperatorError("udp-test");
		}
	}

	@Test
	void aTakenPortFailsWithAddressInUse() {
		UdpConnection server = track(UdpServer.create().bindNow());
		assertThatThrownBy(() -> UdpServer.create().port(server.localAddress().getPort()).bindNow())
				.isInstanceOf(AddressInUseException.class);
	}

	@Test
	void withoutDemandReadingPausesAndEveryDatagramIsDeliveredOrCountedAsDropped() throws Exception {
		UdpConnection server = track(UdpServer.create().receiveQueue(16).receiveBufferSize(16 * 1024).bindNow());
		int sent = 3000;
		try (DatagramChannel a = jdk()) {
			byte[] payload = new byte[512];
			for (int i = 0; i < sent; i++) {
				ByteBuffer b = ByteBuffer.wrap(payload);
				b.putInt(0, i);
				a.send(b, server.localAddress());
			}
		}
		// nobody has asked for a datagram yet: the kernel dropped what its buffer could not hold
		long dropped = server.receiveDrops().block(WAIT);
		assertThat(dropped).isPositive();
		AtomicInteger received = new AtomicInteger();
		server.receive()
				.doOnNext(d -> received.incrementAndGet())
				.take(Duration.ofMillis(1500))
				.blockLast(WAIT);
		assertThat(received.get()).isGreaterThanOrEqualTo(16).isLessThan(sent);
		assertThat(received.get() + server.receiveDrops().block(WAIT)).isEqualTo(sent);
	}

	@Test
	void clientToServerAccountsForEveryDatagram() {
		UdpConnection server = track(UdpServer.create().bindNow());
		UdpConnection client = track(UdpClient.create().port(server.localAddress().getPort()).connectNow());
		AtomicInteger received = new AtomicInteger();
		server.receive().subscribe(d -> received.incrementAndGet());
		int sent = 5000;
		client.send(Flux.range(0, sent).map(i -> Datagram.of(ByteBuffer.allocate(256).putInt(0, i), null))).block(WAIT);
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (received.get() + server.receiveDrops().block(WAIT) < sent && System.nanoTime() < deadline) {
			Mono.delay(Duration.ofMillis(20)).block();
		}
		assertThat(received.get() + server.receiveDrops().block(WAIT)).isEqualTo(sent);
	}

	@Test
	void burstsOfLargeDatagramsThroughASmallSendBufferAreAllAccountedFor() {
		UdpConnection server = track(UdpServer.create().receiveBufferSize(1 << 20).bindNow());
		UdpConnection client = track(UdpClient.create().sendBufferSize(4096).port(server.localAddress().getPort())
				.connectNow());
		AtomicInteger received = new AtomicInteger();
		server.receive().subscribe(d -> {
			assertThat(d.length()).isEqualTo(60_000);
			received.incrementAndGet();
		});
		int sent = 300;
		byte[] big = new byte[60_000];
		client.send(Flux.range(0, sent).map(i -> Datagram.of(big, null))).block(WAIT);
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (received.get() + server.receiveDrops().block(WAIT) < sent && System.nanoTime() < deadline) {
			Mono.delay(Duration.ofMillis(20)).block();
		}
		assertThat(received.get() + server.receiveDrops().block(WAIT)).isEqualTo(sent);
	}

	@Test
	void runsOnTheGivenLoopAndDisposes() {
		MongooseLoop loop = MongooseLoop.create("udp-test-loop");
		try {
			UdpConnection server = UdpServer.create().runOn(loop).bindNow();
			AtomicInteger onLoop = new AtomicInteger();
			UdpConnection client = UdpClient.create().runOn(loop).port(server.localAddress().getPort()).connectNow();
			StepVerifier.create(server.receive().doOnNext(d -> {
				if (loop.inLoop()) {
					onLoop.incrementAndGet();
				}
			}))
					.then(() -> client.sendString(Mono.just("x")).block(WAIT))
					.assertNext(d -> assertThat(d.text()).isEqualTo("x"))
					.then(server::dispose)
					.verifyComplete();
			assertThat(onLoop.get()).isEqualTo(1);
			client.dispose();
			assertThat(server.onDispose().block(WAIT)).isNull();
			assertThat(client.onDispose().block(WAIT)).isNull();
			assertThat(server.isDisposed()).isTrue();
		}
		finally {
			loop.disposeNow();
		}
	}

	@Test
	void disposingTheLoopClosesItsSockets() {
		MongooseLoop loop = MongooseLoop.create("udp-test-dispose");
		UdpConnection server = UdpServer.create().runOn(loop).bindNow();
		loop.disposeNow(Duration.ofSeconds(5));
		assertThat(server.onDispose().block(WAIT)).isNull();
	}

	@Test
	void aBindCancelledBeforeItsSocketIsEmittedLeavesNoSocket() {
		MongooseLoop loop = MongooseLoop.create("udp-test-cancel");
		try {
			AtomicInteger emitted = new AtomicInteger();
			for (int i = 0; i < 50; i++) {
				// cancelled at once: either before the socket is emitted (then the bind closes it)
				// or after (then this consumer does)
				UdpServer.create().runOn(loop).bind().subscribe(c -> {
					emitted.incrementAndGet();
					c.dispose();
				}).dispose();
			}
			// every socket opened was closed again: only the loop's own wakeup socket remains
			Integer open = Mono.<Integer>create(s -> loop.execute(() -> s.success(
					io.github.reactormongoose.internal.loop.LoopAccess.engine(loop).connectionCount()))).block(WAIT);
			long deadline = System.nanoTime() + WAIT.toNanos();
			while (open != null && open > 1 && System.nanoTime() < deadline) {
				Mono.delay(Duration.ofMillis(20)).block();
				open = Mono.<Integer>create(s -> loop.execute(() -> s.success(
						io.github.reactormongoose.internal.loop.LoopAccess.engine(loop).connectionCount()))).block(WAIT);
			}
			assertThat(open).isLessThanOrEqualTo(1);
		}
		finally {
			loop.disposeNow();
		}
	}

	/**
	 * Every socket used to hold a 64 KiB read buffer of its own, 655 MB of native memory for
	 * 10,000 sockets (a DnsResolver opens one per lookup): the loop now reads all its sockets'
	 * datagrams into one buffer, and each socket still receives the largest datagram whole.
	 */
	@Test
	void manySocketsShareTheLoopsReadBuffer() throws Exception {
		MongooseLoop loop = MongooseLoop.create("udp-test-many");
		try (DatagramChannel jdk = jdk()) {
			UdpServer server = UdpServer.create().host("127.0.0.1").runOn(loop);
			UdpConnection first = server.bindNow(); // what the loop allocates once is allocated now
			long before = NativeConstants.liveBytes();
			List<UdpConnection> sockets = new java.util.ArrayList<>();
			for (int i = 0; i < 200; i++) {
				sockets.add(server.bindNow());
			}
			long perSocket = (NativeConstants.liveBytes() - before) / sockets.size();
			assertThat(perSocket).as("native bytes per socket").isLessThan(8 * 1024);
			// two largest datagrams of different content, read in the same poll: each whole and its own
			UdpConnection last = sockets.get(sockets.size() - 1);
			Mono<Datagram> toFirst = first.receive().next();
			Mono<Datagram> toLast = last.receive().next();
			byte[] a = new byte[Datagram.MAX_IPV4_PAYLOAD];
			byte[] b = new byte[Datagram.MAX_IPV4_PAYLOAD];
			Arrays.fill(a, (byte) 'a');
			Arrays.fill(b, (byte) 'b');
			jdk.send(ByteBuffer.wrap(a), first.localAddress());
			jdk.send(ByteBuffer.wrap(b), last.localAddress());
			assertThat(toFirst.block(WAIT).bytes()).isEqualTo(a);
			assertThat(toLast.block(WAIT).bytes()).isEqualTo(b);
			sockets.add(first);
			for (UdpConnection c : sockets) {
				c.dispose();
			}
			for (UdpConnection c : sockets) {
				c.onDispose().block(WAIT);
			}
		}
		finally {
			loop.disposeNow();
		}
	}

	@Test
	void theHandlersEndDisposesTheSocket() {
		UdpConnection server = track(UdpServer.create().handle((in, out) -> in.receive().take(1).then()).bindNow());
		UdpConnection client = track(UdpClient.create().port(server.localAddress().getPort()).connectNow());
		client.sendString(Mono.just("bye")).block(WAIT);
		assertThat(server.onDispose().block(WAIT)).isNull();
	}

	/**
	 * A handler whose publisher fails ends the socket as an ICMP error does: it is closed,
	 * {@code receive()} fails with the handler's error, a send pending on it fails with
	 * {@code ConnectionClosedException} whose cause is that error, and {@code onDispose()}
	 * completes, as Reactor Netty's (its {@code closeFuture}) completes whatever the handler did.
	 * A handler that throws ends it the same way. Before, only the log had the error: the socket
	 * ended as a {@code dispose()} does, {@code receive()} completed and the send's exception had
	 * no cause.
	 */
	@Test
	void aFailingHandlerEndsTheSocketWithItsErrorAndOnDisposeCompletes() throws Exception {
		Sinks.Empty<Void> handler = Sinks.empty();
		UdpConnection server = track(UdpServer.create().handle((in, out) -> handler.asMono()).bindNow());
		Mono<Void> pending = server.send(Flux.never()).cache();
		pending.subscribe(null, e -> { });
		try (DatagramChannel jdk = jdk()) {
			StepVerifier.create(server.receive())
					.then(() -> {
						try {
							jdk.send(ByteBuffer.wrap("one".getBytes(StandardCharsets.UTF_8)), server.localAddress());
						}
						catch (java.io.IOException e) {
							throw new java.io.UncheckedIOException(e);
						}
					})
					.assertNext(d -> assertThat(d.text()).isEqualTo("one"))
					.then(() -> handler.tryEmitError(new IllegalStateException("the handler failed")))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
							.hasMessage("the handler failed"))
					.verify(WAIT);
		}
		StepVerifier.create(pending)
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConnectionClosedException.class)
						.hasCauseInstanceOf(IllegalStateException.class)
						.hasRootCauseMessage("the handler failed"))
				.verify(WAIT);
		assertThat(server.onDispose().block(WAIT)).isNull();
		assertThat(server.isDisposed()).isTrue();

		UdpConnection thrown = track(UdpServer.create().handle((in, out) -> {
			throw new IllegalStateException("the handler threw");
		}).bindNow());
		StepVerifier.create(thrown.receive())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessage("the handler threw"))
				.verify(WAIT);
		assertThat(thrown.onDispose().block(WAIT)).isNull();
	}

	@Test
	void optionsAreChecked() {
		assertThatThrownBy(() -> UdpServer.create().port(65536)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> UdpClient.create().port(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> UdpServer.create().receiveQueue(1)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> UdpClient.create().receiveBufferSize(-1)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> UdpClient.create().connectNow()).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void ipv6Works() throws Exception {
		UdpConnection server = track(UdpServer.create().host("::1")
				.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of(d.content(), d.address()))))
				.bindNow());
		UdpConnection client = track(UdpClient.create().host("::1").port(server.localAddress().getPort()).connectNow());
		Mono<String> answer = client.receiveString().next();
		client.sendString(Mono.just("v6")).block(WAIT);
		assertThat(answer.block(WAIT)).isEqualTo("v6");
		assertThat(client.localAddress().getAddress().getAddress()).hasSize(16);
	}
}
