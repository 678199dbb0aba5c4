/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An application message: topic, payload, QoS, retain flag, the DUP flag it arrived with and
 * its MQTT 5 properties (empty for 3.1.1). Immutable; {@link #payload()} returns a copy.
 */
public final class MqttMessage {

	private final String topic;
	private final byte[] payload;
	private final int qos;
	private final boolean retain;
	private final boolean duplicate;
	private final MqttProperties properties;

	MqttMessage(String topic, byte[] payload, int qos, boolean retain, boolean duplicate, MqttProperties properties) {
		this.topic = topic;
		this.payload = payload;
		this.qos = qos;
		this.retain = retain;
		this.duplicate = duplicate;
		this.properties = properties;
	}

	/**
	 * A message to publish (or a will): {@code topic} without wildcards, {@code qos} 0 to 2.
	 * The payload is copied.
	 * @throws IllegalArgumentException on an invalid topic or QoS
	 */
	public static MqttMessage of(String topic, byte[] payload, int qos, boolean retain) {
		return of(topic, payload, qos, retain, MqttProperties.empty());
	}

	/** Like {@link #of(String, byte[], int, boolean)} with MQTT 5 properties. */
	public static MqttMessage of(String topic, byte[] payload, int qos, boolean retain, MqttProperties properties) {
		MqttTopics.checkTopic(topic);
		checkQos(qos);
		return new MqttMessage(topic, payload.clone(), qos, retain, false, Objects.requireNonNull(properties, "properties"));
	}

	static void checkQos(int qos) {
		if (qos < 0 || qos > 2) {
			throw new IllegalArgumentException("QoS must be 0, 1 or 2: " + qos);
		}
	}

	public String topic() {
		return topic;
	}

	/** A copy of the payload. */
	public byte[] payload() {
		return payload.clone();
	}

	/** The payload decoded as UTF-8. */
	public String payloadAsString() {
		return new String(payload, StandardCharsets.UTF_8);
	}

	/** The payload's length in bytes. */
	public int payloadLength() {
		return payload.length;
	}

	byte[] payloadUnsafe() {
		return payload;
	}

	public int qos() {
		return qos;
	}

	public boolean retain() {
		return retain;
	}

	/** The DUP flag: the sender may have sent this message before. */
	public boolean duplicate() {
		return duplicate;
	}

	/** MQTT 5 properties; empty for MQTT 3.1.1. */
	public MqttProperties properties() {
		return properties;
	}

	/** This message with another QoS, retain flag and DUP flag (a broker's fan-out). */
	public MqttMessage with(int qos, boolean retain, boolean duplicate) {
		checkQos(qos);
		return new MqttMessage(topic, payload, qos, retain, duplicate, properties);
	}

	@Override
	public boolean equals(Object o) {
		return o instanceof MqttMessage m && m.topic.equals(topic) && Arrays.equals(m.payload, payload) && m.qos == qos
				&& m.retain == retain && m.duplicate == duplicate && m.properties.equals(properties);
	}

	@Override
	public int hashCode() {
		return Objects.hash(topic, Arrays.hashCode(payload), qos, retain, duplicate, properties);
	}

	@Override
	public String toString() {
		return "MqttMessage[topic=" + topic + ", " + payload.length + " bytes, qos=" + qos + (retain ? ", retain" : "")
				+ (duplicate ? ", dup" : "") + (properties.isEmpty() ? "" : ", " + properties) + "]";
	}
}
