/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.context.Context;

/**
 * Sends the datagrams of one {@link UdpOutbound#send} call on the poll thread, pulled by a
 * {@link WriteSubscriber}. A datagram that meets a full send buffer ({@link #AGAIN}) waits,
 * with those behind it, and is retried every {@link #RETRY}; meanwhile the writer requests
 * nothing more. The first datagram that cannot be sent ends the call with its error, and the
 * socket's close ends it (with a {@link io.github.reactormongoose.ConnectionClosedException},
 * as on TCP) instead of leaving it to wait for a source that may never emit.
 */
final class DatagramSender implements WriteSubscriber.Target<Datagram> {

	/** What {@link Io#send} returns when the socket's send buffer is full. */
	static final long AGAIN = Long.MIN_VALUE;
	/** How long a datagram that met a full send buffer waits before the next try. */
	static final Duration RETRY = Duration.ofMillis(1);

	/** The socket's side. */
	interface Io {
		/** Sends one datagram: 0, {@link #AGAIN}, or a negative native error code; may throw for a bad address. */
		long send(Datagram d);

		/** The exception for a negative code. */
		RuntimeException error(long code, Datagram d);

		/** Completes when the socket closed (at once when it is closed already). */
		Mono<Void> onClose();

		/** The exception for a call the socket's close ended. */
		RuntimeException closed();
	}

	private final EventLoop loop;
	private final Io io;
	private final MonoSink<Void> sink;
	private final ArrayDeque<Datagram> waiting = new ArrayDeque<>();
	/** Watches the socket's close for as long as the call runs (a socket makes many sends). */
	private final Disposable.Swap closeWatch = Disposables.swap();
	private @Nullable WriteSubscriber<Datagram> writer;
	private @Nullable Runnable resume;
	/** The publisher completed while datagrams were still waiting. */
	private boolean completed;
	/** The call ended: the sink was told (or its subscriber left), nothing is sent any more. */
	private boolean ended;

	private DatagramSender(EventLoop loop, Io io, MonoSink<Void> sink) {
		this.loop = loop;
		this.io = io;
		this.sink = sink;
	}

	/**
	 * Sends {@code datagrams} when subscribed; completes once all went to the kernel. When the
	 * socket closes first, the call fails with {@link Io#closed()} and the source is cancelled,
	 * whether the call was waiting for the source or for the send buffer.
	 */
	static Mono<Void> send(EventLoop loop, Io io, Publisher<? extends Datagram> datagrams) {
		return Mono.create(sink -> {
			DatagramSender sender = new DatagramSender(loop, io, sink);
			WriteSubscriber<Datagram> w = new WriteSubscriber<>(loop, sender, sender::upstreamDone,
					Context.of(sink.contextView()));
			sender.writer = w;
			// the subscriber left: stop pulling and tell nobody (Reactor hands a signal to a cancelled
			// sink to Hooks.onOperatorError, where it would look like a failure)
			sink.onCancel(() -> loop.executeOrRun(() -> sender.stop(WriteSubscriber.CANCELLED)));
			Flux.<Datagram>from(datagrams).subscribe(w);
			// queued even on the poll thread: behind what the source signalled before the close (the
			// writer queues its signals too), so a send whose source ended before the close completes
			sender.closeWatch.update(io.onClose().subscribe(null, null, () -> loop.execute(
					() -> sender.stop(io.closed()))));
		});
	}

	/** Poll thread: ends the call with {@code reason}, from outside the writer (cancel, close). */
	private void stop(Throwable reason) {
		Objects.requireNonNull(writer).cancel(reason); // cancels the source; ends the call unless the writer was done
		end(reason); // the writer was done: datagrams were waiting for the send buffer
	}

	/**
	 * Poll thread: the writer is done. On completion, datagrams may still wait for the send
	 * buffer: the call completes when the last of them is sent.
	 */
	private void upstreamDone(@Nullable Throwable e) {
		if (e != null || waiting.isEmpty()) {
			end(e);
		}
		else {
			completed = true; // retry() finishes
		}
	}

	/** Poll thread: tells the sink once, unless its subscriber left. */
	private void end(@Nullable Throwable e) {
		if (ended) {
			return;
		}
		ended = true;
		waiting.clear();
		resume = null;
		closeWatch.dispose();
		WriteSubscriber.tell(sink, e);
	}

	@Override
	public long write(Datagram d) {
		if (!waiting.isEmpty()) {
			waiting.add(d);
			return blocked();
		}
		long r = io.send(d);
		if (r == AGAIN) {
			waiting.add(d);
			return blocked();
		}
		if (r < 0) {
			throw io.error(r, d);
		}
		return r;
	}

	private long blocked() {
		return loop.highWater() + 1L;
	}

	@Override
	public void awaitWritable(Runnable action) {
		resume = action;
		loop.schedule(RETRY, this::retry);
	}

	private void retry() {
		if (ended) {
			return; // cancelled or closed while the datagrams waited
		}
		Datagram d;
		while ((d = waiting.peek()) != null) {
			long r;
			try {
				r = io.send(d);
				if (r != AGAIN && r < 0) {
					throw io.error(r, d);
				}
			}
			catch (RuntimeException e) {
				if (completed) {
					end(e);
				}
				else {
					Objects.requireNonNull(writer).cancel(e); // ends the call
				}
				return;
			}
			if (r == AGAIN) {
				loop.schedule(RETRY, this::retry);
				return;
			}
			waiting.poll();
		}
		if (completed) {
			end(null);
			return;
		}
		Runnable a = resume;
		resume = null;
		if (a != null) {
			a.run();
		}
	}
}
