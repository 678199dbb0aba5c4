/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/**
 * The client's writes leave in batches (one write for the packets of one poll-thread batch),
 * seen in the raw bytes of a scripted broker ({@link FakeBroker}): several packets in one TCP
 * read still decode as separate packets in order, the answers to one read leave together,
 * {@code disconnect()} sends what is queued before DISCONNECT, and what was queued for a lost
 * connection never reaches the next one.
 */
class MqttClientBatchingTest extends FakeBrokerTest {

	private static byte[] payload(int i) {
		return ("m" + i).getBytes(UTF_8);
	}

	@Test
	void publishesQueuedTogetherArriveInOneReadAsSeparatePacketsInOrder() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		// 25 of them QoS 1: all in flight at once
		MqttConnection c = connect(client().maxInflight(100), peer);
		int n = 50;
		List<Mono<Void>> publishes = new CopyOnWriteArrayList<>();
		// subscribed from one task of the poll thread: all are queued for its next drain
		loop.execute(() -> {
			for (int i = 0; i < n; i++) {
				Mono<Void> m = c.publish("t/" + i, payload(i), i % 2, false).cache();
				m.subscribe(null, e -> { });
				publishes.add(m);
			}
		});
		List<MqttPacket> got = peer.get().packetsOfOneRead();
		assertThat(got).as("packets of one TCP read").hasSize(n);
		for (int i = 0; i < n; i++) {
			MqttPacket.Publish p = (MqttPacket.Publish) got.get(i);
			assertThat(p.message().topic()).isEqualTo("t/" + i);
			assertThat(p.message().qos()).isEqualTo(i % 2);
			assertThat(p.message().payloadAsString()).isEqualTo("m" + i);
		}
		// QoS 0 completes once written; QoS 1 waits for its PUBACK
		for (int i = 0; i < n; i += 2) {
			publishes.get(i).block(TIMEOUT);
		}
		assertThat(publishes.get(1).toFuture()).isNotDone();
		List<MqttPacket> acks = new ArrayList<>();
		for (int i = 1; i < n; i += 2) {
			acks.add(new MqttPacket.PubAck(((MqttPacket.Publish) got.get(i)).packetId(), 0, MqttProperties.empty()));
		}
		peer.get().sendTogether(acks.toArray(MqttPacket[]::new));
		for (int i = 1; i < n; i += 2) {
			publishes.get(i).block(TIMEOUT);
		}
	}

	@Test
	void theAnswersToOneReadLeaveTogetherInTheOrderOfTheirPublishes() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		List<String> received = new CopyOnWriteArrayList<>();
		c.subscribe("in/#", 2).subscribe(m -> received.add(m.payloadAsString()));
		FakeBroker.Peer p = peer.get();
		MqttPacket.Subscribe s = p.read(MqttPacket.Subscribe.class);
		p.send(new MqttPacket.SubAck(s.packetId(), List.of(2), MqttProperties.empty()));

		// one write of the broker: QoS 1 and QoS 2 publishes, one QoS 0 among them
		List<MqttPacket> in = new ArrayList<>();
		List<String> expected = new ArrayList<>();
		for (int id = 1; id <= 20; id++) {
			int qos = id == 10 ? 0 : id % 5 == 0 ? 2 : 1;
			in.add(new MqttPacket.Publish(qos == 0 ? 0 : id, MqttMessage.of("in/" + id, payload(id), qos, false)));
			expected.add("m" + id);
		}
		p.sendTogether(in.toArray(MqttPacket[]::new));

		List<MqttPacket> answers = p.packetsOfOneRead();
		assertThat(answers).as("answers in one TCP read").hasSize(19);
		int k = 0;
		for (int id = 1; id <= 20; id++) {
			if (id == 10) {
				continue;
			}
			MqttPacket a = answers.get(k++);
			if (id % 5 == 0) {
				assertThat(a).isInstanceOf(MqttPacket.PubRec.class);
				assertThat(((MqttPacket.PubRec) a).packetId()).isEqualTo(id);
			}
			else {
				assertThat(a).isInstanceOf(MqttPacket.PubAck.class);
				assertThat(((MqttPacket.PubAck) a).packetId()).isEqualTo(id);
			}
		}
		assertThat(received).containsExactlyElementsOf(expected);

		// the PUBRELs of one read get their PUBCOMPs in one write too
		p.sendTogether(new MqttPacket.PubRel(5, 0, MqttProperties.empty()), new MqttPacket.PubRel(15, 0, MqttProperties.empty()),
				new MqttPacket.PubRel(20, 0, MqttProperties.empty()));
		assertThat(p.packetsOfOneRead()).extracting(x -> ((MqttPacket.PubComp) x).packetId()).containsExactly(5, 15, 20);
	}

	@Test
	void disconnectSendsWhatIsQueuedBeforeDisconnectInTheSameWrite() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		int n = 10;
		List<Mono<Void>> publishes = new CopyOnWriteArrayList<>();
		AtomicReference<Mono<Void>> disconnect = new AtomicReference<>();
		loop.execute(() -> {
			for (int i = 0; i < n; i++) {
				Mono<Void> m = c.publish("q", payload(i), 0, false).cache();
				m.subscribe(null, e -> { });
				publishes.add(m);
			}
			// runs after the publishes, before the task that ends their batch
			loop.execute(() -> {
				Mono<Void> d = c.disconnect().cache();
				d.subscribe(null, e -> { });
				disconnect.set(d);
			});
		});
		List<MqttPacket> got = peer.get().packetsOfOneRead();
		assertThat(got).hasSize(n + 1);
		for (int i = 0; i < n; i++) {
			assertThat(((MqttPacket.Publish) got.get(i)).message().payloadAsString()).isEqualTo("m" + i);
		}
		assertThat(got.get(n)).isInstanceOf(MqttPacket.Disconnect.class);
		for (Mono<Void> m : publishes) {
			m.block(TIMEOUT);
		}
		assertThatThrownBy(() -> peer.get().read()).isInstanceOf(IOException.class);
		MqttClientInteropTest.await(() -> disconnect.get() != null);
		disconnect.get().block(TIMEOUT);
	}

	@Test
	void aProtocolErrorDropsTheAnswersQueuedInItsRead() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		List<String> received = new CopyOnWriteArrayList<>();
		AtomicReference<Throwable> error = new AtomicReference<>();
		c.subscribe("e", 1).subscribe(m -> received.add(m.payloadAsString()), error::set);
		FakeBroker.Peer p = peer.get();
		MqttPacket.Subscribe s = p.read(MqttPacket.Subscribe.class);
		p.send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));

		// a good PUBLISH, then an unknown packet type, in one read of the client
		MqttCodec.Out bytes = new MqttCodec.Out(64);
		MqttCodec.encode(new MqttPacket.Publish(7, MqttMessage.of("e", payload(7), 1, false)), MqttVersion.V3_1_1, bytes);
		bytes.write(0x00);
		bytes.write(0x00);
		p.socket.getOutputStream().write(bytes.array(), 0, bytes.size());

		MqttClientInteropTest.await(() -> error.get() != null);
		assertThat(error.get()).isInstanceOf(MqttProtocolException.class).hasMessageContaining("unknown");
		assertThat(received).containsExactly("m7");
		// the PUBACK queued before the error went with the connection: nothing but its end
		assertThatThrownBy(p::read).isInstanceOf(IOException.class);
	}

	@Test
	void qos0PublishesQueuedInTheReadOfAProtocolErrorFailWithItAndAreNotSent() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		peer.get().kill();
		FakeBroker.Peer second = broker.accept();
		try (second) {
			assertThat(second.read()).isInstanceOf(MqttPacket.Connect.class);
			// while reconnecting, publishes wait for CONNACK
			List<Mono<Void>> publishes = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				Mono<Void> m = c.publish("w", payload(i), 0, false).cache();
				m.subscribe(null, e -> { });
				publishes.add(m);
			}
			CompletableFuture<Void> queued = new CompletableFuture<>();
			loop.execute(() -> queued.complete(null));
			queued.get(10, TimeUnit.SECONDS);
			// CONNACK lets them out, into the batch of this read, which ends in an unknown packet
			MqttCodec.Out bytes = new MqttCodec.Out(16);
			MqttCodec.encode(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()), MqttVersion.V3_1_1, bytes);
			bytes.write(0x00);
			bytes.write(0x00);
			second.socket.getOutputStream().write(bytes.array(), 0, bytes.size());
			for (Mono<Void> m : publishes) {
				assertThatThrownBy(() -> m.block(TIMEOUT)).isInstanceOf(MqttProtocolException.class).hasMessageContaining("unknown");
			}
			assertThatThrownBy(second::read).isInstanceOf(IOException.class);
		}
		assertThat(c.onClose().block(TIMEOUT)).isNull();
	}

	@Test
	void aReconnectStartsWithConnectAndNothingWrittenForTheLostConnectionFollows() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().reconnect(Duration.ofMillis(20), Duration.ofMillis(200)), peer);
		// more publishes than one drain of the loop's task queue runs, the broker reset meanwhile
		int n = 10_000;
		Map<Integer, Throwable> failed = new ConcurrentHashMap<>();
		Set<Integer> succeeded = ConcurrentHashMap.newKeySet();
		loop.execute(() -> {
			for (int i = 0; i < n; i++) {
				int index = i;
				c.publish("r", payload(i), 0, false).subscribe(null, e -> failed.put(index, e), () -> succeeded.add(index));
			}
			try {
				peer.get().kill();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});

		try (FakeBroker.Peer second = broker.accept()) {
			assertThat(second.read()).as("the first packet on the new connection").isInstanceOf(MqttPacket.Connect.class);
			// nothing more is sent before CONNACK: what completed (written) or failed (queued,
			// then discarded) by now belonged to the lost connection, and is the first ones
			Set<Integer> lost = new HashSet<>(succeeded);
			lost.addAll(failed.keySet());
			int first = lost.size();
			assertThat(first).as("publishes that went with the lost connection").isPositive().isLessThan(n);
			assertThat(lost).allMatch(i -> i < first);
			assertThat(failed.values()).doesNotContainNull();
			second.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
			// the others follow CONNECT, in order, and none of the lost connection's again
			for (int i = first; i < n; i++) {
				MqttPacket.Publish p = second.read(MqttPacket.Publish.class);
				assertThat(p.message().payloadAsString()).isEqualTo("m" + i);
			}
			MqttClientInteropTest.await(() -> succeeded.size() + failed.size() == n);
			c.disconnect().block(TIMEOUT);
			assertThat(second.read()).isInstanceOf(MqttPacket.Disconnect.class);
		}
	}
}
