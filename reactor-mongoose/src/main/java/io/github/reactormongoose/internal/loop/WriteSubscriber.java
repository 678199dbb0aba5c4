/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.github.reactormongoose.internal.jni.Errors;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Pulls a body {@code Publisher} and writes each item on the poll thread as it arrives. It
 * keeps up to {@link #PREFETCH} items requested (so a timed source such as
 * {@code Flux.interval} is not starved by the hop to the poll thread) but tops the demand up
 * only while the connection's send buffer is at or below the high-water mark; above it, it
 * waits for the native writable event. So a slow peer stops the producer instead of filling
 * memory.
 * <p>
 * A request made on the poll thread is a burst: a publisher that emits synchronously (a
 * generator, a list, a file read ahead) delivers its items inside the {@code request} call.
 * A burst asks for one item at a time, while each comes at once and leaves the send buffer at
 * or below the mark, so a synchronous source is pulled at most one item past the mark (it
 * asked for {@code PREFETCH} at once, and a source of 8 MB items put 32 of them, 256 MB, into
 * native memory for a peer that did not read); a source that does not emit at once gets the
 * rest of the request at once, and up to {@code PREFETCH} of its items may come past the mark.
 * From its second item on, the target gathers the items of a burst into fewer, larger sends
 * ({@link Target#gatherOn()}; a lone item is written as it is, without a copy).
 * <p>
 * A source that ignores demand (a {@code Flux.create} with {@code OverflowStrategy.IGNORE}, a
 * hand-written publisher) is stopped: each item is counted against the demand as it arrives,
 * on the producing thread, before it is queued for the poll thread, and one more than
 * {@link #OVERFLOW_SLACK} items past it cancels the source and fails the send with Reactor's
 * overflow error ({@link Exceptions#failWithOverflow(String)}, as Reactor Netty's send does);
 * the items would otherwise pile up in the loop's queue and native memory without bound.
 * Internal API.
 */
public final class WriteSubscriber<T> implements CoreSubscriber<T> {

	/** Where items go, on the poll thread. */
	public interface Target<T> {
		/** Writes one item; returns the send-buffer length or a negative native error. */
		long write(T item);

		/** Runs {@code action} once the send buffer fell to the low-water mark. */
		void awaitWritable(Runnable action);

		/**
		 * The channel whose writes a burst may gather ({@link Channel#cork()} before them,
		 * {@link Channel#uncork()} after), or {@code null}: each write is then checked on its own.
		 */
		default @Nullable Channel gatherOn() {
			return null;
		}
	}

	private final EventLoop loop;
	private final Target<T> target;
	private final Consumer<Throwable> onDone;
	private final Context context;
	private final AtomicInteger queued = new AtomicInteger();
	/** Items kept requested ahead of writing (reactor-netty's send prefetch is 128). */
	public static final int PREFETCH = 32;

	/**
	 * The most requests one top-up makes before it lets the loop poll. A source that emits at
	 * once, whose items leave the send buffer below the mark (small items, a compressed stream
	 * that shrinks them to a few bytes, a peer that reads as fast), would otherwise be pulled
	 * for ever without the loop polling: its other connections would wait, and a close from the
	 * peer would be seen only once the unsent output reached the mark.
	 */
	public static final int ROUNDS_PER_TURN = 8;

	/** Items a source may send past its demand before it fails with an overflow. */
	static final int OVERFLOW_SLACK = PREFETCH;

	/** Requested minus arrived, counted as items arrive (on the producing thread). */
	private final AtomicLong credit = new AtomicLong();
	/** The source sent too many: what it still sends is dropped. Its onNext's thread only. */
	private boolean overflowed;

	/** Written by the subscribing thread, read by the poll thread when finishing. */
	private volatile Subscription upstream;
	private volatile boolean done;
	/** Requested but not yet received; poll thread only. */
	private int outstanding;
	private boolean waitingWritable;
	/** Inside a request on the poll thread (a burst): the burst's end checks the send buffer. */
	private boolean burst;
	/** The channel a burst gathers on (corked from its second item on), or {@code null}. */
	private @Nullable Channel gather;
	/** Items written in the current burst, and the send-buffer length after the last of them. */
	private int burstWrites;
	private long burstPending;

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
			if (loop.inEventLoop()) {
				if (request(PREFETCH)) {
					topUp();
				}
			}
			else {
				credit.addAndGet(PREFETCH);
				s.request(PREFETCH);
			}
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
		if (credit.decrementAndGet() < -OVERFLOW_SLACK) {
			overflow(item);
			return;
		}
		run(() -> {
			if (done) {
				Operators.onDiscard(item, context);
				return;
			}
			outstanding--;
			long r;
			try {
				Channel g = gather;
				if (burst && ++burstWrites == 2 && g != null) {
					g.cork(); // a second item in the same burst: gather from here on
				}
				r = target.write(item);
				burstPending = r;
			}
			catch (Throwable e) {
				finish(e, true);
				return;
			}
			if (r < 0) {
				finish(Errors.toException(r, "send"), true);
			}
			else if (!burst && belowHighWater(r)) {
				topUp(); // inside a burst, its end checks the send buffer
			}
		});
	}

	/** An item past the demand and the slack: the source is cancelled and the send fails, once. */
	private void overflow(T item) {
		Operators.onDiscard(item, context);
		if (overflowed) {
			return;
		}
		overflowed = true;
		upstream.cancel();
		Throwable e = Exceptions.failWithOverflow(Exceptions.BACKPRESSURE_ERROR_QUEUE_FULL);
		run(() -> finish(e, false));
	}

	/** Asks the source for {@code n} more, counted before it may send them. */
	private void requestUpstream(long n) {
		credit.addAndGet(n);
		upstream.request(n);
	}

	/** Whether more may be requested after a write left {@code r} bytes pending; if not, waits for writable. */
	private boolean belowHighWater(long r) {
		if (r > loop.highWater()) {
			if (!waitingWritable) {
				waitingWritable = true;
				target.awaitWritable(() -> {
					waitingWritable = false;
					topUp();
				});
			}
			return false;
		}
		return !waitingWritable;
	}

	private void topUp() {
		int rounds = 0;
		while (!done && !burst && outstanding < PREFETCH / 2) {
			if (++rounds > ROUNDS_PER_TURN) {
				// let the loop poll first (its other connections, a close from this peer): a task
				// queued now could run in the same drain of the queue, a timer due now runs at the
				// latest after the next poll
				loop.schedule(java.time.Duration.ZERO, () -> {
					if (!waitingWritable) {
						topUp();
					}
				});
				return;
			}
			int n = PREFETCH - outstanding;
			outstanding = PREFETCH;
			if (!request(n)) {
				return;
			}
		}
	}

	/**
	 * Requests {@code n} items; on the poll thread as a burst, one at a time while each comes at
	 * once and the send buffer stays at or below the high-water mark (what is not asked for is
	 * taken off {@code outstanding}). Returns whether more may be requested at once (items came
	 * and the burst ended below the high-water mark).
	 */
	private boolean request(int n) {
		if (!loop.inEventLoop()) {
			requestUpstream(n); // each write checks the send buffer
			return false;
		}
		Channel g = target.gatherOn();
		int asked = 0;
		burst = true;
		gather = g;
		burstWrites = 0;
		Throwable thrown = null;
		try {
			while (asked < n && !done) {
				int before = burstWrites;
				asked++;
				requestUpstream(1);
				if (burstWrites == before) { // nothing came at once: the rest will come one by one
					if (asked < n && !done) {
						requestUpstream(n - asked);
					}
					asked = n;
				}
				else if (burstPending < 0 || burstPending > loop.highWater()) {
					break;
				}
			}
		}
		catch (Throwable e) {
			thrown = e;
		}
		finally {
			burst = false;
			gather = null;
			if (g != null && burstWrites >= 2) { // corked: the burst's last bytes are sent here, also when done
				burstPending = g.uncork();
			}
		}
		if (thrown != null) {
			// the source threw out of its emission (a JVM error, which Reactor's operators
			// rethrow): the send ends with it, and it goes on to the loop to be logged. Thrown
			// into a task or a timer, it was only logged, and the send never ended
			finish(thrown, true);
			throw Exceptions.propagate(thrown);
		}
		outstanding -= n - asked;
		if (done || burstWrites == 0) {
			return false; // nothing came at once: the items will come one by one
		}
		if (burstPending < 0) {
			finish(Errors.toException(burstPending, "send"), true);
			return false;
		}
		return belowHighWater(burstPending);
	}

	@Override
	public void onError(Throwable t) {
		run(() -> finish(t, false));
	}

	@Override
	public void onComplete() {
		run(() -> finish(null, false));
	}

	/**
	 * A writer for a send whose {@code Mono} is {@code sink}: its end completes or fails the
	 * sink, after {@code onEnd}. Cancelling the {@code Mono} cancels the writer: the source is no
	 * longer pulled (as in Reactor Netty; what was written stays written), and the sink, whose
	 * subscriber left, is not told.
	 */
	public static <T> WriteSubscriber<T> forSink(EventLoop loop, Target<T> target, MonoSink<Void> sink, Runnable onEnd) {
		WriteSubscriber<T> w = new WriteSubscriber<>(loop, target, e -> {
			onEnd.run();
			tell(sink, e);
		}, Context.of(sink.contextView()));
		sink.onCancel(() -> loop.executeOrRun(() -> w.cancel(CANCELLED)));
		return w;
	}

	/**
	 * Tells a send's {@code sink} how it ended: completed ({@code null}), failed, or nothing
	 * when it ended with {@link #CANCELLED} (its subscriber left: Reactor would hand a signal to
	 * a cancelled sink to {@code Hooks.onOperatorError}, where it would look like a failure).
	 */
	public static void tell(MonoSink<Void> sink, @Nullable Throwable e) {
		if (e == CANCELLED) {
			return;
		}
		if (e == null) {
			sink.success();
		}
		else {
			sink.error(e);
		}
	}

	/** The reason a send's writer is stopped with when its {@code Mono} was cancelled ({@link #tell}). */
	public static final Throwable CANCELLED = new java.util.concurrent.CancellationException("send cancelled") {
		private static final long serialVersionUID = 1L;

		@Override
		public synchronized Throwable fillInStackTrace() {
			return this;
		}
	};

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
