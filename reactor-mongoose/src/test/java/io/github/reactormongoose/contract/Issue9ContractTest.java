/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.http.server.BaseHttpTest;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.testing.RawHttp;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * Issue 9 ("Every core: N poll loops behind one port"): {@code MongooseLoops.create(int n)},
 * threads {@code <prefix>-<i>}, {@code dispose}/{@code disposeNow}/{@code disposeLater},
 * {@code HttpServer.runOn(MongooseLoops)}, {@code HttpServer.loops(int n)}, and the default
 * of one loop per available processor, overridable by a system property and shared by every
 * server that does not choose its own.
 */
class Issue9ContractTest extends BaseHttpTest {

	/** Each request answers with the name of the thread that ran its handler. */
	private static HttpServer threadNamer() {
		return HttpServer.create().handle((req, res) -> res.sendString(Mono.just(Thread.currentThread().getName())));
	}

	/** The handler threads seen over {@code n} fresh connections, each asked twice (keep-alive). */
	private static Set<String> threadsOver(DisposableServer server, int n) throws Exception {
		Set<String> threads = new TreeSet<>();
		for (int i = 0; i < n; i++) {
			try (RawHttp c = RawHttp.connect(server.port())) {
				String first = c.write(RawHttp.get("/")).read().bodyString();
				String second = c.write(RawHttp.get("/")).read().bodyString();
				assertThat(second).as("a connection stays on its loop").isEqualTo(first);
				threads.add(first);
			}
		}
		return threads;
	}

	@Test
	void aLoopGroupOfNLoopsNamedPrefixDashI() {
		MongooseLoops loops = MongooseLoops.create(3);
		try {
			assertThat(loops.size()).isEqualTo(3);
			for (int i = 0; i < 3; i++) {
				MongooseLoop loop = loops.get(i);
				assertThat(loop.name()).isEqualTo(loops.prefix() + "-" + i);
				String thread = Mono.<String>create(sink -> loop.execute(() -> sink.success(Thread.currentThread().getName())))
						.block(TIMEOUT);
				assertThat(thread).isEqualTo(loops.prefix() + "-" + i);
			}
		}
		finally {
			loops.dispose();
		}
		loops.onDispose().block(TIMEOUT);
		assertThat(loops.loops()).allMatch(MongooseLoop::isDisposed);
	}

	@Test
	void disposableAsOneByDisposeNowAndDisposeLater() {
		MongooseLoops a = MongooseLoops.create("issue9-a", 2);
		a.disposeNow();
		assertThat(a.isDisposed()).isTrue();
		assertThat(a.loops()).allMatch(MongooseLoop::isDisposed);

		MongooseLoops b = MongooseLoops.create("issue9-b", 2);
		b.disposeLater(Duration.ofSeconds(1)).block(TIMEOUT);
		assertThat(b.loops()).allMatch(MongooseLoop::isDisposed);
	}

	@Test
	void httpServerRunOnMongooseLoopsAcceptsOnEveryLoopOfOnePort() throws Exception {
		MongooseLoops loops = MongooseLoops.create("issue9-group", 2);
		try {
			DisposableServer server = bind(threadNamer().runOn(loops));
			assertThat(threadsOver(server, 40)).containsExactly("issue9-group-0", "issue9-group-1");
			server.disposeNow();
			assertThat(loops.isDisposed()).as("the group outlives the server").isFalse();
		}
		finally {
			loops.disposeNow();
		}
	}

	@Test
	void httpServerLoopsNStartsItsOwnLoops() throws Exception {
		DisposableServer two = bind(threadNamer().loops(2).loopName("issue9-own"));
		assertThat(threadsOver(two, 40)).containsExactly("issue9-own-0", "issue9-own-1");
		DisposableServer one = bind(threadNamer().loops(1));
		assertThat(threadsOver(one, 4)).hasSize(1); // loops(1): today's single thread
	}

	@Test
	void theDefaultIsTheSharedGroupOfOneLoopPerProcessorOverridableByASystemProperty() throws Exception {
		String before = System.getProperty(MongooseLoops.LOOPS_PROPERTY);
		try {
			System.clearProperty(MongooseLoops.LOOPS_PROPERTY);
			assertThat(MongooseLoops.defaultSize()).isEqualTo(Runtime.getRuntime().availableProcessors());
			System.setProperty("io.github.reactormongoose.loops", "3");
			assertThat(MongooseLoops.defaultSize()).isEqualTo(3);
			MongooseLoops.disposeShared(Duration.ofSeconds(2));
			DisposableServer a = bind(threadNamer());
			DisposableServer b = bind(threadNamer());
			assertThat(MongooseLoops.shared().size()).isEqualTo(3);
			Set<String> threads = threadsOver(a, 40);
			threads.addAll(threadsOver(b, 40));
			assertThat(threads).as("both servers on the one shared group")
					.containsExactly("mongoose-0", "mongoose-1", "mongoose-2");
		}
		finally {
			if (before == null) {
				System.clearProperty(MongooseLoops.LOOPS_PROPERTY);
			}
			else {
				System.setProperty(MongooseLoops.LOOPS_PROPERTY, before);
			}
		}
	}
}
