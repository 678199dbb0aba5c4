/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.testing.Commands;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * {@code doOnBound}, {@code doOnUnbound} and {@code bindUntilJavaShutdown}, the last in a child
 * JVM stopped with SIGTERM while a request is in progress.
 */
class ServerLifecycleTest extends BaseHttpTest {

	@Test
	void doOnBoundRunsInOrderBeforeBindEmitsAndDoOnUnboundAfterDispose() throws Exception {
		List<String> events = new CopyOnWriteArrayList<>();
		CountDownLatch unbound = new CountDownLatch(1);
		DisposableServer s = HttpServer.create()
				.route(r -> r.get("/hello", (req, res) -> res.sendString(Mono.just("hi"))))
				.doOnBound(b -> events.add("bound1 " + b.port()))
				.doOnBound(b -> events.add("bound2"))
				.doOnUnbound(b -> {
					events.add("unbound " + b.port());
					unbound.countDown();
				})
				.bindNow(TIMEOUT);
		assertThat(events).containsExactly("bound1 " + s.port(), "bound2");
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(RawHttp.get("/hello"));
			assertThat(c.read().bodyString()).isEqualTo("hi");
		}
		s.disposeNow(TIMEOUT);
		assertThat(unbound.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(events).containsExactly("bound1 " + s.port(), "bound2", "unbound " + s.port());
	}

	/**
	 * {@code doOnUnbound} (where a service deregisters) has run when {@code disposeNow} returns,
	 * also for a server on loops of its own: it ran on a separate chain, so a shutdown hook's
	 * {@code disposeNow} could return, and the JVM halt, before it had.
	 */
	@Test
	void doOnUnboundHasRunWhenDisposeNowReturns() {
		for (int loops = 1; loops <= 2; loops++) {
			AtomicBoolean ran = new AtomicBoolean();
			DisposableServer s = HttpServer.create().loopName("unbound-" + loops).loops(loops)
					.handle((req, res) -> res.sendString(Mono.just("hi")))
					.doOnUnbound(b -> {
						try {
							Thread.sleep(300); // a deregistration that takes its time
						}
						catch (InterruptedException e) {
							Thread.currentThread().interrupt();
						}
						ran.set(true);
					})
					.bindNow(TIMEOUT);
			s.disposeNow(TIMEOUT);
			assertThat(ran).as("doOnUnbound of a server on %d loops of its own", loops).isTrue();
			assertThat(s.onDispose().block(TIMEOUT)).isNull();
		}
	}

	/**
	 * A caller that stops waiting for {@code disposeLater} (a {@code block(timeout)}, a
	 * {@code timeout} operator: a cancel) does not stop the disposal: the server still stops at
	 * its grace period and its own loops are disposed. They were left running (non-daemon
	 * threads: the JVM never exited) and {@code onDispose()} never completed.
	 */
	@Test
	void aDisposalNobodyWaitsForStillFreesTheServersOwnLoops() throws Exception {
		DisposableServer s = HttpServer.create().loopName("abandoned").loops(2)
				.handle((req, res) -> res.sendString(Mono.never())).bindNow(TIMEOUT);
		try (RawHttp c = RawHttp.connect(s.port())) {
			c.write(RawHttp.get("/forever"));
			Thread.sleep(200); // the exchange is under way
			assertThatThrownBy(() -> s.disposeLater(Duration.ofSeconds(1)).block(Duration.ofMillis(100)))
					.isInstanceOf(IllegalStateException.class).hasMessageContaining("Timeout");
			assertThat(s.onDispose().block(TIMEOUT)).isNull();
		}
		io.github.reactormongoose.testing.LoopThreads.awaitGone("abandoned-");
	}

	/**
	 * A {@code bindNow} that gives up (its timeout) leaves no server behind: one bound just as
	 * the wait ended was handed to nobody and kept listening, its own loops' threads keeping the
	 * JVM alive (1 to 5 in 40 tries with a timeout of 1 ms).
	 */
	@Test
	void aBindNowThatTimesOutLeavesNoServerBehind() throws Exception {
		int timedOut = 0;
		for (int i = 0; i < 40; i++) {
			try {
				HttpServer.create().loopName("gave-up").loops(2).handle((req, res) -> res.send())
						.bindNow(Duration.ofNanos(10_000L + i * 100_000L)).disposeNow(TIMEOUT); // 0.01 to 3.9 ms
			}
			catch (IllegalStateException e) {
				assertThat(e).hasMessageContaining("Timeout");
				timedOut++;
			}
		}
		assertThat(timedOut).as("binds that timed out").isPositive();
		io.github.reactormongoose.testing.LoopThreads.awaitGone("gave-up-");
	}

	/**
	 * A {@code bind()} cancelled (a timeout) just as the server was made: the server, bound but
	 * dropped on its way to the cancelled subscriber, kept listening with nobody to dispose it
	 * (its own loop's thread keeping the JVM alive). The order is forced: {@code doOnBound}
	 * holds the loop after the server was made and before {@code bind()} emits it, while the
	 * subscription is cancelled. The server is now disposed.
	 */
	@Test
	void aBindCancelledAsTheServerIsMadeDisposesIt() throws Exception {
		CompletableFuture<DisposableServer> made = new CompletableFuture<>();
		CountDownLatch release = new CountDownLatch(1);
		reactor.core.Disposable binding = HttpServer.create().loopName("dropped").loops(1)
				.handle((req, res) -> res.send())
				.doOnBound(b -> {
					made.complete(b);
					try {
						release.await(10, TimeUnit.SECONDS);
					}
					catch (InterruptedException e) {
						Thread.currentThread().interrupt();
					}
				})
				.bind().subscribe();
		DisposableServer s = made.get(10, TimeUnit.SECONDS);
		binding.dispose();
		release.countDown();
		reactor.test.StepVerifier.create(s.onDispose()).as("the server nobody got is disposed")
				.expectComplete().verify(TIMEOUT);
		io.github.reactormongoose.testing.LoopThreads.awaitGone("dropped-");
	}

	@Test
	void aDoOnBoundThatThrowsFailsTheBindAndFreesThePort() {
		AtomicReference<DisposableServer> seen = new AtomicReference<>();
		assertThatThrownBy(() -> HttpServer.create().doOnBound(b -> {
			seen.set(b);
			throw new IllegalStateException("not today");
		}).bindNow(TIMEOUT)).isInstanceOf(IllegalStateException.class).hasMessage("not today");
		int port = seen.get().port();
		DisposableServer again = bind(HttpServer.create().port(port));
		assertThat(again.port()).isEqualTo(port);
	}

	/**
	 * A JVM error from {@code doOnBound} (which runs on the poll thread that made the server):
	 * the bind fails with it and the port is free. It escaped the catch of ordinary exceptions,
	 * Reactor's operators rethrew it to the poll thread, which dropped it: the bind never
	 * completed and the server went on listening with nobody holding it.
	 */
	@Test
	void aDoOnBoundThatThrowsAJvmErrorFailsTheBindAndFreesThePort() {
		AtomicReference<DisposableServer> seen = new AtomicReference<>();
		assertThatThrownBy(() -> HttpServer.create().doOnBound(b -> {
			seen.set(b);
			throw new NoClassDefFoundError("thrown: in doOnBound");
		}).bindNow(TIMEOUT)).isInstanceOf(NoClassDefFoundError.class).hasMessage("thrown: in doOnBound");
		int port = seen.get().port();
		DisposableServer again = bind(HttpServer.create().port(port));
		assertThat(again.port()).isEqualTo(port);
	}

	@Test
	void bindUntilJavaShutdownReturnsWhenTheServerIsDisposed() throws Exception {
		AtomicReference<DisposableServer> started = new AtomicReference<>();
		CountDownLatch ready = new CountDownLatch(1);
		CompletableFuture<Void> done = CompletableFuture.runAsync(() -> HttpServer.create()
				.bindUntilJavaShutdown(TIMEOUT, s -> {
					started.set(s);
					ready.countDown();
				}));
		assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();
		assertThat(done).isNotDone();
		started.get().disposeNow(TIMEOUT);
		done.get(10, TimeUnit.SECONDS);
	}

	/** SIGTERM: the request in progress is answered, then doOnUnbound runs, then the JVM exits. */
	@Test
	void sigtermDisposesGracefullyInAChildJvm(@TempDir Path dir) throws Exception {
		Path log = dir.resolve("child.log"); // a file: destroy() closes the child's pipes
		Process p = new ProcessBuilder(io.github.reactormongoose.testing.Commands.childJava(), "-cp", System.getProperty("java.class.path"),
				ShutdownMain.class.getName()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		try {
			String portLine = Commands.awaitLine(log, "port ");
			int port = Integer.parseInt(portLine.substring(5).trim());
			CompletableFuture<HttpResponse<String>> slow = HttpClient.newHttpClient().sendAsync(
					HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow")).build(),
					HttpResponse.BodyHandlers.ofString());
			Commands.awaitLine(log, "slow started");
			p.destroy(); // SIGTERM
			HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
			assertThat(r.statusCode()).isEqualTo(200);
			assertThat(r.body()).isEqualTo("finished");
			assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
			assertThat(Files.readAllLines(log)).contains("unbound");
		}
		finally {
			p.destroyForcibly();
		}
	}
}
