/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.jni.NativeConstants;
import reactor.core.publisher.Mono;

/**
 * Run in a child JVM with a small heap by {@link PollThreadOutOfMemoryTest}: {@code GET /fill}
 * fills the heap for real (kept by a static field, as a leak elsewhere would) and its handler
 * ends with the {@code OutOfMemoryError}, so the loop's own code, which then logs and closes,
 * finds no memory either. Half a second after the loop has failed (or after 5 s) the heap is
 * given back, so that the loop's close runs out of memory too, and
 * the program prints what a new request, {@code execute}, {@code disposeNow} and the native
 * loop count give, one {@code result <what> <outcome>} line each; a call that does not return
 * within its bound is {@code hung}.
 */
public final class PollThreadOutOfMemoryMain {

	static volatile List<Object> hog;
	static volatile Thread poll;

	private PollThreadOutOfMemoryMain() {
	}

	public static void main(String[] args) throws Exception {
		MongooseLoop loop = MongooseLoop.create("oom-loop");
		CountDownLatch found = new CountDownLatch(1);
		loop.execute(() -> {
			poll = Thread.currentThread();
			found.countDown();
		});
		found.await();
		DisposableServer server = HttpServer.create().port(0).runOn(loop).route(r -> r
				.get("/fill", (req, res) -> {
					List<Object> h = new ArrayList<>(1 << 16);
					hog = h;
					for (int size = 1 << 16; size >= 8; size >>= 1) {
						try {
							for (;;) {
								h.add(new byte[size]);
							}
						}
						catch (OutOfMemoryError e) {
							// and on with smaller pieces, down to the last bytes
						}
					}
					throw new OutOfMemoryError("heap filled by /fill");
				})
				.get("/ok", (req, res) -> res.sendString(Mono.just("ok")))).bindNow();
		int port = server.port();
		try (Socket fill = new Socket("127.0.0.1", port)) {
			fill.getOutputStream().write("GET /fill HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			long start = System.nanoTime();
			while (!loop.isDisposed() && poll.isAlive() && System.nanoTime() - start < 5_000_000_000L) {
				Thread.onSpinWait(); // allocates nothing, as the heap is full
			}
			// the heap stays full a while after the failure, so that the loop's close meets it
			// (given back at once, the close ran after the collection or before it by chance)
			long failed = System.nanoTime();
			while (System.nanoTime() - failed < 500_000_000L) {
				Thread.onSpinWait();
			}
			hog = null;
		}
		System.out.println("result failed " + loop.isDisposed());
		ExecutorService calls = Executors.newCachedThreadPool(r -> {
			Thread t = new Thread(r);
			t.setDaemon(true);
			return t;
		});
		System.out.println("result request " + bounded(calls, 3, () -> request(port)));
		System.out.println("result execute " + bounded(calls, 3, () -> {
			loop.execute(() -> { });
			return "returned";
		}));
		System.out.println("result disposeNow " + bounded(calls, 8, () -> {
			loop.disposeNow(Duration.ofSeconds(1));
			return "returned";
		}));
		System.out.println("result loops " + NativeConstants.liveLoops());
		System.exit(0);
	}

	private static String request(int port) throws IOException {
		try (Socket s = new Socket()) {
			s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
			s.setSoTimeout(2000);
			s.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] b = new byte[12];
			int n = s.getInputStream().readNBytes(b, 0, b.length);
			return n == 0 ? "closed" : new String(b, 0, n, StandardCharsets.US_ASCII);
		}
		catch (java.net.ConnectException e) {
			return "refused";
		}
		catch (java.net.SocketTimeoutException e) {
			return "hung";
		}
	}

	private static String bounded(ExecutorService calls, int seconds, java.util.concurrent.Callable<String> call) {
		Future<String> f = calls.submit(call);
		try {
			return f.get(seconds, TimeUnit.SECONDS);
		}
		catch (TimeoutException e) {
			return "hung";
		}
		catch (java.util.concurrent.ExecutionException e) {
			return "threw " + e.getCause();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
	}
}
