/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reactormongoose.MongooseException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link MqttConnection#publishAll}: demand bounded by the in-flight window, order, and how
 * the publisher's error, the session's end and cancellation reach both sides, seen from a
 * scripted broker ({@link FakeBroker}). The round trips through real brokers are in
 * {@link MqttClientInteropTest}.
 */
class MqttPublishAllTest extends FakeBrokerTest {

	private static MqttMessage message(int i, int qos) {
		return MqttMessage.of("t/" + i, ("m" + i).getBytes(UTF_8), qos, false);
	}

	@Test
	void demandStaysWithinTwiceTheWindowAndRefillsAsAcknowledgementsCome() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().maxInflight(4), peer);
		AtomicLong requested = new AtomicLong();
		AtomicBoolean cancelled = new AtomicBoolean();
		Flux<MqttMessage> endless = Flux.range(0, Integer.MAX_VALUE).map(i -> message(i, 1))
				.doOnRequest(requested::addAndGet).doOnCancel(() -> cancelled.set(true));
		Mono<Void> all = c.publishAll(endless).cache();
		all.subscribe(null, e -> { });

		List<MqttPacket.Publish> first = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			first.add(peer.get().read(MqttPacket.Publish.class));
		}
		assertThat(first).extracting(p -> p.message().topic()).containsExactly("t/0", "t/1", "t/2", "t/3");
		// no acknowledgement yet: 4 in flight, 4 more taken and waiting, nothing else asked for
		Thread.sleep(200);
		assertThat(requested.get()).isEqualTo(8);
		assertThat(peer.get().socket.getInputStream().available()).as("bytes beyond the window").isZero();

		for (MqttPacket.Publish p : first) {
			peer.get().send(new MqttPacket.PubAck(p.packetId(), 0, MqttProperties.empty()));
		}
		for (int i = 4; i < 8; i++) {
			assertThat(peer.get().read(MqttPacket.Publish.class).message().topic()).isEqualTo("t/" + i);
		}
		Thread.sleep(200);
		assertThat(requested.get()).as("asked for again as the four completed").isEqualTo(12);
		assertThat(all.toFuture()).isNotDone();

		all.subscribe().dispose(); // a second subscriber of the cache does not cancel the source
		assertThat(cancelled).isFalse();
	}

	@Test
	void cancellingCancelsThePublisherAndWhatWasTakenStillGoesOut() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().maxInflight(2), peer);
		AtomicBoolean cancelled = new AtomicBoolean();
		var d = c.publishAll(Flux.range(0, 1000).map(i -> message(i, 1)).doOnCancel(() -> cancelled.set(true)))
				.subscribe();
		MqttPacket.Publish p0 = peer.get().read(MqttPacket.Publish.class);
		MqttPacket.Publish p1 = peer.get().read(MqttPacket.Publish.class);
		d.dispose();
		// cancelled on the poll thread, like every request
		MqttClientInteropTest.await(cancelled::get);
		// the two taken beyond the window are still sent when the window opens
		peer.get().send(new MqttPacket.PubAck(p0.packetId(), 0, MqttProperties.empty()));
		peer.get().send(new MqttPacket.PubAck(p1.packetId(), 0, MqttProperties.empty()));
		MqttPacket.Publish p2 = peer.get().read(MqttPacket.Publish.class);
		MqttPacket.Publish p3 = peer.get().read(MqttPacket.Publish.class);
		assertThat(List.of(p2, p3)).extracting(p -> p.message().topic()).containsExactly("t/2", "t/3");
		// and nothing after them: the connection goes on with other publishes
		Mono<Void> later = c.publish("after", new byte[1], 1, false).cache();
		later.subscribe(null, e -> { });
		peer.get().send(new MqttPacket.PubAck(p2.packetId(), 0, MqttProperties.empty()));
		peer.get().send(new MqttPacket.PubAck(p3.packetId(), 0, MqttProperties.empty()));
		MqttPacket.Publish a = peer.get().read(MqttPacket.Publish.class);
		assertThat(a.message().topic()).isEqualTo("after");
		peer.get().send(new MqttPacket.PubAck(a.packetId(), 0, MqttProperties.empty()));
		later.block(TIMEOUT);
	}

	@Test
	void everyRequestAndTheCancelComeFromThePollThreadSoTheyAreSerial() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client().maxInflight(2), peer);
		List<String> threads = new CopyOnWriteArrayList<>();
		String loopThread = Mono.fromCallable(() -> Thread.currentThread().getName())
				.subscribeOn(Schedulers.fromExecutor(loop::execute)).block(TIMEOUT);
		var d = c.publishAll(Flux.range(0, 100).map(i -> message(i, 1))
				.doOnRequest(n -> threads.add("request " + Thread.currentThread().getName()))
				.doOnCancel(() -> threads.add("cancel " + Thread.currentThread().getName())))
				.subscribeOn(Schedulers.boundedElastic())
				.subscribe();
		for (int i = 0; i < 6; i++) {
			MqttPacket.Publish p = peer.get().read(MqttPacket.Publish.class);
			peer.get().send(new MqttPacket.PubAck(p.packetId(), 0, MqttProperties.empty()));
		}
		d.dispose();
		MqttClientInteropTest.await(() -> threads.stream().anyMatch(t -> t.startsWith("cancel")));
		assertThat(threads).hasSizeGreaterThan(2)
				.allSatisfy(t -> assertThat(t).endsWith(" " + loopThread));
	}

	@Test
	void thePublishersErrorFailsItOnceTheMessagesBeforeItCompleted() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		Mono<Void> all = c.publishAll(Flux.concat(Flux.range(0, 3).map(i -> message(i, 1)),
				Flux.error(new IllegalStateException("source failed")))).cache();
		all.subscribe(null, e -> { });
		List<MqttPacket.Publish> got = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			got.add(peer.get().read(MqttPacket.Publish.class));
		}
		Thread.sleep(100);
		assertThat(all.toFuture()).as("waits for the PUBACKs of what was sent").isNotDone();
		for (MqttPacket.Publish p : got) {
			peer.get().send(new MqttPacket.PubAck(p.packetId(), 0, MqttProperties.empty()));
		}
		assertThatThrownBy(() -> all.block(TIMEOUT)).hasMessageContaining("source failed");
	}

	@Test
	void qos0MessagesCompleteWhenWrittenAndTheStreamCompletesWithTheLast() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		int n = 5_000;
		Mono<Void> all = c.publishAll(Flux.range(0, n).map(i -> message(i, 0))).cache();
		all.subscribe(null, e -> { });
		for (int i = 0; i < n; i++) {
			MqttPacket.Publish p = peer.get().read(MqttPacket.Publish.class);
			assertThat(p.message().topic()).isEqualTo("t/" + i);
			assertThat(p.message().qos()).isZero();
		}
		all.block(TIMEOUT);
	}

	@Test
	void anEmptyPublisherCompletesAtOnce() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		c.publishAll(Flux.empty()).block(TIMEOUT);
		assertThatThrownBy(() -> c.publishAll(null)).isInstanceOf(NullPointerException.class);
	}

	@Test
	void theSessionsEndFailsItAndCancelsThePublisher() throws Exception {
		AtomicReference<FakeBroker.Peer> peer = new AtomicReference<>();
		MqttConnection c = connect(client(), peer);
		AtomicBoolean cancelled = new AtomicBoolean();
		Mono<Void> all = c.publishAll(Flux.range(0, 1000).map(i -> message(i, 1)).doOnCancel(() -> cancelled.set(true)))
				.cache();
		all.subscribe(null, e -> { });
		peer.get().read(MqttPacket.Publish.class);
		peer.get().kill();
		// the connection's error (reset by the peer), and no reconnect was asked for
		assertThatThrownBy(() -> all.block(TIMEOUT)).isInstanceOf(MongooseException.class);
		assertThat(cancelled).isTrue();
		c.onClose().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
		// after the end, a new one fails at once
		assertThatThrownBy(() -> c.publishAll(Flux.just(message(0, 0))).block(TIMEOUT))
				.isInstanceOf(MongooseException.class);
	}
}
