/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

/**
 * A malformed packet: a remaining length longer than four bytes, a packet cut short, an
 * unknown packet type or wrong flags, a string that is not UTF-8 or holds U+0000, a packet
 * over the configured size limit, or a packet that is not allowed in the direction it came.
 * The connection it came on is closed and every stream of it fails with this exception.
 * {@link #reasonCode()} is the MQTT 5 reason code for a server's handler to put in a
 * DISCONNECT (the client sends one with it to an MQTT 5 broker before it closes): one more specific where it applies, such as 0x94 (Topic Alias invalid) or 0x95
 * (Packet too large); 0x82 (Protocol Error) for a well-formed packet that breaks the protocol
 * (a second CONNECT, a PUBLISH with an empty topic and no Topic Alias, Retain Handling 3, QoS 3
 * or No Local on a shared subscription in SUBSCRIBE, an AUTH without enhanced authentication, an
 * MQTT 5 property given twice, a Receive Maximum, Maximum Packet Size or Subscription Identifier
 * of 0, a flag property other than 0 or 1, a SUBACK with another number of codes than filters);
 * -1 for a malformed packet (Malformed Packet, 0x81).
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
