/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The client against Mosquitto (Debian's package, a process on a free port); skipped with a
 * notice where it is not installed. Adds what Moquette 0.17 lacks: MQTT 5.
 */
class MosquittoClientTest extends MqttClientInteropTest {

	@Override
	MqttBrokers.Broker startBroker() {
		return MqttBrokers.mosquitto();
	}

	@Test
	void mqtt5UserPropertiesAndMessagePropertiesTravel() throws Exception {
		MqttConnection sub = connect(client("sub").version(MqttVersion.V5));
		MqttConnection pub = connect(client("pub").version(MqttVersion.V5));
		Received r = new Received(sub, topic("v5"), 1);
		MqttProperties props = MqttProperties.builder()
				.userProperty("unit", "celsius").userProperty("unit", "kelvin").userProperty("sensor", "s-1")
				.contentType("text/plain").responseTopic(topic("reply")).correlationData(new byte[] {4, 2})
				.build();
		pub.publish(MqttMessage.of(topic("v5"), "21.5".getBytes(UTF_8), 1, false, props)).block(TIMEOUT);
		MqttMessage m = r.take();
		assertThat(m.payloadAsString()).isEqualTo("21.5");
		assertThat(m.properties().userProperties()).containsExactly(Map.entry("unit", "celsius"),
				Map.entry("unit", "kelvin"), Map.entry("sensor", "s-1"));
		assertThat(m.properties().userProperty("sensor")).isEqualTo("s-1");
		assertThat(m.properties().contentType()).isEqualTo("text/plain");
		assertThat(m.properties().responseTopic()).isEqualTo(topic("reply"));
		assertThat(m.properties().correlationData()).containsExactly(4, 2);
	}

	@Test
	void anMqtt5WillWithPropertiesAndV5RoundTripsAtEachQos() throws Exception {
		MqttConnection sub = connect(client("sub").version(MqttVersion.V5));
		MqttConnection pub = connect(client("pub").version(MqttVersion.V5));
		Received r = new Received(sub, topic("#"), 2);
		for (int qos = 0; qos <= 2; qos++) {
			pub.publish(topic("q" + qos), new byte[] {(byte) qos}, qos, false).block(TIMEOUT);
			MqttMessage m = r.take();
			assertThat(m.topic()).isEqualTo(topic("q" + qos));
			assertThat(m.qos()).isEqualTo(qos);
		}
	}
}
