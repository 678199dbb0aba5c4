/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

/**
 * A single-subscriber inbound {@link Flux} fed by the poll thread (reactor-netty's
 * {@code FluxReceive} idea). Items are queued on the poll thread and delivered there; when
 * the queue reaches {@code highMark} the {@code pause} action runs (the native side stops
 * reading the socket, so TCP pushes back on the peer), and {@code resume} runs once the
 * subscriber has drained it to {@code lowMark}. Items may also be weighed (a WebSocket message
 * by its bytes): then the queue also pauses once its weight reaches {@code highWeight}, and
 * resumes only when it is down to {@code highWeight / 4} as well, so large items do not queue
 * up by the {@code highMark}. Internal API.
 */
public final class InboundQueue<T> extends Flux<T> implements Subscription {

	private final EventLoop loop;
	private final ArrayDeque<T> queue = new ArrayDeque<>();
	private final int highMark;
	private final int lowMark;
	private final Runnable pause;
	private final Runnable resume;
	private final Runnable onCancel;
	private final Consumer<? super T> discard;
	private final ToIntFunction<? super T> weigher;
	private final long highWeight;

	/** What the queued items weigh. */
	private long weight;

	private CoreSubscriber<? super T> actual;
	private long demand;
	private boolean done;
	private Throwable error;
	private boolean cancelled;
	private boolean paused;
	private boolean draining;
	private boolean subscribedOnce;

	public InboundQueue(EventLoop loop, int highMark, int lowMark, Runnable pause, Runnable resume, Runnable onCancel,
			Consumer<? super T> discard) {
		this(loop, highMark, lowMark, pause, resume, onCancel, discard, t -> 0, Long.MAX_VALUE);
	}

	/** A queue that also pauses once its items weigh {@code highWeight} (by {@code weigher}). */
	public InboundQueue(EventLoop loop, int highMark, int lowMark, Runnable pause, Runnable resume, Runnable onCancel,
			Consumer<? super T> discard, ToIntFunction<? super T> weigher, long highWeight) {
		this.loop = loop;
		this.weigher = weigher;
		this.highWeight = highWeight;
		this.highMark = highMark;
		this.lowMark = lowMark;
		this.pause = pause;
		this.resume = resume;
		this.onCancel = onCancel;
		this.discard = discard;
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> s) {
		loop.executeOrRun(() -> {
			if (subscribedOnce) {
				Operators.error(s, new IllegalStateException(
						"Only one subscriber allowed: the inbound data of a connection can be consumed once"));
				return;
			}
			subscribedOnce = true;
			actual = s;
			s.onSubscribe(this);
			drain();
		});
	}

	/** Poll thread: queues one item. */
	public void offer(T item) {
		if (cancelled || done) {
			discard.accept(item);
			return;
		}
		queue.add(item);
		weight += weigher.applyAsInt(item);
		if (!paused && (queue.size() >= highMark || weight >= highWeight)) {
			paused = true;
			pause.run();
		}
		drain();
	}

	/** Poll thread: no more items. */
	public void complete() {
		if (!done) {
			done = true;
			drain();
		}
	}

	/** Poll thread: terminates with an error after the queued items. */
	public void fail(Throwable t) {
		if (!done) {
			done = true;
			error = t;
			drain();
		}
	}

	public boolean isTerminated() {
		return done;
	}

	public boolean hasSubscriber() {
		return subscribedOnce;
	}

	@Override
	public void request(long n) {
		if (n <= 0) {
			// Reactive Streams rule 3.9: a non-positive request is signalled as an error
			loop.executeOrRun(() -> {
				CoreSubscriber<? super T> a = actual;
				if (cancelled || a == null) {
					return;
				}
				cancel(); // stops the source as a cancel would (on this thread: at once)
				a.onError(new IllegalArgumentException("§3.9 violated: positive request amount required but it was " + n));
			});
			return;
		}
		loop.executeOrRun(() -> {
			demand = Operators.addCap(demand, n);
			drain();
		});
	}

	@Override
	public void cancel() {
		loop.executeOrRun(() -> {
			if (cancelled) {
				return;
			}
			cancelled = true;
			T t;
			while ((t = queue.poll()) != null) {
				discard.accept(t);
			}
			weight = 0;
			if (paused) {
				paused = false;
				resume.run();
			}
			onCancel.run();
		});
	}

	private void drain() {
		if (draining || actual == null || cancelled) {
			return;
		}
		draining = true;
		try {
			for (;;) {
				while (demand > 0 && !queue.isEmpty() && !cancelled) {
					T t = queue.poll();
					weight -= weigher.applyAsInt(t);
					if (demand != Long.MAX_VALUE) {
						demand--;
					}
					actual.onNext(t);
				}
				if (cancelled) {
					return;
				}
				if (paused && queue.size() <= lowMark && weight <= highWeight / 4) {
					paused = false;
					resume.run();
				}
				if (done && queue.isEmpty()) {
					CoreSubscriber<? super T> a = actual;
					cancelled = true; // terminal
					if (error != null) {
						a.onError(error);
					}
					else {
						a.onComplete();
					}
					return;
				}
				if (demand == 0 || queue.isEmpty()) {
					return;
				}
			}
		}
		finally {
			draining = false;
		}
	}
}
