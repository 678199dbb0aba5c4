/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

/** The MQTT protocol versions spoken: 3.1.1 (protocol level 4) and 5 (level 5). */
public enum MqttVersion {

	/** MQTT 3.1.1, protocol level 4. */
	V3_1_1(4),
	/** MQTT 5.0, protocol level 5: properties and reason codes on every acknowledgement. */
	V5(5);

	private final int level;

	MqttVersion(int level) {
		this.level = level;
	}

	/** The protocol level byte of CONNECT. */
	public int level() {
		return level;
	}

	/** The version of a protocol level byte, or {@code null} if it is not spoken here. */
	static @org.jspecify.annotations.Nullable MqttVersion ofLevel(int level) {
		return level == 4 ? V3_1_1 : level == 5 ? V5 : null;
	}
}
