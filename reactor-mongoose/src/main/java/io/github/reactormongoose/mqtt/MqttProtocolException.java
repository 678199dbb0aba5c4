/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

/**
 * A malformed packet: a remaining length longer than four bytes, a packet cut short, an
 * unknown packet type or wrong flags, a string that is not UTF-8 or holds U+0000, a packet
 * over the configured size limit, or a packet that is not allowed in the direction it came.
 * The connection it came on is closed and every stream of it fails with this exception.
 * {@link #reasonCode()} is the MQTT 5 reason code that names the error where one more
 * specific than Malformed Packet (0x81) or Protocol Error (0x82) applies, such as 0x94 (Topic
 * Alias invalid), for a server's handler to put in a DISCONNECT; -1 otherwise.
 */
public class MqttProtocolException extends MqttException {

	private static final long serialVersionUID = 1L;

	public MqttProtocolException(String message) {
		super(message);
	}

	/** An error with the MQTT 5 reason code that names it (for example 0x94, Topic Alias invalid). */
	public MqttProtocolException(String message, int reasonCode) {
		super(message, reasonCode);
	}
}
