/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.github.reactormongoose.internal.jni.Errors;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Pulls a body {@code Publisher} and writes each item on the poll thread as it arrives. It
 * keeps up to {@link #PREFETCH} items requested (so a timed source such as
 * {@code Flux.interval} is not starved by the hop to the poll thread) but tops the demand up
 * only while the connection's send buffer is at or below the high-water mark; above it, it
 * waits for the native writable event. So a slow peer stops the producer instead of filling
 * memory (at most {@code PREFETCH} items beyond the mark). Internal API.
 */
public final class WriteSubscriber<T> implements CoreSubscriber<T> {

	/** Where items go, on the poll thread. */
	public interface Target<T> {
		/** Writes one item; returns the send-buffer length or a negative native error. */
		long write(T item);

		/** Runs {@code action} once the send buffer fell to the low-water mark. */
		void awaitWritable(Runnable action);
	}

	private final EventLoop loop;
	private final Target<T> target;
	private final Consumer<Throwable> onDone;
	private final Context context;
	private final AtomicInteger queued = new AtomicInteger();
	/** Items kept requested ahead of writing (reactor-netty's send prefetch is 128). */
	public static final int PREFETCH = 32;

	/** Written by the subscribing thread, read by the poll thread when finishing. */
	private volatile Subscription upstream;
	private volatile boolean done;
	/** Requested but not yet received; poll thread only. */
	private int outstanding;
	private boolean waitingWritable;

	/**
	 * @param onDone called once on the poll thread: {@code null} on completion, else the error
	 */
	public WriteSubscriber(EventLoop loop, Target<T> target, Consumer<Throwable> onDone, Context context) {
		this.loop = loop;
		this.target = target;
		this.onDone = onDone;
		this.context = context;
	}

	@Override
	public Context currentContext() {
		return context;
	}

	@Override
	public void onSubscribe(Subscription s) {
		if (done) {
			s.cancel(); // cancelled (connection closed, exchange aborted) before the subscription arrived
			return;
		}
		if (Operators.validate(upstream, s)) {
			upstream = s;
			outstanding = PREFETCH; // written before any onNext can run
			s.request(PREFETCH);
		}
	}

	private void run(Runnable r) {
		// Keep signal order: once something is queued, queue everything after it too.
		if (loop.inEventLoop() && queued.get() == 0) {
			r.run();
		}
		else {
			queued.incrementAndGet();
			loop.execute(() -> {
				queued.decrementAndGet();
				r.run();
			});
		}
	}

	@Override
	public void onNext(T item) {
		run(() -> {
			if (done) {
				Operators.onDiscard(item, context);
				return;
			}
			outstanding--;
			long r;
			try {
				r = target.write(item);
			}
			catch (Throwable e) {
				finish(e, true);
				return;
			}
			if (r < 0) {
				finish(Errors.toException(r, "send"), true);
			}
			else if (r > loop.highWater()) {
				if (!waitingWritable) {
					waitingWritable = true;
					target.awaitWritable(() -> {
						waitingWritable = false;
						topUp();
					});
				}
			}
			else if (!waitingWritable) {
				topUp();
			}
		});
	}

	private void topUp() {
		if (!done && outstanding < PREFETCH / 2) {
			int n = PREFETCH - outstanding;
			outstanding = PREFETCH;
			upstream.request(n);
		}
	}

	@Override
	public void onError(Throwable t) {
		run(() -> finish(t, false));
	}

	@Override
	public void onComplete() {
		run(() -> finish(null, false));
	}

	/** Poll thread: stops pulling (connection closed or exchange aborted). */
	public void cancel(Throwable reason) {
		finish(reason, true);
	}

	private void finish(Throwable t, boolean cancelUpstream) {
		if (done) {
			return;
		}
		done = true;
		if (cancelUpstream && upstream != null) {
			upstream.cancel();
		}
		onDone.accept(t);
	}
}
