/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A loop and a {@link FakeBroker} for each test of a class that scripts the broker. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
abstract class FakeBrokerTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	MongooseLoop loop;
	FakeBroker broker;

	@BeforeEach
	void start() throws IOException {
		loop = MongooseLoop.create(getClass().getSimpleName());
		broker = new FakeBroker();
	}

	@AfterEach
	void stop() throws IOException {
		broker.close();
		loop.disposeNow(TIMEOUT);
	}

	MqttClient client() {
		return MqttClient.create(broker.url()).clientId("c").runOn(loop);
	}

	/** Connects while the fake broker answers CONNACK on another thread. */
	MqttConnection connect(MqttClient client, AtomicReference<FakeBroker.Peer> peer) throws Exception {
		return broker.connect(client, peer);
	}

	/** The same, answering CONNECT with {@code ack}. */
	MqttConnection connect(MqttClient client, AtomicReference<FakeBroker.Peer> peer, MqttPacket.ConnAck ack) throws Exception {
		return broker.connect(client, peer, ack);
	}
}
