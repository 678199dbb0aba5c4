/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.TIMEOUT;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.barrier;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.barrierStep;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.onLoop;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * The inbound queue over a real loop. Items are offered on the poll thread (as the event
 * dispatch does); every side effect (pause, resume, cancel, discard, delivery) is appended to
 * one log, so a test can assert the exact order in which they happened.
 */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InboundQueueTest {

	private EventLoop loop;
	/** What happened, in order. Written on the poll thread only. */
	private final List<String> log = new CopyOnWriteArrayList<>();
	private final AtomicBoolean offLoop = new AtomicBoolean();

	@BeforeEach
	void startLoop() {
		loop = LoopTestSupport.start("inbound-queue-test");
	}

	@AfterEach
	void stopLoop() {
		LoopTestSupport.stop(loop);
	}

	private void record(String event) {
		if (!loop.inEventLoop()) {
			offLoop.set(true);
		}
		log.add(event);
	}

	private InboundQueue<Integer> queue(int highMark, int lowMark) {
		return new InboundQueue<>(loop, highMark, lowMark, () -> record("pause"), () -> record("resume"),
				() -> record("cancel"), i -> record("discard:" + i));
	}

	/** The queue as a subscriber sees it, with every signal logged. */
	private Flux<Integer> observed(InboundQueue<Integer> q) {
		return q.doOnNext(i -> record("next:" + i))
				.doOnComplete(() -> record("complete"))
				.doOnError(e -> record("error:" + e.getMessage()));
	}

	/** Offers {@code items} on the poll thread, logging each offer first. */
	private Runnable offer(InboundQueue<Integer> q, int... items) {
		return onLoop(loop, () -> {
			for (int i : items) {
				record("offer:" + i);
				q.offer(i);
			}
		});
	}

	private long count(String prefix) {
		return log.stream().filter(e -> e.startsWith(prefix)).count();
	}

	@AfterEach
	void everythingRanOnThePollThread() {
		assertThat(offLoop).as("a callback ran off the poll thread").isFalse();
	}

	// ---- demand ----

	@Test
	void itemsAreDeliveredOnlyAsRequested() {
		InboundQueue<Integer> q = queue(100, 10);
		offer(q, 1, 2, 3).run(); // before any subscriber: queued

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(barrierStep(loop))
				.then(() -> assertThat(count("next:")).as("delivered without demand").isZero())
				.thenRequest(2)
				.expectNext(1, 2)
				.then(barrierStep(loop))
				.then(() -> assertThat(count("next:")).isEqualTo(2))
				.thenRequest(5)
				.expectNext(3)
				.then(offer(q, 4, 5))
				.expectNext(4, 5)
				.then(offer(q, 6, 7, 8)) // two requested left: 8 stays queued
				.expectNext(6, 7)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).doesNotContain("next:8"))
				.thenRequest(1)
				.expectNext(8)
				.then(onLoop(loop, q::complete))
				.expectComplete()
				.verify(TIMEOUT);

		assertThat(log).doesNotContain("pause", "resume", "cancel").noneMatch(e -> e.startsWith("discard"));
	}

	@Test
	void withUnboundedDemandEachOfferIsDeliveredWithinTheOfferCall() throws Exception {
		InboundQueue<Integer> q = queue(2, 1);

		StepVerifier.create(observed(q))
				.expectSubscription()
				.then(onLoop(loop, () -> {
					for (int i = 1; i <= 3; i++) {
						record("offer:" + i);
						q.offer(i);
						record("offered:" + i);
					}
					q.complete();
				}))
				.expectNext(1, 2, 3)
				.verifyComplete();

		barrier(loop);
		assertThat(log).containsExactly("offer:1", "next:1", "offered:1", "offer:2", "next:2", "offered:2", "offer:3",
				"next:3", "offered:3", "complete");
	}

	/**
	 * A subscriber requesting one item from inside onNext (re-entrant request on the poll
	 * thread) gets every item, in order, without recursion: the drain loop picks the new demand up.
	 */
	@Test
	void reentrantRequestsFromOnNextDrainEverything() throws Exception {
		int n = 20_000;
		InboundQueue<Integer> q = queue(n + 1, 0);
		run(loop, () -> {
			for (int i = 0; i < n; i++) {
				q.offer(i);
			}
			q.complete();
		});

		StepVerifier.create(q.limitRate(1))
				.expectNextSequence(() -> IntStream.range(0, n).iterator())
				.expectComplete()
				.verify(TIMEOUT);
	}

	// ---- back pressure on the socket ----

	@Test
	void pauseRunsExactlyAtTheHighMarkAndResumeAtTheLowMark() {
		InboundQueue<Integer> q = queue(4, 1);

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(offer(q, 1, 2, 3, 4, 5))
				.then(() -> assertThat(log).containsExactly("offer:1", "offer:2", "offer:3", "offer:4", "pause",
						"offer:5"))
				.thenRequest(3)
				.expectNext(1, 2, 3)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).as("2 queued, above the low mark").doesNotContain("resume"))
				.thenRequest(1)
				.expectNext(4)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).endsWith("next:4", "resume"))
				// one queued (5): the next pause comes when the queue holds 4 again
				.then(offer(q, 6, 7, 8))
				.then(() -> assertThat(log).endsWith("resume", "offer:6", "offer:7", "offer:8", "pause"))
				.thenRequest(Long.MAX_VALUE)
				.expectNext(5, 6, 7, 8)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).endsWith("next:5", "next:6", "next:7", "next:8", "resume"))
				.thenCancel()
				.verify(TIMEOUT);

		assertThat(count("pause")).isEqualTo(2);
		assertThat(count("resume")).isEqualTo(2);
	}

	@Test
	void aQueueFilledBeforeItsSubscriberArrivesPausesAndResumesOnceDrained() throws Exception {
		InboundQueue<Integer> q = queue(3, 0);
		offer(q, 1, 2, 3, 4).run();
		assertThat(log).containsExactly("offer:1", "offer:2", "offer:3", "pause", "offer:4");
		assertThat(q.hasSubscriber()).isFalse();

		StepVerifier.create(observed(q), 3)
				.expectNext(1, 2, 3)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).as("one still queued, low mark 0").doesNotContain("resume"))
				.thenRequest(1)
				.expectNext(4)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).endsWith("next:4", "resume"))
				.thenCancel()
				.verify(TIMEOUT);
	}

	@Test
	void aSubscriberThatKeepsUpNeverPausesTheSocket() throws Exception {
		InboundQueue<Integer> q = queue(2, 1);

		StepVerifier.create(observed(q))
				.expectSubscription()
				.then(onLoop(loop, () -> {
					for (int i = 0; i < 100; i++) {
						q.offer(i);
					}
					q.complete();
				}))
				.expectNextCount(100)
				.verifyComplete();

		barrier(loop);
		assertThat(log).doesNotContain("pause", "resume");
	}

	@Test
	void aNonPositiveRequestIsAnErrorAndStopsTheSource() throws Exception {
		InboundQueue<Integer> q = queue(10, 1);
		offer(q, 1).run();
		java.util.concurrent.CompletableFuture<Throwable> error = new java.util.concurrent.CompletableFuture<>();
		q.subscribe(new reactor.core.publisher.BaseSubscriber<Integer>() {
			@Override
			protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
				s.request(0);
			}

			@Override
			protected void hookOnNext(Integer value) {
				error.completeExceptionally(new AssertionError("item delivered without demand: " + value));
			}

			@Override
			protected void hookOnError(Throwable t) {
				error.complete(t);
			}
		});
		assertThat(error.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("§3.9");
		onLoop(loop, () -> { }).run();
		assertThat(log).contains("discard:1", "cancel");
	}

	// ---- one subscriber ----

	@Test
	void aSecondSubscriberGetsIllegalStateException() {
		InboundQueue<Integer> q = queue(10, 1);
		assertThat(q.hasSubscriber()).isFalse();

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(() -> assertThat(q.hasSubscriber()).isTrue())
				.then(() -> StepVerifier.create(q)
						.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
								.hasMessageContaining("Only one subscriber"))
						.verify(TIMEOUT))
				.then(offer(q, 1))
				.then(onLoop(loop, q::complete))
				.thenRequest(1)
				.expectNext(1)
				.verifyComplete();

		// Still refused once the first subscriber is done.
		StepVerifier.create(q)
				.expectError(IllegalStateException.class)
				.verify(TIMEOUT);
		assertThat(count("next:")).isEqualTo(1);
	}

	// ---- cancel ----

	@Test
	void cancelDiscardsWhatIsQueuedResumesReadingAndRunsOnCancelOnce() throws Exception {
		InboundQueue<Integer> q = queue(3, 1);
		offer(q, 1, 2, 3).run();

		StepVerifier.create(observed(q), 1)
				.expectNext(1)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).as("2 queued, still paused").doesNotContain("resume"))
				.thenCancel()
				.verify(TIMEOUT);
		barrier(loop);

		assertThat(log).containsExactly("offer:1", "offer:2", "offer:3", "pause", "next:1", "discard:2", "discard:3",
				"resume", "cancel");

		// After cancel: offers are discarded, nothing is delivered, no terminal signal, and a
		// second cancel is a no-op.
		offer(q, 4).run();
		run(loop, q::complete);
		q.cancel();
		barrier(loop);
		assertThat(log).endsWith("cancel", "offer:4", "discard:4");
		assertThat(count("cancel")).isEqualTo(1);
		assertThat(log).doesNotContain("next:4", "complete");
	}

	@Test
	void cancelWhileNotPausedDoesNotResume() throws Exception {
		InboundQueue<Integer> q = queue(10, 1);
		offer(q, 1, 2).run();

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.thenCancel()
				.verify(TIMEOUT);
		barrier(loop);

		assertThat(log).containsExactly("offer:1", "offer:2", "discard:1", "discard:2", "cancel");
	}

	// ---- terminal signals ----

	@Test
	void completeAfterItemsDeliversTheItemsFirst() {
		InboundQueue<Integer> q = queue(10, 1);
		offer(q, 1, 2).run();
		onLoop(loop, q::complete).run();
		assertThat(q.isTerminated()).isTrue();

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(barrierStep(loop))
				.then(() -> assertThat(log).doesNotContain("complete"))
				.thenRequest(1)
				.expectNext(1)
				.then(barrierStep(loop))
				.then(() -> assertThat(log).as("one item still queued").doesNotContain("complete"))
				.thenRequest(1)
				.expectNext(2)
				.verifyComplete(); // no further request needed for the terminal signal

		assertThat(log).endsWith("next:1", "next:2", "complete");
	}

	@Test
	void failAfterItemsDeliversTheItemsThenTheError() {
		InboundQueue<Integer> q = queue(10, 1);
		IllegalStateException boom = new IllegalStateException("boom");

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(offer(q, 1, 2))
				.then(onLoop(loop, () -> q.fail(boom)))
				.then(barrierStep(loop))
				.then(() -> assertThat(log).doesNotContain("error:boom"))
				.thenRequest(1)
				.expectNext(1)
				.thenRequest(1)
				.expectNext(2)
				.expectErrorSatisfies(e -> assertThat(e).isSameAs(boom))
				.verify(TIMEOUT);

		assertThat(log).endsWith("next:1", "next:2", "error:boom");
	}

	@Test
	void completeOnAnEmptyQueueNeedsNoDemand() {
		InboundQueue<Integer> q = queue(10, 1);

		StepVerifier.create(observed(q), 0)
				.expectSubscription()
				.then(onLoop(loop, q::complete))
				.verifyComplete();
	}

	@Test
	void theFirstTerminalSignalWinsAndLaterOffersAreDiscarded() throws Exception {
		InboundQueue<Integer> q = queue(10, 1);
		offer(q, 1).run();
		run(loop, () -> {
			q.complete();
			q.fail(new IllegalStateException("late"));
			q.complete();
		});
		offer(q, 2).run();

		StepVerifier.create(observed(q))
				.expectNext(1)
				.verifyComplete();

		barrier(loop);
		assertThat(log).containsExactly("offer:1", "offer:2", "discard:2", "next:1", "complete");
	}

	@Test
	void failBeforeAnySubscriberIsDeliveredOnSubscribe() {
		InboundQueue<Integer> q = queue(10, 1);
		onLoop(loop, () -> q.fail(new IllegalStateException("early"))).run();
		assertThat(q.isTerminated()).isTrue();

		StepVerifier.create(q, 0)
				.expectErrorMessage("early")
				.verify(TIMEOUT);
	}
}
