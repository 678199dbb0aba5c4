/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * MQTT 5 properties of a packet, immutable, in the order they were sent. Empty for MQTT 3.1.1.
 * Typed getters cover the properties of PUBLISH, CONNECT and the acknowledgements;
 * {@link #get(int)} reads any by its identifier (an {@code Integer} for byte, two-byte and
 * variable-byte integers, a {@code Long} for four-byte integers, a {@code String}, a
 * {@code byte[]} copy, or for user properties the first pair as a {@code Map.Entry}).
 */
public final class MqttProperties {

	public static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
	public static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
	public static final int CONTENT_TYPE = 0x03;
	public static final int RESPONSE_TOPIC = 0x08;
	public static final int CORRELATION_DATA = 0x09;
	public static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
	public static final int SESSION_EXPIRY_INTERVAL = 0x11;
	public static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
	public static final int SERVER_KEEP_ALIVE = 0x13;
	public static final int AUTHENTICATION_METHOD = 0x15;
	public static final int AUTHENTICATION_DATA = 0x16;
	public static final int REQUEST_PROBLEM_INFORMATION = 0x17;
	public static final int WILL_DELAY_INTERVAL = 0x18;
	public static final int REQUEST_RESPONSE_INFORMATION = 0x19;
	public static final int RESPONSE_INFORMATION = 0x1A;
	public static final int SERVER_REFERENCE = 0x1C;
	public static final int REASON_STRING = 0x1F;
	public static final int RECEIVE_MAXIMUM = 0x21;
	public static final int TOPIC_ALIAS_MAXIMUM = 0x22;
	public static final int TOPIC_ALIAS = 0x23;
	public static final int MAXIMUM_QOS = 0x24;
	public static final int RETAIN_AVAILABLE = 0x25;
	public static final int USER_PROPERTY = 0x26;
	public static final int MAXIMUM_PACKET_SIZE = 0x27;
	public static final int WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28;
	public static final int SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29;
	public static final int SHARED_SUBSCRIPTION_AVAILABLE = 0x2A;

	private static final MqttProperties EMPTY = new MqttProperties(List.of());

	/** One property: its identifier and value (see the class comment for the value types). */
	record Property(int id, Object value) {
	}

	private final List<Property> properties;

	private MqttProperties(List<Property> properties) {
		this.properties = properties;
	}

	/** No properties. */
	public static MqttProperties empty() {
		return EMPTY;
	}

	/** A builder for the properties a client or a broker sends. */
	public static Builder builder() {
		return new Builder(new ArrayList<>());
	}

	/** A builder that starts with these properties. */
	public Builder mutate() {
		return new Builder(new ArrayList<>(properties));
	}

	public boolean isEmpty() {
		return properties.isEmpty();
	}

	List<Property> list() {
		return properties;
	}

	/** The first value of property {@code id}, or {@code null} if absent. */
	public @Nullable Object get(int id) {
		for (Property p : properties) {
			if (p.id() == id) {
				return p.value() instanceof byte[] b ? b.clone() : p.value();
			}
		}
		return null;
	}

	/** User properties (0x26), name and value, in order; a name may repeat. */
	@SuppressWarnings("unchecked")
	public List<Map.Entry<String, String>> userProperties() {
		List<Map.Entry<String, String>> out = new ArrayList<>();
		for (Property p : properties) {
			if (p.id() == USER_PROPERTY) {
				out.add((Map.Entry<String, String>) p.value());
			}
		}
		return Collections.unmodifiableList(out);
	}

	/** The first user property named {@code name}, or {@code null}. */
	public @Nullable String userProperty(String name) {
		for (Map.Entry<String, String> e : userProperties()) {
			if (e.getKey().equals(name)) {
				return e.getValue();
			}
		}
		return null;
	}

	public @Nullable String contentType() {
		return (String) get(CONTENT_TYPE);
	}

	public @Nullable String responseTopic() {
		return (String) get(RESPONSE_TOPIC);
	}

	public byte @Nullable [] correlationData() {
		return (byte[]) get(CORRELATION_DATA);
	}

	/** Message expiry in seconds, or {@code null}. */
	public @Nullable Long messageExpiryInterval() {
		return (Long) get(MESSAGE_EXPIRY_INTERVAL);
	}

	/** 1 when the payload is UTF-8 text, 0 or {@code null} for bytes. */
	public @Nullable Integer payloadFormatIndicator() {
		return (Integer) get(PAYLOAD_FORMAT_INDICATOR);
	}

	public @Nullable String reasonString() {
		return (String) get(REASON_STRING);
	}

	/** The receive maximum (in-flight window) a peer allows, or {@code null}. */
	public @Nullable Integer receiveMaximum() {
		return (Integer) get(RECEIVE_MAXIMUM);
	}

	@Override
	public boolean equals(Object o) {
		if (!(o instanceof MqttProperties other) || other.properties.size() != properties.size()) {
			return false;
		}
		for (int i = 0; i < properties.size(); i++) {
			Property a = properties.get(i);
			Property b = other.properties.get(i);
			if (a.id() != b.id() || !Objects.deepEquals(a.value(), b.value())) {
				return false;
			}
		}
		return true;
	}

	@Override
	public int hashCode() {
		int h = 1;
		for (Property p : properties) {
			h = 31 * h + p.id() * 17 + (p.value() instanceof byte[] b ? Arrays.hashCode(b) : p.value().hashCode());
		}
		return h;
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder("MqttProperties[");
		for (Property p : properties) {
			sb.append(sb.length() > 15 ? ", " : "").append("0x").append(Integer.toHexString(p.id())).append('=')
					.append(p.value() instanceof byte[] b ? b.length + " bytes" : p.value());
		}
		return sb.append(']').toString();
	}

	/** Collects properties; {@link #build()} gives the immutable set. */
	public static final class Builder {

		private final List<Property> list;

		private Builder(List<Property> list) {
			this.list = list;
		}

		public Builder userProperty(String name, String value) {
			list.add(new Property(USER_PROPERTY, Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"))));
			return this;
		}

		public Builder contentType(String contentType) {
			return put(CONTENT_TYPE, Objects.requireNonNull(contentType, "contentType"));
		}

		public Builder responseTopic(String topic) {
			MqttTopics.checkTopic(topic);
			return put(RESPONSE_TOPIC, topic);
		}

		public Builder correlationData(byte[] data) {
			return put(CORRELATION_DATA, data.clone());
		}

		/** Message expiry in seconds, 0 to 4294967295. */
		public Builder messageExpiryInterval(long seconds) {
			if (seconds < 0 || seconds > 0xFFFF_FFFFL) {
				throw new IllegalArgumentException("message expiry out of range: " + seconds);
			}
			return put(MESSAGE_EXPIRY_INTERVAL, seconds);
		}

		/** 1: the payload is UTF-8 text; 0: bytes. */
		public Builder payloadFormatIndicator(int indicator) {
			if (indicator != 0 && indicator != 1) {
				throw new IllegalArgumentException("payload format indicator must be 0 or 1: " + indicator);
			}
			return put(PAYLOAD_FORMAT_INDICATOR, indicator);
		}

		public Builder reasonString(String reason) {
			return put(REASON_STRING, Objects.requireNonNull(reason, "reason"));
		}

		/**
		 * Any property by identifier, with a value of the type the class comment lists
		 * ({@code Map.Entry<String, String>} for a user property). The type is checked when
		 * the packet is encoded.
		 */
		public Builder property(int id, Object value) {
			Objects.requireNonNull(value, "value");
			if (id == USER_PROPERTY) {
				list.add(new Property(id, value));
				return this;
			}
			return put(id, value instanceof byte[] b ? b.clone() : value);
		}

		/**
		 * Removes every property {@code id} (all of them for a user property or a subscription
		 * identifier): for example the Will Delay Interval of a will, which a PUBLISH may not
		 * carry, before a broker publishes it.
		 */
		public Builder remove(int id) {
			list.removeIf(p -> p.id() == id);
			return this;
		}

		private Builder put(int id, Object value) {
			list.removeIf(p -> p.id() == id && id != SUBSCRIPTION_IDENTIFIER);
			list.add(new Property(id, value));
			return this;
		}

		public MqttProperties build() {
			return list.isEmpty() ? EMPTY : new MqttProperties(List.copyOf(list));
		}
	}

	/** Used by the decoder: keeps the order and repeats as received. */
	static MqttProperties of(List<Property> decoded) {
		return decoded.isEmpty() ? EMPTY : new MqttProperties(List.copyOf(decoded));
	}
}
