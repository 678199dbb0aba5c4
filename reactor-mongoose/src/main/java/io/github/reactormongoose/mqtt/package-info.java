/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
/**
 * MQTT 3.1.1 and 5 over the engine's raw TCP connections: {@link MqttClient} (a client whose
 * publishes are {@code Mono}s completed by the broker's acknowledgement and whose
 * subscriptions are demand-driven {@code Flux}es) and {@link MqttServer} (decoded client
 * packets with reply operations, to build a broker on). The packets are encoded and decoded
 * in Java ({@link MqttPacket}); Mongoose's own MQTT layer is not used (see
 * {@code docs/decisions/0007-mqtt.md}).
 */
@NullMarked
package io.github.reactormongoose.mqtt;

import org.jspecify.annotations.NullMarked;
