/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java MQTT codec: every packet type round-trips for both versions, fed whole and byte by
 * byte; hostile input (the issue's list, then random mutations of valid packets) only ever
 * gives packets or {@link MqttProtocolException}.
 */
class MqttCodecTest {

	/** A message's properties: those of a PUBLISH and of a will. */
	private static final MqttProperties PROPS = MqttProperties.builder()
			.userProperty("k", "v").userProperty("k", "w").contentType("text/plain").responseTopic("r/t")
			.correlationData(new byte[] {1, 2, 3}).messageExpiryInterval(60).payloadFormatIndicator(1)
			.build();

	/** Each packet with properties of its own kind (MQTT 5 table 2-4: others make it malformed). */
	private static final MqttProperties CONNECT_PROPS = MqttProperties.builder().userProperty("k", "v")
			.property(MqttProperties.SESSION_EXPIRY_INTERVAL, 60L).property(MqttProperties.RECEIVE_MAXIMUM, 10)
			.property(MqttProperties.MAXIMUM_PACKET_SIZE, 4096L).property(MqttProperties.TOPIC_ALIAS_MAXIMUM, 5)
			.property(MqttProperties.REQUEST_PROBLEM_INFORMATION, 1).build();
	private static final MqttProperties CONNACK_PROPS = MqttProperties.builder().userProperty("k", "v").reasonString("welcome")
			.property(MqttProperties.RECEIVE_MAXIMUM, 20).property(MqttProperties.TOPIC_ALIAS_MAXIMUM, 10)
			.property(MqttProperties.MAXIMUM_QOS, 1).property(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, "auto-1").build();
	private static final MqttProperties SUBSCRIBE_PROPS = MqttProperties.builder().userProperty("k", "v")
			.property(MqttProperties.SUBSCRIPTION_IDENTIFIER, 7).build();
	private static final MqttProperties ACK_PROPS = MqttProperties.builder().userProperty("k", "v").reasonString("why").build();
	private static final MqttProperties USER_PROPS = MqttProperties.builder().userProperty("k", "v").build();

	static List<MqttPacket> clientPackets(MqttVersion v) {
		boolean v5 = v == MqttVersion.V5;
		MqttProperties p = v5 ? PROPS : MqttProperties.empty();
		MqttMessage will = MqttMessage.of("will/t", "bye".getBytes(UTF_8), 1, true,
				v5 ? PROPS.mutate().property(MqttProperties.WILL_DELAY_INTERVAL, 5L).build() : p);
		return List.of(
				new MqttPacket.Connect(v, "client-\u00e9", false, 30, "user", "pass".getBytes(UTF_8), will, v5 ? CONNECT_PROPS : p),
				new MqttPacket.Publish(0, MqttMessage.of("a/b", new byte[] {0, 1, 2}, 0, false, p)),
				new MqttPacket.Publish(7, MqttMessage.of("a/b", new byte[0], 1, true, p).with(1, true, true)),
				new MqttPacket.Publish(65535, MqttMessage.of("a", "x".getBytes(UTF_8), 2, false, p)),
				new MqttPacket.PubAck(1, 0, MqttProperties.empty()),
				new MqttPacket.PubRec(2, 0, MqttProperties.empty()),
				new MqttPacket.PubRel(3, 0, MqttProperties.empty()),
				new MqttPacket.PubComp(4, 0, MqttProperties.empty()),
				new MqttPacket.Subscribe(5, List.of(new MqttPacket.Subscription("a/+", 1), new MqttPacket.Subscription("#", 2)),
						v5 ? SUBSCRIBE_PROPS : p),
				new MqttPacket.Unsubscribe(6, List.of("a/+", "b"), v5 ? USER_PROPS : p),
				new MqttPacket.PingReq(),
				new MqttPacket.Disconnect(0, MqttProperties.empty()));
	}

	static List<MqttPacket> serverPackets(MqttVersion v) {
		boolean v5 = v == MqttVersion.V5;
		MqttProperties p = v5 ? PROPS : MqttProperties.empty();
		List<MqttPacket> list = new ArrayList<>(List.of(
				new MqttPacket.ConnAck(true, 0, v5 ? CONNACK_PROPS : p),
				new MqttPacket.Publish(9, MqttMessage.of("x/y", "z".getBytes(UTF_8), 1, false, p)),
				new MqttPacket.PubAck(1, v5 ? 0x10 : 0, v5 ? MqttProperties.builder().reasonString("no subscribers").build() : MqttProperties.empty()),
				new MqttPacket.PubRel(3, 0, MqttProperties.empty()),
				new MqttPacket.SubAck(5, List.of(1, 0x80), v5 ? ACK_PROPS : p),
				new MqttPacket.UnsubAck(6, v5 ? List.of(0, 0x11) : List.of(), v5 ? ACK_PROPS : p),
				new MqttPacket.PingResp()));
		if (v5) {
			list.add(new MqttPacket.Disconnect(0x8B, MqttProperties.builder().reasonString("shutting down").build()));
		}
		return list;
	}

	private static MqttCodec.Decoder serverSide(MqttVersion v) {
		MqttCodec.Decoder d = new MqttCodec.Decoder(true, null, 1 << 20);
		// the server side learns the version from CONNECT
		d.feed(MqttCodec.encode(new MqttPacket.Connect(v, "c", true, 0, null, null, null, MqttProperties.empty()), v));
		assertThat(d.next()).isInstanceOf(MqttPacket.Connect.class);
		return d;
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void clientPacketsRoundTrip(MqttVersion v) {
		for (MqttPacket p : clientPackets(v)) {
			MqttCodec.Decoder d = p instanceof MqttPacket.Connect ? new MqttCodec.Decoder(true, null, 1 << 20) : serverSide(v);
			d.feed(MqttCodec.encode(p, v));
			assertEquivalent(d.next(), p);
			assertThat(d.hasPartialPacket()).isFalse();
		}
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void serverPacketsRoundTripByteByByte(MqttVersion v) {
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, v, 1 << 20);
		List<MqttPacket> out = new ArrayList<>();
		for (MqttPacket p : serverPackets(v)) {
			ByteBuffer b = MqttCodec.encode(p, v);
			while (b.hasRemaining()) {
				d.feed(ByteBuffer.wrap(new byte[] {b.get()}));
				MqttPacket got = d.next();
				if (got != null) {
					out.add(got);
				}
			}
		}
		List<MqttPacket> expected = serverPackets(v);
		assertThat(out).hasSize(expected.size());
		for (int i = 0; i < out.size(); i++) {
			assertEquivalent(out.get(i), expected.get(i));
		}
	}

	@Test
	void manyPacketsInOneRead() {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		for (int i = 1; i <= 1000; i++) {
			ByteBuffer b = MqttCodec.encode(new MqttPacket.Publish(i, MqttMessage.of("t/" + i, new byte[i % 300], 1, false)), MqttVersion.V3_1_1);
			all.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
		}
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, MqttVersion.V3_1_1, 1 << 20);
		d.feed(ByteBuffer.wrap(all.toByteArray()));
		for (int i = 1; i <= 1000; i++) {
			MqttPacket.Publish p = (MqttPacket.Publish) d.next();
			assertThat(p.packetId()).isEqualTo(i);
			assertThat(p.message().topic()).isEqualTo("t/" + i);
			assertThat(p.message().payloadLength()).isEqualTo(i % 300);
		}
		assertThat(d.next()).isNull();
	}

	/**
	 * A client's strings are quoted in exception messages, which servers log: control
	 * characters come escaped, so a topic filter with a newline cannot forge a log line (it
	 * printed a line of its own, "[ERROR] ...").
	 */
	@Test
	void theClientsStringsInErrorMessagesCannotForgeLogLines() {
		String forged = "a/#/b\n[ERROR] forged\r\u0007";
		for (int type : new int[] {0x82, 0xA2}) { // SUBSCRIBE, UNSUBSCRIBE
			MqttCodec.Decoder d = serverSide(MqttVersion.V3_1_1);
			d.feed(ByteBuffer.wrap(RawMqtt.packet(type, RawMqtt.bytes(0, 1), RawMqtt.str(forged), type == 0x82 ? RawMqtt.bytes(0) : new byte[0])));
			assertThatThrownBy(d::next).isInstanceOf(MqttProtocolException.class)
					.hasMessageContaining("a/#/b\\x0a[ERROR] forged\\x0d\\x07").hasMessageNotContaining("\n");
		}
		MqttCodec.Decoder d = serverSide(MqttVersion.V3_1_1);
		d.feed(ByteBuffer.wrap(RawMqtt.packet(0x30, RawMqtt.str("t/#\n[WARN] x"), "p".getBytes(UTF_8))));
		assertThatThrownBy(d::next).isInstanceOf(MqttProtocolException.class).hasMessageEndingWith("t/#\\x0a[WARN] x");
	}

	/**
	 * A large packet grows the buffer; once it was parsed the decoder goes back to a small one,
	 * keeping the start of the next packet (it kept 1 MiB per connection for good).
	 */
	@Test
	void theBufferShrinksAfterALargePacket() {
		byte[] big = toArray(MqttCodec.encode(new MqttPacket.Publish(1, MqttMessage.of("big", new byte[1 << 20], 1, false)),
				MqttVersion.V3_1_1));
		byte[] small = toArray(MqttCodec.encode(new MqttPacket.Publish(2, MqttMessage.of("small", new byte[10], 1, false)),
				MqttVersion.V3_1_1));
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, MqttVersion.V3_1_1, 2 << 20);
		d.feed(ByteBuffer.wrap(big, 0, big.length / 2));
		assertThat(d.next()).isNull();
		byte[] rest = Arrays.copyOfRange(big, big.length / 2, big.length + 5);
		System.arraycopy(small, 0, rest, rest.length - 5, 5); // the next packet's first 5 bytes in the same read
		d.feed(ByteBuffer.wrap(rest));
		assertThat(d.capacity()).isGreaterThan(1 << 20);
		MqttPacket.Publish p = (MqttPacket.Publish) d.next();
		assertThat(p.message().payloadLength()).isEqualTo(1 << 20);
		assertThat(d.capacity()).isEqualTo(MqttCodec.Decoder.INITIAL_BUFFER);
		assertThat(d.next()).isNull();
		d.feed(ByteBuffer.wrap(small, 5, small.length - 5));
		MqttPacket.Publish q = (MqttPacket.Publish) d.next();
		assertThat(q.packetId()).isEqualTo(2);
		assertThat(q.message().topic()).isEqualTo("small");
		assertThat(q.message().payloadLength()).isEqualTo(10);
		assertThat(d.hasPartialPacket()).isFalse();
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void packetsAppendedToOneBufferAreTheirEncodingsOneAfterTheOther(MqttVersion v) {
		List<MqttPacket> all = new ArrayList<>(clientPackets(v));
		all.addAll(serverPackets(v));
		MqttCodec.Out out = new MqttCodec.Out(16);
		ByteArrayOutputStream expected = new ByteArrayOutputStream();
		for (MqttPacket p : all) {
			MqttCodec.encode(p, v, out);
			expected.writeBytes(toArray(MqttCodec.encode(p, v)));
		}
		assertThat(Arrays.copyOf(out.array(), out.size())).isEqualTo(expected.toByteArray());
	}

	@Test
	void remainingLengthsOfOneToFourBytesDecodeFromOneBuffer() {
		// bodies around each varint boundary: the header is 2, 3, 4 or 5 bytes long
		int[] bodies = {0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152};
		MqttCodec.Out out = new MqttCodec.Out(16);
		for (int body : bodies) {
			// topic "t": 2 + 1 bytes, then the payload
			MqttCodec.encode(new MqttPacket.Publish(0, MqttMessage.of("t", new byte[Math.max(0, body - 3)], 0, false)),
					MqttVersion.V3_1_1, out);
		}
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, MqttVersion.V3_1_1, 4 << 20);
		d.feed(ByteBuffer.wrap(out.array(), 0, out.size()));
		for (int body : bodies) {
			MqttPacket.Publish p = (MqttPacket.Publish) d.next();
			assertThat(p.message().topic()).isEqualTo("t");
			assertThat(p.message().payloadLength()).isEqualTo(Math.max(0, body - 3));
		}
		assertThat(d.next()).isNull();
		assertThat(d.hasPartialPacket()).isFalse();
	}

	@Test
	void aPacketThatCannotBeEncodedLeavesTheBufferAsItWas() {
		MqttCodec.Out out = new MqttCodec.Out(16);
		MqttCodec.encode(new MqttPacket.PingReq(), MqttVersion.V3_1_1, out);
		String tooLong = "x".repeat(65_536);
		assertThatThrownBy(() -> MqttCodec.encode(new MqttPacket.Connect(MqttVersion.V3_1_1, tooLong, true, 0, null, null, null,
				MqttProperties.empty()), MqttVersion.V3_1_1, out)).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("65535");
		assertThat(out.size()).isEqualTo(2);
		MqttCodec.encode(new MqttPacket.PingReq(), MqttVersion.V3_1_1, out);
		assertThat(Arrays.copyOf(out.array(), out.size())).containsExactly(0xC0, 0, 0xC0, 0);
	}

	@Test
	void knownBytesOfAConnectAndAPublish() {
		// MQTT 3.1.1: CONNECT "MQTT" level 4, clean session, keep-alive 60, client id "a"
		assertThat(bytes(MqttCodec.encode(new MqttPacket.Connect(MqttVersion.V3_1_1, "a", true, 60, null, null, null,
				MqttProperties.empty()), MqttVersion.V3_1_1)))
				.containsExactly(0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'a');
		assertThat(bytes(MqttCodec.encode(new MqttPacket.Publish(1, MqttMessage.of("t", new byte[] {9}, 1, true)),
				MqttVersion.V3_1_1))).containsExactly(0x33, 6, 0, 1, 't', 0, 1, 9);
		// a 200-byte body needs a two-byte remaining length
		ByteBuffer big = MqttCodec.encode(new MqttPacket.Publish(0, MqttMessage.of("t", new byte[197], 0, false)), MqttVersion.V3_1_1);
		assertThat(big.get(1) & 0xFF).isEqualTo(200 & 0x7F | 0x80);
		assertThat(big.get(2)).isEqualTo((byte) 1);
	}

	private static int[] bytes(ByteBuffer b) {
		int[] out = new int[b.remaining()];
		for (int i = 0; i < out.length; i++) {
			out[i] = b.get(b.position() + i) & 0xFF;
		}
		return out;
	}

	private static MqttCodec.Decoder client() {
		return new MqttCodec.Decoder(false, MqttVersion.V3_1_1, 1024);
	}

	private static MqttPacket decode(MqttCodec.Decoder d, int... data) {
		byte[] b = new byte[data.length];
		for (int i = 0; i < b.length; i++) {
			b[i] = (byte) data[i];
		}
		d.feed(ByteBuffer.wrap(b));
		return d.next();
	}

	@Test
	void remainingLengthOverflowIsRefused() {
		assertThatThrownBy(() -> decode(client(), 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("remaining length");
	}

	@Test
	void unknownTypesAndWrongFlagsAreRefused() {
		assertThatThrownBy(() -> decode(client(), 0x00, 0x00)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("unknown");
		assertThatThrownBy(() -> decode(client(), 0xF0, 0x00)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("unknown");
		assertThatThrownBy(() -> decode(client(), 0x82, 0x02, 0, 1)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("not allowed from the server");
		assertThatThrownBy(() -> decode(client(), 0x41, 0x02, 0, 1)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("flags");
		assertThatThrownBy(() -> decode(client(), 0x36, 0x05, 0, 1, 't', 0, 1)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("QoS 3");
		// MQTT-3.3.1-2: DUP must be 0 in a QoS 0 PUBLISH, from either side
		assertThatThrownBy(() -> decode(client(), 0x38, 0x03, 0, 1, 't')).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("QoS 0 and DUP");
		MqttCodec.Decoder server = serverSide(MqttVersion.V3_1_1);
		assertThatThrownBy(() -> decode(server, 0x38, 0x03, 0, 1, 't')).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("QoS 0 and DUP");
		// with QoS 1 it is a resend
		assertThat(((MqttPacket.Publish) decode(client(), 0x3A, 0x05, 0, 1, 't', 0, 7)).message().duplicate()).isTrue();
		// a server must see CONNECT first
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(true, null, 1024), 0xC0, 0x00)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("CONNECT");
	}

	@Test
	void truncatedFieldsAreRefused() {
		// the topic length (10) points past the end of the packet
		assertThatThrownBy(() -> decode(client(), 0x30, 0x03, 0, 10, 'a')).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("truncated");
		// PUBACK without its packet id
		assertThatThrownBy(() -> decode(client(), 0x40, 0x01, 0)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("truncated");
		// a partial packet waits, and says so
		MqttCodec.Decoder d = client();
		assertThat(decode(d, 0x30, 0x05, 0, 1)).isNull();
		assertThat(d.hasPartialPacket()).isTrue();
		// bytes left after the last field
		assertThatThrownBy(() -> decode(client(), 0x40, 0x03, 0, 1, 0)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("after its last field");
	}

	@Test
	void badStringsAreRefused() {
		assertThatThrownBy(() -> decode(client(), 0x30, 0x04, 0, 2, 'a', 0)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("U+0000");
		assertThatThrownBy(() -> decode(client(), 0x30, 0x04, 0, 2, 0xC3, 0x28)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("UTF-8");
		assertThatThrownBy(() -> decode(client(), 0x30, 0x03, 0, 1, '+')).isInstanceOf(MqttProtocolException.class).hasMessageContaining("wildcard");
		assertThatThrownBy(() -> decode(client(), 0x30, 0x02, 0, 0)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("empty topic");
		assertThatThrownBy(() -> decode(client(), 0x32, 0x05, 0, 1, 't', 0, 0)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("identifier 0");
	}

	@Test
	void oversizedPacketsAreRefusedBeforeTheirBodyArrives() {
		// 2000 bytes announced against a 1024-byte limit: refused from the header alone
		assertThatThrownBy(() -> decode(client(), 0x30, 2000 & 0x7F | 0x80, 2000 >> 7)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("over the limit of 1024")
				.satisfies(e -> assertThat(((MqttProtocolException) e).reasonCode()).as("Packet too large").isEqualTo(0x95));
	}

	@Test
	void unknownV5PropertyIsRefused() {
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, MqttVersion.V5, 1024);
		assertThatThrownBy(() -> decode(d, 0x30, 0x06, 0, 1, 't', 2, 0x7F, 0)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("property 0x7f");
	}

	/** MQTT 5 subscription options reach a server's handler; the invalid ones are protocol errors (3.8.3.1). */
	@Test
	void subscriptionOptionsOfMqtt5() {
		MqttPacket.Subscription all = new MqttPacket.Subscription("a/+", 1, 4 | 8 | 0x20);
		MqttCodec.Decoder d = serverSide(MqttVersion.V5);
		d.feed(MqttCodec.encode(new MqttPacket.Subscribe(1, List.of(all, new MqttPacket.Subscription("b", 2)), MqttProperties.empty()),
				MqttVersion.V5));
		MqttPacket.Subscribe s = (MqttPacket.Subscribe) d.next();
		assertThat(s.subscriptions()).containsExactly(all, new MqttPacket.Subscription("b", 2));
		assertThat(s.subscriptions().get(0).noLocal()).isTrue();
		assertThat(s.subscriptions().get(0).retainAsPublished()).isTrue();
		assertThat(s.subscriptions().get(0).retainHandling()).isEqualTo(2);
		// options bytes 0x31 (Retain Handling 3) and 0x05 (No Local) on a shared subscription
		assertThatThrownBy(() -> decode(serverSide(MqttVersion.V5), 0x82, 0x07, 0, 1, 0, 0, 1, 't', 0x31))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("invalid subscription options");
		byte[] shared = "$share/g/t".getBytes(UTF_8);
		int[] packet = new int[7 + shared.length + 1];
		int[] head = {0x82, 5 + 2 + shared.length + 1 - 2 + 2, 0, 1, 0, 0, shared.length};
		System.arraycopy(head, 0, packet, 0, head.length);
		for (int i = 0; i < shared.length; i++) {
			packet[7 + i] = shared[i];
		}
		packet[packet.length - 1] = 0x05;
		packet[1] = packet.length - 2;
		assertThatThrownBy(() -> decode(serverSide(MqttVersion.V5), packet)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("invalid subscription options");
		assertThatThrownBy(() -> new MqttPacket.Subscription("t", 0, 0x30)).isInstanceOf(IllegalArgumentException.class);
	}

	/** MQTT 5 2.2.2.2 and 3.3.4: a property given twice, and a client's PUBLISH with a Subscription Identifier, are protocol errors. */
	@Test
	void repeatedPropertiesAndAClientsSubscriptionIdentifierAreRefused() {
		// PUBLISH "t" QoS 0 with Payload Format Indicator (0x01) twice
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x30, 0x08, 0, 1, 't', 4, 0x01, 1, 0x01, 1))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("more than once");
		// User Property twice is fine
		MqttPacket ok = decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x30, 0x10, 0, 1, 't', 12,
				0x26, 0, 1, 'a', 0, 0, 0x26, 0, 1, 'a', 0, 0);
		assertThat(ok).isInstanceOf(MqttPacket.Publish.class);
		// a client's PUBLISH naming a Subscription Identifier (0x0B)
		assertThatThrownBy(() -> decode(serverSide(MqttVersion.V5), 0x30, 0x06, 0, 1, 't', 2, 0x0B, 1))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("Subscription Identifier");
	}

	/**
	 * MQTT 5 table 2-4 and the values the specification makes protocol errors hold for what a
	 * client decodes too; what a broker may send stays legal.
	 */
	@Test
	void propertiesAreCheckedPerPacketOnTheClientSideToo() {
		// a broker's PUBLISH names one Subscription Identifier per matching subscription (3.3.4)
		MqttPacket.Publish p = (MqttPacket.Publish) decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024),
				0x30, 0x08, 0, 1, 't', 4, 0x0B, 1, 0x0B, 2);
		assertThat(p.message().properties().list()).extracting(MqttProperties.Property::value).containsExactly(1, 2);
		// PUBACK with a Reason String
		assertThat(decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x40, 0x08, 0, 1, 0x10, 4, 0x1F, 0, 1, 'x'))
				.isEqualTo(new MqttPacket.PubAck(1, 0x10, MqttProperties.builder().reasonString("x").build()));
		// ... and with a Content Type, which only a message has
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x40, 0x08, 0, 1, 0x10, 4, 0x03, 0, 1, 'x'))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("0x3 is not allowed in PUBACK");
		// CONNACK: Receive Maximum 0 (a window shut for good), Maximum QoS 2, a property of CONNECT
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x20, 0x06, 0, 0, 3, 0x21, 0, 0))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("0x21 of 0");
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x20, 0x05, 0, 0, 2, 0x24, 2))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("0x24 must be 0 or 1");
		assertThatThrownBy(() -> decode(new MqttCodec.Decoder(false, MqttVersion.V5, 1024), 0x20, 0x05, 0, 0, 2, 0x17, 1))
				.isInstanceOf(MqttProtocolException.class).hasMessageContaining("0x17 is not allowed in CONNACK");
	}

	/** Random mutations of valid packets and random bytes: packets or MqttProtocolException, nothing else. */
	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void hostileInputOnlyGivesPacketsOrProtocolErrors(MqttVersion v) {
		Random random = new Random(12 + v.level());
		List<byte[]> seeds = new ArrayList<>();
		for (MqttPacket p : serverPackets(v)) {
			seeds.add(bytes(MqttCodec.encode(p, v)).length > 0 ? toArray(MqttCodec.encode(p, v)) : new byte[0]);
		}
		List<byte[]> clientSeeds = new ArrayList<>();
		for (MqttPacket p : clientPackets(v)) {
			clientSeeds.add(toArray(MqttCodec.encode(p, v)));
		}
		int packets = 0;
		int errors = 0;
		for (int round = 0; round < 30_000; round++) {
			boolean fromClient = round % 2 == 0;
			List<byte[]> pool = fromClient ? clientSeeds : seeds;
			byte[] input = mutate(random, pool.get(random.nextInt(pool.size())), round % 10 == 0);
			MqttCodec.Decoder d = fromClient ? new MqttCodec.Decoder(true, null, 512) : new MqttCodec.Decoder(false, v, 512);
			if (fromClient && round % 4 == 0) {
				// after a valid CONNECT, so that the mutations reach the other packet types
				d.feed(ByteBuffer.wrap(clientSeeds.get(0)));
				d.next();
			}
			try {
				int at = 0;
				while (at < input.length) {
					int n = 1 + random.nextInt(input.length - at);
					d.feed(ByteBuffer.wrap(input, at, n));
					at += n;
					while (d.next() != null) {
						packets++;
					}
				}
			}
			catch (MqttProtocolException e) {
				errors++;
				assertThat(e.getMessage()).isNotBlank();
			}
		}
		// both outcomes are exercised
		assertThat(packets).isGreaterThan(1000);
		assertThat(errors).isGreaterThan(1000);
	}

	private static byte[] toArray(ByteBuffer b) {
		byte[] out = new byte[b.remaining()];
		b.duplicate().get(out);
		return out;
	}

	private static byte[] mutate(Random r, byte[] seed, boolean randomBytes) {
		if (randomBytes) {
			byte[] junk = new byte[r.nextInt(64)];
			r.nextBytes(junk);
			return junk;
		}
		byte[] b = seed.clone();
		int flips = r.nextInt(4);
		for (int i = 0; i < flips && b.length > 0; i++) {
			b[r.nextInt(b.length)] = (byte) r.nextInt(256);
		}
		if (r.nextInt(5) == 0 && b.length > 1) {
			byte[] cut = new byte[r.nextInt(b.length)];
			System.arraycopy(b, 0, cut, 0, cut.length);
			return cut;
		}
		return b;
	}

	/** Packets hold arrays: compare their encodings instead of record equality. */
	private static void assertEquivalent(MqttPacket actual, MqttPacket expected) {
		assertThat(actual).isNotNull();
		assertThat(actual.getClass()).isEqualTo(expected.getClass());
		MqttVersion v = expected instanceof MqttPacket.Connect c ? c.version() : MqttVersion.V5;
		assertThat(toArray(MqttCodec.encode(actual, v))).isEqualTo(toArray(MqttCodec.encode(expected, v)));
		if (expected instanceof MqttPacket.Publish p) {
			assertThat(((MqttPacket.Publish) actual).message()).isEqualTo(p.message());
		}
	}
}
