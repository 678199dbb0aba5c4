/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import io.github.reactormongoose.mqtt.MqttMessage;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * {@link MqttSensorPublisher} and {@link MqttSubscriberPipeline} through {@link MqttBroker}:
 * every reading arrives, in order, through the slow back-pressured pipeline; the status
 * topic ends with the retained {@code done}. Again over TLS (certificates made by openssl),
 * with Eclipse Paho as a second TLS client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttSensorPipelineTest {

	private MqttBroker broker;

	@TempDir
	static Path dir;

	@AfterEach
	void stop() {
		if (broker != null) {
			broker.disposeNow();
		}
	}

	@Test
	void everyReadingGoesThroughTheSlowPipelineInOrder() throws Exception {
		broker = MqttBroker.start("127.0.0.1", 0);
		String url = "mqtt://127.0.0.1:" + broker.port();
		pipeline(() -> MqttClient.create(url));
	}

	/** The same over TLS: the broker example with {@code MqttServer.secure}, the clients with {@code mqtts://}. */
	@Test
	void everyReadingGoesThroughTheSlowPipelineOverTls() throws Exception {
		TestPki pki = TestPki.root(dir, "Sensor CA");
		TestPki.Issued cert = pki.server("localhost", TestPki.KeyType.EC_P256);
		broker = MqttBroker.start("127.0.0.1", 0, TlsSpec.forServer(cert.chain(), cert.key()));
		String url = "mqtts://localhost:" + broker.port();
		pipeline(() -> MqttBroker.client(url, pki.ca().toString()));
		// Paho over TLS publishes into the same broker at each QoS
		MqttConnection ours = MqttBroker.client(url, pki.ca().toString()).connect().block(Duration.ofSeconds(10));
		org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
				"ssl://localhost:" + broker.port(), "paho-sensor", new MemoryPersistence());
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			CountDownLatch granted = new CountDownLatch(1);
			Disposable sub = ours.subscribe("sensors/paho/#", 1, q -> granted.countDown()).subscribe(got::add);
			assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
			MqttConnectOptions o = new MqttConnectOptions();
			o.setSocketFactory(TestPki.trusting(pki.ca()).getSocketFactory());
			paho.connect(o);
			for (int qos = 0; qos <= 2; qos++) {
				paho.publish("sensors/paho/q" + qos, ("reading at qos " + qos).getBytes(StandardCharsets.UTF_8), qos, false);
				MqttMessage m = got.poll(10, TimeUnit.SECONDS);
				assertThat(m).isNotNull();
				assertThat(m.payloadAsString()).isEqualTo("reading at qos " + qos);
				assertThat(m.qos()).isEqualTo(Math.min(qos, 1)); // the broker example delivers at QoS 1 at most
			}
			paho.disconnect();
			sub.dispose();
		}
		finally {
			paho.close();
			ours.disconnect().block(Duration.ofSeconds(10));
		}
	}

	private void pipeline(Supplier<MqttClient> client) throws Exception {
		int readings = 200;
		MqttConnection conn = MqttSubscriberPipeline.connect(client.get()).block(Duration.ofSeconds(10));
		try {
			CountDownLatch ready = new CountDownLatch(1);
			LinkedBlockingQueue<MqttSubscriberPipeline.Average> averages = new LinkedBlockingQueue<>();
			Disposable pipeline = MqttSubscriberPipeline.run(conn, 10, Duration.ofMillis(2), ready::countDown)
					.subscribe(averages::add);
			assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();

			// the sensor publishes faster (no pause) than the pipeline handles (2 ms each)
			MqttSensorPublisher.run(client.get(), "s1", readings, Duration.ofNanos(1)).block(Duration.ofSeconds(30));

			for (int w = 0; w < readings / 10; w++) {
				MqttSubscriberPipeline.Average a = averages.poll(10, TimeUnit.SECONDS);
				assertThat(a).as("window %d", w).isNotNull();
				assertThat(a.count()).isEqualTo(10);
				assertThat(a.firstSeq()).isEqualTo(w * 10);
				assertThat(a.lastSeq()).isEqualTo(w * 10 + 9);
				double expected = 0;
				for (int i = w * 10; i < w * 10 + 10; i++) {
					expected += Double.parseDouble(MqttSensorPublisher.reading(i).split(":")[1]);
				}
				assertThat(a.value()).isCloseTo(expected / 10, org.assertj.core.data.Offset.offset(1e-9));
			}
			pipeline.dispose();
		}
		finally {
			conn.disconnect().block(Duration.ofSeconds(10));
		}
		// the sensor's last word, retained
		MqttConnection check = client.get().connect().block(Duration.ofSeconds(10));
		try {
			MqttMessage status = check.subscribe("sensors/s1/status", 1).blockFirst(Duration.ofSeconds(10));
			assertThat(status.payloadAsString()).isEqualTo("done");
			assertThat(status.retain()).isTrue();
			assertThat(List.of(status.topic())).containsExactly("sensors/s1/status");
		}
		finally {
			check.disconnect().block(Duration.ofSeconds(10));
		}
	}
}
