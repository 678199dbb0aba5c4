/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.AddressInUseException;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Listeners of several loops on one port ({@code SO_REUSEPORT}, opened by the glue): both
 * bind, the kernel hands connections to both, and an HTTP listener opened this way parses
 * requests like one opened by Mongoose.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedPortTest {

	private final List<EventLoop> loops = new ArrayList<>();

	@AfterEach
	void stop() {
		loops.forEach(l -> l.shutdown(Duration.ZERO));
		loops.forEach(l -> l.terminationFuture().block(Duration.ofSeconds(10)));
	}

	private EventLoop loop(String name) {
		EventLoop l = EventLoop.start(name, true, EventLoop.DEFAULT_HIGH_WATER, EventLoop.DEFAULT_LOW_WATER, 1000);
		loops.add(l);
		return l;
	}

	private static <T> T onLoop(EventLoop loop, java.util.function.Supplier<T> task) throws Exception {
		CompletableFuture<T> f = new CompletableFuture<>();
		loop.execute(() -> {
			try {
				f.complete(task.get());
			}
			catch (Throwable t) {
				f.completeExceptionally(t);
			}
		});
		return f.get(5, TimeUnit.SECONDS);
	}

	/** Counts accepts and keeps each accepted connection open (reads are dropped). */
	private static final class CountingListener implements ListenerHandler {
		final AtomicInteger accepted = new AtomicInteger();

		@Override
		public @Nullable ChannelHandler onAccept(Channel child, InetSocketAddress local, InetSocketAddress remote) {
			accepted.incrementAndGet();
			return (StreamHandler) (buf, offset, length) -> {
			};
		}
	}

	@Test
	void twoLoopsListenOnOnePortAndBothAccept() throws Exception {
		EventLoop a = loop("shared-a");
		EventLoop b = loop("shared-b");
		CountingListener la = new CountingListener();
		CountingListener lb = new CountingListener();
		int port = onLoop(a, () -> a.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, la, PortSharing.FIRST)
				.address(true).getPort());
		int portB = onLoop(b, () -> b.listen("tcp://127.0.0.1:" + port, Kind.TCP, ListenLimits.NONE, lb,
				PortSharing.JOIN).address(true).getPort());
		assertThat(portB).isEqualTo(port);

		List<Socket> clients = new ArrayList<>();
		try {
			for (int i = 0; i < 64; i++) {
				clients.add(new Socket("127.0.0.1", port));
			}
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (la.accepted.get() + lb.accepted.get() < 64 && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
		}
		finally {
			for (Socket s : clients) {
				s.close();
			}
		}
		assertThat(la.accepted.get() + lb.accepted.get()).isEqualTo(64);
		// the kernel hashes connections over the group: with 64 connections an empty side is
		// a 2^-63 event, not bad luck
		assertThat(la.accepted.get()).isPositive();
		assertThat(lb.accepted.get()).isPositive();
	}

	@Test
	void withoutSharingTheSecondListenerGetsAddressInUse() throws Exception {
		EventLoop a = loop("excl-a");
		EventLoop b = loop("excl-b");
		int port = onLoop(a, () -> a.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, new CountingListener())
				.address(true).getPort());
		CompletableFuture<Throwable> error = new CompletableFuture<>();
		b.execute(() -> {
			try {
				b.listen("tcp://127.0.0.1:" + port, Kind.TCP, ListenLimits.NONE, new CountingListener(), PortSharing.JOIN);
				error.complete(null);
			}
			catch (Throwable t) {
				error.complete(t);
			}
		});
		assertThat(error.get(5, TimeUnit.SECONDS)).as("a shared listener next to an exclusive one")
				.isInstanceOf(AddressInUseException.class);
	}

	@Test
	void aNewGroupDoesNotJoinAPortThatAnotherGroupShares() throws Exception {
		EventLoop a = loop("group-a");
		EventLoop b = loop("group-b");
		int port = onLoop(a, () -> a.listen("tcp://127.0.0.1:0", Kind.TCP, ListenLimits.NONE, new CountingListener(),
				PortSharing.FIRST).address(true).getPort());
		CompletableFuture<Throwable> error = new CompletableFuture<>();
		b.execute(() -> {
			try {
				b.listen("tcp://127.0.0.1:" + port, Kind.TCP, ListenLimits.NONE, new CountingListener(), PortSharing.FIRST);
				error.complete(null);
			}
			catch (Throwable t) {
				error.complete(t);
			}
		});
		assertThat(error.get(5, TimeUnit.SECONDS)).as("the first listener of another group on a shared port")
				.isInstanceOf(AddressInUseException.class);
	}

	@Test
	void anHttpListenerOnASharedPortParsesRequests() throws Exception {
		EventLoop a = loop("shared-http");
		ListenerHandler http = (child, local, remote) -> new HttpChannelHandler() {
			@Override
			public void onRequest(ByteBuffer buf, int offset, int length, long flags) {
				byte[] r = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
				child.writeAndEndExchange(r, 0, r.length, false);
			}
		};
		int port = onLoop(a, () -> a.listen("http://127.0.0.1:0", Kind.HTTP,
				new ListenLimits(1024, 8192, 1024, 65536), http, PortSharing.FIRST).address(true).getPort());
		try (Socket s = new Socket("127.0.0.1", port)) {
			s.setSoTimeout(5000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			for (int i = 0; i < 2; i++) { // twice over one connection: keep-alive works too
				out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
				byte[] want = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
				byte[] got = in.readNBytes(want.length);
				assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo(new String(want, StandardCharsets.US_ASCII));
			}
		}
	}
}
