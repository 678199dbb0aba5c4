/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import io.github.reactormongoose.mqtt.MqttMessage;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * MQTT client benchmark against a broker (Mosquitto, started by {@code benchmarks/mqtt.sh}):
 * publish throughput at QoS 0 and QoS 1 with 100 messages in flight, and publish-to-receive
 * latency (one QoS 1 message at a time, p50/p99), for this library's {@code MqttClient} and
 * Eclipse Paho's {@code MqttAsyncClient}, in one process, interleaved.
 * <p>
 * Usage: {@code MqttBench PORT [MESSAGES] [LATENCY_SAMPLES] [ROUNDS]}. QoS 0 throughput is the
 * time until every publish was written and one QoS 1 publish after them was acknowledged (so
 * the broker has read them all). Prints one line per measurement and a summary table.
 * <p>
 * Each throughput measurement also records the CPU time used during it by this process (the
 * client being measured; the other one is idle) and, when {@code -Dbench.broker.pid} is given,
 * by the broker (from {@code /proc/PID/stat}, in ticks of {@code -Dbench.clk.tck}, default 100),
 * each as CPUs busy on average: a broker at 1.00 is its single thread's limit, whatever the client.
 */
public final class MqttBench {

	private static final int WINDOW = 100;
	private static final byte[] PAYLOAD = new byte[64];

	private MqttBench() {
	}

	interface Client extends AutoCloseable {

		String name();

		/** Publishes {@code n} messages with {@code WINDOW} in flight; returns when all are done. */
		void publishMany(String topic, int n, int qos) throws Exception;

		/** Publish-to-receive latencies in nanoseconds, one message at a time. */
		long[] latencies(String topic, int samples) throws Exception;
	}

	public static void main(String[] args) throws Exception {
		int port = Integer.parseInt(args[0]);
		int messages = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
		int samples = args.length > 2 ? Integer.parseInt(args[2]) : 5_000;
		int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
		String url = "mqtt://127.0.0.1:" + port;
		MongooseLoop loop = MongooseLoop.create("mqtt-bench");
		try (Client ours = new Ours(url, loop, false); Client all = new Ours(url, loop, true); Client paho = new Paho(port)) {
			Client[] clients = {ours, all, paho};
			int k = clients.length;
			// warm-up
			for (Client c : clients) {
				c.publishMany("bench/warm", messages / 5, 1);
				c.publishMany("bench/warm", messages / 5, 0);
				c.latencies("bench/warm-lat", samples / 5);
			}
			double[][] qos0 = new double[k][rounds];
			double[][] qos1 = new double[k][rounds];
			// CPUs busy during each measurement: [client][round] of the client process and of the broker
			double[][][] cpu = new double[4][k][rounds]; // qos0 client, qos0 broker, qos1 client, qos1 broker
			long[][] lat = new long[k][];
			for (int r = 0; r < rounds; r++) {
				for (int i = 0; i < k; i++) {
					int j = (i + r) % k; // each round starts with another client
					Client c = clients[j];
					double[] u = new double[2];
					qos0[j][r] = rate(c, "bench/q0", messages, 0, u);
					cpu[0][j][r] = u[0];
					cpu[1][j][r] = u[1];
					qos1[j][r] = rate(c, "bench/q1", messages, 1, u);
					cpu[2][j][r] = u[0];
					cpu[3][j][r] = u[1];
					System.out.printf(Locale.ROOT,
							"round %d %-28s qos0 %,10.0f msg/s (CPUs: client %.2f, broker %.2f)  qos1 %,10.0f msg/s (CPUs: client %.2f, broker %.2f)%n",
							r + 1, c.name(), qos0[j][r], cpu[0][j][r], cpu[1][j][r], qos1[j][r], cpu[2][j][r], cpu[3][j][r]);
				}
			}
			for (int i = 0; i < k; i++) {
				lat[i] = clients[i].latencies("bench/lat", samples);
				Arrays.sort(lat[i]);
			}
			System.out.println();
			System.out.println("| client | QoS 0 msg/s (median) | QoS 1 msg/s, window 100 (median) | latency p50 µs | latency p99 µs |");
			System.out.println("| --- | ---: | ---: | ---: | ---: |");
			for (int i = 0; i < k; i++) {
				System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %.0f | %.0f |%n", clients[i].name(), median(qos0[i]),
						median(qos1[i]), lat[i][lat[i].length / 2] / 1e3, lat[i][(int) (lat[i].length * 0.99)] / 1e3);
			}
			for (int i = 0; i < k - 1; i++) {
				System.out.printf(Locale.ROOT, "%nratio %s / Paho: QoS 0 %.2fx, QoS 1 %.2fx", clients[i].name(),
						median(qos0[i]) / median(qos0[k - 1]), median(qos1[i]) / median(qos1[k - 1]));
			}
			System.out.println();
			// one machine-readable line per client for benchmarks/run.sh's report
			String[] ids = {"rmg", "rmgall", "paho"};
			for (int i = 0; i < k; i++) {
				System.out.printf(Locale.ROOT,
						"RESULT mqtt client=%s messages=%d qos0=%s qos1=%s p50_us=%.0f p99_us=%.0f"
								+ " qos0_client_cpus=%s qos0_broker_cpus=%s qos1_client_cpus=%s qos1_broker_cpus=%s%n",
						ids[i], messages, joined(qos0[i]), joined(qos1[i]), lat[i][lat[i].length / 2] / 1e3,
						lat[i][(int) (lat[i].length * 0.99)] / 1e3, cpus(cpu[0][i]), cpus(cpu[1][i]), cpus(cpu[2][i]),
						cpus(cpu[3][i]));
			}
		}
		finally {
			loop.disposeNow(Duration.ofSeconds(5));
		}
	}

	/** Messages per second; {@code cpus} receives the CPUs busy on average in this process and in the broker. */
	private static double rate(Client c, String topic, int n, int qos, double[] cpus) throws Exception {
		long c0 = processCpuNanos();
		long b0 = brokerCpuNanos();
		long t0 = System.nanoTime();
		c.publishMany(topic, n, qos);
		long wall = System.nanoTime() - t0;
		cpus[0] = (processCpuNanos() - c0) / (double) wall;
		long b1 = brokerCpuNanos();
		cpus[1] = b0 < 0 || b1 < 0 ? Double.NaN : (b1 - b0) / (double) wall;
		return n / (wall / 1e9);
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
	}

	/** utime + stime of the broker (fields 14 and 15 of /proc/PID/stat) in nanoseconds, or -1 if unknown. */
	private static long brokerCpuNanos() {
		String pid = System.getProperty("bench.broker.pid");
		if (pid == null) {
			return -1;
		}
		try {
			String stat = Files.readString(Path.of("/proc", pid, "stat"));
			// the command name (field 2) is in parentheses and may hold spaces: count from after it
			String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
			long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
			return ticks * 1_000_000_000L / Long.getLong("bench.clk.tck", 100L);
		}
		catch (IOException | RuntimeException e) {
			return -1;
		}
	}

	/** CPUs busy per round, comma-separated with two decimals ("nan" when unknown). */
	private static String cpus(double[] v) {
		StringBuilder b = new StringBuilder();
		for (double x : v) {
			b.append(b.length() == 0 ? "" : ",").append(Double.isNaN(x) ? "nan" : String.format(Locale.ROOT, "%.2f", x));
		}
		return b.toString();
	}

	/** The rounds' rates, comma-separated, in round order. */
	private static String joined(double[] v) {
		StringBuilder b = new StringBuilder();
		for (double x : v) {
			b.append(b.length() == 0 ? "" : ",").append(Math.round(x));
		}
		return b.toString();
	}

	private static double median(double[] v) {
		double[] s = v.clone();
		Arrays.sort(s);
		return s[s.length / 2];
	}

	private static byte[] stamped() {
		return ByteBuffer.allocate(PAYLOAD.length).putLong(System.nanoTime()).array();
	}

	/**
	 * This library's client, on one loop: either a {@code flatMap} of {@code publish} Monos with
	 * 100 subscribed at a time, or one {@code publishAll} of a {@code Flux} of messages (its
	 * window is the client's {@code maxInflight}, 100).
	 */
	static final class Ours implements Client {

		private final MqttConnection pub;
		private final MqttConnection sub;
		private final boolean stream;

		Ours(String url, MongooseLoop loop, boolean stream) {
			this.stream = stream;
			MqttClient c = MqttClient.create(url).runOn(loop).maxInflight(WINDOW);
			String id = stream ? "rmg-all" : "rmg";
			pub = c.clientId(id + "-pub").connect().block(Duration.ofSeconds(10));
			sub = c.clientId(id + "-sub").connect().block(Duration.ofSeconds(10));
		}

		@Override
		public String name() {
			return stream ? "reactor-mongoose publishAll" : "reactor-mongoose flatMap";
		}

		@Override
		public void publishMany(String topic, int n, int qos) {
			Mono<Void> all = stream
					? pub.publishAll(Flux.range(0, n).map(i -> MqttMessage.of(topic, PAYLOAD, qos, false)))
					: Flux.range(0, n).flatMap(i -> pub.publish(topic, PAYLOAD, qos, false), WINDOW).then();
			all.then(pub.publish(topic, PAYLOAD, 1, false)).block(Duration.ofMinutes(5));
		}

		@Override
		public long[] latencies(String topic, int samples) throws Exception {
			LinkedBlockingQueue<Long> got = new LinkedBlockingQueue<>();
			CountDownLatch granted = new CountDownLatch(1);
			var d = sub.subscribe(topic, 1, q -> granted.countDown())
					.subscribe(m -> got.add(System.nanoTime() - ByteBuffer.wrap(m.payload()).getLong()));
			granted.await(10, TimeUnit.SECONDS);
			long[] out = new long[samples];
			for (int i = 0; i < samples; i++) {
				pub.publish(topic, stamped(), 1, false).subscribe();
				out[i] = got.take();
			}
			d.dispose();
			return out;
		}

		@Override
		public void close() {
			pub.disconnect().block(Duration.ofSeconds(5));
			sub.disconnect().block(Duration.ofSeconds(5));
		}
	}

	/** Eclipse Paho's asynchronous client, with the same window kept by a semaphore. */
	static final class Paho implements Client {

		private final MqttAsyncClient pub;
		private final MqttAsyncClient sub;

		Paho(int port) throws MqttException {
			pub = connect(port, "paho-pub");
			sub = connect(port, "paho-sub");
		}

		private static MqttAsyncClient connect(int port, String id) throws MqttException {
			MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + port, id, new MemoryPersistence());
			MqttConnectOptions o = new MqttConnectOptions();
			o.setCleanSession(true);
			o.setMaxInflight(WINDOW * 2);
			c.connect(o).waitForCompletion(10_000);
			return c;
		}

		@Override
		public String name() {
			return "Paho 1.2.5";
		}

		@Override
		public void publishMany(String topic, int n, int qos) throws Exception {
			Semaphore window = new Semaphore(WINDOW);
			AtomicReference<Throwable> error = new AtomicReference<>();
			IMqttActionListener release = new IMqttActionListener() {
				@Override
				public void onSuccess(IMqttToken token) {
					window.release();
				}

				@Override
				public void onFailure(IMqttToken token, Throwable e) {
					error.set(e);
					window.release();
				}
			};
			for (int i = 0; i < n; i++) {
				window.acquire();
				pub.publish(topic, PAYLOAD, qos, false, null, release);
			}
			window.acquire(WINDOW);
			pub.publish(topic, PAYLOAD, 1, false).waitForCompletion(60_000);
			if (error.get() != null) {
				throw new IllegalStateException(error.get());
			}
		}

		@Override
		public long[] latencies(String topic, int samples) throws Exception {
			LinkedBlockingQueue<Long> got = new LinkedBlockingQueue<>();
			sub.subscribe(topic, 1, (t, m) -> got.add(System.nanoTime() - ByteBuffer.wrap(m.getPayload()).getLong()))
					.waitForCompletion(10_000);
			long[] out = new long[samples];
			for (int i = 0; i < samples; i++) {
				pub.publish(topic, stamped(), 1, false);
				out[i] = got.take();
			}
			sub.unsubscribe(topic).waitForCompletion(10_000);
			return out;
		}

		@Override
		public void close() throws MqttException {
			pub.disconnect().waitForCompletion(5_000);
			sub.disconnect().waitForCompletion(5_000);
			pub.close();
			sub.close();
		}
	}
}
