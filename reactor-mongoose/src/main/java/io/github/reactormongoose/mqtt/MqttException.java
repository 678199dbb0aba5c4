/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import io.github.reactormongoose.MongooseException;

/**
 * An MQTT failure reported by the peer: a refused connection (CONNACK), subscription (SUBACK)
 * or publish (an MQTT 5 acknowledgement with a reason code of 0x80 or more), a broker that
 * stopped answering, or a broker's DISCONNECT. {@link #reasonCode()} is the code the peer
 * sent, or -1 when there was none.
 */
public class MqttException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final int reasonCode;

	public MqttException(String message, int reasonCode) {
		super(message);
		this.reasonCode = reasonCode;
	}

	public MqttException(String message) {
		this(message, -1);
	}

	/** The reason or return code from the peer's packet, -1 if none. */
	public int reasonCode() {
		return reasonCode;
	}
}
