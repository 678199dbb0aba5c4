/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A decoded MQTT control packet, one record per packet type. {@link MqttServer} hands the
 * packets of a client to its handler and sends the ones the handler replies with; the same
 * types describe what {@link MqttClient} exchanges. Reason codes are MQTT 5's; with MQTT 3.1.1
 * they are 0 on acknowledgements that carry none, CONNACK's return code, and SUBACK's
 * granted QoS or 0x80. Properties are empty with MQTT 3.1.1.
 */
public sealed interface MqttPacket {

	/** The packet type number of the fixed header (1 CONNECT to 14 DISCONNECT). */
	int type();

	/**
	 * CONNECT. {@code keepAliveSeconds} 0 disables keep-alive; the will's properties are the
	 * will message's properties.
	 */
	record Connect(MqttVersion version, String clientId, boolean cleanSession, int keepAliveSeconds,
			@Nullable String username, byte @Nullable [] password, @Nullable MqttMessage will,
			MqttProperties properties) implements MqttPacket {
		public Connect {
			Objects.requireNonNull(version, "version");
			Objects.requireNonNull(clientId, "clientId");
			Objects.requireNonNull(properties, "properties");
		}

		@Override
		public int type() {
			return 1;
		}
	}

	/** CONNACK: 0 accepts the connection; the session flag says the broker kept a session. */
	record ConnAck(boolean sessionPresent, int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 2;
		}
	}

	/** PUBLISH; {@code packetId} is 0 for QoS 0. */
	record Publish(int packetId, MqttMessage message) implements MqttPacket {
		@Override
		public int type() {
			return 3;
		}
	}

	/** PUBACK: acknowledges a QoS 1 PUBLISH. */
	record PubAck(int packetId, int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 4;
		}
	}

	/** PUBREC: first acknowledgement of a QoS 2 PUBLISH. */
	record PubRec(int packetId, int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 5;
		}
	}

	/** PUBREL: the sender releases a QoS 2 message after PUBREC. */
	record PubRel(int packetId, int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 6;
		}
	}

	/** PUBCOMP: the end of a QoS 2 exchange. */
	record PubComp(int packetId, int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 7;
		}
	}

	/**
	 * One topic filter of a SUBSCRIBE, the maximum QoS asked for and, over MQTT 5, the other
	 * subscription options (bits 2 to 5 of the options byte, 0 over 3.1.1): {@link #noLocal()},
	 * {@link #retainAsPublished()}, {@link #retainHandling()}.
	 */
	record Subscription(String filter, int qos, int options) {
		public Subscription {
			MqttTopics.checkFilter(filter);
			MqttMessage.checkQos(qos);
			if ((options & ~0x3C) != 0 || (options & 0x30) == 0x30) {
				throw new IllegalArgumentException("subscription options must be No Local (4), Retain As Published (8)"
						+ " and Retain Handling 0..2 (bits 4-5): " + options);
			}
		}

		/** A subscription with no options but its QoS. */
		public Subscription(String filter, int qos) {
			this(filter, qos, 0);
		}

		/** MQTT 5: the client's own publishes are not to be sent back to it on this subscription. */
		public boolean noLocal() {
			return (options & 4) != 0;
		}

		/** MQTT 5: forwarded messages keep the RETAIN flag they were published with. */
		public boolean retainAsPublished() {
			return (options & 8) != 0;
		}

		/** MQTT 5: 0 send retained messages at subscribe, 1 only if the subscription is new, 2 never. */
		public int retainHandling() {
			return options >>> 4 & 3;
		}
	}

	/** SUBSCRIBE. */
	record Subscribe(int packetId, List<Subscription> subscriptions, MqttProperties properties) implements MqttPacket {
		public Subscribe {
			subscriptions = List.copyOf(subscriptions);
		}

		@Override
		public int type() {
			return 8;
		}
	}

	/** SUBACK: per filter, the granted QoS (0 to 2) or a failure code (0x80 or more). */
	record SubAck(int packetId, List<Integer> reasonCodes, MqttProperties properties) implements MqttPacket {
		public SubAck {
			reasonCodes = List.copyOf(reasonCodes);
		}

		@Override
		public int type() {
			return 9;
		}
	}

	/** UNSUBSCRIBE. */
	record Unsubscribe(int packetId, List<String> filters, MqttProperties properties) implements MqttPacket {
		public Unsubscribe {
			filters = List.copyOf(filters);
		}

		@Override
		public int type() {
			return 10;
		}
	}

	/** UNSUBACK; the reason codes (one per filter) exist with MQTT 5 only. */
	record UnsubAck(int packetId, List<Integer> reasonCodes, MqttProperties properties) implements MqttPacket {
		public UnsubAck {
			reasonCodes = List.copyOf(reasonCodes);
		}

		@Override
		public int type() {
			return 11;
		}
	}

	/** PINGREQ. */
	record PingReq() implements MqttPacket {
		@Override
		public int type() {
			return 12;
		}
	}

	/** PINGRESP. */
	record PingResp() implements MqttPacket {
		@Override
		public int type() {
			return 13;
		}
	}

	/** DISCONNECT; a reason code other than 0 exists with MQTT 5 only. */
	record Disconnect(int reasonCode, MqttProperties properties) implements MqttPacket {
		@Override
		public int type() {
			return 14;
		}
	}
}
