/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.nio.ByteBuffer;
import java.util.Arrays;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.loop.Channel;
import io.github.reactormongoose.internal.loop.InboundQueue;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A request body that streams: the pieces {@code rmg_http.c} takes out of the receive buffer
 * as they arrive ({@code RMG_EV_HTTP_BODY} records), then its end. The pieces wait in an
 * {@link InboundQueue}; when {@value #HIGH_MARK} are waiting (nobody subscribed, or the
 * subscriber has no demand), the connection stops reading and TCP pushes back on the client.
 * <p>
 * What nobody reads is discarded: the pieces after a cancel, and, once the response has
 * ended, the rest of the body ({@link #discardRest()}). While the response is still being
 * made, a cancelled body keeps the connection paused instead, so that the client is not read
 * for nothing. Discarding stops at {@code maxDiscard} bytes: then the connection closes
 * (lingering in C, so the response still arrives). Poll thread only.
 */
final class RequestBody {

	/** Pieces (of at most 128 KiB, {@code RMG_BODY_BUF}) queued before reading pauses. */
	static final int HIGH_MARK = 4;
	/** Reading resumes once the subscriber has drained the queue to this. */
	static final int LOW_MARK = 1;

	private final Channel channel;
	private final long maxDiscard;
	private final InboundQueue<ByteBuffer> queue;
	private final Sinks.One<HttpHeaders> trailers = Sinks.one();
	private long received;
	private long discarded;
	private boolean ended;
	private long endedAt;
	private boolean queuePaused;
	private boolean cancelPaused;
	private boolean readingPaused;
	private boolean exchangeEnded;
	private boolean cancelled;
	private long awaitingSince;

	RequestBody(Channel channel, long maxDiscard) {
		this.channel = channel;
		this.maxDiscard = maxDiscard;
		this.queue = new InboundQueue<>(channel.loop(), HIGH_MARK, LOW_MARK, () -> pauseBy(true, true),
				() -> pauseBy(true, false), this::cancelled, b -> discarded(b.remaining()));
	}

	/** The body as a single-subscriber flux of read-only buffers. */
	Flux<ByteBuffer> flux() {
		// the subscription starts the wait for the client (on the poll thread: InboundQueue)
		return queue.doOnSubscribe(s -> awaitingSince = System.nanoTime());
	}

	/**
	 * When the server last began to wait for the client's bytes: the subscription, or reading
	 * resumed after a pause of the server's own. The read timeout counts no earlier.
	 */
	long awaitingSince() {
		return awaitingSince;
	}

	/** Bytes received so far. */
	long received() {
		return received;
	}

	/** Whether the whole body has arrived (or the connection failed it). */
	boolean isEnded() {
		return ended;
	}

	/** When the whole body had arrived ({@code System.nanoTime()}), 0 while it has not. */
	long endedAt() {
		return endedAt;
	}

	/** Poll thread: a piece arrived (copied out of the event buffer). */
	void onPiece(ByteBuffer buf, int offset, int length) {
		if (wanted(length)) {
			byte[] a = new byte[length];
			buf.get(offset, a);
			offer(a);
		}
	}

	/**
	 * Poll thread: a piece arrived in the loop's staging array. {@code Arrays.copyOfRange}
	 * does not zero the new array before filling it (as {@code new byte[]} plus a copy does),
	 * which is a whole pass over the body less.
	 */
	void onPiece(byte[] stage, int offset, int length) {
		if (wanted(length)) {
			offer(Arrays.copyOfRange(stage, offset, offset + length));
		}
	}

	/** Counts a piece as received; whether it is wanted (else it is counted as discarded). */
	private boolean wanted(int length) {
		received += length;
		if (queue.isTerminated() || exchangeEnded) {
			discarded(length);
			return false;
		}
		return true;
	}

	private void offer(byte[] piece) {
		queue.offer(ByteBuffer.wrap(piece).asReadOnlyBuffer());
	}

	/** The trailer fields, once the body has arrived whole; an error if it cannot. */
	Mono<HttpHeaders> trailers() {
		return trailers.asMono();
	}

	/** Poll thread: the whole body arrived, and after it {@code trailers}. */
	void onEnd(HttpHeaders trailers) {
		ended = true;
		endedAt = System.nanoTime();
		queue.complete();
		this.trailers.tryEmitValue(trailers);
		resumeAll();
	}

	/** Poll thread: the body cannot arrive whole (connection closed, bad framing). */
	void fail(Throwable error) {
		ended = true;
		queue.fail(error);
		trailers.tryEmitError(error);
	}

	/**
	 * Poll thread: the response ended before the body did. A subscriber still reading gets
	 * an error; the rest of the body is read and discarded, up to {@code maxDiscard} bytes.
	 */
	void discardRest() {
		if (ended || exchangeEnded) {
			return;
		}
		exchangeEnded = true;
		queue.fail(new IllegalStateException(
				"The response ended before the request body was read to its end; the rest is discarded"));
		resumeAll();
	}

	/**
	 * Whether the server waits for the client's next bytes: the body is being read (it has a
	 * subscriber, and reading is not paused for back-pressure) and has not ended. A pause of
	 * the server's own making does not count against the client.
	 */
	boolean awaitsClient() {
		return !ended && !exchangeEnded && !readingPaused && queue.hasSubscriber() && !queue.isTerminated();
	}

	/** Whether the response ended first and the rest of the body is being read and dropped. */
	boolean isDiscarding() {
		return exchangeEnded && !ended;
	}

	/** Whether the subscriber cancelled. */
	boolean isCancelled() {
		return cancelled;
	}

	private void cancelled() {
		cancelled = true;
		if (!ended && !exchangeEnded) {
			pauseBy(false, true); // leave the rest in the socket until the response ends
		}
	}

	private void discarded(long n) {
		discarded += n;
		if (discarded > maxDiscard && exchangeEnded && !ended) {
			BoundHttpServer.log.debug("{}: more than {} bytes of request body unread, closing", channel, maxDiscard);
			ended = true;
			channel.drain();
		}
	}

	private void resumeAll() {
		queuePaused = false;
		cancelPaused = false;
		update();
	}

	private void pauseBy(boolean byQueue, boolean paused) {
		if (byQueue) {
			queuePaused = paused;
		}
		else {
			cancelPaused = paused;
		}
		update();
	}

	private void update() {
		boolean want = (queuePaused || cancelPaused) && !ended;
		if (want != readingPaused) {
			readingPaused = want;
			if (want) {
				channel.pauseReading();
			}
			else {
				awaitingSince = System.nanoTime();
				channel.resumeReading();
			}
		}
	}
}
