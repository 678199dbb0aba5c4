/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.MongooseLoop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The client against Mosquitto (Debian's package, a process on a free port); skipped with a
 * notice where it is not installed. Adds what Moquette 0.17 lacks: MQTT 5.
 */
class MosquittoClientTest extends MqttClientInteropTest {

	@Override
	MqttBrokers.Broker startBroker() {
		return MqttBrokers.mosquitto();
	}

	/**
	 * What a kept session missed while away (Mosquitto queues QoS 1 and 2 messages) reaches the
	 * application, which subscribes again once {@code connect()} gave it the connection: the
	 * broker sends the queue right after CONNACK, before that SUBSCRIBE.
	 */
	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void aKeptSessionGetsWhatCameWhileItWasAway(MqttVersion version) throws Exception {
		MqttClient away = client("away").version(version).cleanSession(false);
		MqttConnection first = connect(away);
		new Received(first, topic("q/#"), 1);
		first.disconnect().block(TIMEOUT);
		MqttConnection pub = connect(client("pub").version(version));
		for (int i = 0; i < 10; i++) {
			pub.publish(topic("q/" + i), new byte[] {(byte) i}, 1, false).block(TIMEOUT);
		}
		MqttConnection back = connect(away);
		Thread.sleep(300); // the queued messages come (and are acknowledged) before the application subscribes
		List<String> topics = back.subscribe(topic("q/#"), 1).take(10).map(MqttMessage::topic).collectList().block(TIMEOUT);
		assertThat(topics).hasSize(10).allMatch(t -> t.startsWith(topic("q/")));
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

	/**
	 * Subscriptions that overlap on one connection each get a message once. Mosquitto sends an
	 * MQTT 5 client one copy per matching subscription (MQTT 5, 3.3.4 allows it), each naming
	 * its Subscription Identifier, which the client routes by; over 3.1.1 it sends one copy.
	 */
	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void overlappingSubscriptionsEachGetAMessageOnce(MqttVersion version) throws Exception {
		MqttConnection sub = connect(client("sub").version(version));
		Received hash = new Received(sub, topic("a/#"), 1);
		Received plus = new Received(sub, topic("a/+"), 1);
		Received plusAgain = new Received(sub, topic("a/+"), 1);
		Received exact = new Received(sub, topic("a/b"), 1);
		MqttConnection pub = connect(client("pub").version(version));
		pub.publish(topic("a/b"), "one".getBytes(UTF_8), 1, false).block(TIMEOUT);
		pub.publish(topic("a/b"), "two".getBytes(UTF_8), 0, false).block(TIMEOUT);
		pub.publish(topic("a/c"), "three".getBytes(UTF_8), 1, false).block(TIMEOUT);
		for (Received r : new Received[] {hash, plus, plusAgain}) {
			assertThat(r.take().payloadAsString()).isEqualTo("one");
			assertThat(r.take().payloadAsString()).isEqualTo("two");
			assertThat(r.take().payloadAsString()).isEqualTo("three");
		}
		assertThat(exact.take().payloadAsString()).isEqualTo("one");
		assertThat(exact.take().payloadAsString()).isEqualTo("two");
		for (Received r : new Received[] {hash, plus, plusAgain, exact}) {
			assertThat(r.topicsWithin(Duration.ofMillis(300))).as("no second copy").isEmpty();
		}
	}

	/**
	 * Over 3.1.1 Mosquitto takes 20 QoS 2 publishes at once (max_inflight_messages) and drops
	 * the ones above it while acknowledging them: the default maxInflight keeps to that, so 300
	 * published at once all arrive.
	 */
	@Test
	void qos2PublishesAtTheDefaultInflightAllArriveOver311() throws Exception {
		MqttBrokers.Broker plain = MqttBrokers.mosquittoAsInstalled();
		try {
			String url = "mqtt://127.0.0.1:" + plain.port();
			MqttConnection sub = connect(MqttClient.create(url).clientId("q2-sub").runOn(loop));
			Received r = new Received(sub, topic("q2"), 2);
			MqttConnection pub = connect(MqttClient.create(url).clientId("q2-pub").runOn(loop));
			int n = 300;
			reactor.core.publisher.Flux.range(0, n)
					.flatMap(i -> pub.publish(topic("q2"), new byte[] {i.byteValue()}, 2, false), n)
					.blockLast(TIMEOUT);
			for (int i = 0; i < n; i++) {
				assertThat(r.take().qos()).isEqualTo(2);
			}
			assertThat(r.topicsWithin(Duration.ofMillis(200))).isEmpty();
		}
		finally {
			cleanUp(); // the connections go before their broker
			loop = MongooseLoop.create("mqtt-test");
			plain.stop();
		}
	}
}
