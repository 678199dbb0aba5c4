/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.client.HttpClient;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.tcp.TcpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link MongooseLoops}: a group of loops started, used and disposed as one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MongooseLoopsTest {

	@Test
	void startsNamedLoopsEachOnItsOwnThreadAndDisposesThemAsOne() throws Exception {
		long before = NativeConstants.liveLoops();
		MongooseLoops loops = MongooseLoops.create("grp", 3);
		try {
			assertThat(loops.size()).isEqualTo(3);
			assertThat(loops.prefix()).isEqualTo("grp");
			assertThat(NativeConstants.liveLoops()).isEqualTo(before + 3);
			Set<String> threads = new HashSet<>();
			for (MongooseLoop l : loops.loops()) {
				CompletableFuture<String> name = new CompletableFuture<>();
				l.execute(() -> name.complete(Thread.currentThread().getName()));
				threads.add(name.get(5, TimeUnit.SECONDS));
			}
			assertThat(threads).containsExactlyInAnyOrder("grp-0", "grp-1", "grp-2");
			assertThat(List.of(loops.next(), loops.next(), loops.next(), loops.next()))
					.containsExactly(loops.get(0), loops.get(1), loops.get(2), loops.get(0));
		}
		finally {
			loops.disposeNow();
		}
		assertThat(loops.isDisposed()).isTrue();
		assertThat(loops.onDispose().block(Duration.ofSeconds(5))).isNull();
		assertThat(NativeConstants.liveLoops()).isEqualTo(before);
		assertThatThrownBy(() -> loops.get(0).execute(() -> { })).isInstanceOf(IllegalStateException.class);
	}

	/** Threads named {@code prefix-<i>} that are alive. */
	private static List<String> alive(String prefix) {
		return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
				.filter(n -> n.startsWith(prefix + "-")).sorted().toList();
	}

	/**
	 * A disposal completes once the poll threads have ended, not only once the loops stopped: no
	 * thread of a group, of a loop or of a server's own loops is left when disposeNow returns or
	 * onDispose completes (what a container's thread-leak check looks at).
	 */
	@Test
	void disposalCompletesOnceThePollThreadsHaveEnded() throws Exception {
		for (int round = 0; round < 20; round++) {
			MongooseLoops group = MongooseLoops.create("ending", 2);
			group.get(0).execute(() -> { });
			assertThat(alive("ending")).containsExactly("ending-0", "ending-1");
			group.disposeNow();
			assertThat(alive("ending")).as("round %d", round).isEmpty();

			MongooseLoop one = MongooseLoop.create("ending-one");
			assertThat(alive("ending")).containsExactly("ending-one");
			one.disposeLater(Duration.ZERO).block(Duration.ofSeconds(5));
			assertThat(alive("ending")).isEmpty();

			MongooseLoop other = MongooseLoop.create("ending-other");
			CompletableFuture<Boolean> aliveAtDispose = new CompletableFuture<>();
			Thread t = Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals("ending-other"))
					.findFirst().orElseThrow();
			other.onDispose().subscribe(null, aliveAtDispose::completeExceptionally, () -> aliveAtDispose.complete(t.isAlive()));
			other.dispose();
			assertThat(aliveAtDispose.get(5, TimeUnit.SECONDS)).as("the thread when onDispose completed").isFalse();

			DisposableServer server = io.github.reactormongoose.tcp.TcpServer.create().loops(2).loopName("ending-srv")
					.handle((in, out) -> out.send(in.receive())).bindNow(Duration.ofSeconds(5));
			assertThat(alive("ending-srv")).hasSize(2);
			server.disposeNow();
			assertThat(alive("ending-srv")).isEmpty();
		}
	}

	@Test
	void rejectsAnImpossibleSize() {
		assertThatThrownBy(() -> MongooseLoops.create(0)).isInstanceOf(IllegalArgumentException.class);
		assertThatThrownBy(() -> MongooseLoops.create("x", 1025)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void sharedGroupIsOneDaemonGroupOfDefaultSizeUntilDisposed() throws Exception {
		MongooseLoops shared = MongooseLoops.shared();
		assertThat(MongooseLoops.shared()).isSameAs(shared);
		assertThat(MongooseLoops.isSharedStarted()).isTrue();
		assertThat(shared.size()).isEqualTo(MongooseLoops.defaultSize());
		CompletableFuture<Boolean> daemon = new CompletableFuture<>();
		shared.get(0).execute(() -> daemon.complete(Thread.currentThread().isDaemon()));
		assertThat(daemon.get(5, TimeUnit.SECONDS)).isTrue();
		// refused on a poll thread (it would block it), and the group stays the shared one
		CompletableFuture<Throwable> refused = new CompletableFuture<>();
		shared.get(0).execute(() -> {
			try {
				MongooseLoops.disposeShared(Duration.ofSeconds(1));
				refused.complete(null);
			}
			catch (Throwable t) {
				refused.complete(t);
			}
		});
		assertThat(refused.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("would block the poll thread");
		assertThat(MongooseLoops.isSharedStarted()).isTrue();
		assertThat(MongooseLoops.shared()).isSameAs(shared);
		MongooseLoops.disposeShared(Duration.ofSeconds(2));
		assertThat(shared.isDisposed()).isTrue();
		assertThat(MongooseLoops.isSharedStarted()).isFalse();
		MongooseLoops again = MongooseLoops.shared();
		assertThat(again).isNotSameAs(shared);
		MongooseLoops.disposeShared(Duration.ofSeconds(2));
	}

	/**
	 * A shared group one of whose loops has stopped (its poll thread failed: an
	 * {@code OutOfMemoryError}, see {@code PollThreadOutOfMemoryTest}; here that loop is disposed
	 * alone, which leaves the group in the same state) counts as disposed, so the next use of
	 * {@code shared()} starts a new group. The old group's other loop serves on what it holds, but
	 * was out of reach: {@code disposeShared} stopped only the new group and left that loop's
	 * thread and native manager running.
	 */
	@Test
	void disposeSharedAlsoStopsWhatIsLeftOfAGroupThatALoopsFailureReplaced() {
		MongooseLoops.disposeShared(Duration.ofSeconds(2));
		String old = System.getProperty(MongooseLoops.LOOPS_PROPERTY);
		System.setProperty(MongooseLoops.LOOPS_PROPERTY, "2");
		try {
			MongooseLoops first = MongooseLoops.shared();
			first.get(0).disposeNow();
			MongooseLoops second = MongooseLoops.shared();
			assertThat(second).isNotSameAs(first);
			assertThat(first.get(1).isDisposed()).as("the replaced group's other loop runs on").isFalse();
			MongooseLoops.disposeShared(Duration.ofSeconds(2));
			assertThat(second.isDisposed()).isTrue();
			assertThat(first.get(1).isDisposed()).as("the replaced group's other loop, after disposeShared").isTrue();
			assertThat(first.onDispose().block(Duration.ofSeconds(5))).as("its thread ended").isNull();
		}
		finally {
			if (old == null) {
				System.clearProperty(MongooseLoops.LOOPS_PROPERTY);
			}
			else {
				System.setProperty(MongooseLoops.LOOPS_PROPERTY, old);
			}
		}
	}

	/**
	 * A group one of whose loops has stopped (its poll thread failed, see
	 * {@code PollThreadOutOfMemoryTest}; here that loop is disposed alone, which leaves the group
	 * in the same state) places new work on the loops still alive: client connections and
	 * requests, and a new server's listeners. It stays usable ({@code isDisposed()} false,
	 * {@code liveLoops()} without the stopped loop) until every loop has stopped. Before, the
	 * group counted as disposed and refused all of it.
	 */
	@Test
	void aGroupSkipsALoopThatStoppedForNewWork() {
		MongooseLoops group = MongooseLoops.create("holes", 2);
		DisposableServer backend = HttpServer.create().port(0).loopName("holes-backend")
				.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("ok")))).bindNow();
		DisposableServer onGroup = null;
		try {
			group.get(0).disposeNow();
			HttpClient http = HttpClient.create().runOn(group).port(backend.port());
			TcpClient tcp = TcpClient.create().runOn(group).port(backend.port());
			for (int i = 0; i < 4; i++) {
				assertThat(http.get().uri("/").responseContent().aggregate().asString().block(Duration.ofSeconds(5)))
						.isEqualTo("ok");
				Connection c = tcp.connectNow(Duration.ofSeconds(5));
				c.disposeNow();
			}
			onGroup = HttpServer.create().port(0).runOn(group)
					.route(r -> r.get("/", (req, res) -> res.sendString(Mono.just("on group")))).bindNow();
			assertThat(HttpClient.create().port(onGroup.port()).get().uri("/").responseContent().aggregate().asString()
					.block(Duration.ofSeconds(5))).isEqualTo("on group");
			assertThat(group.isDisposed()).isFalse();
			assertThat(group.liveLoops()).containsExactly(group.get(1));
			group.get(1).disposeNow();
			assertThat(group.isDisposed()).as("every loop stopped").isTrue();
			assertThat(group.liveLoops()).isEmpty();
		}
		finally {
			if (onGroup != null) {
				onGroup.disposeNow();
			}
			backend.disposeNow();
			group.disposeNow();
		}
	}

	@Test
	void defaultSizeFollowsTheSystemProperty() {
		String old = System.getProperty(MongooseLoops.LOOPS_PROPERTY);
		try {
			System.setProperty(MongooseLoops.LOOPS_PROPERTY, "3");
			assertThat(MongooseLoops.defaultSize()).isEqualTo(3);
			System.setProperty(MongooseLoops.LOOPS_PROPERTY, "0");
			assertThatThrownBy(MongooseLoops::defaultSize).isInstanceOf(IllegalArgumentException.class)
					.hasMessageContaining(MongooseLoops.LOOPS_PROPERTY);
			System.clearProperty(MongooseLoops.LOOPS_PROPERTY);
			assertThat(MongooseLoops.defaultSize()).isEqualTo(Runtime.getRuntime().availableProcessors());
		}
		finally {
			if (old == null) {
				System.clearProperty(MongooseLoops.LOOPS_PROPERTY);
			}
			else {
				System.setProperty(MongooseLoops.LOOPS_PROPERTY, old);
			}
		}
	}
}
