/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * What an MQTT 5 broker says of itself in CONNACK, and its DISCONNECT, against a scripted
 * broker ({@link FakeBroker}) and Mosquitto configured to say it: the client keeps to the
 * broker's limits instead of sending what the broker would disconnect it for.
 */
class MqttClientBrokerLimitsTest extends FakeBrokerTest {

	private static final Duration SHORT = Duration.ofSeconds(3);

	private MqttClient v5() {
		return client().version(MqttVersion.V5);
	}

	private static MqttProperties connAckProps(int... idValue) {
		MqttProperties.Builder b = MqttProperties.builder();
		for (int i = 0; i < idValue.length; i += 2) {
			b.property(idValue[i], idValue[i + 1]);
		}
		return b.build();
	}

	private static void assertRefused(Mono<?> m, int code, String text) {
		assertThatThrownBy(() -> m.block(SHORT)).isInstanceOf(MqttException.class).hasMessageContaining(text)
				.satisfies(e -> assertThat(((MqttException) e).reasonCode()).isEqualTo(code));
	}

	/**
	 * MQTT 5, 3.2.2.3.4/5 and 3.3.1: a QoS over the broker's Maximum QoS, a retained message when
	 * Retain Available is 0, a wildcard or shared subscription the broker said it does not support
	 * fail locally with the reason code the broker would have disconnected with; nothing of them
	 * is sent, and the session goes on (they were sent: the broker's DISCONNECT, and with
	 * reconnect the publish first again on every new connection).
	 */
	@Test
	void whatTheBrokerSaidItDoesNotSupportFailsUnsent() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(v5().reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer,
				new MqttPacket.ConnAck(false, 0, connAckProps(MqttProperties.MAXIMUM_QOS, 1, MqttProperties.RETAIN_AVAILABLE, 0,
						MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 0, MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0)));
		assertRefused(c.publish("q2", "x".getBytes(UTF_8), 2, false), 0x9B, "Maximum QoS of 1");
		assertRefused(c.publish("kept", "x".getBytes(UTF_8), 1, true), 0x9A, "retain");
		assertRefused(c.subscribe("a/+", 1).then(), 0xA2, "wildcard");
		assertRefused(c.subscribe("$share/g/t", 1).then(), 0x9E, "shared");
		// the session is up, and what the broker supports goes out: nothing refused went before it
		c.subscribe("plain/t", 1).subscribe();
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		assertThat(s.subscriptions().get(0).filter()).isEqualTo("plain/t");
		Mono<Void> ok = c.publish("ok", "x".getBytes(UTF_8), 1, false).cache();
		ok.subscribe(null, e -> { });
		MqttPacket.Publish sent = peer.get().read(MqttPacket.Publish.class);
		assertThat(sent.message().topic()).isEqualTo("ok");
		peer.get().send(new MqttPacket.PubAck(sent.packetId(), 0, MqttProperties.empty()));
		ok.block(TIMEOUT);
		assertThat(c.isConnected()).isTrue();
	}

	/**
	 * A kept session's in-flight publishes go out again after a reconnect: one the new CONNACK's
	 * limits rule out fails then, unsent (sent, the broker disconnected, and the client
	 * reconnected and sent it again, about ten times a second), and those behind it go on.
	 */
	@Test
	void anInFlightPublishTheNewConnectionsBrokerRefusesFailsUnsent() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(v5().cleanSession(false).reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		Mono<Void> q2 = c.publish("q2", "x".getBytes(UTF_8), 2, false).cache();
		Mono<Void> kept = c.publish("kept", "x".getBytes(UTF_8), 1, true).cache();
		Mono<Void> ok = c.publish("ok", "x".getBytes(UTF_8), 1, false).cache();
		for (Mono<Void> m : List.of(q2, kept, ok)) {
			m.subscribe(null, e -> { });
			peer.get().read(MqttPacket.Publish.class);
		}
		peer.get().kill();
		try (FakeBroker.Peer second = broker.accept()) {
			second.read(MqttPacket.Connect.class);
			second.send(new MqttPacket.ConnAck(true, 0, connAckProps(MqttProperties.MAXIMUM_QOS, 1, MqttProperties.RETAIN_AVAILABLE, 0)));
			MqttPacket.Publish again = second.read(MqttPacket.Publish.class);
			assertThat(again.message().topic()).isEqualTo("ok");
			assertThat(again.message().duplicate()).isTrue();
			assertRefused(q2, 0x9B, "Maximum QoS");
			assertRefused(kept, 0x9A, "retain");
			second.send(new MqttPacket.PubAck(again.packetId(), 0, MqttProperties.empty()));
			ok.block(TIMEOUT);
			assertThat(c.isConnected()).isTrue();
		}
	}

	/**
	 * Mosquitto with {@code max_qos 1} and {@code retain_available false}: a QoS 2 and a retained
	 * publish fail with 0x9B and 0x9A, and the client stays on its one connection (they were
	 * sent, Mosquitto disconnected, and with reconnect the client went round about ten times a
	 * second sending the QoS 2 publish first, so the QoS 1 publish after them never completed).
	 */
	@Test
	void mosquittoWithMaxQos1AndNoRetainKeepsTheConnection() throws Exception {
		try (MqttBrokers.Broker b = MqttBrokers.mosquittoWith("max_qos 1\nretain_available false\n")) {
			MqttConnection c = b.client().version(MqttVersion.V5).clientId("limits").runOn(loop)
					.reconnect(Duration.ofMillis(100), Duration.ofMillis(500)).connect().block(TIMEOUT);
			AtomicInteger granted = new AtomicInteger();
			CopyOnWriteArrayList<String> got = new CopyOnWriteArrayList<>();
			c.subscribe("lim/#", 1, q -> granted.incrementAndGet()).subscribe(m -> got.add(m.topic()));
			MqttClientInteropTest.await(() -> granted.get() == 1);
			assertRefused(c.publish("lim/q2", "x".getBytes(UTF_8), 2, false), 0x9B, "Maximum QoS of 1");
			assertRefused(c.publish("lim/kept", "x".getBytes(UTF_8), 1, true), 0x9A, "retain");
			c.publish("lim/ok", "x".getBytes(UTF_8), 1, false).block(TIMEOUT);
			MqttClientInteropTest.await(() -> got.contains("lim/ok"));
			assertThat(got).containsExactly("lim/ok");
			assertThat(granted.get()).as("SUBACKs: one per connection").isEqualTo(1);
			assertThat(c.isConnected()).isTrue();
			c.disconnect().block(TIMEOUT);
		}
	}

	/**
	 * MQTT 5, 3.2.2.3.14: the broker's Server Keep Alive replaces the client's, for the PINGREQs
	 * and for finding the broker dead, also when the client asked for none (it was ignored: no
	 * PINGREQ at all here, and the broker, expecting one each second, would drop the client).
	 */
	@Test
	void theBrokersServerKeepAliveIsUsedEvenWhenTheClientAskedForNone() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		long t0 = System.nanoTime();
		MqttConnection c = connect(v5().keepAlive(Duration.ZERO), peer,
				new MqttPacket.ConnAck(false, 0, connAckProps(MqttProperties.SERVER_KEEP_ALIVE, 1)));
		peer.get().socket.setSoTimeout(3000);
		assertThat(peer.get().read()).isInstanceOf(MqttPacket.PingReq.class);
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
		// never answered: dead after about one keep-alive of 1 s, not the client's
		assertThatThrownBy(() -> c.subscribe("t", 0).blockLast(TIMEOUT)).isInstanceOf(MqttException.class)
				.hasMessageContaining("PINGREQ").hasMessageContaining("keep-alive of 1 s");
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3000));
	}

	/** A Server Keep Alive shorter than the client's 60 s: PINGREQs at its pace, answered, the session stays. */
	@Test
	void aShorterServerKeepAliveSetsThePingPace() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(v5().keepAlive(Duration.ofSeconds(60)), peer,
				new MqttPacket.ConnAck(false, 0, connAckProps(MqttProperties.SERVER_KEEP_ALIVE, 2)));
		peer.get().socket.setSoTimeout(3000);
		for (int i = 0; i < 3; i++) {
			assertThat(peer.get().read()).isInstanceOf(MqttPacket.PingReq.class);
			peer.get().send(new MqttPacket.PingResp());
		}
		assertThat(c.isConnected()).isTrue();
	}

	/**
	 * MQTT 5, 4.9: a resumed session's in-flight publishes go out again at most Receive Maximum
	 * (of the new CONNACK) at a time, the rest as acknowledgements come (all five went at once).
	 */
	@Test
	void aResumedSessionResendsNoMoreThanTheNewReceiveMaximum() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(v5().cleanSession(false).reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		List<Mono<Void>> publishes = new ArrayList<>();
		List<Integer> ids = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			Mono<Void> m = c.publish("rm/" + i, "x".getBytes(UTF_8), 1, false).cache();
			m.subscribe(null, e -> { });
			publishes.add(m);
			ids.add(peer.get().read(MqttPacket.Publish.class).packetId());
		}
		peer.get().kill();
		try (FakeBroker.Peer second = broker.accept()) {
			second.read(MqttPacket.Connect.class);
			second.send(new MqttPacket.ConnAck(true, 0, connAckProps(MqttProperties.RECEIVE_MAXIMUM, 2)));
			List<Integer> resent = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				MqttPacket.Publish p = second.read(MqttPacket.Publish.class);
				assertThat(p.message().duplicate()).isTrue();
				resent.add(p.packetId());
			}
			second.socket.setSoTimeout(500);
			assertThatThrownBy(second::read).as("a third publish before an acknowledgement").isInstanceOf(SocketTimeoutException.class);
			second.socket.setSoTimeout(10_000);
			// each acknowledgement lets the next one out, in order
			for (int i = 0; i < 5; i++) {
				second.send(new MqttPacket.PubAck(resent.get(i), 0, MqttProperties.empty()));
				if (i + 2 < 5) {
					MqttPacket.Publish p = second.read(MqttPacket.Publish.class);
					assertThat(p.message().duplicate()).isTrue();
					resent.add(p.packetId());
				}
			}
			assertThat(resent).isEqualTo(ids);
			for (Mono<Void> m : publishes) {
				m.block(TIMEOUT);
			}
		}
	}

	/**
	 * MQTT 5, 3.14.4: after DISCONNECT the broker sends nothing and the client closes the
	 * connection. The session ends at once with the reason code and reason string, and a
	 * PUBLISH behind the DISCONNECT is not delivered (the client read on until the TCP
	 * connection closed, delivering it, and recorded the reason for then).
	 */
	@Test
	void aDisconnectFromTheBrokerEndsTheConnectionAtOnce() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(v5(), peer);
		CopyOnWriteArrayList<String> got = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> error = new AtomicReference<>();
		c.subscribe("t/#", 0).subscribe(m -> got.add(m.topic()), error::set);
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()));
		// the broker keeps the TCP connection open
		peer.get().sendTogether(new MqttPacket.Disconnect(0x98, MqttProperties.builder().reasonString("use another server").build()),
				new MqttPacket.Publish(0, MqttMessage.of("t/after", "x".getBytes(UTF_8), 0, false)));
		MqttClientInteropTest.await(() -> error.get() != null);
		assertThat(error.get()).isInstanceOf(MqttException.class).hasMessageContaining("use another server")
				.satisfies(e -> assertThat(((MqttException) e).reasonCode()).isEqualTo(0x98));
		assertThat(c.isConnected()).isFalse();
		assertThatThrownBy(() -> peer.get().read()).as("the client closed the connection").isInstanceOf(IOException.class);
		assertThat(got).isEmpty();
	}
}
