/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.testing.LoopHold;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;

/**
 * The client's protocol machinery against a scripted broker ({@link FakeBroker}): malformed
 * packets end every stream with a clear error, a silent broker is detected, an unacknowledged
 * publish is sent again with DUP after a reconnect, refusals surface, and a subscriber
 * without demand stops the reading.
 */
class MqttClientProtocolTest extends FakeBrokerTest {

	enum Malformed {
		REMAINING_LENGTH_OVERFLOW("remaining length", 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
		UNKNOWN_TYPE("unknown", 0x00, 0x00),
		TOPIC_WITH_NUL("U+0000", 0x30, 0x05, 0, 3, 'a', 0, 'b'),
		OVERSIZED("over the limit of 256", 0x30, 0x80, 0x04),
		TRUNCATED("truncated", 0x30, 0x10, 0, 1, 't');

		final String message;
		final int[] bytes;

		Malformed(String message, int... bytes) {
			this.message = message;
			this.bytes = bytes;
		}
	}

	@ParameterizedTest
	@EnumSource(Malformed.class)
	void aMalformedPacketFailsEveryStreamOfTheConnection(Malformed bad) throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().maxPacketSize(256).reconnect(Duration.ofMillis(10), Duration.ofMillis(10)), peer);
		AtomicReference<Throwable> subError = new AtomicReference<>();
		c.subscribe("t/#", 1).subscribe(m -> { }, subError::set);
		peer.get().read(MqttPacket.Subscribe.class);
		Mono<Void> publish = c.publish("t/x", "never acknowledged".getBytes(UTF_8), 1, false).cache();
		publish.subscribe(null, e -> { });
		peer.get().read(MqttPacket.Publish.class);

		peer.get().sendRaw(bad.bytes);
		if (bad == Malformed.TRUNCATED) {
			peer.get().close();
		}
		// no reconnect after a protocol error, although reconnect is on
		assertThatThrownBy(() -> publish.block(TIMEOUT)).isInstanceOf(MqttProtocolException.class).hasMessageContaining(bad.message);
		MqttClientInteropTest.await(() -> subError.get() != null);
		assertThat(subError.get()).isInstanceOf(MqttProtocolException.class).hasMessageContaining(bad.message);
		assertThat(c.onClose().block(TIMEOUT)).isNull();
		assertThat(c.isConnected()).isFalse();
		assertThatThrownBy(() -> c.publish("t/y", new byte[0], 0, false).block(TIMEOUT)).isInstanceOf(MqttProtocolException.class);
		assertThatThrownBy(() -> c.subscribe("u", 0).blockFirst(TIMEOUT)).isInstanceOf(MqttProtocolException.class);
	}

	/**
	 * A JVM error thrown by a subscriber's {@code onNext} (Reactor's operators rethrow those, up
	 * to the loop, which closes the connection): the subscription ends with it. It climbed out of
	 * the subscription's sink mid-drain, where the error the session failed the subscription with
	 * afterwards was never delivered: the Flux never ended.
	 */
	@Test
	void aJvmErrorFromASubscribersOnNextEndsItsSubscriptionWithIt() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		CompletableFuture<Throwable> ended = new CompletableFuture<>();
		c.subscribe("t/#", 0).doOnNext(m -> {
			throw new OutOfMemoryError("thrown: by a subscriber");
		}).subscribe(m -> { }, ended::complete, () -> ended.complete(null));
		FakeBroker.Peer p = peer.get();
		MqttPacket.Subscribe sub = p.read(MqttPacket.Subscribe.class);
		p.send(new MqttPacket.SubAck(sub.packetId(), List.of(0), MqttProperties.empty()));
		p.send(new MqttPacket.Publish(0, MqttMessage.of("t/1", "x".getBytes(UTF_8), 0, false)));
		assertThat(ended.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
				.isInstanceOf(OutOfMemoryError.class).hasMessage("thrown: by a subscriber");
	}

	/**
	 * A PINGREQ not answered within the keep-alive k ends the connection about k after it (the
	 * check runs every k/2; one that ran a little early put it off to 1.5 k in a third of the runs).
	 */
	@Test
	void aSilentBrokerIsDetectedByTheKeepAlive() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().keepAlive(Duration.ofSeconds(2)), peer);
		// the broker reads the PINGREQs and never answers
		assertThat(peer.get().read()).isInstanceOf(MqttPacket.PingReq.class);
		long t0 = System.nanoTime();
		assertThatThrownBy(() -> c.subscribe("t", 0).blockLast(TIMEOUT)).isInstanceOf(MqttException.class)
				.hasMessageContaining("PINGREQ");
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(1400), Duration.ofMillis(2800));
	}

	/**
	 * A subscriber that stops requesting holds reading back (documented back-pressure), so a
	 * PINGRESP cannot be read: that is no dead broker. The client keeps sending PINGREQs and the
	 * messages come once it asks again.
	 */
	@Test
	void aSubscriberHoldingReadingBackIsNoDeadBroker() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().keepAlive(Duration.ofSeconds(1)), peer);
		AtomicReference<Subscription> subscription = new AtomicReference<>();
		AtomicLong received = new AtomicLong();
		c.subscribe("held", 0).subscribe(askingForOne(subscription, m -> received.incrementAndGet()));
		FakeBroker.Peer p = peer.get();
		MqttPacket.Subscribe sub = p.read(MqttPacket.Subscribe.class);
		p.send(new MqttPacket.SubAck(sub.packetId(), List.of(0), MqttProperties.empty()));
		MqttPacket[] flood = new MqttPacket[40];
		for (int i = 0; i < flood.length; i++) {
			flood[i] = new MqttPacket.Publish(0, MqttMessage.of("held", new byte[] {(byte) i}, 0, false));
		}
		p.sendTogether(flood);
		// three keep-alives while held back: PINGREQs come, the PINGRESPs wait unread
		for (int i = 0; i < 3; i++) {
			assertThat(p.read()).isInstanceOf(MqttPacket.PingReq.class);
			p.send(new MqttPacket.PingResp());
		}
		assertThat(c.isConnected()).isTrue();
		assertThat(received.get()).isEqualTo(1);
		subscription.get().request(Long.MAX_VALUE);
		MqttClientInteropTest.await(() -> received.get() == flood.length);
		assertThat(c.isConnected()).isTrue();
	}

	/**
	 * MQTT 5, 3.2.2.3.6: a publish larger than the broker's Maximum Packet Size (CONNACK) fails
	 * without being sent (the broker would close the connection, and the publish went out again
	 * after every reconnect, blocking those behind it); the next one goes out.
	 */
	@Test
	void aPublishOverTheBrokersMaximumPacketSizeFailsUnsent() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().version(MqttVersion.V5).reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer,
				new MqttPacket.ConnAck(false, 0, MqttProperties.builder().property(MqttProperties.MAXIMUM_PACKET_SIZE, 100L).build()));
		assertThatThrownBy(() -> c.publish("big", new byte[200], 1, false).block(TIMEOUT)).isInstanceOf(MqttException.class)
				.hasMessageContaining("Maximum Packet Size of 100").satisfies(e -> assertThat(((MqttException) e).reasonCode()).isEqualTo(0x95));
		Mono<Void> small = c.publish("small", "ok".getBytes(UTF_8), 1, false).cache();
		small.subscribe(null, e -> { });
		MqttPacket.Publish sent = peer.get().read(MqttPacket.Publish.class);
		assertThat(sent.message().topic()).isEqualTo("small");
		peer.get().send(new MqttPacket.PubAck(sent.packetId(), 0, MqttProperties.empty()));
		small.block(TIMEOUT);
		assertThat(c.isConnected()).isTrue();
	}

	/** A kept session's filter given up while disconnected is unsubscribed when the session is resumed. */
	@Test
	void aSubscriptionCancelledWhileDisconnectedIsUnsubscribedOnResume() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().cleanSession(false).reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		java.util.concurrent.CountDownLatch granted = new java.util.concurrent.CountDownLatch(2);
		Disposable gone = c.subscribe("cw/t", 1, q -> granted.countDown()).subscribe();
		Disposable kept = c.subscribe("kept/t", 1, q -> granted.countDown()).subscribe();
		for (int i = 0; i < 2; i++) {
			MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
			peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));
		}
		assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
		peer.get().kill();
		gone.dispose();
		Thread.sleep(200); // the cancel reaches the loop while it reconnects
		try (FakeBroker.Peer second = broker.accept()) {
			second.read(MqttPacket.Connect.class);
			second.send(new MqttPacket.ConnAck(true, 0, MqttProperties.empty()));
			MqttPacket.Unsubscribe u = second.read(MqttPacket.Unsubscribe.class);
			assertThat(u.filters()).containsExactly("cw/t");
		}
		kept.dispose();
	}

	/**
	 * MQTT 5: an earlier connection of a kept session may have left a subscription at the broker
	 * whose identifier a new subscription then gets too; its messages do not reach the new one.
	 */
	@Test
	void aMessageWhoseIdentifierIsAnotherFiltersReachesOnlyMatchingSubscriptions() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().version(MqttVersion.V5).cleanSession(false), peer);
		java.util.concurrent.LinkedBlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
		Disposable d = c.subscribe("b/#", 1).subscribe(m -> got.add(m.topic()));
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		Object id = s.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER);
		assertThat(id).isNotNull();
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));
		MqttProperties sameId = MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER, id).build();
		peer.get().send(new MqttPacket.Publish(0, MqttMessage.of("a/x", "for a stale a/#".getBytes(UTF_8), 0, false, sameId)));
		peer.get().send(new MqttPacket.Publish(0, MqttMessage.of("b/y", "for b/#".getBytes(UTF_8), 0, false, sameId)));
		assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("b/y");
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
		d.dispose();
	}

	/** A shared subscription ($share/<group>/<filter>, Mosquitto's over 3.1.1) gets the messages of its filter. */
	@Test
	void aSharedSubscriptionGetsTheMessagesOfItsFilter() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		java.util.concurrent.LinkedBlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
		Disposable d = c.subscribe("$share/g/sh/+", 1).subscribe(m -> got.add(m.topic()));
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));
		peer.get().send(new MqttPacket.Publish(0, MqttMessage.of("sh/t", "shared".getBytes(UTF_8), 0, false)));
		assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("sh/t");
		d.dispose();
	}

	/**
	 * A resumed session's messages come right after CONNACK, before the application can have
	 * subscribed again: they are acknowledged and held for the first subscription that matches
	 * them (they were acknowledged and dropped, so a kept session lost what came while away).
	 */
	@Test
	void aResumedSessionsMessagesWaitForTheirSubscription() throws Exception {
		CompletableFuture<FakeBroker.Peer> accepted = CompletableFuture.supplyAsync(() -> {
			try {
				FakeBroker.Peer p = broker.accept();
				p.read(MqttPacket.Connect.class);
				MqttPacket[] packets = new MqttPacket[4];
				packets[0] = new MqttPacket.ConnAck(true, 0, MqttProperties.empty());
				for (int i = 1; i < packets.length; i++) {
					packets[i] = new MqttPacket.Publish(i, MqttMessage.of("q/" + i, new byte[] {(byte) i}, 1, false));
				}
				p.sendTogether(packets);
				return p;
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		MqttConnection c = client().cleanSession(false).connect().block(TIMEOUT);
		FakeBroker.Peer p = accepted.get(10, TimeUnit.SECONDS);
		for (int i = 1; i <= 3; i++) {
			assertThat(p.read(MqttPacket.PubAck.class).packetId()).isEqualTo(i);
		}
		List<String> topics = c.subscribe("q/#", 1).take(3).map(MqttMessage::topic).collectList().block(TIMEOUT);
		assertThat(topics).containsExactly("q/1", "q/2", "q/3");
		p.close();
	}

	@Test
	void anUnacknowledgedPublishIsSentAgainWithDupAfterAReconnect() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().cleanSession(false).reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		Mono<Void> publish = c.publish("t/dup", "payload".getBytes(UTF_8), 1, false).cache();
		publish.subscribe(null, e -> { });
		MqttPacket.Publish first = peer.get().read(MqttPacket.Publish.class);
		assertThat(first.message().duplicate()).isFalse();
		peer.get().kill();

		try (FakeBroker.Peer second = broker.accept()) {
			MqttPacket.Connect connect = second.read(MqttPacket.Connect.class);
			assertThat(connect.cleanSession()).isFalse();
			second.send(new MqttPacket.ConnAck(true, 0, MqttProperties.empty()));
			MqttPacket.Publish again = second.read(MqttPacket.Publish.class);
			assertThat(again.packetId()).isEqualTo(first.packetId());
			assertThat(again.message().duplicate()).isTrue();
			assertThat(again.message().payloadAsString()).isEqualTo("payload");
			assertThat(publish.toFuture()).isNotDone();
			second.send(new MqttPacket.PubAck(again.packetId(), 0, MqttProperties.empty()));
			publish.block(TIMEOUT);
		}
	}

	/**
	 * A new session (clean) after a reconnect gets the subscriptions back before the in-flight
	 * publishes: a resent publish that matches the client's own subscription is then routed
	 * back to it, as it would have been on the lost connection (the other order lost it, seen
	 * with Moquette when a connection dropped right after the resubscribe).
	 */
	@Test
	void aNewSessionGetsTheSubscriptionsBackBeforeTheResentPublishes() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		c.subscribe("t/#", 1).subscribe();
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));
		Mono<Void> publish = c.publish("t/own", "mine".getBytes(UTF_8), 1, false).cache();
		publish.subscribe(null, e -> { });
		MqttPacket.Publish first = peer.get().read(MqttPacket.Publish.class);
		peer.get().kill(); // no PUBACK

		try (FakeBroker.Peer second = broker.accept()) {
			assertThat(second.read(MqttPacket.Connect.class).cleanSession()).isTrue();
			second.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
			MqttPacket.Subscribe again = second.read(MqttPacket.Subscribe.class);
			assertThat(again.subscriptions()).containsExactly(new MqttPacket.Subscription("t/#", 1));
			MqttPacket.Publish resent = second.read(MqttPacket.Publish.class);
			assertThat(resent.message().payloadAsString()).isEqualTo("mine");
			assertThat(resent.packetId()).isNotEqualTo(again.packetId());
			second.send(new MqttPacket.SubAck(again.packetId(), List.of(1), MqttProperties.empty()));
			second.send(new MqttPacket.PubAck(resent.packetId(), 0, MqttProperties.empty()));
			publish.block(TIMEOUT);
			assertThat(first.packetId()).isEqualTo(resent.packetId());
		}
	}

	/**
	 * A broker that accepts the connection and closes it over one message (aedes over a payload
	 * above its limit, a 3.1.1 broker refusing an unauthorized publish): the message fails after
	 * {@link ClientSession#POISON_LOSSES} connections, the one behind it completes, and the
	 * reconnect delay grows meanwhile (a CONNACK alone is no success). Before, the client
	 * reconnected every 100 ms for ever, sending the refused message first each time.
	 */
	@Test
	void aPublishTheBrokerClosesTheConnectionOverFailsAndThoseBehindItGoOn() throws Exception {
		List<Long> acceptedAt = new CopyOnWriteArrayList<>();
		CompletableFuture<Void> script = CompletableFuture.runAsync(() -> {
			while (true) {
				FakeBroker.Peer p;
				try {
					p = broker.accept();
				}
				catch (IOException closedAtTheEnd) {
					return;
				}
				acceptedAt.add(System.nanoTime());
				try (p) {
					p.handshake(false);
					while (p.read() instanceof MqttPacket.Publish pub && pub.message().payload().length <= 1000) {
						p.send(new MqttPacket.PubAck(pub.packetId(), 0, MqttProperties.empty()));
					}
					// a large PUBLISH: closes the connection (or the client's DISCONNECT at the end)
				}
				catch (IOException clientClosed) {
					// the next connection
				}
			}
		});
		MqttConnection c = client().reconnect(Duration.ofMillis(100), Duration.ofSeconds(5)).connect().block(TIMEOUT);
		Mono<Void> poison = c.publish("t/big", new byte[2000], 1, false).cache();
		Mono<Void> small = c.publish("t/small", "ok".getBytes(UTF_8), 1, false).cache();
		poison.subscribe(null, e -> { });
		small.subscribe(null, e -> { });

		assertThatThrownBy(() -> poison.block(TIMEOUT)).isInstanceOf(MqttException.class)
				.hasMessageContaining("closed the connection each of the 3 times the publish to t/big was sent");
		small.block(TIMEOUT);
		// the first connection, two more the broker closed over it, and the one that took the small one
		assertThat(acceptedAt).hasSize(4);
		// reconnected after 100, 200 and 400 ms (a lower bound: timers never fire early)
		assertThat(TimeUnit.NANOSECONDS.toMillis(acceptedAt.get(3) - acceptedAt.get(0))).isGreaterThanOrEqualTo(650);
		c.disconnect().block(TIMEOUT);
		broker.close();
		script.get(10, TimeUnit.SECONDS);
	}

	@Test
	void qos2BothWaysTracksPacketIdsAndDeliversADuplicateOnce() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		List<String> got = new CopyOnWriteArrayList<>();
		c.subscribe("q2", 2).subscribe(m -> got.add(m.payloadAsString()));
		FakeBroker.Peer p = peer.get();
		MqttPacket.Subscribe s = p.read(MqttPacket.Subscribe.class);
		p.send(new MqttPacket.SubAck(s.packetId(), List.of(2), MqttProperties.empty()));

		// inbound: PUBLISH, the same PUBLISH again with DUP before PUBREL, then PUBREL
		MqttMessage m = MqttMessage.of("q2", "once".getBytes(UTF_8), 2, false);
		p.send(new MqttPacket.Publish(42, m));
		assertThat(p.read(MqttPacket.PubRec.class).packetId()).isEqualTo(42);
		p.send(new MqttPacket.Publish(42, m.with(2, false, true)));
		assertThat(p.read(MqttPacket.PubRec.class).packetId()).isEqualTo(42);
		p.send(new MqttPacket.PubRel(42, 0, MqttProperties.empty()));
		assertThat(p.read(MqttPacket.PubComp.class).packetId()).isEqualTo(42);
		assertThat(got).containsExactly("once");

		// outbound: PUBLISH, PUBREC, PUBREL, PUBCOMP; the Mono completes on PUBCOMP only
		Mono<Void> publish = c.publish("out", new byte[] {1}, 2, false).cache();
		publish.subscribe(null, e -> { });
		MqttPacket.Publish out = p.read(MqttPacket.Publish.class);
		p.send(new MqttPacket.PubRec(out.packetId(), 0, MqttProperties.empty()));
		assertThat(p.read(MqttPacket.PubRel.class).packetId()).isEqualTo(out.packetId());
		assertThat(publish.toFuture()).isNotDone();
		p.send(new MqttPacket.PubComp(out.packetId(), 0, MqttProperties.empty()));
		publish.block(TIMEOUT);
	}

	/**
	 * A 3.1.1-only broker answers an MQTT 5 CONNECT with its own two-byte CONNACK, return code 1:
	 * a refusal for an unsupported protocol version (0x84), not a truncated MQTT 5 CONNACK.
	 */
	@Test
	void a311BrokerRefusingMqtt5IsAnUnsupportedProtocolVersion() throws Exception {
		CompletableFuture<Void> refuse = CompletableFuture.runAsync(() -> {
			try (FakeBroker.Peer p = broker.accept()) {
				assertThat(p.read(MqttPacket.Connect.class).version()).isEqualTo(MqttVersion.V5);
				p.sendRaw(0x20, 0x02, 0x00, 0x01);
				p.read();
			}
			catch (IOException expected) {
				// the client closes
			}
		});
		assertThatThrownBy(() -> client().version(MqttVersion.V5).connect().block(TIMEOUT))
				.isExactlyInstanceOf(MqttException.class).hasMessageContaining("unsupported protocol version")
				.extracting(e -> ((MqttException) e).reasonCode()).isEqualTo(0x84);
		refuse.get(10, TimeUnit.SECONDS);
	}

	/**
	 * MQTT-3.1.3-7: over 3.1.1 an empty client id needs a clean session. connect() fails before
	 * connecting (it waited for a CONNACK before); with a clean session the empty id connects.
	 */
	@Test
	void anEmptyClientIdKeepingItsSessionOver311IsRefusedBeforeConnecting() throws Exception {
		reactor.test.StepVerifier.create(client().clientId("").cleanSession(false).connect())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessageContaining("empty client id needs a clean session"))
				.verify(TIMEOUT);
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().clientId("").cleanSession(true), peer);
		c.disconnect().block(TIMEOUT);
		assertThat(peer.get().read(MqttPacket.Disconnect.class)).isNotNull();
	}

	@Test
	void refusalsAreErrorsWithTheBrokersCode() throws Exception {
		CompletableFuture<Void> refuse = CompletableFuture.runAsync(() -> {
			try (FakeBroker.Peer p = broker.accept()) {
				p.read(MqttPacket.Connect.class);
				p.send(new MqttPacket.ConnAck(false, 5, MqttProperties.empty()));
				p.read();
			}
			catch (IOException expected) {
				// the client closes
			}
		});
		assertThatThrownBy(() -> client().connect().block(TIMEOUT)).isInstanceOf(MqttException.class)
				.hasMessageContaining("not authorized").extracting(e -> ((MqttException) e).reasonCode()).isEqualTo(5);
		refuse.get(10, TimeUnit.SECONDS);

		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		Mono<Void> refused = c.subscribe("secret/#", 1).then().cache();
		refused.subscribe(null, e -> { });
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(0x80), MqttProperties.empty()));
		assertThatThrownBy(() -> refused.block(TIMEOUT)).isInstanceOf(MqttException.class).hasMessageContaining("secret/#");
	}

	@Test
	void cancellingASubscriptionSendsUnsubscribe() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		var d = c.subscribe("a/+", 1).subscribe();
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		assertThat(s.subscriptions()).containsExactly(new MqttPacket.Subscription("a/+", 1));
		d.dispose();
		MqttPacket.Unsubscribe u = peer.get().read(MqttPacket.Unsubscribe.class);
		assertThat(u.filters()).containsExactly("a/+");
	}

	@Test
	void aSubscriberWithoutDemandStopsTheReading() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		int total = 20_000;
		AtomicLong received = new AtomicLong();
		AtomicReference<Subscription> subscription = new AtomicReference<>();
		c.subscribe("flood", 0).subscribe(askingForOne(subscription,
				m -> assertThat(m.payload()[0]).isEqualTo((byte) (received.getAndIncrement() % 127))));
		FakeBroker.Peer p = peer.get();
		p.read(MqttPacket.Subscribe.class);
		byte[] one = new byte[1024];
		AtomicLong written = new AtomicLong();
		CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
			try {
				OutputStream out = p.socket.getOutputStream();
				for (int i = 0; i < total; i++) {
					one[0] = (byte) (i % 127);
					var b = MqttCodec.encode(new MqttPacket.Publish(0, MqttMessage.of("flood", one, 0, false)), MqttVersion.V3_1_1);
					out.write(b.array(), b.arrayOffset(), b.remaining());
					written.incrementAndGet();
				}
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		// one message taken; the broker's writes stall once the socket buffers are full
		long last = -1;
		int stable = 0;
		while (stable < 5) {
			Thread.sleep(100);
			long now = written.get();
			stable = now == last ? stable + 1 : 0;
			last = now;
		}
		assertThat(received.get()).isEqualTo(1);
		assertThat(written.get()).as("messages written while nobody reads").isLessThan(total);
		assertThat(writer).isNotDone();
		// demand releases everything, in order
		subscription.get().request(Long.MAX_VALUE);
		writer.get(30, TimeUnit.SECONDS);
		MqttClientInteropTest.await(() -> received.get() == total);
	}

	@Test
	void disposingTheLoopGracefullySendsDisconnectAndEndsTheSession() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		AtomicReference<Boolean> completed = new AtomicReference<>(false);
		c.subscribe("t", 0).subscribe(m -> { }, e -> { }, () -> completed.set(true));
		peer.get().read(MqttPacket.Subscribe.class);
		// graceful disposal (a zero timeout would close the connections with their output)
		loop.disposeLater(TIMEOUT).subscribe();
		assertThat(peer.get().read()).isInstanceOf(MqttPacket.Disconnect.class);
		assertThat(c.onClose().block(TIMEOUT)).isNull();
		assertThat(completed.get()).isTrue();
	}

	/**
	 * Publishes retried as the loop ends. In the loop's last turn (the one that handles the close
	 * of its only connection), after that turn's tasks, a periodic task publishes 20,000 times:
	 * their tasks run among those the closing loop runs last, fail (the session is over), and
	 * {@code retry(1)} publishes each again from there, on the poll thread. That queued a task on
	 * the loop's closed queue, and the poll thread waited, spinning, for the end of a close that
	 * only it could finish: the loop never ended (a core at 100 %, disposeLater never completed,
	 * and any thread that queued a task on it afterwards spun too). And a task run after the
	 * close that queued another drained the queue again from inside itself, a level deeper for
	 * each such task. Now the drain in progress runs them, and the loop ends.
	 */
	@Test
	void publishesRetriedWhileTheLoopClosesLetTheLoopEnd() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
		java.util.concurrent.atomic.AtomicBoolean published = new java.util.concurrent.atomic.AtomicBoolean();
		c.onClose().subscribe(null, null, () -> closed.set(true)); // on the poll thread, before its timers
		AtomicLong failed = new AtomicLong();
		loop.schedulePeriodically(Duration.ZERO, Duration.ofNanos(1), () -> {
			if (closed.get() && !published.getAndSet(true)) { // the loop's last turn
				for (int i = 0; i < 20_000; i++) {
					c.publish("t", new byte[] {1}, 0, false).retry(1).subscribe(null, e -> failed.incrementAndGet());
				}
			}
		});
		CompletableFuture<Void> done = loop.disposeLater(TIMEOUT).toFuture();
		assertThat(peer.get().read()).isInstanceOf(MqttPacket.Disconnect.class);
		peer.get().close(); // the session's connection closes: the loop's last turn comes
		done.get(10, TimeUnit.SECONDS);
		assertThat(published.get()).isTrue();
		assertThat(failed.get()).as("publishes refused, each after its retry").isEqualTo(20_000);
	}

	@Test
	void aBrokerThatNeverAnswersConnectFailsAfterTheConnectTimeout() throws Exception {
		CompletableFuture<Void> silent = CompletableFuture.runAsync(() -> {
			try (FakeBroker.Peer p = broker.accept()) {
				p.read(MqttPacket.Connect.class);
				p.read();
			}
			catch (IOException expected) {
				// the client gives up and closes
			}
		});
		assertThatThrownBy(() -> client().connectTimeout(Duration.ofMillis(300)).connect().block(TIMEOUT))
				.isInstanceOf(MqttException.class).hasMessageContaining("no CONNACK within 300 ms");
		silent.get(10, TimeUnit.SECONDS);
	}

	/** MQTT 5 with the broker's CONNACK properties {@code connack}; the peer has read CONNECT and answered. */
	private MqttConnection connectV5(MqttProperties connack, AtomicReference<FakeBroker.Peer> peer) throws Exception {
		CompletableFuture<FakeBroker.Peer> accepted = CompletableFuture.supplyAsync(() -> {
			try {
				FakeBroker.Peer p = broker.accept();
				p.read(MqttPacket.Connect.class);
				p.send(new MqttPacket.ConnAck(false, 0, connack));
				return p;
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		MqttConnection c = client().version(MqttVersion.V5).connect().block(TIMEOUT);
		peer.set(accepted.get(10, TimeUnit.SECONDS));
		return c;
	}

	/**
	 * MQTT 5: each filter is subscribed with a Subscription Identifier of its own, and a message
	 * goes to the subscriptions it names (a broker may send one copy per matching subscription,
	 * or one copy naming several); without identifiers, by topic.
	 */
	@Test
	void mqtt5MessagesGoToTheSubscriptionsTheirIdentifiersName() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connectV5(MqttProperties.empty(), peer);
		List<String> hash = new CopyOnWriteArrayList<>();
		List<String> plus = new CopyOnWriteArrayList<>();
		c.subscribe("a/#", 0).subscribe(m -> hash.add(m.payloadAsString()));
		MqttPacket.Subscribe s1 = peer.get().read(MqttPacket.Subscribe.class);
		c.subscribe("a/+", 0).subscribe(m -> plus.add(m.payloadAsString()));
		MqttPacket.Subscribe s2 = peer.get().read(MqttPacket.Subscribe.class);
		Object id1 = s1.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER);
		Object id2 = s2.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER);
		assertThat(id1).isInstanceOf(Integer.class).isNotEqualTo(id2);
		assertThat(id2).isInstanceOf(Integer.class);
		peer.get().send(new MqttPacket.SubAck(s1.packetId(), List.of(0), MqttProperties.empty()));
		peer.get().send(new MqttPacket.SubAck(s2.packetId(), List.of(0), MqttProperties.empty()));
		// one copy per subscription, as Mosquitto sends them
		peer.get().send(publish("a/b", "copies", MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER, id1).build()));
		peer.get().send(publish("a/b", "copies", MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER, id2).build()));
		// one copy naming both
		peer.get().send(publish("a/c", "both", MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER, id1)
				.property(MqttProperties.SUBSCRIPTION_IDENTIFIER, id2).build()));
		// no identifier: by topic
		peer.get().send(publish("a/d/e", "by topic", MqttProperties.empty()));
		peer.get().send(publish("a/z", "end", MqttProperties.empty()));
		MqttClientInteropTest.await(() -> plus.contains("end") && hash.contains("end"));
		assertThat(hash).containsExactly("copies", "both", "by topic", "end");
		assertThat(plus).containsExactly("copies", "both", "end");
		c.disconnect().block(TIMEOUT);
	}

	@Test
	void noSubscriptionIdentifiersWhenTheBrokerHasNone() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connectV5(MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0).build(), peer);
		c.subscribe("a/#", 0).subscribe();
		assertThat(peer.get().read(MqttPacket.Subscribe.class).properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER)).isNull();
		c.disconnect().block(TIMEOUT);
	}

	/**
	 * MQTT 5 3.2.2.3.3: a CONNACK's Receive Maximum of 0 is a protocol error; taken as the
	 * window, it held every QoS 1/2 publish back for ever. A property a PUBLISH may not carry
	 * (table 2-4) fails the session too.
	 */
	@Test
	void mqtt5PropertiesTheBrokerMayNotSendAreProtocolErrors() throws Exception {
		CompletableFuture<Void> refuse = CompletableFuture.runAsync(() -> {
			try (FakeBroker.Peer p = broker.accept()) {
				p.read(MqttPacket.Connect.class);
				p.send(new MqttPacket.ConnAck(false, 0, MqttProperties.builder().property(MqttProperties.RECEIVE_MAXIMUM, 0).build()));
				p.read();
			}
			catch (IOException expected) {
				// the client closes
			}
		});
		assertThatThrownBy(() -> client().version(MqttVersion.V5).connect().block(TIMEOUT)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("0x21 of 0");
		refuse.get(10, TimeUnit.SECONDS);

		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connectV5(MqttProperties.empty(), peer);
		Mono<List<MqttMessage>> sub = c.subscribe("a/#", 0).collectList().cache();
		sub.subscribe(null, e -> { });
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()));
		peer.get().send(publish("a/b", "x", MqttProperties.builder().property(MqttProperties.SESSION_EXPIRY_INTERVAL, 5L).build()));
		assertThatThrownBy(() -> sub.block(TIMEOUT)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("0x11 is not allowed in PUBLISH");
	}

	enum Broken {
		MALFORMED(0x81, "topic contains U+0000", 0x30, 0x05, 0, 3, 'a', 0, 'b'),
		// a 2 MiB PUBLISH announced, over the client's maxPacketSize of 1 MiB (refused from its header)
		PACKET_TOO_LARGE(0x95, "over the limit of 1048576", 0x30, 0x80, 0x80, 0x80, 0x01),
		TOPIC_ALIAS_NOT_GRANTED(0x94, "Topic Alias 3", 0x30, 0x08, 0, 1, 'a', 0x03, 0x23, 0, 3, 'x'),
		AUTH_UNASKED(0x82, "AUTH without enhanced authentication", 0xF0, 0x00),
		// "It is a Protocol Error to include the X more than once" (2.2.2.2 and each property)
		PROPERTY_TWICE(0x82, "0x23 more than once", 0x30, 0x0B, 0, 1, 'a', 0x06, 0x23, 0, 1, 0x23, 0, 1, 'x'),
		SUBSCRIPTION_IDENTIFIER_0(0x82, "0xb of 0", 0x30, 0x07, 0, 1, 'a', 0x02, 0x0B, 0, 'x');

		final int reasonCode;
		final String message;
		final int[] bytes;

		Broken(int reasonCode, String message, int... bytes) {
			this.reasonCode = reasonCode;
			this.message = message;
			this.bytes = bytes;
		}
	}

	/**
	 * MQTT 5, 4.13.1: a client that finds a malformed packet or a protocol error SHOULD send
	 * DISCONNECT with the reason code (0x81, 0x82 or a more specific one) before it closes, so
	 * the broker can log why. It closed without a word, as over 3.1.1, which has no reason
	 * codes. The reason string is the error's message; a broker whose Maximum Packet Size has
	 * no room for it gets the DISCONNECT without it (MQTT-3.14.2-3).
	 */
	@ParameterizedTest
	@EnumSource(Broken.class)
	void anMqtt5ClientSaysWhyWithDisconnectBeforeClosing(Broken bad) throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connectV5(MqttProperties.empty(), peer);
		peer.get().sendRaw(bad.bytes);
		MqttPacket.Disconnect d = peer.get().read(MqttPacket.Disconnect.class);
		assertThat(d.reasonCode()).isEqualTo(bad.reasonCode);
		assertThat(d.properties().reasonString()).contains(bad.message);
		assertThatThrownBy(() -> peer.get().read()).isInstanceOf(IOException.class);
		c.onClose().block(TIMEOUT);
		assertThatThrownBy(() -> c.publish("t", new byte[0], 0, false).block(TIMEOUT)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining(bad.message);

		MqttConnection small = connectV5(MqttProperties.builder().property(MqttProperties.MAXIMUM_PACKET_SIZE, 8L).build(), peer);
		peer.get().sendRaw(bad.bytes);
		d = peer.get().read(MqttPacket.Disconnect.class);
		assertThat(d.reasonCode()).isEqualTo(bad.reasonCode);
		assertThat(d.properties().reasonString()).isNull();
		small.onClose().block(TIMEOUT);

		// MQTT 3.1.1 has no DISCONNECT with a reason: the client just closes
		MqttConnection v3 = connect(client(), peer);
		peer.get().sendRaw(0x30, 0x05, 0, 3, 'a', 0, 'b');
		assertThatThrownBy(() -> peer.get().read()).isInstanceOf(IOException.class).hasMessageContaining("closed");
		v3.onClose().block(TIMEOUT);
		assertThatThrownBy(() -> v3.publish("t", new byte[0], 0, false).block(TIMEOUT)).isInstanceOf(MqttProtocolException.class);
	}

	/**
	 * A broker that reads nothing after CONNECT does not hold the client's close: the DISCONNECT
	 * of {@code disconnect()}, or the one telling an MQTT 5 broker why over a malformed packet,
	 * queued behind 16 MiB of QoS 0 publishes the broker never takes (more than both sockets'
	 * buffers hold), is given {@code DISCONNECT_DRAIN} (10 s) or {@code DISCONNECT_LINGER} (1 s), both lowered here, to go out, then the
	 * TCP connection is closed whatever is left and {@code disconnect()} completes. Before,
	 * {@code disconnect()} waited for its output for good, the connection open.
	 */
	@ParameterizedTest
	@ValueSource(booleans = {false, true})
	void aBrokerThatReadsNothingHoldsTheCloseNoLongerThanTheLinger(boolean overAMalformedPacket) throws Exception {
		Duration linger = Duration.ofMillis(200);
		int idle = openConnections();
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().version(MqttVersion.V5).disconnectLinger(linger), peer);
		assertThat(openConnections()).isEqualTo(idle + 1);
		byte[] payload = new byte[256 * 1024];
		for (int i = 0; i < 64; i++) {
			c.publish("flood", payload, 0, false).subscribe(null, e -> { });
		}
		long t0 = System.nanoTime();
		if (overAMalformedPacket) {
			// the protocol error drops what is still queued in the client: its DISCONNECT waits
			// behind what was handed to the connection only. The publishes are tasks queued on the
			// loop, which could read the malformed packet before running them (the DISCONNECT then
			// went out at once): two tasks run after them first (the second after any flush they queued)
			openConnections();
			openConnections();
			t0 = System.nanoTime();
			peer.get().sendRaw(Broken.MALFORMED.bytes);
			c.onClose().block(TIMEOUT); // the session ends at once, the connection after the linger
		}
		else {
			c.disconnect().block(TIMEOUT);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(linger);
		}
		MqttClientInteropTest.await(() -> openConnections() == idle);
		assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(linger);
	}

	/** The open native connections of the test's loop. */
	private int openConnections() {
		return Mono.<Integer>create(s -> loop.execute(() -> s.success(
				io.github.reactormongoose.internal.loop.LoopAccess.engine(loop).connectionCount()))).block(TIMEOUT);
	}

	/**
	 * A CONNACK value the specification makes a protocol error (a property twice, a Receive
	 * Maximum of 0, a Maximum QoS other than 0 or 1) is answered with DISCONNECT 0x82 (Protocol
	 * Error), not 0x81 (Malformed Packet): the packet is well formed.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"21000521000A", "210000", "2402"})
	void aConnAckPropertyThatIsAProtocolErrorGetsDisconnect0x82(String properties) throws Exception {
		byte[] props = java.util.HexFormat.of().parseHex(properties);
		CompletableFuture<MqttPacket> broker = CompletableFuture.supplyAsync(() -> {
			try (FakeBroker.Peer p = this.broker.accept()) {
				p.read(MqttPacket.Connect.class);
				int[] connack = new int[5 + props.length];
				connack[0] = 0x20;
				connack[1] = 3 + props.length;
				connack[4] = props.length;
				for (int i = 0; i < props.length; i++) {
					connack[5 + i] = props[i] & 0xFF;
				}
				p.sendRaw(connack);
				return p.read();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		assertThatThrownBy(() -> client().version(MqttVersion.V5).connect().block(TIMEOUT)).isInstanceOf(MqttProtocolException.class);
		assertThat(broker.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(MqttPacket.Disconnect.class,
				d -> assertThat(d.reasonCode()).isEqualTo(0x82));
	}

	/**
	 * MQTT 5, 3.7.2.1: a PUBREL for a packet id no QoS 2 message waits under is answered with
	 * PUBCOMP 0x92 (Packet Identifier not found), as MqttBroker answers a client's; it was
	 * answered 0x00 (success), as if the message had been there.
	 */
	@Test
	void anMqtt5PubRelForAnUnknownPacketIdIsAnsweredWith0x92() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		connectV5(MqttProperties.empty(), peer);
		FakeBroker.Peer p = peer.get();
		p.send(new MqttPacket.Publish(5, MqttMessage.of("q", new byte[1], 2, false)));
		assertThat(p.read(MqttPacket.PubRec.class).packetId()).isEqualTo(5);
		p.send(new MqttPacket.PubRel(5, 0, MqttProperties.empty()));
		assertThat(p.read(MqttPacket.PubComp.class)).isEqualTo(new MqttPacket.PubComp(5, 0, MqttProperties.empty()));
		p.send(new MqttPacket.PubRel(5, 0, MqttProperties.empty()));
		assertThat(p.read(MqttPacket.PubComp.class)).isEqualTo(new MqttPacket.PubComp(5, 0x92, MqttProperties.empty()));
		p.send(new MqttPacket.PubRel(9, 0, MqttProperties.empty()));
		assertThat(p.read(MqttPacket.PubComp.class)).isEqualTo(new MqttPacket.PubComp(9, 0x92, MqttProperties.empty()));
	}

	/**
	 * A SUBACK carries one return code per filter of its SUBSCRIBE (3.9.3 in both versions);
	 * the client subscribes one filter at a time, so a SUBACK with another number of codes is a
	 * protocol error: the session ends with MqttProtocolException. The first code was taken as
	 * the grant and the rest ignored. An MQTT 5 broker is told so with DISCONNECT 0x82.
	 */
	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void aSubAckWithAnotherNumberOfCodesThanFiltersIsAProtocolError(MqttVersion version) throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().version(version), peer);
		AtomicReference<Integer> granted = new AtomicReference<>();
		Mono<List<MqttMessage>> sub = c.subscribe("a", 1, granted::set).collectList().cache();
		sub.subscribe(null, e -> { });
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(1, 0x80), MqttProperties.empty()));
		assertThatThrownBy(() -> sub.block(TIMEOUT)).isInstanceOf(MqttProtocolException.class)
				.hasMessageContaining("SUBACK with 2 return codes for a SUBSCRIBE of 1 filter");
		assertThat(granted.get()).isNull();
		if (version == MqttVersion.V5) {
			assertThat(peer.get().read(MqttPacket.Disconnect.class).reasonCode()).isEqualTo(0x82);
		}
		assertThatThrownBy(() -> peer.get().read()).isInstanceOf(IOException.class);
	}

	/**
	 * A PUBLISH that arrives in one read with a malformed packet after it reaches its
	 * subscription before the protocol error: the client handles each packet as it is decoded
	 * (MqttServer, which decoded a whole read first, lost such packets).
	 */
	@Test
	void aPublishBeforeAMalformedPacketInTheSameReadIsDelivered() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		List<String> got = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> error = new AtomicReference<>();
		c.subscribe("t/#", 0).subscribe(m -> got.add(m.payloadAsString()), error::set);
		MqttPacket.Subscribe s = peer.get().read(MqttPacket.Subscribe.class);
		peer.get().send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()));
		// one write: a PUBLISH, then two bytes of an unknown packet type
		peer.get().socket.getOutputStream().write(RawMqtt.concat(RawMqtt.publish("t/a", 0, null, "before"), RawMqtt.bytes(0, 0)));
		MqttClientInteropTest.await(() -> error.get() != null);
		assertThat(got).containsExactly("before");
		assertThat(error.get()).isInstanceOf(MqttProtocolException.class).hasMessageContaining("unknown");
	}

	private static MqttPacket.Publish publish(String topic, String payload, MqttProperties props) {
		return new MqttPacket.Publish(0, new MqttMessage(topic, payload.getBytes(UTF_8), 0, false, false, props));
	}

	/** A subscriber that asks for one message, then for what the test asks through {@code subscription}. */
	private static BaseSubscriber<MqttMessage> askingForOne(AtomicReference<Subscription> subscription,
			java.util.function.Consumer<MqttMessage> onNext) {
		return new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription s) {
				subscription.set(s);
				s.request(1);
			}

			@Override
			protected void hookOnNext(MqttMessage m) {
				onNext.accept(m);
			}
		};
	}

	/**
	 * A connect cancelled (a timeout) just as the CONNACK came: the cancelled sink dropped the
	 * connection unseen, and the session, connected by then, went on with nobody to use or end
	 * it (keep-alive pings for the life of the loop). The order is forced: the loop is held in a
	 * timer while the CONNACK arrives and the cancel is queued, so the CONNACK is read before
	 * the cancel runs. The broker now sees the connection end.
	 */
	@Test
	void aConnectCancelledAsTheConnackCameEndsTheSession() throws Exception {
		java.util.concurrent.CompletableFuture<FakeBroker.Peer> accepted = new java.util.concurrent.CompletableFuture<>();
		java.util.concurrent.CountDownLatch ack = new java.util.concurrent.CountDownLatch(1);
		Thread brokerSide = new Thread(() -> {
			try {
				FakeBroker.Peer p = broker.accept();
				p.read(MqttPacket.Connect.class);
				accepted.complete(p);
				ack.await();
				p.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
			}
			catch (Exception e) {
				accepted.completeExceptionally(e);
			}
		});
		brokerSide.start();
		reactor.core.Disposable connecting = client().keepAlive(Duration.ofSeconds(1)).connect().subscribe();
		FakeBroker.Peer p = accepted.get(10, java.util.concurrent.TimeUnit.SECONDS);
		try (LoopHold hold = LoopHold.hold(loop)) { // the cancel runs after the poll that reads the CONNACK
			ack.countDown();
			brokerSide.join(10_000);
			Thread.sleep(100); // the CONNACK reaches the client's socket
			connecting.dispose();
		}
		// what the client sends now (a DISCONNECT, no PINGREQ) and then the end of the connection
		p.socket.setSoTimeout(5_000);
		java.io.InputStream in = p.socket.getInputStream();
		byte[] b = new byte[64];
		int n;
		java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
		while ((n = in.read(b)) >= 0) { // a SocketTimeoutException here: the session lived on
			got.write(b, 0, n);
		}
		assertThat(got.toByteArray()).as("no PINGREQ (0xc0) from a session nobody has").doesNotContain((byte) 0xc0);
	}

	/**
	 * A URL's port outside 1..65535 is refused where it is given, naming it: the URI parser takes
	 * any number, and the native side cut it to 16 bits, so {@code mqtt://127.0.0.1:<p + 65536>}
	 * reached the broker on port p ({@code MongooseLoop.connect} the same, which now fails its
	 * {@code Mono}). Port 0 names no broker. The broker on port p is reached at p.
	 */
	@Test
	void aUrlPortOutside1To65535IsRefusedNamingIt() throws Exception {
		int port = java.net.URI.create(broker.url()).getPort();
		String wrapped = "mqtt://127.0.0.1:" + (port + 65536);
		assertThatThrownBy(() -> MqttClient.create(wrapped)).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("port " + (port + 65536) + " of " + wrapped + " is not in 1..65535");
		assertThatThrownBy(() -> MqttClient.create("mqtts://localhost:0")).isInstanceOf(IllegalArgumentException.class)
				.hasMessage("port 0 of mqtts://localhost:0 is not in 1..65535");
		reactor.test.StepVerifier.create(loop.connect("tcp://127.0.0.1:" + (port + 65536)))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalArgumentException.class)
						.hasMessage("port " + (port + 65536) + " of tcp://127.0.0.1:" + (port + 65536) + " is not in 1..65535"))
				.verify(TIMEOUT);
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		assertThat(c.isConnected()).isTrue();
		c.disconnect().block(TIMEOUT);
	}
}
