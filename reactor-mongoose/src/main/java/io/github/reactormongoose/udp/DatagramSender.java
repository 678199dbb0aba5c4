/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.WriteSubscriber;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.util.context.Context;

/**
 * Sends the datagrams of one {@link UdpOutbound#send} call on the poll thread, pulled by a
 * {@link WriteSubscriber}. A datagram that meets a full send buffer ({@link #AGAIN}) waits,
 * with those behind it, and is retried every {@link #RETRY}; meanwhile the writer requests
 * nothing more. The first datagram that cannot be sent ends the call with its error.
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
	}

	private final EventLoop loop;
	private final Io io;
	private final ArrayDeque<Datagram> waiting = new ArrayDeque<>();
	private @Nullable WriteSubscriber<Datagram> writer;
	private @Nullable Runnable resume;
	private @Nullable MonoSink<Void> sink;
	/** The publisher completed while datagrams were still waiting. */
	private boolean completed;

	private DatagramSender(EventLoop loop, Io io) {
		this.loop = loop;
		this.io = io;
	}

	/** Sends {@code datagrams} when subscribed; completes once all went to the kernel. */
	static Mono<Void> send(EventLoop loop, Io io, Publisher<? extends Datagram> datagrams) {
		return Mono.create(sink -> {
			DatagramSender sender = new DatagramSender(loop, io);
			sender.sink = sink;
			WriteSubscriber<Datagram> w = new WriteSubscriber<>(loop, sender, sender::upstreamDone,
					Context.of(sink.contextView()));
			sender.writer = w;
			sink.onCancel(() -> loop.executeOrRun(() -> w.cancel(new ConnectionClosedException("send cancelled"))));
			Flux.<Datagram>from(datagrams).subscribe(w);
		});
	}

	/**
	 * Poll thread: the writer is done. On completion, datagrams may still wait for the send
	 * buffer: the call completes when the last of them is sent.
	 */
	private void upstreamDone(@Nullable Throwable e) {
		MonoSink<Void> s = Objects.requireNonNull(sink);
		if (e != null) {
			waiting.clear();
			s.error(e);
		}
		else if (waiting.isEmpty()) {
			s.success();
		}
		else {
			completed = true; // retry() finishes
		}
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
				waiting.clear();
				if (completed) {
					Objects.requireNonNull(sink).error(e);
				}
				else {
					Objects.requireNonNull(writer).cancel(e);
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
			Objects.requireNonNull(sink).success();
			return;
		}
		Runnable a = resume;
		resume = null;
		if (a != null) {
			a.run();
		}
	}
}
