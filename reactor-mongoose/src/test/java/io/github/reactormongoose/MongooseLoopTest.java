/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.ConnectionEvent.Type;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.testing.LoopHold;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MongooseLoopTest extends BaseHttpTest {

	private static Socket connect(int port) throws Exception {
		Socket s = new Socket();
		s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
		s.setSoTimeout(10_000);
		return s;
	}

	private static ServerSocket serverSocket() throws Exception {
		ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		ss.setSoTimeout(10_000);
		return ss;
	}

	/** A non-periodic pattern: the byte at stream offset {@code k}. */
	private static byte patternAt(long k) {
		return (byte) (k ^ (k >>> 8) ^ (k >>> 16) ^ (k >>> 24) * 31);
	}

	private static ByteBuffer patternChunk(long offset, int size) {
		byte[] b = new byte[size];
		for (int i = 0; i < size; i++) {
			b[i] = patternAt(offset + i);
		}
		return ByteBuffer.wrap(b);
	}

	private static byte[] bytes(ByteBuffer b) {
		byte[] a = new byte[b.remaining()];
		b.duplicate().get(a);
		return a;
	}

	/** Listens and echoes every READ; returns the bound port. */
	private int echoServer(MongooseLoop loop, List<ConnectionEvent> events, CountDownLatch closed) throws Exception {
		CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
		track(loop.listen("tcp://127.0.0.1:0")
				.doOnNext(e -> {
					events.add(e);
					if (e.type() == Type.BOUND) {
						bound.complete(e.connection().localAddress());
					}
					if (e.type() == Type.CLOSE) {
						closed.countDown();
					}
				})
				.filter(e -> e.type() == Type.READ)
				.flatMap(e -> e.connection().send(e.data()))
				.subscribe(null, bound::completeExceptionally));
		InetSocketAddress address = bound.get(10, TimeUnit.SECONDS);
		assertThat(address.getAddress().isLoopbackAddress()).isTrue();
		assertThat(address.getPort()).isPositive();
		return address.getPort();
	}

	/**
	 * A port the URI names beyond 65535 is refused, naming it: Mongoose's URL parser cuts it to
	 * 16 bits, so tcp://127.0.0.1:(p + 65536) listened on port p, a port nobody asked for.
	 */
	@Test
	void listenRefusesAPortBeyond65535() {
		MongooseLoop loop = newLoop();
		for (String url : new String[] {"tcp://127.0.0.1:65536", "tcp://127.0.0.1:70000", "tcp://[::1]:99999"}) {
			StepVerifier.create(loop.listen(url))
					.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
							.hasMessageContaining("not in 0..65535").hasMessageContaining(url))
					.verify(Duration.ofSeconds(5));
		}
	}

	@Test
	void listenReportsTheBoundPortAndEchoesBinaryData() throws Exception {
		MongooseLoop loop = newLoop();
		int port = echoServer(loop, new CopyOnWriteArrayList<>(), new CountDownLatch(1));

		byte[] message = new byte[100_000];
		for (int i = 0; i < message.length; i++) {
			message[i] = (byte) (i % 7 == 0 ? 0 : i * 13);
		}
		try (Socket s = connect(port)) {
			s.getOutputStream().write(message);
			assertThat(s.getInputStream().readNBytes(message.length)).isEqualTo(message);
		}
	}

	@Test
	void acceptReadAndCloseEventsArriveInOrderOnThePollThread() throws Exception {
		MongooseLoop loop = newLoop("rmg-events");
		List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
		List<String> threads = new CopyOnWriteArrayList<>();
		CountDownLatch closed = new CountDownLatch(1);
		CompletableFuture<Integer> port = new CompletableFuture<>();
		track(loop.listen("tcp://127.0.0.1:0")
				.doOnNext(e -> {
					events.add(e);
					threads.add(Thread.currentThread().getName());
					if (e.type() == Type.BOUND) {
						port.complete(e.connection().localAddress().getPort());
					}
					if (e.type() == Type.CLOSE) {
						closed.countDown();
					}
				})
				.filter(e -> e.type() == Type.READ)
				.flatMap(e -> e.connection().send(e.data()))
				.subscribe());

		int clientPort;
		try (Socket s = connect(port.get(10, TimeUnit.SECONDS))) {
			clientPort = s.getLocalPort();
			s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
			assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII)).isEqualTo("ping");
		}
		assertThat(closed.await(10, TimeUnit.SECONDS)).as("CLOSE event").isTrue();

		assertThat(events).hasSizeGreaterThanOrEqualTo(4);
		assertThat(events.get(0).type()).isEqualTo(Type.BOUND);
		assertThat(events.get(1).type()).isEqualTo(Type.ACCEPT);
		assertThat(events.get(events.size() - 1).type()).isEqualTo(Type.CLOSE);
		List<ConnectionEvent> middle = events.subList(2, events.size() - 1);
		assertThat(middle).isNotEmpty().allSatisfy(e -> assertThat(e.type()).isIn(Type.READ, Type.WRITE, Type.ERROR));
		// the echo was flushed: a WRITE (send buffer fully written) follows the first READ
		List<Type> types = middle.stream().map(ConnectionEvent::type).toList();
		assertThat(types.indexOf(Type.WRITE)).isGreaterThan(types.indexOf(Type.READ));
		String received = middle.stream()
				.filter(e -> e.type() == Type.READ)
				.map(e -> new String(bytes(e.data()), StandardCharsets.US_ASCII))
				.reduce("", String::concat);
		assertThat(received).isEqualTo("ping");

		Connection accepted = events.get(1).connection();
		assertThat(accepted.remoteAddress().getPort()).isEqualTo(clientPort);
		assertThat(events.subList(1, events.size())).allSatisfy(e -> assertThat(e.connection().id()).isEqualTo(accepted.id()));
		assertThat(accepted.id()).isNotEqualTo(events.get(0).connection().id());
		assertThat(threads).containsOnly("rmg-events");
		StepVerifier.create(accepted.onClose()).expectComplete().verify(TIMEOUT);
		assertThat(accepted.isActive()).isFalse();
	}

	@Test
	void connectSendsAndReceivesWithAPlainServerSocket() throws Exception {
		MongooseLoop loop = newLoop();
		try (ServerSocket ss = serverSocket()) {
			Connection c = loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).block(TIMEOUT);
			assertThat(c).isNotNull();
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout(10_000);
				assertThat(c.isActive()).isTrue();
				assertThat(c.remoteAddress().getPort()).isEqualTo(ss.getLocalPort());
				assertThat(c.localAddress().getPort()).isEqualTo(peer.getPort());

				StepVerifier.create(c.send("ping\0".getBytes(StandardCharsets.US_ASCII)))
						.expectComplete()
						.verify(TIMEOUT);
				assertThat(peer.getInputStream().readNBytes(5)).isEqualTo("ping\0".getBytes(StandardCharsets.US_ASCII));

				peer.getOutputStream().write("pong\0!".getBytes(StandardCharsets.US_ASCII));
				peer.shutdownOutput();
				StepVerifier.create(c.receive()
								.collect(ByteArrayOutputStream::new, (out, b) -> out.writeBytes(bytes(b)))
								.map(ByteArrayOutputStream::toByteArray))
						.assertNext(b -> assertThat(b).isEqualTo("pong\0!".getBytes(StandardCharsets.US_ASCII)))
						.expectComplete()
						.verify(TIMEOUT);
			}
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
			assertThat(c.isActive()).isFalse();
			StepVerifier.create(c.send("late".getBytes(StandardCharsets.US_ASCII)))
					.expectError(ConnectionClosedException.class)
					.verify(TIMEOUT);
		}
	}

	/**
	 * Connection.shutdownOutput() on a MongooseLoop.connect connection: the peer reads the end
	 * of its input after the bytes sent before, and its answer still arrives.
	 */
	@Test
	void connectShutsDownItsOutputAndStillReceives() throws Exception {
		MongooseLoop loop = newLoop();
		try (ServerSocket ss = serverSocket()) {
			Connection c = loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).block(TIMEOUT);
			assertThat(c).isNotNull();
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout(10_000);
				StepVerifier.create(c.send("question".getBytes(StandardCharsets.US_ASCII)).then(c.shutdownOutput()))
						.expectComplete()
						.verify(TIMEOUT);
				assertThat(peer.getInputStream().readAllBytes()).isEqualTo("question".getBytes(StandardCharsets.US_ASCII));
				StepVerifier.create(c.send("late".getBytes(StandardCharsets.US_ASCII)))
						.expectError(ConnectionClosedException.class)
						.verify(TIMEOUT);
				peer.getOutputStream().write("answer".getBytes(StandardCharsets.US_ASCII));
				peer.shutdownOutput();
				StepVerifier.create(c.receive()
								.collect(ByteArrayOutputStream::new, (out, b) -> out.writeBytes(bytes(b)))
								.map(ByteArrayOutputStream::toByteArray))
						.assertNext(b -> assertThat(b).isEqualTo("answer".getBytes(StandardCharsets.US_ASCII)))
						.expectComplete()
						.verify(TIMEOUT);
			}
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		}
	}

	/**
	 * Connection.shutdownOutput() on a connection of MongooseLoop.listen: the client reads the
	 * greeting and the end of its input, and what it sends afterwards still arrives (READ, then
	 * HALF_CLOSE at its own FIN with listen(url, true)).
	 */
	@Test
	void listenedConnectionShutsDownItsOutputAndStillReads() throws Exception {
		MongooseLoop loop = newLoop();
		java.util.concurrent.BlockingQueue<ConnectionEvent> events = new java.util.concurrent.LinkedBlockingQueue<>();
		CompletableFuture<Integer> port = new CompletableFuture<>();
		CompletableFuture<Void> shut = new CompletableFuture<>();
		track(loop.listen("tcp://127.0.0.1:0", true)
				.doOnNext(e -> {
					if (e.type() == Type.BOUND) {
						port.complete(e.connection().localAddress().getPort());
					}
					else if (e.type() == Type.ACCEPT) {
						e.connection().send("hello".getBytes(StandardCharsets.US_ASCII)).then(e.connection().shutdownOutput())
								.subscribe(null, shut::completeExceptionally, () -> shut.complete(null));
					}
					else {
						events.add(e);
					}
				})
				.subscribe(null, port::completeExceptionally));
		try (Socket s = connect(port.get(10, TimeUnit.SECONDS))) {
			assertThat(s.getInputStream().readAllBytes()).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
			shut.get(10, TimeUnit.SECONDS);
			s.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
			s.shutdownOutput();
			StringBuilder read = new StringBuilder();
			List<Type> types = new ArrayList<>();
			ConnectionEvent e;
			while ((e = events.poll(10, TimeUnit.SECONDS)) != null && e.type() != Type.HALF_CLOSE && e.type() != Type.CLOSE) {
				types.add(e.type());
				if (e.type() == Type.READ) {
					read.append(StandardCharsets.US_ASCII.decode(e.data()));
				}
			}
			assertThat(e).as("the event after %s", types).isNotNull();
			assertThat(e.type()).as("the event after %s", types).isEqualTo(Type.HALF_CLOSE);
			assertThat(read).hasToString("still here");
			e.connection().close();
		}
	}

	@Test
	void sendPublisherOfFourMebibytesToASlowReaderDeliversEveryByteInOrder() throws Exception {
		MongooseLoop loop = newLoop();
		int chunk = 64 * 1024;
		int chunks = 64;
		int total = chunk * chunks;
		try (ServerSocket ss = serverSocket()) {
			Connection c = loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).block(TIMEOUT);
			assertThat(c).isNotNull();
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout(10_000);
				CompletableFuture<Void> sent = c.send(Flux.range(0, chunks)
								.map(i -> patternChunk((long) i * chunk, chunk)))
						.toFuture();

				byte[] received = new byte[total];
				InputStream in = peer.getInputStream();
				int off = 0;
				while (off < total) {
					int n = in.read(received, off, Math.min(16 * 1024, total - off));
					assertThat(n).as("bytes read at offset %d", off).isPositive();
					off += n;
					if ((off / (16 * 1024)) % 8 == 0) {
						Thread.sleep(2); // a slow reader, not synchronisation
					}
				}
				sent.get(30, TimeUnit.SECONDS);
				for (int i = 0; i < total; i++) {
					if (received[i] != patternAt(i)) {
						throw new AssertionError("byte " + i + " differs: " + received[i] + " != " + patternAt(i));
					}
				}
			}
		}
	}

	@Test
	void sendPublisherStopsPullingWhileThePeerDoesNotReadAndFailsWhenItGoesAway() throws Exception {
		MongooseLoop loop = newLoop();
		int chunk = 64 * 1024;
		int chunks = 1024; // 64 MiB, far beyond socket buffers and the high-water mark
		AtomicInteger pulled = new AtomicInteger();
		try (ServerSocket ss = serverSocket()) {
			Connection c = loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).block(TIMEOUT);
			assertThat(c).isNotNull();
			Socket peer = ss.accept();
			CompletableFuture<Void> sent = c.send(Flux.range(0, chunks)
							.doOnNext(i -> pulled.incrementAndGet())
							.map(i -> patternChunk((long) i * chunk, chunk)))
					.toFuture();

			io.github.reactormongoose.testing.Stable.await(pulled::get); // pulling stops: the peer reads nothing
			assertThat((long) pulled.get() * chunk).as("bytes pulled while the peer reads nothing")
					.isLessThan(32L * 1024 * 1024);
			assertThat(sent).isNotDone();

			peer.setSoLinger(true, 0);
			peer.close();
			assertThatThrownBy(() -> sent.get(10, TimeUnit.SECONDS))
					.hasCauseInstanceOf(MongooseException.class);
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		}
	}

	@Test
	void scheduleRunsOnThePollThreadAndCancelledTasksDoNotRun() throws Exception {
		MongooseLoop loop = newLoop("rmg-sched");
		assertThat(loop.name()).isEqualTo("rmg-sched");
		assertThat(loop.inLoop()).isFalse();

		CompletableFuture<String> thread = new CompletableFuture<>();
		CompletableFuture<Boolean> inLoop = new CompletableFuture<>();
		loop.schedule(Duration.ofMillis(20), () -> {
			inLoop.complete(loop.inLoop());
			thread.complete(Thread.currentThread().getName());
		});
		assertThat(thread.get(10, TimeUnit.SECONDS)).isEqualTo("rmg-sched");
		assertThat(inLoop.get(10, TimeUnit.SECONDS)).isTrue();

		AtomicInteger cancelledRuns = new AtomicInteger();
		Disposable cancelled = loop.schedule(Duration.ofMillis(200), cancelledRuns::incrementAndGet);
		cancelled.dispose();
		assertThat(cancelled.isDisposed()).isTrue();
		CountDownLatch later = new CountDownLatch(1);
		loop.schedule(Duration.ofMillis(400), later::countDown);
		assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(cancelledRuns).hasValue(0);

		CompletableFuture<String> executed = new CompletableFuture<>();
		loop.execute(() -> executed.complete(Thread.currentThread().getName()));
		assertThat(executed.get(10, TimeUnit.SECONDS)).isEqualTo("rmg-sched");
	}

	/**
	 * Commands queued from other threads must wake the poll thread: with a 5 s maximum poll
	 * time, a lost wakeup shows as a multi-second stall.
	 */
	@Test
	void executeFromOtherThreadsWakesThePollThreadEveryTime() throws Exception {
		MongooseLoop loop = track(MongooseLoop.builder().name("rmg-wakeup").maxPollTime(Duration.ofSeconds(5)).build());
		long worstNanos = 0;
		for (int i = 0; i < 300; i++) {
			CompletableFuture<Long> ran = new CompletableFuture<>();
			long t0 = System.nanoTime();
			loop.execute(() -> ran.complete(System.nanoTime()));
			Long at;
			try {
				at = ran.get(2, TimeUnit.SECONDS);
			}
			catch (java.util.concurrent.TimeoutException e) {
				throw new AssertionError("task " + i + " queued from another thread did not run within 2 s "
						+ "(maxPollTime 5 s): the wakeup was lost", e);
			}
			worstNanos = Math.max(worstNanos, at - t0);
		}
		assertThat(Duration.ofNanos(worstNanos)).as("worst queue-to-run latency").isLessThan(Duration.ofMillis(500));
	}

	@Test
	void schedulePeriodicallyRepeatsOnThePollThreadUntilCancelled() throws Exception {
		MongooseLoop loop = newLoop("rmg-periodic");
		AtomicInteger runs = new AtomicInteger();
		List<String> threads = new CopyOnWriteArrayList<>();
		CountDownLatch three = new CountDownLatch(3);
		Disposable periodic = loop.schedulePeriodically(Duration.ofMillis(10), Duration.ofMillis(20), () -> {
			runs.incrementAndGet();
			threads.add(Thread.currentThread().getName());
			three.countDown();
		});
		assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
		periodic.dispose();
		int atCancel = runs.get();

		CountDownLatch later = new CountDownLatch(1);
		loop.schedule(Duration.ofMillis(200), later::countDown);
		assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(runs.get()).as("runs after cancel (one may have been in flight)").isBetween(atCancel, atCancel + 1);
		assertThat(threads).containsOnly("rmg-periodic");

		assertThatThrownBy(() -> loop.schedulePeriodically(Duration.ZERO, Duration.ZERO, () -> {
		})).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void blockingInsideAnEventHandlerOnThePollThreadThrows() throws Exception {
		MongooseLoop loop = newLoop();
		CompletableFuture<Integer> port = new CompletableFuture<>();
		CompletableFuture<Throwable> failure = new CompletableFuture<>();
		track(loop.listen("tcp://127.0.0.1:0")
				.doOnNext(e -> {
					if (e.type() == Type.BOUND) {
						port.complete(e.connection().localAddress().getPort());
					}
				})
				.filter(e -> e.type() == Type.READ)
				.doOnNext(e -> {
					try {
						Mono.delay(Duration.ofMillis(10)).block(Duration.ofSeconds(2));
						failure.complete(null);
					}
					catch (Throwable t) {
						failure.complete(t);
					}
				})
				.subscribe());
		try (Socket s = connect(port.get(10, TimeUnit.SECONDS))) {
			s.getOutputStream().write(1);
			assertThat(failure.get(10, TimeUnit.SECONDS))
					.isInstanceOf(IllegalStateException.class)
					.hasMessageContaining("block");
		}

		CompletableFuture<Throwable> fromExecute = new CompletableFuture<>();
		loop.execute(() -> {
			try {
				Mono.delay(Duration.ofMillis(1)).block();
				fromExecute.complete(null);
			}
			catch (Throwable t) {
				fromExecute.complete(t);
			}
		});
		assertThat(fromExecute.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);

		CompletableFuture<Throwable> disposeNowInLoop = new CompletableFuture<>();
		loop.execute(() -> {
			try {
				loop.disposeNow();
				disposeNowInLoop.complete(null);
			}
			catch (Throwable t) {
				disposeNowInLoop.complete(t);
			}
		});
		assertThat(disposeNowInLoop.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
		assertThat(loop.isDisposed()).isFalse();

		// on another loop's poll thread too, for a loop and a group: refused before anything is disposed
		MongooseLoop other = newLoop();
		MongooseLoops group = MongooseLoops.create("refused", 1);
		try {
			CompletableFuture<List<Throwable>> fromOther = new CompletableFuture<>();
			other.execute(() -> {
				List<Throwable> thrown = new ArrayList<>();
				for (Runnable dispose : new Runnable[] {loop::disposeNow, group::disposeNow}) {
					try {
						dispose.run();
					}
					catch (Throwable t) {
						thrown.add(t);
					}
				}
				fromOther.complete(thrown);
			});
			assertThat(fromOther.get(10, TimeUnit.SECONDS)).hasSize(2).allSatisfy(t -> assertThat(t)
					.isInstanceOf(IllegalStateException.class).hasMessageContaining("disposeLater"));
			assertThat(loop.isDisposed()).isFalse();
			assertThat(group.isDisposed()).isFalse();
		}
		finally {
			group.disposeNow();
		}
	}

	/**
	 * Servers bound and disposed one after the other on a loop that lives on (a test suite, a
	 * server restarted by its application on the shared loops) leave no native memory behind:
	 * a listener's options went only with the loop, 120 bytes a bind.
	 */
	@Test
	void serversBoundAndDisposedOnALiveLoopLeaveNoNativeMemory() throws Exception {
		MongooseLoop loop = newLoop();
		java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
		long[] baseline = new long[2];
		for (int i = 0; i < 30; i++) {
			io.github.reactormongoose.DisposableServer server = io.github.reactormongoose.http.server.HttpServer.create()
					.host("127.0.0.1").port(0).runOn(loop)
					.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("up")))).bindNow(TIMEOUT);
			assertThat(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.port() + "/"))
					.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("up");
			server.disposeNow(TIMEOUT);
			if (i == 4) { // after the loop's own buffers have grown to what they keep
				baseline[0] = io.github.reactormongoose.internal.jni.NativeConstants.liveAllocations();
				baseline[1] = io.github.reactormongoose.internal.jni.NativeConstants.liveBytes();
			}
		}
		assertThat(io.github.reactormongoose.internal.jni.NativeConstants.liveAllocations()).as("allocations")
				.isLessThanOrEqualTo(baseline[0]);
		assertThat(io.github.reactormongoose.internal.jni.NativeConstants.liveBytes()).as("bytes")
				.isLessThanOrEqualTo(baseline[1]);
	}

	@Test
	void disposingTwiceIsHarmless() {
		MongooseLoop loop = newLoop();
		loop.dispose();
		loop.dispose();
		assertThatCode(loop::disposeNow).doesNotThrowAnyException();
		assertThatCode(loop::disposeNow).doesNotThrowAnyException();
		assertThatCode(loop::dispose).doesNotThrowAnyException();
		assertThat(loop.isDisposed()).isTrue();
		StepVerifier.create(loop.onDispose()).expectComplete().verify(TIMEOUT);
	}

	@Test
	void usingADisposedLoopFailsWithAClearMessage() {
		MongooseLoop loop = newLoop("rmg-disposed");
		loop.disposeNow();

		assertThatThrownBy(() -> loop.schedule(Duration.ofMillis(1), () -> {
		})).isInstanceOf(IllegalStateException.class).hasMessageContaining("rmg-disposed").hasMessageContaining("disposed");
		assertThatThrownBy(() -> loop.schedulePeriodically(Duration.ZERO, Duration.ofMillis(1), () -> {
		})).isInstanceOf(IllegalStateException.class).hasMessageContaining("disposed");
		assertThatThrownBy(() -> loop.execute(() -> {
		})).isInstanceOf(IllegalStateException.class).hasMessageContaining("disposed");
		StepVerifier.create(loop.listen("tcp://127.0.0.1:0"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("rmg-disposed").hasMessageContaining("disposed"))
				.verify(TIMEOUT);
		StepVerifier.create(loop.connect("tcp://127.0.0.1:9"))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
						.hasMessageContaining("disposed"))
				.verify(TIMEOUT);
	}

	@Test
	void disposeLaterClosesConnectionsAndCompletes() throws Exception {
		MongooseLoop loop = newLoop();
		List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
		CountDownLatch closed = new CountDownLatch(1);
		int port = echoServer(loop, events, closed);
		try (Socket s = connect(port)) {
			s.getOutputStream().write('x');
			assertThat(s.getInputStream().read()).isEqualTo('x');

			StepVerifier.create(loop.disposeLater(Duration.ofMillis(500)))
					.expectComplete()
					.verify(TIMEOUT);
			assertThat(loop.isDisposed()).isTrue();
			StepVerifier.create(loop.onDispose()).expectComplete().verify(TIMEOUT);
			assertThat(closed.await(10, TimeUnit.SECONDS)).as("CLOSE event of the open connection").isTrue();
			assertThat(s.getInputStream().read()).as("client sees the close").isEqualTo(-1);
		}
	}

	/**
	 * A shorter disposal during a graceful one wins, as it does for a server's connections: the
	 * loop kept the first deadline, so {@code dispose()} (documented to close every connection
	 * now) changed nothing, and {@code disposeNow(100 ms)} threw after 5.1 s with the loop still
	 * waiting for a connection that had ten minutes left.
	 */
	@Test
	void aShorterDisposalCutsAGracefulOneThatIsWaiting() throws Exception {
		MongooseLoop loop = newLoop();
		try (ServerSocket ss = serverSocket()) {
			Connection c = loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).block(TIMEOUT);
			try (Socket peer = ss.accept()) {
				peer.setSoTimeout(10_000);
				loop.disposeLater(Duration.ofMinutes(10)).subscribe(); // the connection may take its time
				loop.disposeNow(Duration.ofMillis(100)); // it may not: closed, and the loop ends
				assertThat(c.isActive()).isFalse();
				assertThat(peer.getInputStream().read()).as("the peer sees the close").isEqualTo(-1);
			}
		}
	}

	@Test
	void connectToAClosedPortFails() throws Exception {
		MongooseLoop loop = newLoop();
		int port;
		try (ServerSocket ss = serverSocket()) {
			port = ss.getLocalPort();
		}
		StepVerifier.create(loop.connect("tcp://127.0.0.1:" + port))
				.expectError(MongooseException.class)
				.verify(TIMEOUT);
		StepVerifier.create(loop.connect("http://127.0.0.1:" + port))
				.expectError(IllegalArgumentException.class)
				.verify(TIMEOUT);
		// the loop is still usable
		CompletableFuture<Boolean> ran = new CompletableFuture<>();
		loop.execute(() -> ran.complete(true));
		assertThat(ran.get(10, TimeUnit.SECONDS)).isTrue();
	}

	/**
	 * A connect cancelled (a timeout) just as the connection was made: the cancelled sink
	 * dropped the connection unseen, and the connector, done by then, did not close it, so the
	 * TCP connection stayed open for the life of the loop with nobody to use or close it. The
	 * order is forced: the loop is held in a timer while the connection is made and the cancel
	 * is queued, so the connect event is handled before the cancel runs. The peer now sees it
	 * closed.
	 */
	@Test
	void aConnectCancelledAsItCompletesClosesTheConnection() throws Exception {
		MongooseLoop loop = newLoop();
		try (ServerSocket ss = serverSocket()) {
			CompletableFuture<Disposable> connecting = new CompletableFuture<>();
			// on the loop: the connect starts at once, and the hold comes before its event
			LoopHold hold = LoopHold.hold(loop, () -> connecting.complete(loop.connect("tcp://127.0.0.1:" + ss.getLocalPort()).subscribe()));
			try (Socket peer = ss.accept()) { // the kernel completed the handshake meanwhile
				try (hold) { // the cancel runs after the poll that handles the connect
					Thread.sleep(100);
					connecting.get(10, TimeUnit.SECONDS).dispose();
				}
				peer.setSoTimeout(5_000);
				assertThat(peer.getInputStream().read()).as("the connection nobody got is closed").isEqualTo(-1);
			}
		}
	}
}
