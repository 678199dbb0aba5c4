/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.TIMEOUT;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.call;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The disposal state machine, with times passed in. The forced close at the deadline is
 * checked on real listeners of a real loop (their CLOSE event proves the close reached the
 * native side); the rest needs no native connection.
 */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShutdownTest {

	private final List<String> ran = new ArrayList<>();
	private final List<Throwable> failures = new ArrayList<>();
	private final Consumer<Runnable> runner = r -> {
		try {
			r.run();
		}
		catch (Throwable t) {
			failures.add(t);
		}
	};

	/**
	 * A channel with no loop: any native operation on it (such as {@code close()}) throws, so
	 * a {@code finished} call that returns normally did not touch it.
	 */
	private static Channel detached(long id) {
		return new Channel(null, id, new ChannelHandler() {
		});
	}

	@Test
	void beforeBeginItNeverFinishes() {
		Shutdown s = new Shutdown();

		assertThat(s.started()).isFalse();
		assertThat(s.finished(new ChannelRegistry(), 0)).isFalse();
		assertThat(s.finished(new ChannelRegistry(), Long.MAX_VALUE)).isFalse();
	}

	@Test
	void beginRunsTheHooksOnceInOrderThroughTheRunner() {
		Shutdown s = new Shutdown();
		s.addHook(() -> ran.add("stop accepting"));
		s.addHook(() -> {
			ran.add("failing hook");
			throw new IllegalStateException("boom");
		});
		s.addHook(() -> ran.add("close idle"));

		s.begin(100, runner);

		assertThat(s.started()).isTrue();
		assertThat(ran).containsExactly("stop accepting", "failing hook", "close idle");
		assertThat(failures).singleElement().extracting(Throwable::getMessage).isEqualTo("boom");

		s.begin(5_000, runner);
		assertThat(ran).as("a second begin runs nothing").hasSize(3);
	}

	@Test
	void aSecondBeginDoesNotMoveTheDeadline() {
		Shutdown s = new Shutdown();
		ChannelRegistry channels = new ChannelRegistry();
		channels.put(detached(1));
		s.begin(100, runner);
		s.begin(1_000_000, runner);

		// still before the first deadline: nothing touched
		assertThat(s.finished(channels, 99)).isFalse();
		// had the deadline moved to 1_000_000, this would not try to close the detached channel
		assertThatNullPointerException()
				.isThrownBy(() -> s.finished(channels, 100));
	}

	@Test
	void aSecondBeginWithAnEarlierDeadlineBringsItForward() {
		Shutdown s = new Shutdown();
		ChannelRegistry channels = new ChannelRegistry();
		channels.put(detached(1));
		s.begin(1_000_000, runner);
		s.begin(100, runner);

		assertThat(s.finished(channels, 99)).isFalse();
		// at the earlier deadline it closes what is left (the detached channel cannot be)
		assertThatNullPointerException()
				.isThrownBy(() -> s.finished(channels, 100));
	}

	@Test
	void withNoChannelLeftItFinishesAtOnce() {
		Shutdown s = new Shutdown();
		s.begin(1_000, runner);

		assertThat(s.finished(new ChannelRegistry(), 0)).isTrue();
	}

	@Test
	void beforeTheDeadlineItWaitsForTheChannelsToGo() {
		Shutdown s = new Shutdown();
		ChannelRegistry channels = new ChannelRegistry();
		channels.put(detached(1));
		channels.put(detached(2));
		s.begin(1_000, runner);

		assertThat(s.finished(channels, 0)).isFalse();
		assertThat(s.finished(channels, 999)).isFalse();

		channels.remove(1);
		assertThat(s.finished(channels, 999)).isFalse();
		channels.remove(2);
		assertThat(s.finished(channels, 999)).as("the last channel closed on its own").isTrue();
	}

	@Test
	void theDeadlineIsComparedAcrossNanoTimeOverflow() {
		Shutdown s = new Shutdown();
		ChannelRegistry channels = new ChannelRegistry();
		channels.put(detached(1));
		long deadline = Long.MIN_VALUE + 10; // e.g. Long.MAX_VALUE - 5 plus a 16 ns timeout
		s.begin(deadline, runner);

		assertThat(s.finished(channels, Long.MAX_VALUE - 5)).as("before the deadline, across the wrap").isFalse();
		assertThatNullPointerException()
				.as("at the deadline it tries to close the detached channel")
				.isThrownBy(() -> s.finished(channels, deadline));
	}

	@Test
	void atTheDeadlineItClosesWhatIsLeftThenStopsAfterOneMoreCall() throws Exception {
		EventLoop loop = LoopTestSupport.start("shutdown-test");
		try {
			CountDownLatch closed = new CountDownLatch(2);
			ListenerHandler handler = new ListenerHandler() {
				@Override
				public ChannelHandler onAccept(Channel child, java.net.InetSocketAddress local,
						java.net.InetSocketAddress remote) {
					return null;
				}

				@Override
				public void onClosed() {
					closed.countDown();
				}
			};
			ChannelRegistry channels = new ChannelRegistry();
			Channel a = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, handler));
			Channel b = call(loop, () -> loop.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, handler));
			channels.put(a);
			channels.put(b);
			Shutdown s = new Shutdown();
			long deadline = 5_000;

			run(loop, () -> {
				s.begin(deadline, runner);
				assertThat(s.finished(channels, deadline - 1)).isFalse();
			});
			// nothing was closed before the deadline: both still answer their address
			run(loop, () -> {
				assertThat(a.address(true)).isNotNull();
				assertThat(b.address(true)).isNotNull();
				assertThat(closed.getCount()).isEqualTo(2);
			});

			run(loop, () -> {
				assertThat(s.finished(channels, deadline)).as("closes, then needs one more poll").isFalse();
				// the CLOSE events come with the next poll; the state machine does not wait for them
				assertThat(a.isClosed()).isFalse();
				assertThat(s.finished(channels, deadline + 1)).isTrue();
				assertThat(s.finished(channels, deadline + 2)).isTrue();
			});

			assertThat(closed.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("CLOSE delivered to both").isTrue();
			run(loop, () -> {
				assertThat(a.isClosed()).isTrue();
				assertThat(b.isClosed()).isTrue();
				assertThat(loop.channelCount()).isZero();
			});
		}
		finally {
			LoopTestSupport.stop(loop);
		}
	}
}
