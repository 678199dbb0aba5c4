/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer that sends and does not read: a socket with 16 KiB buffers (set before connect, so the
 * kernel does not grow them) and, once {@link #start(byte[])} is called, a thread writing one
 * batch after another. Tests use it to see whether a server stops reading (the writes stall)
 * instead of buffering what it would answer.
 */
public final class Flood implements AutoCloseable {

	private final Socket socket;
	private final AtomicLong batches = new AtomicLong();
	private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
	private final AtomicBoolean stop = new AtomicBoolean();
	private Thread writer;

	private Flood(Socket socket) {
		this.socket = socket;
	}

	/** Connects to {@code 127.0.0.1:port}; nothing is written until {@link #start(byte[])}. */
	public static Flood connect(int port) throws IOException {
		Socket s = new Socket();
		s.setReceiveBufferSize(16 * 1024);
		s.setSendBufferSize(16 * 1024);
		s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
		return new Flood(s);
	}

	/**
	 * Connects with the kernel's default buffers: for large messages, which 16 KiB buffers move at
	 * a few per second.
	 */
	public static Flood connectWithDefaultBuffers(int port) throws IOException {
		Socket s = new Socket();
		s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
		return new Flood(s);
	}

	public Socket socket() {
		return socket;
	}

	/** Starts writing {@code batch} over and over, until {@link #stop()} or the socket closes. */
	public Flood start(byte[] batch) {
		lastProgress.set(System.nanoTime());
		writer = new Thread(() -> {
			try {
				while (!stop.get()) {
					socket.getOutputStream().write(batch);
					batches.incrementAndGet();
					lastProgress.set(System.nanoTime());
				}
			}
			catch (IOException closed) {
				// the test closed the socket
			}
		}, "flood");
		writer.setDaemon(true);
		writer.start();
		return this;
	}

	/** Batches written whole so far. */
	public long batches() {
		return batches.get();
	}

	/**
	 * Waits until no write has completed for {@code quietMillis}, at most {@code maxMillis};
	 * returns whether the writes stalled.
	 */
	public boolean awaitStall(long quietMillis, long maxMillis) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
		long quiet = TimeUnit.MILLISECONDS.toNanos(quietMillis);
		while (System.nanoTime() - lastProgress.get() < quiet && System.nanoTime() < deadline) {
			Thread.sleep(100);
		}
		return System.nanoTime() - lastProgress.get() >= quiet;
	}

	/** Writes no batch after the one in progress. */
	public void stop() {
		stop.set(true);
	}

	/** Whether a batch is still being written (a blocked write completes once the peer reads). */
	public boolean writing() {
		return writer != null && writer.isAlive();
	}

	@Override
	public void close() throws IOException, InterruptedException {
		stop();
		socket.close();
		if (writer != null) {
			writer.join(5_000);
		}
	}
}
