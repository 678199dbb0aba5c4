/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/** Timers driven by an explicit clock: every {@code now} below is a made-up nanoTime value. */
class TimersTest {

	private final Timers timers = new Timers();
	private final List<String> ran = new ArrayList<>();
	private final List<Throwable> failures = new ArrayList<>();

	/** Like the loop's runner: runs the task and keeps what it throws. */
	private final Consumer<Runnable> runner = r -> {
		try {
			r.run();
		}
		catch (Throwable t) {
			failures.add(t);
		}
	};

	private Timers.Timer oneShot(String name, long delay) {
		return Timers.timer(() -> ran.add(name), delay, 0);
	}

	private Timers.Timer periodic(String name, long delay, long period) {
		return Timers.timer(() -> ran.add(name), delay, period);
	}

	// ---- nanosToNext ----

	@Test
	void noTimerMeansNoDeadline() {
		assertThat(timers.isEmpty()).isTrue();
		assertThat(timers.nanosToNext(0)).isEqualTo(Long.MAX_VALUE);
		assertThat(timers.nanosToNext(123_456_789)).isEqualTo(Long.MAX_VALUE);

		timers.runDue(Long.MAX_VALUE, runner);
		assertThat(ran).isEmpty();
	}

	@Test
	void nanosToNextCountsToTheEarliestDeadlineAndGoesNegativeWhenLate() {
		timers.add(oneShot("late", 300), 1_000);
		timers.add(oneShot("early", 100), 1_000);
		timers.add(oneShot("middle", 200), 1_000);

		assertThat(timers.isEmpty()).isFalse();
		assertThat(timers.nanosToNext(1_000)).isEqualTo(100);
		assertThat(timers.nanosToNext(1_050)).isEqualTo(50);
		assertThat(timers.nanosToNext(1_100)).isZero();
		assertThat(timers.nanosToNext(1_130)).isEqualTo(-30);

		timers.runDue(1_100, runner);
		assertThat(ran).containsExactly("early");
		assertThat(timers.nanosToNext(1_100)).isEqualTo(100);
	}

	// ---- ordering ----

	@Test
	void dueTimersRunByDeadline() {
		timers.add(oneShot("c", 30), 0);
		timers.add(oneShot("a", 10), 0);
		timers.add(oneShot("b", 20), 0);

		timers.runDue(100, runner);

		assertThat(ran).containsExactly("a", "b", "c");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void equalDeadlinesRunInTheOrderTheyWereAdded() {
		timers.add(oneShot("first", 10), 0); // deadline 10
		timers.add(oneShot("second", 5), 5); // deadline 10, added later
		timers.add(oneShot("third", 0), 10); // deadline 10, added last
		timers.add(oneShot("earlier", 9), 0); // deadline 9

		timers.runDue(10, runner);

		assertThat(ran).containsExactly("earlier", "first", "second", "third");
	}

	@Test
	void aTimerRunsWhenItsDeadlineIsReachedNotBefore() {
		timers.add(oneShot("t", 100), 0);

		timers.runDue(99, runner);
		assertThat(ran).isEmpty();

		timers.runDue(100, runner);
		assertThat(ran).containsExactly("t");
	}

	@Test
	void onlyDueTimersRunAndTheRestStayQueued() {
		timers.add(oneShot("a", 10), 0);
		timers.add(oneShot("b", 20), 0);
		timers.add(oneShot("c", 30), 0);

		timers.runDue(25, runner);

		assertThat(ran).containsExactly("a", "b");
		assertThat(timers.isEmpty()).isFalse();
		assertThat(timers.nanosToNext(25)).isEqualTo(5);
	}

	@Test
	void deadlinesCompareAcrossNanoTimeOverflow() {
		long now = Long.MAX_VALUE - 5;
		timers.add(oneShot("after-wrap", 10), now); // deadline wraps to Long.MIN_VALUE + 4
		timers.add(oneShot("before-wrap", 2), now); // deadline Long.MAX_VALUE - 3

		assertThat(timers.nanosToNext(now)).isEqualTo(2);
		timers.runDue(now + 2, runner);
		assertThat(ran).containsExactly("before-wrap");

		assertThat(timers.nanosToNext(now + 2)).isEqualTo(8);
		timers.runDue(now + 9, runner); // wrapped, one short
		assertThat(ran).containsExactly("before-wrap");
		timers.runDue(now + 10, runner);
		assertThat(ran).containsExactly("before-wrap", "after-wrap");
	}

	// ---- one-shot ----

	@Test
	void aOneShotTimerRunsOnceAndIsRemoved() {
		Timers.Timer t = oneShot("once", 10);
		timers.add(t, 0);

		timers.runDue(10, runner);
		timers.runDue(20, runner);
		timers.runDue(1_000, runner);

		assertThat(ran).containsExactly("once");
		assertThat(timers.isEmpty()).isTrue();
		assertThat(timers.nanosToNext(1_000)).isEqualTo(Long.MAX_VALUE);
		assertThat(t.isDisposed()).isFalse();
	}

	@Test
	void negativeDelayAndPeriodAreClampedToZero() {
		Timers.Timer t = Timers.timer(() -> ran.add("now"), -50, -1);
		assertThat(t.delayNanos).isZero();
		assertThat(t.periodNanos).isZero();

		timers.add(t, 500);
		assertThat(timers.nanosToNext(500)).isZero();
		timers.runDue(500, runner);
		timers.runDue(600, runner);

		assertThat(ran).containsExactly("now");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void theRunnerGetsTheTaskItself() {
		Runnable task = () -> ran.add("task");
		timers.add(Timers.timer(task, 1, 0), 0);
		List<Runnable> seen = new ArrayList<>();

		timers.runDue(1, r -> {
			seen.add(r);
			r.run();
		});

		assertThat(seen).containsExactly(task);
		assertThat(ran).containsExactly("task");
	}

	// ---- periodic ----

	@Test
	void aPeriodicTimerIsReAddedOnePeriodAfterItsDeadline() {
		timers.add(periodic("p", 10, 5), 0);

		timers.runDue(10, runner);
		assertThat(ran).containsExactly("p");
		assertThat(timers.nanosToNext(10)).isEqualTo(5);

		timers.runDue(14, runner);
		assertThat(ran).hasSize(1);

		timers.runDue(15, runner);
		assertThat(ran).hasSize(2);
		assertThat(timers.nanosToNext(15)).isEqualTo(5);
	}

	@Test
	void aSlightlyLatePeriodicTimerKeepsItsPhase() {
		timers.add(periodic("p", 10, 5), 0); // 10, 15, 20, ...

		timers.runDue(12, runner); // 2 late
		assertThat(ran).hasSize(1);
		assertThat(timers.nanosToNext(12)).as("next deadline stays 15").isEqualTo(3);

		timers.runDue(19, runner); // 4 late
		assertThat(ran).hasSize(2);
		assertThat(timers.nanosToNext(19)).as("next deadline stays 20").isEqualTo(1);
	}

	@Test
	void aPeriodicTimerFarBehindRunsOnceAndSkipsTheMissedPeriods() {
		timers.add(periodic("p", 10, 5), 0);

		timers.runDue(103, runner); // 18 periods missed

		assertThat(ran).as("no burst of missed runs").containsExactly("p");
		assertThat(timers.nanosToNext(103)).as("next run one period from now").isEqualTo(5);
		timers.runDue(107, runner);
		assertThat(ran).hasSize(1);
		timers.runDue(108, runner);
		assertThat(ran).hasSize(2);
	}

	/**
	 * Found while writing these tests: a periodic timer exactly one period late (the next
	 * deadline lands exactly on {@code now}) runs twice in one {@code runDue}, while one
	 * nanosecond later it runs once. The catch-up check in {@code Timers.runDue} uses
	 * {@code t.deadline - now < 0}; {@code <= 0} would make it skip here too.
	 */
	@Test
	void aPeriodicTimerExactlyOnePeriodLateRunsOnce() {
		timers.add(periodic("p", 10, 5), 0);

		timers.runDue(15, runner);

		assertThat(ran).containsExactly("p");
		assertThat(timers.nanosToNext(15)).isEqualTo(5);
	}

	@Test
	void periodicAndOneShotTimersInterleaveByDeadline() {
		timers.add(periodic("tick", 10, 10), 0); // 10, 20, 30
		timers.add(oneShot("once", 25), 0);

		timers.runDue(10, runner);
		timers.runDue(20, runner);
		timers.runDue(25, runner);
		timers.runDue(30, runner);

		assertThat(ran).containsExactly("tick", "tick", "once", "tick");
	}

	@Test
	void aRescheduledPeriodicTimerGoesAfterTimersAlreadyQueuedForTheSameDeadline() {
		timers.add(periodic("p", 10, 10), 0); // 10, then 20
		timers.add(oneShot("q", 20), 0); // 20, added before p is re-added

		timers.runDue(10, runner);
		timers.runDue(20, runner);

		assertThat(ran).containsExactly("p", "q", "p");
	}

	// ---- cancellation ----

	@Test
	void aTimerCancelledBeforeItIsAddedIsNeverQueued() {
		Timers.Timer t = oneShot("cancelled", 10);
		t.dispose();
		assertThat(t.isDisposed()).isTrue();

		timers.add(t, 0);

		assertThat(timers.isEmpty()).isTrue();
		assertThat(timers.nanosToNext(0)).isEqualTo(Long.MAX_VALUE);
		timers.runDue(100, runner);
		assertThat(ran).isEmpty();
	}

	@Test
	void aTimerCancelledWhileQueuedDoesNotRunAndLeavesTheQueue() {
		Timers.Timer a = oneShot("a", 10);
		Timers.Timer b = oneShot("b", 20);
		timers.add(a, 0);
		timers.add(b, 0);

		a.dispose();
		timers.runDue(20, runner);

		assertThat(ran).containsExactly("b");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void cancellingAPeriodicTimerBetweenRunsStopsIt() {
		Timers.Timer p = periodic("p", 10, 10);
		timers.add(p, 0);
		timers.runDue(10, runner);

		p.dispose();
		timers.runDue(20, runner);
		timers.runDue(30, runner);

		assertThat(ran).containsExactly("p");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void aPeriodicTimerCancelledByItsOwnTaskIsNotReAdded() {
		Timers.Timer[] self = new Timers.Timer[1];
		self[0] = Timers.timer(() -> {
			ran.add("p");
			if (ran.size() == 2) {
				self[0].dispose();
			}
		}, 10, 10);
		timers.add(self[0], 0);

		timers.runDue(10, runner);
		timers.runDue(20, runner);
		timers.runDue(30, runner);

		assertThat(ran).containsExactly("p", "p");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void aTaskCanCancelALaterTimerDueInTheSameRun() {
		Timers.Timer victim = oneShot("victim", 20);
		timers.add(Timers.timer(() -> {
			ran.add("killer");
			victim.dispose();
		}, 10, 0), 0);
		timers.add(victim, 0);

		timers.runDue(50, runner);

		assertThat(ran).containsExactly("killer");
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void disposeFromAnotherThreadIsSeenByThePollThread() throws Exception {
		Timers.Timer t = oneShot("t", 10);
		timers.add(t, 0);

		Thread other = new Thread(t::dispose);
		other.start();
		other.join(10_000);

		timers.runDue(10, runner);
		assertThat(ran).isEmpty();
	}

	@Test
	void aCancelledTimerLetsItsTaskGoAtOnce() {
		Timers.Timer t = oneShot("t", 3_600_000_000_000L);
		timers.add(t, 0);

		t.dispose();

		assertThat(t.task).as("the task of a cancelled timer, an hour before its deadline").isNull();
		timers.runDue(Long.MAX_VALUE / 2, runner);
		assertThat(ran).isEmpty();
	}

	@Test
	void timersCancelledByTheThousandDoNotPileUpUntilTheirDeadline() {
		Timers.Timer live = oneShot("live", 1_000_000);
		timers.add(live, 0);
		for (int i = 0; i < 100_000; i++) {
			Timers.Timer t = oneShot("cancelled " + i, 3_600_000_000_000L);
			timers.add(t, i);
			t.dispose(); // a timeout per message, cancelled as the message went out
		}

		assertThat(timers.size()).as("timers queued").isLessThanOrEqualTo(1024);
		timers.runDue(1_000_000, runner);
		assertThat(ran).containsExactly("live");
	}

	// ---- failures ----

	@Test
	void aThrowingTaskIsHandledByTheRunnerAndOtherTimersStillRun() {
		RuntimeException boom = new IllegalStateException("boom");
		timers.add(Timers.timer(() -> {
			ran.add("thrower");
			throw boom;
		}, 10, 0), 0);
		timers.add(oneShot("after", 10), 0);

		timers.runDue(10, runner);

		assertThat(ran).containsExactly("thrower", "after");
		assertThat(failures).containsExactly(boom);
		assertThat(timers.isEmpty()).isTrue();
	}

	@Test
	void aThrowingPeriodicTaskStaysScheduled() {
		timers.add(Timers.timer(() -> {
			ran.add("p");
			throw new IllegalStateException("boom " + ran.size());
		}, 10, 10), 0);

		timers.runDue(10, runner);
		timers.runDue(20, runner);
		timers.runDue(30, runner);

		assertThat(ran).containsExactly("p", "p", "p");
		assertThat(failures).extracting(Throwable::getMessage).containsExactly("boom 1", "boom 2", "boom 3");
		assertThat(timers.nanosToNext(30)).isEqualTo(10);
	}

	// ---- clear ----

	@Test
	void clearDropsEveryTimer() {
		timers.add(oneShot("a", 10), 0);
		timers.add(periodic("b", 20, 5), 0);

		timers.clear();

		assertThat(timers.isEmpty()).isTrue();
		assertThat(timers.nanosToNext(0)).isEqualTo(Long.MAX_VALUE);
		timers.runDue(1_000, runner);
		assertThat(ran).isEmpty();
	}
}
