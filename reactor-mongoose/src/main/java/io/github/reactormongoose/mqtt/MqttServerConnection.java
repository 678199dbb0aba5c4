/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import io.github.reactormongoose.Connection;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One client connection of an {@link MqttServer}: the client's decoded packets and the
 * operations to answer them. Nothing is answered for the handler: CONNACK, SUBACK, PUBACK,
 * PINGRESP and routing are the application's (the broker in {@code examples/} shows all of
 * them).
 */
public interface MqttServerConnection {

	/**
	 * The client's packets, in order, the first one CONNECT. Single subscriber. Reading from
	 * the socket pauses while the subscriber has no demand. Completes when the client closes
	 * the connection; fails with {@link MqttProtocolException} on a malformed packet (the
	 * handler's publisher then fails and the connection is closed at once), after the packets
	 * that came before it in the same read. MQTT 5 Topic Aliases, up to the Topic Alias
	 * Maximum of the CONNACK sent, are resolved: each PUBLISH carries its topic, without the
	 * Topic Alias property. A CONNECT for an MQTT
	 * version other than 3.1.1 and 5 (3.1, or an unknown level) is answered with CONNACK return
	 * code 0x01 (unacceptable protocol level), as the specification asks, and the connection is
	 * closed once it is written (which cancels the handler, as any close does).
	 */
	Flux<MqttPacket> receive();

	/**
	 * Sends a packet, encoded for the version of the client's CONNECT (3.1.1 before it).
	 * Completes once the bytes are in the send buffer (below its high-water mark). May be
	 * called from any thread, for example by the handler of another connection.
	 */
	Mono<Void> send(MqttPacket packet);

	/** The version of the client's CONNECT, {@code null} before it arrived. */
	@Nullable
	MqttVersion version();

	/** The TCP connection: addresses, {@code onClose()}, {@code close()}. */
	Connection connection();
}
