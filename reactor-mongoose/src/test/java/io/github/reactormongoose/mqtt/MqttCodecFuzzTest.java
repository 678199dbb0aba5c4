/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import io.github.reactormongoose.testing.JavaFuzz;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MQTT decoder fuzzed in both directions ({@link JavaFuzz}): what a client decodes from a
 * broker (CONNACK, PUBLISH, the acks, SUBACK, UNSUBACK, PINGRESP, DISCONNECT) and what
 * {@link MqttServer} decodes from a client (CONNECT first, then the rest), as streams of
 * several packets fed whole, byte by byte or in random pieces, with a large or a small packet
 * limit and Topic Aliases allowed or not. Every input gives packets or an
 * {@link MqttProtocolException}; a decoder never buffers more than the bytes it was given.
 */
class MqttCodecFuzzTest {

	private static byte[] stream(List<MqttPacket> packets, MqttVersion v, int from, int count) {
		ByteArrayOutputStream b = new ByteArrayOutputStream();
		for (int i = 0; i < count; i++) {
			ByteBuffer e = MqttCodec.encode(packets.get((from + i) % packets.size()), v);
			byte[] a = new byte[e.remaining()];
			e.get(a);
			b.writeBytes(a);
		}
		return b.toByteArray();
	}

	private static List<byte[]> seeds(List<MqttPacket> packets, MqttVersion v, boolean connectFirst) {
		List<byte[]> seeds = new ArrayList<>();
		for (int i = 0; i < packets.size(); i++) {
			if (connectFirst) {
				// CONNECT, then one or three others
				byte[] rest = stream(packets, v, 1 + i % (packets.size() - 1), i % 2 == 0 ? 1 : 3);
				byte[] connect = stream(packets, v, 0, 1);
				byte[] s = new byte[connect.length + rest.length];
				System.arraycopy(connect, 0, s, 0, connect.length);
				System.arraycopy(rest, 0, s, connect.length, rest.length);
				seeds.add(s);
			}
			else {
				seeds.add(stream(packets, v, i, i % 2 == 0 ? 1 : 3));
			}
		}
		return seeds;
	}

	private static void decode(MqttCodec.Decoder d, byte[] input, java.util.Random r) {
		try {
			for (byte[] piece : JavaFuzz.pieces(input, r)) {
				d.feed(ByteBuffer.wrap(piece));
				while (d.next() != null) {
					// a packet
				}
			}
		}
		catch (MqttProtocolException e) {
			assertThat(e.getMessage()).isNotBlank();
		}
		assertThat(d.capacity()).isLessThanOrEqualTo(Math.max(MqttCodec.Decoder.INITIAL_BUFFER, 2 * input.length));
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void fromABroker(MqttVersion v) {
		JavaFuzz.run("MqttCodec.fromBroker." + v, 6_000, seeds(MqttCodecTest.serverPackets(v), v, false), (input, r) -> {
			MqttCodec.Decoder d = new MqttCodec.Decoder(false, v, r.nextBoolean() ? 1 << 20 : 24);
			if (r.nextBoolean()) {
				d.topicAliasMaximum(3);
			}
			decode(d, input, r);
		});
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void fromAClient(MqttVersion v) {
		JavaFuzz.run("MqttCodec.fromClient." + v, 6_000, seeds(MqttCodecTest.clientPackets(v), v, true), (input, r) -> {
			MqttCodec.Decoder d = new MqttCodec.Decoder(true, null, r.nextBoolean() ? 1 << 20 : 48);
			if (r.nextBoolean()) {
				d.topicAliasMaximum(3);
			}
			decode(d, input, r);
		});
	}
}
