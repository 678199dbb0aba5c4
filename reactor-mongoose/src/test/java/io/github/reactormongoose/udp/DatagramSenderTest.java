/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.internal.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The full-send-buffer path of {@link DatagramSender}, which loopback sockets never take (the
 * kernel frees a datagram's buffer space as soon as it is looped back): a fake socket answers
 * {@link DatagramSender#AGAIN} on demand.
 */
class DatagramSenderTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final EventLoop loop = EventLoop.start("datagram-sender-test", true, EventLoop.DEFAULT_HIGH_WATER,
			EventLoop.DEFAULT_LOW_WATER, 100);

	@AfterEach
	void stop() {
		loop.shutdown(Duration.ZERO);
		loop.terminationFuture().block(WAIT);
	}

	/** A socket whose send buffer is full for the first {@code busy} tries of every datagram with an even number. */
	private static final class FakeSocket implements DatagramSender.Io {
		final List<String> sent = new CopyOnWriteArrayList<>();
		final AtomicInteger again = new AtomicInteger();
		final int busy;
		int tries;
		final String failOn;

		FakeSocket(int busy, String failOn) {
			this.busy = busy;
			this.failOn = failOn;
		}

		@Override
		public long send(Datagram d) {
			String text = d.text();
			if (Integer.parseInt(text) % 2 == 0 && tries++ < busy) {
				again.incrementAndGet();
				return DatagramSender.AGAIN;
			}
			tries = 0;
			if (text.equals(failOn)) {
				return -1;
			}
			sent.add(text);
			return 0;
		}

		@Override
		public RuntimeException error(long code, Datagram d) {
			return new IllegalStateException("cannot send " + d.text() + " (" + code + ")");
		}

		final Sinks.Empty<Void> closed = Sinks.empty();

		@Override
		public Mono<Void> onClose() {
			return closed.asMono();
		}

		@Override
		public RuntimeException closed() {
			return new ConnectionClosedException("closed while sending");
		}
	}

	private static Flux<Datagram> numbers(int n) {
		return Flux.range(0, n).map(i -> Datagram.of(Integer.toString(i), null));
	}

	@Test
	void aFullSendBufferDelaysButKeepsEveryDatagramInOrder() {
		FakeSocket s = new FakeSocket(3, "");
		DatagramSender.send(loop, s, numbers(100)).block(WAIT);
		assertThat(s.sent).hasSize(100);
		assertThat(s.sent).containsExactlyElementsOf(numbers(100).map(Datagram::text).collectList().block());
		assertThat(s.again.get()).isEqualTo(50 * 3);
	}

	@Test
	void anErrorWhileRetryingEndsTheSend() {
		FakeSocket s = new FakeSocket(2, "4");
		assertThatThrownBy(() -> DatagramSender.send(loop, s, numbers(10)).block(WAIT))
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("cannot send 4");
		assertThat(s.sent).containsExactly("0", "1", "2", "3");
	}

	@Test
	void anErrorAtOnceEndsTheSend() {
		FakeSocket s = new FakeSocket(0, "3");
		assertThatThrownBy(() -> DatagramSender.send(loop, s, numbers(10)).block(WAIT))
				.hasMessageContaining("cannot send 3");
		assertThat(s.sent).containsExactly("0", "1", "2");
	}

	/**
	 * The source completed but a datagram still waits for the send buffer when the socket
	 * closes: the call fails then instead of retrying forever.
	 */
	@Test
	void closingWhileADatagramWaitsForTheSendBufferEndsTheSend() {
		FakeSocket s = new FakeSocket(Integer.MAX_VALUE, ""); // "0" never fits
		Mono<Void> send = DatagramSender.send(loop, s, numbers(3)).cache();
		send.subscribe(null, e -> {
		});
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (s.again.get() < 5 && System.nanoTime() < deadline) {
			Thread.onSpinWait(); // retried a few times: the source has completed, "0" waits
		}
		assertThat(s.again.get()).isGreaterThanOrEqualTo(5);
		s.closed.tryEmitEmpty();
		assertThatThrownBy(() -> send.block(WAIT))
				.isInstanceOf(ConnectionClosedException.class)
				.hasMessageContaining("closed while sending");
		int tries = s.again.get();
		Mono.delay(Duration.ofMillis(50)).block();
		assertThat(s.again.get()).isEqualTo(tries); // no more retries
		assertThat(s.sent).isEmpty();
	}
}
