/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.TIMEOUT;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.barrier;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.hold;
import static io.github.reactormongoose.internal.loop.LoopTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.internal.jni.NativeConstants;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.context.Context;

/**
 * The write subscriber over a real loop with a fake {@link WriteSubscriber.Target}: the target
 * records what it is given and answers a send-buffer length chosen by the test, so the
 * high-water logic is driven without a socket.
 */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteSubscriberTest {

	private static final int PREFETCH = WriteSubscriber.PREFETCH;

	private EventLoop loop;
	private final AtomicBoolean offLoop = new AtomicBoolean();

	@BeforeEach
	void startLoop() {
		loop = LoopTestSupport.start("write-subscriber-test");
	}

	@AfterEach
	void stopLoop() {
		LoopTestSupport.stop(loop);
		assertThat(offLoop).as("the target or onDone ran off the poll thread").isFalse();
	}

	private void checkOnLoop() {
		if (!loop.inEventLoop()) {
			offLoop.set(true);
		}
	}

	/** A connection stand-in; poll thread only. */
	private final class FakeTarget implements WriteSubscriber.Target<Integer> {
		final List<Integer> written = new CopyOnWriteArrayList<>();
		/** Send-buffer length (or error) answered for an item. */
		volatile IntToLongFunction result = i -> 0;
		final List<Runnable> waiting = new CopyOnWriteArrayList<>();
		final AtomicInteger awaitCalls = new AtomicInteger();
		RuntimeException throwOn;
		int throwAt = -1;

		@Override
		public long write(Integer item) {
			checkOnLoop();
			written.add(item);
			if (item == throwAt) {
				throw throwOn;
			}
			return result.applyAsLong(item);
		}

		@Override
		public void awaitWritable(Runnable action) {
			checkOnLoop();
			awaitCalls.incrementAndGet();
			waiting.add(action);
		}

		/** Runs (on the poll thread) the actions waiting for a writable event. */
		void fireWritable() throws Exception {
			run(loop, () -> {
				List<Runnable> actions = new ArrayList<>(waiting);
				waiting.clear();
				actions.forEach(Runnable::run);
			});
		}
	}

	/** What onDone reported. */
	private final class Done {
		final List<Optional<Throwable>> calls = new CopyOnWriteArrayList<>();
		final CompletableFuture<Optional<Throwable>> first = new CompletableFuture<>();

		void accept(Throwable t) {
			checkOnLoop();
			calls.add(Optional.ofNullable(t));
			first.complete(Optional.ofNullable(t));
		}

		Optional<Throwable> await() throws Exception {
			return first.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
	}

	/** Requests seen by the source, with the invariant checked at each one. */
	private static final class Requests {
		final List<Long> sizes = new CopyOnWriteArrayList<>();
		final List<String> violations = new CopyOnWriteArrayList<>();
		long total;

		/**
		 * Call where the request is made; {@code written} items were written so far. A top-up
		 * on the poll thread asks one item at a time, and the rest at once when an item does not
		 * come at once: that rest is part of the same top-up.
		 */
		void seen(long n, int written) {
			long outstandingBefore = total - written;
			sizes.add(n);
			boolean rest = sizes.size() > 1 && sizes.get(sizes.size() - 2) == 1 && n > 1;
			if (total > 0 && outstandingBefore >= PREFETCH / 2 && !rest) {
				violations.add("topped up with " + outstandingBefore + " still outstanding");
			}
			total += n;
			if (total - written > PREFETCH) {
				violations.add((total - written) + " requested ahead of writing");
			}
		}
	}

	private static List<Integer> range(int fromInclusive, int toInclusive) {
		return IntStream.rangeClosed(fromInclusive, toInclusive).boxed().collect(Collectors.toList());
	}

	// ---- order and thread ----

	@Test
	void itemsAreWrittenInOrderOnThePollThreadAndCompletionIsReportedOnce() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();

		Flux.range(1, 1000)
				.doOnCancel(() -> cancelled.set(true))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(target.written).containsExactlyElementsOf(range(1, 1000));
		assertThat(done.calls).containsExactly(Optional.empty());
		assertThat(cancelled).as("completion does not cancel upstream").isFalse();
		assertThat(target.awaitCalls).hasValue(0);
	}

	@Test
	void itemsFromAnotherThreadAreWrittenInOrderOnThePollThread() throws Exception {
		Scheduler producer = Schedulers.newSingle("write-subscriber-producer");
		try {
			FakeTarget target = new FakeTarget();
			Done done = new Done();

			Flux.range(1, 5000)
					.publishOn(producer, 7)
					.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

			assertThat(done.await()).isEmpty();
			barrier(loop);
			assertThat(target.written).containsExactlyElementsOf(range(1, 5000));
			assertThat(done.calls).hasSize(1);
		}
		finally {
			producer.dispose();
		}
	}

	@Test
	void subscribedOnThePollThreadItWritesInline() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();

		run(loop, () -> {
			Flux.range(1, 100).subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));
			// a synchronous source on the poll thread is written before subscribe returns
			assertThat(target.written).containsExactlyElementsOf(range(1, 100));
			assertThat(done.calls).containsExactly(Optional.empty());
		});
	}

	@Test
	void anEmptySourceCompletesWithoutWriting() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();

		Flux.<Integer>empty().subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(target.written).isEmpty();
		assertThat(done.calls).hasSize(1);
	}

	@Test
	void currentContextIsTheOneGiven() {
		Context context = Context.of("key", "value");
		WriteSubscriber<Integer> ws = new WriteSubscriber<>(loop, new FakeTarget(), t -> {
		}, context);

		assertThat(ws.currentContext()).isSameAs(context);
	}

	// ---- prefetch and the high-water mark ----

	@Test
	void belowHighWaterItPrefetchesAndTopsUpToPrefetch() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		Requests requests = new Requests();

		Flux.range(1, 1000)
				.doOnRequest(n -> requests.seen(n, target.written.size()))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(target.written).containsExactlyElementsOf(range(1, 1000));
		assertThat(requests.sizes.get(0)).isEqualTo(PREFETCH);
		assertThat(requests.sizes.subList(1, requests.sizes.size()))
				.as("top-ups ask one item at a time, or the rest of the %d when one did not come at once", PREFETCH)
				.allSatisfy(n -> assertThat(n).isBetween(1L, (long) PREFETCH / 2));
		assertThat(requests.violations).isEmpty();
		assertThat(requests.total).isGreaterThanOrEqualTo(1000);
		assertThat(target.awaitCalls).hasValue(0);
	}

	@Test
	void exactlyAtHighWaterItKeepsToppingUp() throws Exception {
		FakeTarget target = new FakeTarget();
		target.result = i -> loop.highWater();
		Done done = new Done();
		Requests requests = new Requests();

		Flux.range(1, 200)
				.doOnRequest(n -> requests.seen(n, target.written.size()))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(target.written).containsExactlyElementsOf(range(1, 200));
		assertThat(target.awaitCalls).as("at the mark is not above it").hasValue(0);
		assertThat(requests.sizes.size()).isGreaterThan(1);
		assertThat(requests.violations).isEmpty();
	}

	@Test
	void aboveHighWaterItWaitsForWritableBeforeRequestingMore() throws Exception {
		FakeTarget target = new FakeTarget();
		long above = loop.highWater() + 1L;
		target.result = i -> above;
		Done done = new Done();
		Requests requests = new Requests();

		// range emits the first PREFETCH items synchronously within subscribe
		Flux.range(1, 100)
				.doOnRequest(n -> requests.seen(n, target.written.size()))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));
		barrier(loop);

		assertThat(target.written).as("what was requested is still written").containsExactlyElementsOf(range(1, 32));
		assertThat(requests.sizes).as("no top-up above the mark").containsExactly((long) PREFETCH);
		assertThat(target.awaitCalls).as("one wait, however many writes are above the mark").hasValue(1);
		assertThat(done.calls).isEmpty();

		target.result = i -> 0;
		target.fireWritable(); // the writable action tops up; range then emits on the poll thread

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(requests.sizes).as("on the poll thread, range emits at once: one at a time").startsWith((long) PREFETCH, 1L, 1L);
		assertThat(requests.violations).isEmpty();
		assertThat(target.written).containsExactlyElementsOf(range(1, 100));
		assertThat(target.awaitCalls).hasValue(1);
		assertThat(done.calls).hasSize(1);
	}

	@Test
	void whileWaitingForWritableWritesBelowTheMarkDoNotTopUp() throws Exception {
		FakeTarget target = new FakeTarget();
		long above = loop.highWater() + 1L;
		target.result = i -> (i == 1 || i == 40) ? above : 0;
		Done done = new Done();
		Requests requests = new Requests();

		Flux.range(1, 100)
				.doOnRequest(n -> requests.seen(n, target.written.size()))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));
		barrier(loop);

		// item 1 went above the mark; items 2..32 went back below, but the writer still waits
		assertThat(target.written).containsExactlyElementsOf(range(1, 32));
		assertThat(requests.sizes).containsExactly((long) PREFETCH);
		assertThat(target.awaitCalls).hasValue(1);

		target.fireWritable(); // tops up one at a time from 33; item 40 is above the mark again
		barrier(loop);

		assertThat(target.written).as("nothing is asked for past the item above the mark").containsExactlyElementsOf(range(1, 40));
		assertThat(requests.sizes).containsExactly((long) PREFETCH, 1L, 1L, 1L, 1L, 1L, 1L, 1L, 1L);
		assertThat(target.awaitCalls).hasValue(2);
		assertThat(done.calls).isEmpty();

		target.fireWritable();

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(target.written).containsExactlyElementsOf(range(1, 100));
		assertThat(target.awaitCalls).hasValue(2);
		assertThat(requests.violations).isEmpty();
	}

	// ---- failures ----

	@Test
	void aNegativeWriteResultFailsWithTheMappedExceptionAndCancelsUpstream() throws Exception {
		FakeTarget target = new FakeTarget();
		target.result = i -> i == 3 ? NativeConstants.ERR_NO_CONN : 0;
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();
		List<Object> discarded = new CopyOnWriteArrayList<>();
		Context context = Operators.enableOnDiscard(Context.empty(), discarded::add);

		// Hold the poll thread so that range's first PREFETCH items are all queued before the
		// failing write cancels it.
		try (AutoCloseable held = hold(loop)) {
			Flux.range(1, 100)
					.doOnCancel(() -> cancelled.set(true))
					.subscribe(new WriteSubscriber<>(loop, target, done::accept, context));
		}

		Optional<Throwable> error = done.await();
		barrier(loop);
		assertThat(error).get().isInstanceOf(ConnectionClosedException.class);
		assertThat(error.get().getMessage()).contains("send");
		assertThat(cancelled).isTrue();
		assertThat(target.written).containsExactly(1, 2, 3);
		assertThat(done.calls).hasSize(1);
		// the rest of the prefetched items arrived after the failure: discarded, not written
		assertThat(discarded).containsExactlyElementsOf(new ArrayList<>(range(4, PREFETCH)));
	}

	@Test
	void anotherNegativeWriteResultIsMappedToo() throws Exception {
		FakeTarget target = new FakeTarget();
		target.result = i -> NativeConstants.ERR_OOM;
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();

		Flux.range(1, 10)
				.doOnCancel(() -> cancelled.set(true))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		Optional<Throwable> error = done.await();
		barrier(loop);
		assertThat(error).get().isExactlyInstanceOf(MongooseException.class);
		assertThat(error.get().getMessage()).contains("out of native memory");
		assertThat(cancelled).isTrue();
		assertThat(target.written).containsExactly(1);
	}

	@Test
	void aThrowingTargetFailsWithItsExceptionAndCancelsUpstream() throws Exception {
		FakeTarget target = new FakeTarget();
		target.throwAt = 2;
		target.throwOn = new IllegalStateException("target broke");
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();

		Flux.range(1, 10)
				.doOnCancel(() -> cancelled.set(true))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).containsSame(target.throwOn);
		barrier(loop);
		assertThat(cancelled).isTrue();
		assertThat(target.written).containsExactly(1, 2);
		assertThat(done.calls).hasSize(1);
	}

	@Test
	void anUpstreamErrorIsReportedAfterTheItemsWithoutCancellingUpstream() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();
		IllegalStateException boom = new IllegalStateException("boom");

		Flux.concat(Flux.just(1, 2, 3), Flux.<Integer>error(boom))
				.doOnCancel(() -> cancelled.set(true))
				.subscribe(new WriteSubscriber<>(loop, target, done::accept, Context.empty()));

		assertThat(done.await()).containsSame(boom);
		barrier(loop);
		assertThat(target.written).containsExactly(1, 2, 3);
		assertThat(cancelled).isFalse();
		assertThat(done.calls).hasSize(1);
	}

	// ---- cancel and terminal signals after the end ----

	@Test
	void cancelWithAReasonCancelsUpstreamAndReportsTheReasonOnce() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();
		Sinks.Many<Integer> sink = Sinks.many().unicast().onBackpressureBuffer();
		WriteSubscriber<Integer> ws = new WriteSubscriber<>(loop, target, done::accept, Context.empty());
		sink.asFlux().doOnCancel(() -> cancelled.set(true)).subscribe(ws);

		sink.tryEmitNext(1).orThrow();
		sink.tryEmitNext(2).orThrow();
		barrier(loop);
		assertThat(target.written).containsExactly(1, 2);
		assertThat(done.calls).isEmpty();

		ConnectionClosedException reason = new ConnectionClosedException("peer went away");
		run(loop, () -> ws.cancel(reason));

		assertThat(cancelled).isTrue();
		assertThat(done.calls).containsExactly(Optional.of(reason));
		assertThat(sink.tryEmitNext(3)).isNotEqualTo(Sinks.EmitResult.OK);

		// later signals change nothing
		run(loop, () -> ws.cancel(new IllegalStateException("again")));
		ws.onNext(4);
		ws.onError(new IllegalStateException("late error"));
		ws.onComplete();
		barrier(loop);
		assertThat(done.calls).containsExactly(Optional.of(reason));
		assertThat(target.written).containsExactly(1, 2);
	}

	@Test
	void completionIsReportedOnceEvenIfSignalsFollow() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();
		WriteSubscriber<Integer> ws = new WriteSubscriber<>(loop, target, done::accept, Context.empty());

		Flux.just(1, 2).doOnCancel(() -> cancelled.set(true)).subscribe(ws);
		assertThat(done.await()).isEmpty();

		ws.onComplete();
		ws.onError(new IllegalStateException("late"));
		run(loop, () -> ws.cancel(new IllegalStateException("late cancel")));
		barrier(loop);

		assertThat(done.calls).containsExactly(Optional.empty());
		assertThat(cancelled).as("cancel after completion does not reach upstream").isFalse();
		assertThat(target.written).containsExactly(1, 2);
	}

	/**
	 * Found while writing these tests: an exchange can cancel its writer (connection closed)
	 * before an asynchronous body publisher (e.g. one with {@code subscribeOn}) delivered
	 * {@code onSubscribe}. Then {@code finish} has no upstream to cancel, and the late
	 * {@code onSubscribe} still requests {@link WriteSubscriber#PREFETCH} items, which are
	 * discarded; the publisher is never cancelled.
	 */
	@Test
	void aSubscriptionArrivingAfterCancelIsCancelled() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		AtomicBoolean cancelled = new AtomicBoolean();
		Requests requests = new Requests();
		WriteSubscriber<Integer> ws = new WriteSubscriber<>(loop, target, done::accept, Context.empty());
		ConnectionClosedException reason = new ConnectionClosedException("closed before the body subscribed");

		run(loop, () -> ws.cancel(reason));
		Flux.range(1, 10)
				.doOnRequest(n -> requests.seen(n, 0))
				.doOnCancel(() -> cancelled.set(true))
				.subscribe(ws);
		barrier(loop);

		assertThat(done.calls).containsExactly(Optional.of(reason));
		assertThat(cancelled).isTrue();
		assertThat(requests.sizes).isEmpty();
		assertThat(target.written).isEmpty();
	}

	@Test
	void aSecondSubscriptionIsCancelled() throws Exception {
		FakeTarget target = new FakeTarget();
		Done done = new Done();
		Sinks.Many<Integer> first = Sinks.many().unicast().onBackpressureBuffer();
		AtomicBoolean secondCancelled = new AtomicBoolean();
		WriteSubscriber<Integer> ws = new WriteSubscriber<>(loop, target, done::accept, Context.empty());

		first.asFlux().subscribe(ws);
		Flux.range(100, 5).doOnCancel(() -> secondCancelled.set(true)).subscribe(ws);
		first.tryEmitNext(1).orThrow();
		first.tryEmitComplete().orThrow();

		assertThat(done.await()).isEmpty();
		barrier(loop);
		assertThat(secondCancelled).isTrue();
		assertThat(target.written).containsExactly(1);
	}
}
