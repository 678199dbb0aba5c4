/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.github.reactormongoose.internal.LogText;
import org.jspecify.annotations.Nullable;

/**
 * MQTT 3.1.1 and 5 packets to bytes and back. {@link Decoder} is a stream decoder for one
 * connection and one direction: bytes in as they arrive, whole packets out, every bound
 * checked before it is read.
 */
final class MqttCodec {

	/** The largest remaining length a four-byte varint can hold. */
	static final int MAX_REMAINING_LENGTH = 268_435_455;

	private MqttCodec() {
	}

	// ---------------------------------------------------------------- encoding

	/** Encodes {@code p} for a connection speaking {@code v}. */
	static ByteBuffer encode(MqttPacket p, MqttVersion v) {
		Out out = new Out(64);
		encode(p, v, out);
		return ByteBuffer.wrap(out.array(), 0, out.size());
	}

	/**
	 * Appends {@code p}, encoded for a connection speaking {@code v}, to {@code out}. On an
	 * {@link IllegalArgumentException} (a field or the packet too large for MQTT, a wrong
	 * property value) {@code out} is left as it was.
	 */
	static void encode(MqttPacket p, MqttVersion v, Out out) {
		int start = out.size();
		try {
			// the body goes after room for the longest fixed header (type byte and four-byte
			// remaining length), then moves down against the header actually needed
			out.skip(5);
			int flags = body(p, v, out);
			int len = out.size() - start - 5;
			if (len > MAX_REMAINING_LENGTH) {
				throw new IllegalArgumentException("packet too large for MQTT: " + len + " bytes");
			}
			out.prefix(start, 5, p.type() << 4 | flags, len);
		}
		catch (IllegalArgumentException e) {
			out.truncate(start);
			throw e;
		}
	}

	/** Writes the variable header and payload of {@code p}; returns its fixed-header flags. */
	private static int body(MqttPacket p, MqttVersion v, Out body) {
		boolean v5 = v == MqttVersion.V5;
		int flags = 0;
		if (p instanceof MqttPacket.Connect c) {
			boolean v5c = c.version() == MqttVersion.V5;
			body.string("MQTT");
			body.write(c.version().level());
			MqttMessage w = c.will();
			int cf = (c.username() != null ? 0x80 : 0) | (c.password() != null ? 0x40 : 0)
					| (w != null ? 0x04 | w.qos() << 3 | (w.retain() ? 0x20 : 0) : 0) | (c.cleanSession() ? 0x02 : 0);
			body.write(cf);
			body.u16(c.keepAliveSeconds());
			if (v5c) {
				body.properties(c.properties());
			}
			body.string(c.clientId());
			if (w != null) {
				if (v5c) {
					body.properties(w.properties());
				}
				body.string(w.topic());
				body.binary(w.payloadUnsafe());
			}
			if (c.username() != null) {
				body.string(c.username());
			}
			if (c.password() != null) {
				body.binary(c.password());
			}
		}
		else if (p instanceof MqttPacket.ConnAck a) {
			body.write(a.sessionPresent() ? 1 : 0);
			body.write(a.reasonCode());
			if (v5) {
				body.properties(a.properties());
			}
		}
		else if (p instanceof MqttPacket.Publish pub) {
			MqttMessage m = pub.message();
			flags = (m.duplicate() ? 0x08 : 0) | m.qos() << 1 | (m.retain() ? 0x01 : 0);
			body.string(m.topic());
			if (m.qos() > 0) {
				body.u16(pub.packetId());
			}
			if (v5) {
				body.properties(m.properties());
			}
			body.write(m.payloadUnsafe(), 0, m.payloadLength());
		}
		else if (p instanceof MqttPacket.PubAck a) {
			ack(body, a.packetId(), a.reasonCode(), a.properties(), v5);
		}
		else if (p instanceof MqttPacket.PubRec a) {
			ack(body, a.packetId(), a.reasonCode(), a.properties(), v5);
		}
		else if (p instanceof MqttPacket.PubRel a) {
			flags = 0x02;
			ack(body, a.packetId(), a.reasonCode(), a.properties(), v5);
		}
		else if (p instanceof MqttPacket.PubComp a) {
			ack(body, a.packetId(), a.reasonCode(), a.properties(), v5);
		}
		else if (p instanceof MqttPacket.Subscribe s) {
			flags = 0x02;
			body.u16(s.packetId());
			if (v5) {
				body.properties(s.properties());
			}
			for (MqttPacket.Subscription sub : s.subscriptions()) {
				body.string(sub.filter());
				body.write(sub.qos() | (v5 ? sub.options() : 0));
			}
		}
		else if (p instanceof MqttPacket.SubAck s) {
			body.u16(s.packetId());
			if (v5) {
				body.properties(s.properties());
			}
			for (int code : s.reasonCodes()) {
				body.write(code);
			}
		}
		else if (p instanceof MqttPacket.Unsubscribe u) {
			flags = 0x02;
			body.u16(u.packetId());
			if (v5) {
				body.properties(u.properties());
			}
			for (String f : u.filters()) {
				body.string(f);
			}
		}
		else if (p instanceof MqttPacket.UnsubAck u) {
			body.u16(u.packetId());
			if (v5) {
				body.properties(u.properties());
				for (int code : u.reasonCodes()) {
					body.write(code);
				}
			}
		}
		else if (p instanceof MqttPacket.PingReq) {
		}
		else if (p instanceof MqttPacket.PingResp) {
		}
		else if (p instanceof MqttPacket.Disconnect d) {
			if (v5 && (d.reasonCode() != 0 || !d.properties().isEmpty())) {
				body.write(d.reasonCode());
				body.properties(d.properties());
			}
		}
		return flags;
	}

	private static void ack(Out body, int id, int reason, MqttProperties props, boolean v5) {
		body.u16(id);
		if (v5 && (reason != 0 || !props.isEmpty())) {
			body.write(reason);
			if (!props.isEmpty()) {
				body.properties(props);
			}
		}
	}

	/**
	 * A growable byte array with MQTT's field encodings: one packet, or the packets of one
	 * write queued one after the other. Not synchronized: one thread at a time.
	 */
	static final class Out {

		/** The largest array asked of the JVM (some reserve header words in an array). */
		private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

		private byte[] buf;
		private int size;

		Out(int capacity) {
			buf = new byte[Math.max(capacity, 16)];
		}

		/** The bytes so far are {@code array()[0 .. size())}. */
		byte[] array() {
			return buf;
		}

		int size() {
			return size;
		}

		/** Drops everything from {@code newSize} on. */
		void truncate(int newSize) {
			size = newSize;
		}

		private void ensure(int n) {
			long need = (long) size + n;
			if (need > buf.length) {
				if (need > MAX_ARRAY) {
					throw new IllegalArgumentException("packet too large for MQTT: over " + MAX_ARRAY + " bytes");
				}
				buf = Arrays.copyOf(buf, (int) Math.min(MAX_ARRAY, Math.max(need, 2L * buf.length)));
			}
		}

		/** Leaves {@code n} bytes to be written later. */
		void skip(int n) {
			ensure(n);
			size += n;
		}

		void write(int b) {
			ensure(1);
			buf[size++] = (byte) b;
		}

		void write(byte[] b, int off, int len) {
			ensure(len);
			System.arraycopy(b, off, buf, size, len);
			size += len;
		}

		void u16(int v) {
			ensure(2);
			buf[size] = (byte) (v >>> 8);
			buf[size + 1] = (byte) v;
			size += 2;
		}

		void u32(long v) {
			u16((int) (v >>> 16) & 0xFFFF);
			u16((int) v & 0xFFFF);
		}

		void varint(int v) {
			do {
				int b = v & 0x7F;
				v >>>= 7;
				write(v > 0 ? b | 0x80 : b);
			} while (v > 0);
		}

		/**
		 * Fills the {@code reserved} bytes at {@code at}, left for a header, with
		 * {@code first} (unless negative) and the varint {@code len}, and moves the
		 * {@code len} bytes that follow them down against the header.
		 */
		void prefix(int at, int reserved, int first, int len) {
			int body = at + reserved;
			size = at;
			if (first >= 0) {
				write(first);
			}
			varint(len);
			if (size != body) {
				System.arraycopy(buf, body, buf, size, len);
			}
			size += len;
		}

		void string(String s) {
			int n = s.length();
			if (n <= 65535) {
				// ASCII, the usual topic, goes without an intermediate array
				ensure(2 + n);
				int at = size + 2;
				boolean ascii = true;
				for (int i = 0; i < n && ascii; i++) {
					char c = s.charAt(i);
					buf[at + i] = (byte) c;
					ascii = c < 0x80;
				}
				if (ascii) {
					u16(n);
					size += n;
					return;
				}
			}
			// a lone surrogate has no UTF-8 form: getBytes would send '?'
			MqttTopics.checkSurrogates(s, "string field");
			binary(s.getBytes(StandardCharsets.UTF_8));
		}

		void binary(byte[] b) {
			if (b.length > 65535) {
				throw new IllegalArgumentException("string or binary field longer than 65535 bytes");
			}
			u16(b.length);
			write(b, 0, b.length);
		}

		void properties(MqttProperties props) {
			// the length goes first: room for its longest varint, filled in after the properties
			int at = size;
			skip(4);
			for (MqttProperties.Property p : props.list()) {
				varint(p.id());
				Object v = p.value();
				try {
					switch (propertyType(p.id())) {
						case BYTE -> write((Integer) v);
						case U16 -> u16((Integer) v);
						case U32 -> u32(((Number) v).longValue());
						case VARINT -> varint((Integer) v);
						case STRING -> string((String) v);
						case BINARY -> binary((byte[]) v);
						case PAIR -> {
							@SuppressWarnings("unchecked")
							Map.Entry<String, String> e = (Map.Entry<String, String>) v;
							string(e.getKey());
							string(e.getValue());
						}
						default -> throw new IllegalArgumentException("unknown MQTT 5 property 0x" + Integer.toHexString(p.id()));
					}
				}
				catch (ClassCastException e) {
					throw new IllegalArgumentException("wrong value type for MQTT 5 property 0x" + Integer.toHexString(p.id()) + ": " + v);
				}
			}
			int len = size - at - 4;
			if (len > MAX_REMAINING_LENGTH) {
				throw new IllegalArgumentException("MQTT 5 properties too large: " + len + " bytes");
			}
			prefix(at, 4, -1, len);
		}
	}

	enum PropType { BYTE, U16, U32, VARINT, STRING, BINARY, PAIR, UNKNOWN }

	static PropType propertyType(int id) {
		return switch (id) {
			case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> PropType.BYTE;
			case 0x13, 0x21, 0x22, 0x23 -> PropType.U16;
			case 0x02, 0x11, 0x18, 0x27 -> PropType.U32;
			case 0x0B -> PropType.VARINT;
			case 0x03, 0x08, 0x12, 0x15, 0x1A, 0x1C, 0x1F -> PropType.STRING;
			case 0x09, 0x16 -> PropType.BINARY;
			case 0x26 -> PropType.PAIR;
			default -> PropType.UNKNOWN;
		};
	}

	/** The pseudo packet type of a CONNECT's will properties, for {@link #allowedIn}. */
	static final int WILL = 0;

	private static final int IN_WILL = 1 << WILL;
	private static final int IN_CONNECT = 1 << 1;
	private static final int IN_CONNACK = 1 << 2;
	private static final int IN_PUBLISH = 1 << 3;
	private static final int IN_ACKS = 1 << 4 | 1 << 5 | 1 << 6 | 1 << 7;
	private static final int IN_SUBSCRIBE = 1 << 8;
	private static final int IN_SUBACK = 1 << 9;
	private static final int IN_UNSUBACK = 1 << 11;
	private static final int IN_DISCONNECT = 1 << 14;
	private static final int IN_AUTH = 1 << 15;

	/**
	 * The packets property {@code id} may be in (MQTT 5, table 2-4): bit {@code n} for packet
	 * type {@code n}, bit 0 ({@link #WILL}) for a CONNECT's will properties. Anywhere else the
	 * packet is malformed (2.2.2.2): a broker would otherwise pass a PUBLISH's Session Expiry
	 * Interval on to subscribers that refuse it.
	 */
	static int allowedIn(int id) {
		return switch (id) {
			case 0x01, 0x02, 0x03, 0x08, 0x09 -> IN_PUBLISH | IN_WILL;
			case 0x0B -> IN_PUBLISH | IN_SUBSCRIBE;
			case 0x11 -> IN_CONNECT | IN_CONNACK | IN_DISCONNECT;
			case 0x12, 0x13, 0x1A, 0x24, 0x25, 0x28, 0x29, 0x2A -> IN_CONNACK;
			case 0x15, 0x16 -> IN_CONNECT | IN_CONNACK | IN_AUTH;
			case 0x17, 0x19 -> IN_CONNECT;
			case 0x18 -> IN_WILL;
			case 0x1C -> IN_CONNACK | IN_DISCONNECT;
			case 0x1F -> IN_CONNACK | IN_ACKS | IN_SUBACK | IN_UNSUBACK | IN_DISCONNECT | IN_AUTH;
			case 0x21, 0x22, 0x27 -> IN_CONNECT | IN_CONNACK;
			case 0x23 -> IN_PUBLISH;
			case 0x26 -> 0xFFFF;
			default -> 0;
		};
	}

	// ---------------------------------------------------------------- decoding

	/**
	 * The MQTT 5 reason code Protocol Error, for the exceptions of packets that are well formed
	 * but break the protocol; {@code reasonCode()} is -1 for malformed ones (0x81).
	 */
	static final int PROTOCOL_ERROR = 0x82;

	/**
	 * Decodes the byte stream of one connection. {@code fromClient}: the packets a server
	 * receives (CONNECT, SUBSCRIBE, PINGREQ ...) rather than those a client receives
	 * (CONNACK, SUBACK, PINGRESP ...). The version is known up front on the client side and
	 * taken from CONNECT on the server side.
	 */
	static final class Decoder {

		/** The size the buffer starts with, and goes back to after a large packet. */
		static final int INITIAL_BUFFER = 256;
		/**
		 * A buffer grown past this for a large packet is let go once that packet was parsed (and
		 * little of the next one is waiting): kept, every idle connection that once sent a 1 MB
		 * PUBLISH would hold 1 MB for as long as it stays (Mosquitto frees each packet's buffer).
		 */
		static final int RETAINED_BUFFER = 64 * 1024;

		private final boolean fromClient;
		private final int maxPacketSize;
		private volatile @Nullable MqttVersion version;
		/** MQTT 5: the Topic Alias Maximum this side granted the peer, 0 for none. */
		private volatile int topicAliasMaximum;
		/** The topics the peer's Topic Aliases stand for on this connection (decoding thread only). */
		private @Nullable Map<Integer, String> aliases;
		private byte[] buf = new byte[INITIAL_BUFFER];
		private int start;
		private int end;

		Decoder(boolean fromClient, @Nullable MqttVersion version, int maxPacketSize) {
			this.fromClient = fromClient;
			this.version = version;
			this.maxPacketSize = maxPacketSize;
		}

		@Nullable
		MqttVersion version() {
			return version;
		}

		/**
		 * MQTT 5: the peer may send Topic Aliases from 1 to {@code max} (this side's CONNACK or
		 * CONNECT said so); the decoder resolves them. May be called from any thread.
		 */
		void topicAliasMaximum(int max) {
			topicAliasMaximum = max;
		}

		/** The size of the buffer kept for the next packets (for tests). */
		int capacity() {
			return buf.length;
		}

		/** Bytes of an incomplete packet are waiting. */
		boolean hasPartialPacket() {
			return end > start;
		}

		/** Appends received bytes (the buffer's position is not moved). */
		void feed(ByteBuffer data) {
			int n = data.remaining();
			if (end + n > buf.length) {
				int live = end - start;
				if (live + n <= buf.length && start > 0) {
					System.arraycopy(buf, start, buf, 0, live);
				}
				else {
					byte[] bigger = new byte[Math.max(buf.length * 2, live + n)];
					System.arraycopy(buf, start, bigger, 0, live);
					buf = bigger;
				}
				start = 0;
				end = live;
			}
			data.duplicate().get(buf, end, n);
			end += n;
		}

		/**
		 * The next whole packet, or {@code null} until more bytes arrive.
		 * @throws MqttProtocolException if the bytes are not a valid packet
		 */
		@Nullable
		MqttPacket next() {
			int avail = end - start;
			if (avail < 2) {
				return null;
			}
			int first = buf[start] & 0xFF;
			int type = first >>> 4;
			int len = 0;
			int i = 1;
			while (true) {
				if (i > 4) {
					throw new MqttProtocolException("malformed remaining length: more than four bytes");
				}
				if (i >= avail) {
					return null;
				}
				int b = buf[start + i] & 0xFF;
				len |= (b & 0x7F) << 7 * (i - 1);
				i++;
				if ((b & 0x80) == 0) {
					break;
				}
			}
			long total = (long) i + len;
			if (total > maxPacketSize) {
				throw new MqttProtocolException("packet of " + total + " bytes over the limit of " + maxPacketSize + " bytes",
						0x95); // Packet too large (MQTT 5.0 reason code)
			}
			// type and flags are checked before the body arrives: garbage fails at once
			checkType(type, first & 0x0F);
			if (avail < total) {
				return null;
			}
			In in = new In(buf, start + i, start + (int) total);
			start += (int) total;
			if (start == end) {
				start = 0;
				end = 0;
			}
			MqttPacket p = parse(type, first & 0x0F, in);
			if (in.pos != in.limit) {
				throw new MqttProtocolException(name(type) + " has " + (in.limit - in.pos) + " bytes after its last field");
			}
			int live = end - start;
			if (buf.length > RETAINED_BUFFER && live <= INITIAL_BUFFER) {
				// the packet was copied out of the buffer (In copies): back to a small one
				byte[] small = new byte[INITIAL_BUFFER];
				System.arraycopy(buf, start, small, 0, live);
				buf = small;
				start = 0;
				end = live;
			}
			return p;
		}

		private void checkType(int type, int flags) {
			boolean ok = fromClient
					? type == 1 || type >= 3 && type <= 8 || type == 10 || type == 12 || type == 14
					: type >= 2 && type <= 7 || type == 9 || type == 11 || type == 13 || type == 14;
			if (!ok) {
				if (type == 15 && version == MqttVersion.V5) {
					// AUTH without an Authentication Method in CONNECT (4.12): a protocol error
					throw new MqttProtocolException("AUTH without enhanced authentication", PROTOCOL_ERROR);
				}
				if (type == 0 || type == 15) {
					throw new MqttProtocolException("unknown or unsupported packet type " + type);
				}
				throw new MqttProtocolException(name(type) + " is not allowed from the " + (fromClient ? "client" : "server"));
			}
			if (type != 1 && version == null) {
				throw new MqttProtocolException("the first packet must be CONNECT, got " + name(type));
			}
			int expected = type == 6 || type == 8 || type == 10 ? 2 : 0;
			if (type != 3 && flags != expected) {
				throw new MqttProtocolException("wrong fixed-header flags " + flags + " for " + name(type));
			}
		}

		private MqttPacket parse(int type, int flags, In in) {
			boolean v5 = version == MqttVersion.V5;
			switch (type) {
				case 1: {
					if (version != null) {
						throw new MqttProtocolException("second CONNECT on one connection", PROTOCOL_ERROR);
					}
					String proto = in.string("protocol name");
					int level = in.u8();
					MqttVersion v = MqttVersion.ofLevel(level);
					if (!proto.equals("MQTT") || v == null) {
						String what = "unsupported protocol " + LogText.escape(proto) + " level " + level;
						// MQTT with another level, or MQTT 3.1 ("MQIsdp"): a server answers CONNACK 0x01 first
						throw proto.equals("MQTT") || proto.equals("MQIsdp")
								? new UnsupportedProtocolLevelException(what)
								: new MqttProtocolException(what);
					}
					version = v;
					v5 = v == MqttVersion.V5;
					int cf = in.u8();
					if ((cf & 0x01) != 0) {
						throw new MqttProtocolException("CONNECT reserved flag set");
					}
					if (!v5 && (cf & 0xC0) == 0x40) {
						// MQTT-3.1.2-22 (3.1.1 only: MQTT 5 allows a password alone)
						throw new MqttProtocolException("CONNECT with a password but no user name");
					}
					int keepAlive = in.u16();
					MqttProperties props = v5 ? in.properties(1) : MqttProperties.empty();
					String clientId = in.string("client id");
					MqttMessage will = null;
					int willQos = cf >>> 3 & 3;
					if ((cf & 0x04) != 0) {
						if (willQos == 3) {
							throw new MqttProtocolException("will QoS 3");
						}
						MqttProperties willProps = v5 ? in.properties(WILL) : MqttProperties.empty();
						String topic = in.topic();
						// 3.1.3.3, 4.7: the will is published to this topic, so it is a topic name; a
						// wildcard or an empty name would make a PUBLISH that subscribers refuse
						if (topic.isEmpty()) {
							throw new MqttProtocolException("CONNECT with an empty will topic");
						}
						checkNoWildcard(topic, "will topic");
						will = new MqttMessage(topic, in.binary(), willQos, (cf & 0x20) != 0, false, willProps);
					}
					else if (willQos != 0 || (cf & 0x20) != 0) {
						throw new MqttProtocolException("will QoS or retain without a will");
					}
					String user = (cf & 0x80) != 0 ? in.string("user name") : null;
					byte[] pass = (cf & 0x40) != 0 ? in.binary() : null;
					return new MqttPacket.Connect(v, clientId, (cf & 0x02) != 0, keepAlive, user, pass, will, props);
				}
				case 2: {
					int ackFlags = in.u8();
					if ((ackFlags & 0xFE) != 0) {
						throw new MqttProtocolException("CONNACK reserved flags set");
					}
					int code = in.u8();
					if (v5 && code != 0 && in.remaining() == 0) {
						// a 3.1.1-only broker refuses an MQTT 5 CONNECT with its own CONNACK, without
						// properties, return code 1: unsupported protocol version (as libmosquitto reads it)
						return new MqttPacket.ConnAck((ackFlags & 1) != 0, code == 1 ? 0x84 : code, MqttProperties.empty());
					}
					return new MqttPacket.ConnAck((ackFlags & 1) != 0, code, v5 ? in.properties(2) : MqttProperties.empty());
				}
				case 3: {
					int qos = flags >>> 1 & 3;
					if (qos == 3) {
						throw new MqttProtocolException("PUBLISH with QoS 3");
					}
					if (qos == 0 && (flags & 8) != 0) {
						throw new MqttProtocolException("PUBLISH with QoS 0 and DUP set"); // MQTT-3.3.1-2
					}
					String topic = in.topic();
					int id = qos > 0 ? in.packetId() : 0;
					MqttProperties props = v5 ? in.properties(3) : MqttProperties.empty();
					if (fromClient && props.get(MqttProperties.SUBSCRIPTION_IDENTIFIER) != null) {
						throw new MqttProtocolException("PUBLISH from a client with a Subscription Identifier"); // MQTT-3.3.4-6
					}
					checkNoWildcard(topic, "PUBLISH topic");
					if (props.get(MqttProperties.TOPIC_ALIAS) instanceof Integer alias) {
						topic = aliased(topic, alias);
						// an alias means something on this connection only (3.3.2.3.4): the packet
						// carries the topic instead, and a broker that passes the properties on
						// cannot hand a subscriber an alias it never allowed
						props = without(props, MqttProperties.TOPIC_ALIAS);
					}
					if (topic.isEmpty()) {
						throw new MqttProtocolException("PUBLISH with an empty topic and no Topic Alias", PROTOCOL_ERROR);
					}
					byte[] payload = in.rest();
					return new MqttPacket.Publish(id, new MqttMessage(topic, payload, qos, (flags & 1) != 0, (flags & 8) != 0, props));
				}
				case 4, 5, 6, 7: {
					int id = in.packetId();
					int reason = 0;
					MqttProperties props = MqttProperties.empty();
					if (v5 && in.remaining() > 0) {
						reason = in.u8();
						if (in.remaining() > 0) {
							props = in.properties(type);
						}
					}
					return switch (type) {
						case 4 -> new MqttPacket.PubAck(id, reason, props);
						case 5 -> new MqttPacket.PubRec(id, reason, props);
						case 6 -> new MqttPacket.PubRel(id, reason, props);
						default -> new MqttPacket.PubComp(id, reason, props);
					};
				}
				case 8: {
					int id = in.packetId();
					MqttProperties props = v5 ? in.properties(8) : MqttProperties.empty();
					List<MqttPacket.Subscription> subs = new ArrayList<>();
					while (in.remaining() > 0) {
						String filter = in.string("topic filter");
						int options = in.u8();
						// MQTT 5 3.8.3.1: QoS 3, Retain Handling 3 and No Local on a shared
						// subscription are protocol errors, reserved bits make the packet malformed
						if ((options & (v5 ? 0xC0 : 0xFC)) != 0) {
							throw new MqttProtocolException("invalid subscription options " + options + " for " + LogText.escape(filter));
						}
						if ((options & 3) == 3 || (options & 0x30) == 0x30 || (options & 4) != 0 && filter.startsWith("$share/")) {
							throw new MqttProtocolException("invalid subscription options " + options + " for " + LogText.escape(filter),
									PROTOCOL_ERROR);
						}
						try {
							subs.add(new MqttPacket.Subscription(filter, options & 3, options & 0x3C));
						}
						catch (IllegalArgumentException e) {
							throw new MqttProtocolException("SUBSCRIBE: " + LogText.escape(e.getMessage()));
						}
					}
					if (subs.isEmpty()) {
						throw new MqttProtocolException("SUBSCRIBE without a topic filter");
					}
					return new MqttPacket.Subscribe(id, subs, props);
				}
				case 9, 11: {
					int id = in.packetId();
					MqttProperties props = v5 ? in.properties(type) : MqttProperties.empty();
					List<Integer> codes = new ArrayList<>();
					while (in.remaining() > 0) {
						codes.add(in.u8());
					}
					if (type == 9) {
						if (codes.isEmpty()) {
							throw new MqttProtocolException("SUBACK without a return code");
						}
						return new MqttPacket.SubAck(id, codes, props);
					}
					return new MqttPacket.UnsubAck(id, codes, props);
				}
				case 10: {
					int id = in.packetId();
					MqttProperties props = v5 ? in.properties(10) : MqttProperties.empty();
					List<String> filters = new ArrayList<>();
					while (in.remaining() > 0) {
						String filter = in.string("topic filter");
						// MQTT-3.10.3-2: the filters of SUBSCRIBE's rules ('a/#/b' or '' are no filters)
						try {
							MqttTopics.checkFilter(filter);
						}
						catch (IllegalArgumentException e) {
							throw new MqttProtocolException("UNSUBSCRIBE: " + LogText.escape(e.getMessage()));
						}
						filters.add(filter);
					}
					if (filters.isEmpty()) {
						throw new MqttProtocolException("UNSUBSCRIBE without a topic filter");
					}
					return new MqttPacket.Unsubscribe(id, filters, props);
				}
				case 12:
					return new MqttPacket.PingReq();
				case 13:
					return new MqttPacket.PingResp();
				case 14: {
					int reason = 0;
					MqttProperties props = MqttProperties.empty();
					if (v5 && in.remaining() > 0) {
						reason = in.u8();
						if (in.remaining() > 0) {
							props = in.properties(14);
						}
					}
					return new MqttPacket.Disconnect(reason, props);
				}
				default:
					throw new MqttProtocolException("unknown packet type " + type);
			}
		}

		/**
		 * MQTT 5 3.3.2.3.4: the topic of a PUBLISH with Topic Alias {@code alias}. With a topic
		 * the alias stands for it from now on (on this connection); an empty topic is the one
		 * the alias stands for. An alias over the maximum granted is "Topic Alias invalid"
		 * (0x94; 0 was refused with the properties).
		 */
		private String aliased(String topic, int alias) {
			int max = topicAliasMaximum;
			if (alias > max) {
				throw new MqttProtocolException("PUBLISH with Topic Alias " + alias
						+ (max == 0 ? " where no Topic Alias Maximum was granted" : " over the Topic Alias Maximum of " + max), 0x94);
			}
			Map<Integer, String> known = aliases;
			if (topic.isEmpty()) {
				String t = known != null ? known.get(alias) : null;
				if (t == null) {
					throw new MqttProtocolException("PUBLISH with an empty topic and Topic Alias " + alias + ", which stands for no topic yet");
				}
				return t;
			}
			if (known == null) {
				aliases = known = new HashMap<>();
			}
			known.put(alias, topic);
			return topic;
		}
	}

	private static void checkNoWildcard(String topic, String what) {
		if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
			throw new MqttProtocolException(what + " with a wildcard: " + LogText.escape(topic));
		}
	}

	private static MqttProperties without(MqttProperties props, int id) {
		List<MqttProperties.Property> rest = new ArrayList<>(props.list());
		rest.removeIf(p -> p.id() == id);
		return MqttProperties.of(rest);
	}

	static String name(int type) {
		return switch (type) {
			case 1 -> "CONNECT";
			case 2 -> "CONNACK";
			case 3 -> "PUBLISH";
			case 4 -> "PUBACK";
			case 5 -> "PUBREC";
			case 6 -> "PUBREL";
			case 7 -> "PUBCOMP";
			case 8 -> "SUBSCRIBE";
			case 9 -> "SUBACK";
			case 10 -> "UNSUBSCRIBE";
			case 11 -> "UNSUBACK";
			case 12 -> "PINGREQ";
			case 13 -> "PINGRESP";
			case 14 -> "DISCONNECT";
			default -> "type " + type;
		};
	}

	/** A bounded reader over one packet's body: reading past the end is a protocol error. */
	private static final class In {

		private final byte[] b;
		int pos;
		final int limit;

		In(byte[] b, int pos, int limit) {
			this.b = b;
			this.pos = pos;
			this.limit = limit;
		}

		int remaining() {
			return limit - pos;
		}

		private void need(int n, String what) {
			if (n > limit - pos) {
				throw new MqttProtocolException("truncated packet: " + what + " needs " + n + " bytes, " + (limit - pos) + " left");
			}
		}

		int u8() {
			need(1, "a byte");
			return b[pos++] & 0xFF;
		}

		int u16() {
			need(2, "a two-byte integer");
			int v = (b[pos] & 0xFF) << 8 | b[pos + 1] & 0xFF;
			pos += 2;
			return v;
		}

		long u32() {
			need(4, "a four-byte integer");
			long v = (long) u16() << 16;
			return v | u16();
		}

		int packetId() {
			int id = u16();
			if (id == 0) {
				throw new MqttProtocolException("packet identifier 0");
			}
			return id;
		}

		int varint() {
			int v = 0;
			for (int i = 0; i < 4; i++) {
				int x = u8();
				v |= (x & 0x7F) << 7 * i;
				if ((x & 0x80) == 0) {
					return v;
				}
			}
			throw new MqttProtocolException("malformed variable byte integer: more than four bytes");
		}

		byte[] binary() {
			int n = u16();
			need(n, "a field of " + n + " bytes");
			byte[] out = new byte[n];
			System.arraycopy(b, pos, out, 0, n);
			pos += n;
			return out;
		}

		String string(String what) {
			int n = u16();
			need(n, what + " of " + n + " bytes");
			for (int i = pos; i < pos + n; i++) {
				if (b[i] == 0) {
					throw new MqttProtocolException(what + " contains U+0000");
				}
			}
			String s;
			try {
				s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
						.onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, pos, n)).toString();
			}
			catch (CharacterCodingException e) {
				throw new MqttProtocolException(what + " is not valid UTF-8");
			}
			pos += n;
			return s;
		}

		String topic() {
			return string("topic");
		}

		byte[] rest() {
			byte[] out = new byte[limit - pos];
			System.arraycopy(b, pos, out, 0, out.length);
			pos = limit;
			return out;
		}

		/**
		 * The properties of a packet of type {@code packet} ({@link #WILL} for a CONNECT's will
		 * properties), each allowed there and with a value the specification allows.
		 */
		MqttProperties properties(int packet) {
			int len = varint();
			need(len, "properties of " + len + " bytes");
			int end = pos + len;
			List<MqttProperties.Property> list = new ArrayList<>();
			java.util.BitSet seen = new java.util.BitSet();
			In p = new In(b, pos, end);
			while (p.remaining() > 0) {
				int id = p.varint();
				PropType type = propertyType(id);
				String what = "MQTT 5 property 0x" + Integer.toHexString(id);
				if (type == PropType.UNKNOWN) {
					throw new MqttProtocolException("unknown " + what);
				}
				if ((allowedIn(id) & 1 << packet) == 0) {
					throw new MqttProtocolException(what + " is not allowed in " + (packet == WILL ? "will properties" : name(packet)));
				}
				// MQTT 5 2.2.2.2: once each, but User Property, and the Subscription Identifiers
				// of a PUBLISH to a client (one per matching subscription, 3.3.4); a client's
				// PUBLISH may name none, a SUBSCRIBE one (3.8.2.1.2)
				if (seen.get(id) && id != MqttProperties.USER_PROPERTY
						&& !(id == MqttProperties.SUBSCRIPTION_IDENTIFIER && packet == 3)) {
					throw new MqttProtocolException(what + " more than once", PROTOCOL_ERROR);
				}
				seen.set(id);
				Object v = switch (type) {
					case BYTE -> p.u8();
					case U16 -> p.u16();
					case U32 -> p.u32();
					case VARINT -> p.varint();
					case STRING -> p.string("property 0x" + Integer.toHexString(id));
					case BINARY -> p.binary();
					case PAIR -> Map.entry(p.string("user property name"), p.string("user property value"));
					case UNKNOWN -> throw new IllegalStateException();
				};
				checkValue(id, v, what);
				list.add(new MqttProperties.Property(id, v));
			}
			pos = end;
			return MqttProperties.of(list);
		}

		/**
		 * The values the specification calls a protocol error (0x82, not malformed): 0 for a Subscription Identifier
		 * (3.8.2.1.2, 3.3.2.3.8), a Receive Maximum (3.1.2.11.3, 3.2.2.3.3), a Maximum Packet
		 * Size (3.1.2.11.4, 3.2.2.3.6) or a Topic Alias (MQTT-3.3.2-8, "Topic Alias invalid",
		 * 0x94); anything but 0 or 1 for the flags among them (Request Problem and Response
		 * Information, Maximum QoS, Retain, Wildcard, Subscription Identifier and Shared
		 * Subscription Available). A Receive Maximum of 0 would leave the peer's window shut
		 * for good.
		 */
		private static void checkValue(int id, Object v, String what) {
			switch (id) {
				case 0x0B, 0x21, 0x27 -> {
					if (((Number) v).longValue() == 0) {
						throw new MqttProtocolException(what + " of 0", PROTOCOL_ERROR);
					}
				}
				case 0x23 -> {
					if ((Integer) v == 0) {
						throw new MqttProtocolException(what + " of 0", 0x94);
					}
				}
				case 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A -> {
					if ((Integer) v > 1) {
						throw new MqttProtocolException(what + " must be 0 or 1: " + v, PROTOCOL_ERROR);
					}
				}
				default -> {
				}
			}
		}
	}


	/**
	 * A CONNECT for a version of MQTT this side does not speak; a server answers it with
	 * CONNACK return code 0x01 (unacceptable protocol level) before it closes (MQTT 3.1.1,
	 * section 3.1.2.2; the 3.1.1 form, which clients of any version read).
	 */
	static final class UnsupportedProtocolLevelException extends MqttProtocolException {

		private static final long serialVersionUID = 1L;

		UnsupportedProtocolLevelException(String message) {
			super(message);
		}
	}
}
