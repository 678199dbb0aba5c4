/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.nio.ByteBuffer;
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
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import reactor.core.publisher.Flux;

/**
 * MQTT client benchmark against a broker (Mosquitto, started by {@code benchmarks/mqtt.sh}):
 * publish throughput at QoS 0 and QoS 1 with 100 messages in flight, and publish-to-receive
 * latency (one QoS 1 message at a time, p50/p99), for this library's {@code MqttClient} and
 * Eclipse Paho's {@code MqttAsyncClient}, in one process, interleaved.
 * <p>
 * Usage: {@code MqttBench PORT [MESSAGES] [LATENCY_SAMPLES] [ROUNDS]}. QoS 0 throughput is the
 * time until every publish was written and one QoS 1 publish after them was acknowledged (so
 * the broker has read them all). Prints one line per measurement and a summary table.
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
		try (Client ours = new Ours(url, loop); Client paho = new Paho(port)) {
			Client[] clients = {ours, paho};
			// warm-up
			for (Client c : clients) {
				c.publishMany("bench/warm", messages / 5, 1);
				c.publishMany("bench/warm", messages / 5, 0);
				c.latencies("bench/warm-lat", samples / 5);
			}
			double[][] qos0 = new double[2][rounds];
			double[][] qos1 = new double[2][rounds];
			long[][] lat = new long[2][];
			for (int r = 0; r < rounds; r++) {
				for (int i = 0; i < 2; i++) {
					Client c = clients[(i + r) % 2];
					int k = (i + r) % 2;
					qos0[k][r] = rate(c, "bench/q0", messages, 0);
					qos1[k][r] = rate(c, "bench/q1", messages, 1);
					System.out.printf(Locale.ROOT, "round %d %-16s qos0 %,10.0f msg/s  qos1 %,10.0f msg/s%n", r + 1, c.name(),
							qos0[k][r], qos1[k][r]);
				}
			}
			for (int i = 0; i < 2; i++) {
				lat[i] = clients[i].latencies("bench/lat", samples);
				Arrays.sort(lat[i]);
			}
			System.out.println();
			System.out.println("| client | QoS 0 msg/s (median) | QoS 1 msg/s, window 100 (median) | latency p50 µs | latency p99 µs |");
			System.out.println("| --- | ---: | ---: | ---: | ---: |");
			for (int i = 0; i < 2; i++) {
				System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %.0f | %.0f |%n", clients[i].name(), median(qos0[i]),
						median(qos1[i]), lat[i][lat[i].length / 2] / 1e3, lat[i][(int) (lat[i].length * 0.99)] / 1e3);
			}
			System.out.printf(Locale.ROOT, "%nratio reactor-mongoose / Paho: QoS 0 %.2fx, QoS 1 %.2fx%n",
					median(qos0[0]) / median(qos0[1]), median(qos1[0]) / median(qos1[1]));
			// one machine-readable line per client for benchmarks/run.sh's report
			String[] ids = {"rmg", "paho"};
			for (int i = 0; i < 2; i++) {
				System.out.printf(Locale.ROOT, "RESULT mqtt client=%s messages=%d qos0=%s qos1=%s p50_us=%.0f p99_us=%.0f%n", ids[i],
						messages, joined(qos0[i]), joined(qos1[i]), lat[i][lat[i].length / 2] / 1e3,
						lat[i][(int) (lat[i].length * 0.99)] / 1e3);
			}
		}
		finally {
			loop.disposeNow(Duration.ofSeconds(5));
		}
	}

	private static double rate(Client c, String topic, int n, int qos) throws Exception {
		long t0 = System.nanoTime();
		c.publishMany(topic, n, qos);
		return n / ((System.nanoTime() - t0) / 1e9);
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

	/** This library's client, on one loop. */
	static final class Ours implements Client {

		private final MqttConnection pub;
		private final MqttConnection sub;

		Ours(String url, MongooseLoop loop) {
			MqttClient c = MqttClient.create(url).runOn(loop).maxInflight(WINDOW);
			pub = c.clientId("rmg-pub").connect().block(Duration.ofSeconds(10));
			sub = c.clientId("rmg-sub").connect().block(Duration.ofSeconds(10));
		}

		@Override
		public String name() {
			return "reactor-mongoose";
		}

		@Override
		public void publishMany(String topic, int n, int qos) {
			Flux.range(0, n).flatMap(i -> pub.publish(topic, PAYLOAD, qos, false), WINDOW).then()
					.then(pub.publish(topic, PAYLOAD, 1, false)).block(Duration.ofMinutes(5));
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
