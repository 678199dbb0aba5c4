/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.Locale;

import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttMessage;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A sensor that publishes readings over MQTT: a retained {@code online} status (and a
 * retained {@code offline} will should it die), then one temperature reading per interval on
 * {@code sensors/ID/temperature} at QoS 1, then a clean DISCONNECT once every reading was
 * acknowledged (PUBACK). The readings are one stream handed to {@code publishAll}: it asks
 * {@code delayElements} for readings only while the in-flight window (here 8) has room, so a
 * slow broker delays the next reading instead of queuing them up. The client reconnects by
 * itself if the broker goes away. {@link #logged(MqttClient)} (or {@code -Dwiretap=true}) logs every
 * packet on the wire.
 */
public final class MqttSensorPublisher {

	/** The logger of the wire lines of {@link #logged(MqttClient)}. */
	public static final String WIRE_LOG = "examples.mqtt.wire";

	private MqttSensorPublisher() {
	}

	/** A reading of sensor {@code id}: a deterministic wave, so that a test can check it. */
	static String reading(int seq) {
		return String.format(Locale.ROOT, "%d:%.2f", seq, 20 + 5 * Math.sin(seq / 10.0));
	}

	/**
	 * {@code client} with every MQTT packet it sends and receives logged as text at INFO on
	 * {@link #WIRE_LOG} (topics and payloads readable), reconnections included
	 * ({@link MqttClient#wiretap(String, LogLevel, AdvancedByteBufFormat)}).
	 */
	public static MqttClient logged(MqttClient client) {
		return client.wiretap(WIRE_LOG, LogLevel.INFO, AdvancedByteBufFormat.TEXTUAL);
	}

	/**
	 * Publishes {@code count} readings of sensor {@code id} to the broker at {@code url}, one
	 * every {@code interval}; completes after DISCONNECT.
	 */
	public static Mono<Void> run(String url, String id, int count, Duration interval) {
		return run(MqttClient.create(url), id, count, interval);
	}

	/**
	 * The same with a client configured by the caller, for example for a broker over TLS:
	 * {@code MqttClient.create("mqtts://broker:8883").secure(TlsSpec.forClient().trustedCertificates(ca))}.
	 */
	public static Mono<Void> run(MqttClient client, String id, int count, Duration interval) {
		String status = "sensors/" + id + "/status";
		return client
				.clientId(id)
				.keepAlive(Duration.ofSeconds(30))
				.will(status, "offline".getBytes(UTF_8), 1, true)
				.reconnect(Duration.ofMillis(100), Duration.ofSeconds(10))
				.maxInflight(8)
				.connect()
				.flatMap(conn -> conn.publish(status, "online".getBytes(UTF_8), 1, true)
						.then(conn.publishAll(Flux.range(0, count)
								.delayElements(interval)
								.map(i -> MqttMessage.of("sensors/" + id + "/temperature", reading(i).getBytes(UTF_8), 1, false))))
						.then(conn.publish(status, "done".getBytes(UTF_8), 1, true))
						.then(conn.disconnect()));
	}

	/**
	 * Publishes readings until interrupted.
	 * @param args optional: the broker URL (default {@code mqtt://127.0.0.1:1883}; {@code mqtts://} for
	 *     TLS, with {@code -Dca=ca.pem} to trust a private CA instead of the JDK's trust store) and the sensor id;
	 *     {@code -Dwiretap=true} logs every packet
	 */
	public static void main(String[] args) {
		String url = args.length > 0 ? args[0] : "mqtt://127.0.0.1:1883";
		String id = args.length > 1 ? args[1] : "sensor-1";
		MqttClient client = MqttBroker.client(url, System.getProperty("ca"));
		run(Boolean.getBoolean("wiretap") ? logged(client) : client, id, Integer.MAX_VALUE, Duration.ofSeconds(1)).block();
	}
}
