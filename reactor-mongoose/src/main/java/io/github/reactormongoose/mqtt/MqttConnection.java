/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.util.function.IntConsumer;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A connected MQTT client session from {@link MqttClient#connect()}. It outlives the TCP
 * connection when {@link MqttClient#reconnect reconnect} is on: publishes wait, and the
 * subscriptions' {@code Flux}es keep going after a reconnect. All methods may be called from
 * any thread; messages and completions are signalled on the loop's poll thread, so do not
 * block in them (see {@code docs/threading-model.md}).
 */
public interface MqttConnection {

	/**
	 * Publishes a message. The {@code Mono} completes when the message is written (QoS 0),
	 * when the broker's PUBACK arrives (QoS 1) or its PUBCOMP (QoS 2); it fails with
	 * {@link MqttException} if an MQTT 5 broker refuses it, and with the connection's error
	 * if the session ends first. At most {@link MqttClient#maxInflight(int) maxInflight} QoS 1
	 * and 2 messages are unacknowledged at once; the rest wait in order. The message is sent
	 * when the {@code Mono} is subscribed; cancelling does not take it back.
	 */
	Mono<Void> publish(String topic, byte[] payload, int qos, boolean retain);

	/** Publishes a prepared message, for example one with MQTT 5 properties. */
	Mono<Void> publish(MqttMessage message);

	/**
	 * Publishes every message of {@code messages}, in order, when the {@code Mono} is
	 * subscribed, and completes when the publisher completed and each message did as for
	 * {@link #publish(MqttMessage)} (written for QoS 0, PUBACK for QoS 1, PUBCOMP for QoS 2).
	 * Demand-driven: it requests at most twice {@link MqttClient#maxInflight(int) maxInflight}
	 * messages ahead of those completed, so a large or endless publisher is not buffered. Fails
	 * with the first message's failure (an MQTT 5 broker's refusal, the session's end) or the
	 * publisher's error, and then cancels the publisher; cancelling the {@code Mono} cancels the
	 * publisher too (messages already taken are still sent). Cheaper per message than a
	 * {@code flatMap} of {@link #publish(MqttMessage)}: no {@code Mono} per message.
	 */
	Mono<Void> publishAll(Publisher<? extends MqttMessage> messages);

	/**
	 * Subscribes to {@code filter} ({@code +} and {@code #} wildcards) with maximum QoS
	 * {@code qos} when the {@code Flux} is subscribed, and emits the messages whose topic
	 * matches it, and only those. Fails with {@link MqttException} if the broker refuses the
	 * subscription (SUBACK 0x80 or more). Cancelling sends UNSUBSCRIBE (unless another
	 * subscription of this connection has the same filter). Demand-driven: while one
	 * subscriber has several messages waiting, the connection stops reading from the socket,
	 * so the broker's window and then TCP hold the rest back (acknowledgements of this
	 * connection's own publishes wait too). Completes on {@link #disconnect()}; fails with
	 * the connection's error.
	 */
	Flux<MqttMessage> subscribe(String filter, int qos);

	/**
	 * Like {@link #subscribe(String, int)}; {@code onGranted} is called on the poll thread
	 * with the granted QoS each time the broker acknowledges the subscription (SUBACK), once
	 * per (re)connection.
	 */
	Flux<MqttMessage> subscribe(String filter, int qos, IntConsumer onGranted);

	/**
	 * Sends DISCONNECT (so the broker drops the will), closes the connection after writing it
	 * and completes; a broker that has not taken it (and what was queued before it) within 10
	 * seconds does not hold the close longer: the connection is closed whatever is left (QoS 0
	 * publishes not yet written fail). The
	 * subscriptions complete; publishes still waiting for their acknowledgement fail with
	 * {@link io.github.reactormongoose.ConnectionClosedException}.
	 */
	Mono<Void> disconnect();

	/** Whether the TCP connection is up and the broker accepted it (false while reconnecting). */
	boolean isConnected();

	/** Completes when the session ended: after {@link #disconnect()} or a final error. */
	Mono<Void> onClose();
}
