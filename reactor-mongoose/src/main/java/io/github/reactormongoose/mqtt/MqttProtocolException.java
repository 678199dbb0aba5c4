/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

/**
 * A malformed packet: a remaining length longer than four bytes, a packet cut short, an
 * unknown packet type or wrong flags, a string that is not UTF-8 or holds U+0000, a packet
 * over the configured size limit, or a packet that is not allowed in the direction it came.
 * The connection it came on is closed and every stream of it fails with this exception.
 */
public class MqttProtocolException extends MqttException {

	private static final long serialVersionUID = 1L;

	public MqttProtocolException(String message) {
		super(message);
	}
}
