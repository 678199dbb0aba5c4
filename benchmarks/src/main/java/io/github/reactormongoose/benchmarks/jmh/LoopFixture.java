/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks.jmh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.MongooseLoop;
import reactor.core.Disposable;

/**
 * A loop with a TCP listener on 127.0.0.1 and plain blocking JDK sockets as clients. Counts the
 * bytes of every READ event the listener's Flux delivers; keeps the accepted server-side
 * {@link Connection}s.
 */
final class LoopFixture implements AutoCloseable {

	final MongooseLoop loop;
	final AtomicLong bytesRead = new AtomicLong();
	final List<Connection> accepted = new CopyOnWriteArrayList<>();
	final SocketChannel[] clients;
	private final Disposable subscription;

	LoopFixture(int clientCount) throws Exception {
		loop = MongooseLoop.builder().name("jmh-loop").daemon(true).build();
		CompletableFuture<Integer> port = new CompletableFuture<>();
		subscription = loop.listen("tcp://127.0.0.1:0").subscribe(e -> {
			switch (e.type()) {
				case BOUND -> port.complete(e.connection().localAddress().getPort());
				case ACCEPT -> accepted.add(e.connection());
				case READ -> bytesRead.addAndGet(e.data().remaining());
				default -> {
				}
			}
		}, port::completeExceptionally);
		int p = port.get(10, TimeUnit.SECONDS);
		clients = new SocketChannel[clientCount];
		for (int i = 0; i < clientCount; i++) {
			clients[i] = SocketChannel.open(new InetSocketAddress("127.0.0.1", p));
			clients[i].setOption(StandardSocketOptions.TCP_NODELAY, true);
		}
		await(accepted::size, clientCount);
	}

	/** Spins until {@code value} reaches {@code target}; fails after 10 s instead of hanging. */
	static void await(LongSupplier value, long target) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		int spins = 0;
		while (value.getAsLong() < target) {
			if ((++spins & 0x3ff) == 0 && System.nanoTime() - deadline > 0) {
				throw new IllegalStateException("timed out: " + value.getAsLong() + " < " + target);
			}
			Thread.onSpinWait();
		}
	}

	static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
		while (b.hasRemaining()) {
			ch.write(b);
		}
	}

	@Override
	public void close() throws Exception {
		for (SocketChannel c : clients) {
			c.close();
		}
		subscription.dispose();
		loop.disposeNow();
	}
}
