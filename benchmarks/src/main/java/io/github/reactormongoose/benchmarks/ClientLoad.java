/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.http.client.HttpClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * HTTP client load: requests per second with N requests in flight over keep-alive connections,
 * and a streamed 64 MiB download with the client's heap growth, for three clients:
 * {@code rmg} (this library's HttpClient on one loop), {@code netty} (Reactor Netty's
 * HttpClient, defaults) and {@code jdk} (java.net.http.HttpClient, HTTP/1.1).
 * <pre>
 * java -cp benchmarks.jar io.github.reactormongoose.benchmarks.ClientLoad rps CLIENT URL INFLIGHT WARMUP_S SECONDS
 * java -cp benchmarks.jar io.github.reactormongoose.benchmarks.ClientLoad download CLIENT
 * </pre>
 * Prints one line starting with {@code RESULT}.
 */
public final class ClientLoad {

	private ClientLoad() {
	}

	public static void main(String[] a) throws Exception {
		if (a.length >= 6 && a[0].equals("rps")) {
			rps(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), Integer.parseInt(a[5]));
		}
		else if (a.length >= 2 && a[0].equals("download")) {
			download(a[1]);
		}
		else {
			System.err.println("usage: ClientLoad rps rmg|netty|jdk URL INFLIGHT WARMUP_S SECONDS | download rmg|netty|jdk");
			System.exit(2);
		}
		System.exit(0);
	}

	/** One GET of {@code url}, emitting the body length. */
	private static Supplier<Mono<Integer>> client(String kind, String url) {
		switch (kind) {
			case "rmg": {
				MongooseLoop loop = MongooseLoop.create("client");
				HttpClient c = HttpClient.create().runOn(loop);
				return () -> c.get().uri(url).responseSingle((res, b) -> b.map(x -> x.length));
			}
			case "netty": {
				reactor.netty.http.client.HttpClient c = reactor.netty.http.client.HttpClient.create();
				return () -> c.get().uri(url).responseSingle((res, b) -> b.asByteArray().map(x -> x.length)
						.defaultIfEmpty(0));
			}
			case "jdk": {
				java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder()
						.version(java.net.http.HttpClient.Version.HTTP_1_1).build();
				HttpRequest req = HttpRequest.newBuilder(URI.create(url)).build();
				return () -> Mono.fromFuture(() -> c.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()))
						.map(r -> r.body().length);
			}
			default:
				throw new IllegalArgumentException("client: rmg, netty or jdk, not " + kind);
		}
	}

	private static void rps(String kind, String url, int inflight, int warmup, int seconds) {
		Supplier<Mono<Integer>> get = client(kind, url);
		long[] errors = new long[1];
		load(get, inflight, warmup, errors);
		errors[0] = 0;
		long t0 = System.nanoTime();
		long n = load(get, inflight, seconds, errors);
		double s = (System.nanoTime() - t0) / 1e9;
		System.out.printf("RESULT client=%s inflight=%d requests=%d seconds=%.2f rps=%.0f errors=%d%n", kind, inflight, n, s,
				n / s, errors[0]);
	}

	/** Keeps {@code inflight} requests going for {@code seconds}; returns how many completed. */
	private static long load(Supplier<Mono<Integer>> get, int inflight, int seconds, long[] errors) {
		AtomicLong done = new AtomicLong();
		long end = System.nanoTime() + seconds * 1_000_000_000L;
		Flux.range(0, inflight)
				.flatMap(i -> Mono.defer(get::get)
						.doOnNext(x -> done.incrementAndGet())
						.onErrorResume(e -> {
							synchronized (errors) {
								errors[0]++;
							}
							return Mono.empty();
						})
						.repeat(() -> System.nanoTime() < end), inflight)
				.blockLast(Duration.ofSeconds(seconds + 60L));
		return done.get();
	}

	/** A raw server that answers every request with 64 MiB (Content-Length), written as fast as the client reads. */
	private static int bigServer(long size) throws Exception {
		ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		Thread t = new Thread(() -> {
			while (true) {
				try {
					Socket s = ss.accept();
					Thread w = new Thread(() -> {
						try (Socket x = s) {
							x.getInputStream().read(new byte[8192]);
							OutputStream o = x.getOutputStream();
							o.write(("HTTP/1.1 200 OK\r\nContent-Length: " + size + "\r\nConnection: close\r\n\r\n")
									.getBytes(StandardCharsets.US_ASCII));
							byte[] block = new byte[64 * 1024];
							for (long n = 0; n < size; n += block.length) {
								o.write(block);
							}
						}
						catch (Exception e) {
							// the client went away
						}
					});
					w.setDaemon(true);
					w.start();
				}
				catch (Exception e) {
					return;
				}
			}
		});
		t.setDaemon(true);
		t.start();
		return ss.getLocalPort();
	}

	private static void download(String kind) throws Exception {
		long size = 64L << 20;
		String url = "http://127.0.0.1:" + bigServer(size) + "/big";
		MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
		System.gc();
		long before = mem.getHeapMemoryUsage().getUsed();
		AtomicLong peak = new AtomicLong(before);
		Thread sampler = new Thread(() -> {
			while (!Thread.currentThread().isInterrupted()) {
				peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
				try {
					Thread.sleep(5);
				}
				catch (InterruptedException e) {
					return;
				}
			}
		});
		sampler.setDaemon(true);
		sampler.start();
		long t0 = System.nanoTime();
		long got;
		switch (kind) {
			case "rmg":
				got = HttpClient.create().runOn(MongooseLoop.create("client")).get().uri(url).responseContent()
						.map(ByteBuffer::remaining).reduce(0L, (x, y) -> x + y).block();
				break;
			case "netty":
				got = reactor.netty.http.client.HttpClient.create().get().uri(url).responseContent()
						.map(b -> (long) b.readableBytes()).reduce(0L, Long::sum).block();
				break;
			case "jdk": {
				AtomicLong n = new AtomicLong();
				java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
						.send(HttpRequest.newBuilder(URI.create(url)).build(),
								HttpResponse.BodyHandlers.fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
									private Flow.Subscription s;

									@Override
									public void onSubscribe(Flow.Subscription s) {
										this.s = s;
										s.request(1);
									}

									@Override
									public void onNext(List<ByteBuffer> item) {
										item.forEach(b -> n.addAndGet(b.remaining()));
										s.request(1);
									}

									@Override
									public void onError(Throwable e) {
									}

									@Override
									public void onComplete() {
									}
								}));
				got = n.get();
				break;
			}
			default:
				throw new IllegalArgumentException(kind);
		}
		double s = (System.nanoTime() - t0) / 1e9;
		sampler.interrupt();
		System.out.printf("RESULT download client=%s bytes=%d seconds=%.2f MiB_per_s=%.0f heap_growth_MiB=%.1f%n", kind, got, s,
				got / s / (1 << 20), (peak.get() - before) / (double) (1 << 20));
	}
}
