/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.http.server.BaseHttpTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link MongooseLoop.Builder} is immutable, like {@code HttpServer}: every option returns a new builder. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MongooseLoopBuilderTest extends BaseHttpTest {

	private static Thread pollThread(MongooseLoop loop) throws Exception {
		CompletableFuture<Thread> t = new CompletableFuture<>();
		loop.execute(() -> t.complete(Thread.currentThread()));
		return t.get(10, TimeUnit.SECONDS);
	}

	@Test
	void everyOptionReturnsANewBuilderAndLeavesTheOriginalUnchanged() throws Exception {
		MongooseLoop.Builder defaults = MongooseLoop.builder();
		MongooseLoop.Builder named = defaults.name("rmg-builder-named");
		MongooseLoop.Builder daemon = named.daemon(true);
		assertThat(named).isNotSameAs(defaults);
		assertThat(daemon).isNotSameAs(named);
		assertThat(defaults.maxPollTime(Duration.ofMillis(50))).isNotSameAs(defaults);
		assertThat(defaults.writeBufferWaterMark(1, 2)).isNotSameAs(defaults);

		MongooseLoop plain = track(defaults.build());
		assertThat(plain.name()).startsWith("mongoose-loop-");
		assertThat(pollThread(plain).isDaemon()).isFalse();

		MongooseLoop n = track(named.build());
		assertThat(n.name()).isEqualTo("rmg-builder-named");
		assertThat(pollThread(n).isDaemon()).isFalse();

		MongooseLoop d = track(daemon.build());
		assertThat(d.name()).isEqualTo("rmg-builder-named");
		assertThat(pollThread(d).isDaemon()).isTrue();
	}

	@Test
	void chainedOptionsStillBuildInOneExpression() throws Exception {
		MongooseLoop loop = track(MongooseLoop.builder().name("rmg-builder-chain").daemon(true)
				.writeBufferWaterMark(1024, 4096).maxPollTime(Duration.ofMillis(200)).build());
		assertThat(loop.name()).isEqualTo("rmg-builder-chain");
		assertThat(pollThread(loop).isDaemon()).isTrue();
	}

	@Test
	void invalidOptionsAreRejected() {
		MongooseLoop.Builder b = MongooseLoop.builder();
		assertThatIllegalArgumentException().isThrownBy(() -> b.writeBufferWaterMark(10, 10));
		assertThatIllegalArgumentException().isThrownBy(() -> b.maxPollTime(Duration.ZERO));
		assertThatIllegalArgumentException().isThrownBy(() -> b.maxPollTime(Duration.ofMinutes(2)));
	}
}
