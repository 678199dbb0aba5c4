/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import static io.github.reactormongoose.internal.loop.LoopTestSupport.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/** A server's listener on one loop: disposal against an open still queued. */
@ExtendWith(NativeLeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerConnectionsTest {

	private EventLoop loop;

	@BeforeEach
	void start() {
		loop = LoopTestSupport.start("server-connections-test");
	}

	@AfterEach
	void stop() {
		LoopTestSupport.stop(loop);
	}

	/**
	 * A disposal queued on the loop ahead of the listener's open, as a bind cancelled (a
	 * {@code bindNow} timeout) between the listener's entry in the server's list and its open
	 * queues it: the open then listened, nobody closed that listener, and the disposal never
	 * ended, so the server's own loops, disposed after it, stayed up (seen once as
	 * {@code ServerLifecycleTest.aBindNowThatTimesOutLeavesNoServerBehind} in CI). Now the open
	 * does not listen, fails its bind, and the disposal ends.
	 */
	@Test
	void aDisposalQueuedAheadOfTheOpenEndsAndNothingListens() throws Exception {
		ServerConnections<Object> sc = new ServerConnections<>(loop, c -> { }, c -> { });
		Mono<Void> stopped = sc.disposeLater(Duration.ZERO); // queued first
		CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
		Mono.<InetSocketAddress>create(sink -> sc.open("tcp", InetAddress.getLoopbackAddress(), 0, Kind.TCP,
				ListenLimits.NONE, (c, l, r) -> null, PortSharing.EXCLUSIVE, null, c -> { }, sink))
				.subscribe(bound::complete, bound::completeExceptionally);
		stopped.block(TIMEOUT);
		assertThatThrownBy(() -> bound.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
				.isInstanceOf(ExecutionException.class)
				.hasCauseInstanceOf(IllegalStateException.class)
				.hasMessageContaining("disposed before it listened on 127.0.0.1:0");
		assertThat(sc.isDisposing()).isTrue();
	}
}
