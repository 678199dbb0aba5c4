/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;

/**
 * MQTT packets as bytes, field by field, for what this library's encoder will not write: a
 * will topic with a wildcard, a property in a packet that may not carry it, a Topic Alias.
 */
final class RawMqtt {

	private RawMqtt() {
	}

	/** The bytes, each an int from 0 to 255. */
	static byte[] bytes(int... b) {
		byte[] out = new byte[b.length];
		for (int i = 0; i < b.length; i++) {
			out[i] = (byte) b[i];
		}
		return out;
	}

	static byte[] concat(byte[]... parts) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (byte[] p : parts) {
			out.writeBytes(p);
		}
		return out.toByteArray();
	}

	/** A UTF-8 string field: two-byte length, then the bytes. */
	static byte[] str(String s) {
		byte[] b = s.getBytes(UTF_8);
		return concat(bytes(b.length >> 8, b.length & 0xFF), b);
	}

	static byte[] varint(int v) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		do {
			int b = v & 0x7F;
			v >>>= 7;
			out.write(v > 0 ? b | 0x80 : b);
		} while (v > 0);
		return out.toByteArray();
	}

	/** MQTT 5 properties: their length, then each property's identifier and value as given. */
	static byte[] props(byte[]... properties) {
		byte[] all = concat(properties);
		return concat(varint(all.length), all);
	}

	/** A packet: the first byte, the remaining length, the body. */
	static byte[] packet(int first, byte[]... body) {
		byte[] b = concat(body);
		return concat(bytes(first), varint(b.length), b);
	}

	/**
	 * CONNECT with {@code flags} for MQTT 3.1.1 ({@code properties} null) or 5, keep-alive 60,
	 * then {@code payload} after the client id (will properties, will topic and payload ...).
	 */
	static byte[] connect(String clientId, int flags, byte[] properties, byte[]... payload) {
		return packet(0x10, str("MQTT"), bytes(properties == null ? 4 : 5, flags, 0, 60),
				properties == null ? new byte[0] : properties, str(clientId), concat(payload));
	}

	/** PUBLISH at {@code qos} (packet id 1 unless QoS 0), with MQTT 5 {@code properties} unless null. */
	static byte[] publish(String topic, int qos, byte[] properties, String payload) {
		return packet(0x30 | qos << 1, str(topic), qos > 0 ? bytes(0, 1) : new byte[0],
				properties == null ? new byte[0] : properties, payload.getBytes(UTF_8));
	}
}
