/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import io.github.reactormongoose.mqtt.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;

/**
 * {@link MqttSensorPublisher} and {@link MqttSubscriberPipeline} through {@link MqttBroker}:
 * every reading arrives, in order, through the slow back-pressured pipeline; the status
 * topic ends with the retained {@code done}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttSensorPipelineTest {

	private MqttBroker broker;

	@BeforeEach
	void start() {
		broker = MqttBroker.start("127.0.0.1", 0);
	}

	@AfterEach
	void stop() {
		broker.disposeNow();
	}

	@Test
	void everyReadingGoesThroughTheSlowPipelineInOrder() throws Exception {
		String url = "mqtt://127.0.0.1:" + broker.port();
		int readings = 200;
		MqttConnection conn = MqttSubscriberPipeline.connect(url).block(Duration.ofSeconds(10));
		try {
			CountDownLatch ready = new CountDownLatch(1);
			LinkedBlockingQueue<MqttSubscriberPipeline.Average> averages = new LinkedBlockingQueue<>();
			Disposable pipeline = MqttSubscriberPipeline.run(conn, 10, Duration.ofMillis(2), ready::countDown)
					.subscribe(averages::add);
			assertThat(ready.await(10, TimeUnit.SECONDS)).isTrue();

			// the sensor publishes faster (no pause) than the pipeline handles (2 ms each)
			MqttSensorPublisher.run(url, "s1", readings, Duration.ofNanos(1)).block(Duration.ofSeconds(30));

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
		MqttConnection check = MqttClient.create(url).connect().block(Duration.ofSeconds(10));
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
