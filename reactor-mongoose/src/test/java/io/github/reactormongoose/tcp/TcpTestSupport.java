/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Shared base of the {@code tcp} tests: tracks what a test starts and disposes it after the
 * test; {@link NativeLeakCheck} then asserts that the class left no native manager or
 * allocation behind. Peers are plain JDK sockets and Reactor Netty.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
abstract class TcpTestSupport {

	/** Bound of every blocking wait and StepVerifier. */
	static final Duration TIMEOUT = Duration.ofSeconds(10);
	static final int MIB = 1024 * 1024;

	private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
	private final List<Disposable> disposables = new CopyOnWriteArrayList<>();

	DisposableServer bind(TcpServer server) {
		DisposableServer s = server.bindNow(TIMEOUT);
		disposables.add(s);
		return s;
	}

	MongooseLoops newGroup(String prefix, int n) {
		return track(MongooseLoops.create(prefix, n));
	}

	MongooseLoop newLoop() {
		MongooseLoop loop = MongooseLoop.create();
		disposables.add(loop);
		return loop;
	}

	<T extends Disposable> T track(T d) {
		disposables.add(d);
		return d;
	}

	<T extends AutoCloseable> T closeLater(T c) {
		closeables.add(c);
		return c;
	}

	@AfterEach
	void disposeTracked() throws Exception {
		for (AutoCloseable c : closeables) {
			c.close();
		}
		List<Disposable> d = new ArrayList<>(disposables);
		Collections.reverse(d);
		for (Disposable x : d) {
			if (x instanceof DisposableServer s) {
				s.disposeNow();
			}
			else if (x instanceof MongooseLoop l) {
				l.disposeNow();
			}
			else if (x instanceof MongooseLoops g) {
				g.disposeNow();
			}
			else {
				x.dispose();
			}
		}
		closeables.clear();
		disposables.clear();
	}

	Socket connect(int port) throws IOException {
		Socket s = new Socket();
		s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
		s.setSoTimeout((int) TIMEOUT.toMillis());
		return closeLater(s);
	}

	ServerSocket serverSocket() throws IOException {
		ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		ss.setSoTimeout((int) TIMEOUT.toMillis());
		return closeLater(ss);
	}

	/** A port nothing listens on (bound once, then released). */
	static int freePort() throws IOException {
		try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return ss.getLocalPort();
		}
	}

	// ---- data ----

	/** A non-periodic pattern: the byte at stream offset {@code k}. */
	static byte patternAt(long k) {
		return (byte) (k ^ (k >>> 8) ^ (k >>> 16) ^ (k >>> 24) * 31);
	}

	static byte[] pattern(long offset, int size) {
		byte[] b = new byte[size];
		for (int i = 0; i < size; i++) {
			b[i] = patternAt(offset + i);
		}
		return b;
	}

	/** {@code total} bytes of the pattern in {@code chunk}-sized buffers, each pull counted. */
	static Flux<ByteBuffer> patternStream(long total, int chunk, java.util.concurrent.atomic.AtomicLong pulled) {
		return Flux.generate(() -> 0L, (offset, sink) -> {
			if (offset >= total) {
				sink.complete();
				return offset;
			}
			int n = (int) Math.min(chunk, total - offset);
			pulled.addAndGet(n);
			sink.next(ByteBuffer.wrap(pattern(offset, n)));
			return offset + n;
		});
	}

	static long patternCrc(long total) {
		CRC32 crc = new CRC32();
		for (long off = 0; off < total; off += MIB) {
			crc.update(pattern(off, (int) Math.min(MIB, total - off)));
		}
		return crc.getValue();
	}

	/** Reads {@code in} to its end; returns the byte count and CRC-32. */
	static long[] readToEnd(InputStream in) throws IOException {
		CRC32 crc = new CRC32();
		byte[] buf = new byte[64 * 1024];
		long n = 0;
		for (int r; (r = in.read(buf)) != -1;) {
			crc.update(buf, 0, r);
			n += r;
		}
		return new long[] {n, crc.getValue()};
	}

	/** Reads until end of stream, treating a reset as the end. */
	static int readEndOfStream(InputStream in) throws IOException {
		try {
			return in.read();
		}
		catch (java.net.SocketException reset) {
			return -1;
		}
	}

	/**
	 * Waits until {@code value} stops changing (the same for 5 samples 100 ms apart) and
	 * returns it; fails if it still changes after 10 s.
	 */
	static long awaitStable(LongSupplier value) throws InterruptedException {
		return io.github.reactormongoose.testing.Stable.await(value);
	}

	/**
	 * A reader that asks for one buffer, then nothing until {@link #requestAll()}: it counts
	 * and checksums what arrives, and {@link #done()} ends with the stream.
	 */
	static final class OneBufferReader extends BaseSubscriber<ByteBuffer> {
		final AtomicLong received = new AtomicLong();
		final AtomicInteger buffers = new AtomicInteger();
		final CRC32 crc = new CRC32();
		private final Sinks.Empty<Void> done = Sinks.empty();

		@Override
		protected void hookOnSubscribe(Subscription s) {
			s.request(1);
		}

		@Override
		protected void hookOnNext(ByteBuffer b) {
			buffers.incrementAndGet();
			received.addAndGet(b.remaining());
			crc.update(b);
		}

		@Override
		protected void hookOnComplete() {
			done.tryEmitEmpty();
		}

		@Override
		protected void hookOnError(Throwable e) {
			done.tryEmitError(e);
		}

		void requestAll() {
			request(Long.MAX_VALUE);
		}

		Mono<Void> done() {
			return done.asMono();
		}
	}
}
