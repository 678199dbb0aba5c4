/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

/** The client against Moquette 0.17, embedded (MQTT 3.1.1): runs wherever the build runs. */
class MoquetteClientTest extends MqttClientInteropTest {

	@Override
	MqttBrokers.Broker startBroker() {
		return MqttBrokers.moquette();
	}
}
