/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.time.Duration;
import java.util.List;

import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A subscriber pipeline with back-pressure: the temperature readings of every sensor
 * ({@code sensors/+/temperature}, QoS 1) go through a slow step off the poll thread
 * ({@code publishOn(boundedElastic, 16)}: a stand-in for a database write) and are averaged
 * in windows. The pipeline asks for 16 messages at a time; while the slow step is behind,
 * the client stops reading from its socket, the broker's in-flight window fills and the
 * broker holds the rest: no queue grows without bound and, at QoS 1, nothing is lost.
 */
public final class MqttSubscriberPipeline {

	/** An average over {@code count} readings of one window. */
	public record Average(int count, double value, int firstSeq, int lastSeq) {
	}

	private MqttSubscriberPipeline() {
	}

	/**
	 * Averages of {@code window} readings from the broker at {@code url}, each reading
	 * handled by {@code slowStep} (milliseconds of simulated work) first. Emits once the
	 * subscription is granted ({@code ready}) and then the averages.
	 */
	public static Flux<Average> run(MqttConnection conn, int window, Duration slowStep, Runnable ready) {
		return conn.subscribe("sensors/+/temperature", 1, granted -> ready.run())
				.publishOn(Schedulers.boundedElastic(), 16)
				.map(m -> {
					sleep(slowStep);
					String[] parts = m.payloadAsString().split(":");
					return new double[] {Integer.parseInt(parts[0]), Double.parseDouble(parts[1])};
				})
				.buffer(window)
				.map(MqttSubscriberPipeline::average);
	}

	private static Average average(List<double[]> readings) {
		double sum = 0;
		for (double[] r : readings) {
			sum += r[1];
		}
		return new Average(readings.size(), sum / readings.size(), (int) readings.get(0)[0],
				(int) readings.get(readings.size() - 1)[0]);
	}

	private static void sleep(Duration d) {
		try {
			Thread.sleep(d.toMillis());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}

	/** Connects a subscriber client to {@code url}. */
	public static Mono<MqttConnection> connect(String url) {
		return connect(MqttClient.create(url));
	}

	/** Connects a subscriber client configured by the caller (for example {@code secure(..)} for TLS). */
	public static Mono<MqttConnection> connect(MqttClient client) {
		return client.clientId("pipeline").reconnect(Duration.ofMillis(100), Duration.ofSeconds(10)).connect();
	}

	/**
	 * Prints averages of 10 readings until interrupted.
	 * @param args optional: the broker URL (default {@code mqtt://127.0.0.1:1883}; {@code mqtts://} for
	 *     TLS, with {@code -Dca=ca.pem} to trust a private CA instead of the JDK's trust store)
	 */
	public static void main(String[] args) {
		String url = args.length > 0 ? args[0] : "mqtt://127.0.0.1:1883";
		MqttConnection conn = connect(MqttBroker.client(url, System.getProperty("ca"))).block();
		run(conn, 10, Duration.ofMillis(5), () -> System.out.println("subscribed to sensors/+/temperature"))
				.doOnNext(System.out::println)
				.blockLast();
	}
}
