/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link MqttClient} against a real broker ({@link MqttBrokers}), with Eclipse Paho as the
 * other client where a second implementation matters. Each subclass names its broker.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class MqttClientInteropTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	MqttBrokers.Broker broker;
	MongooseLoop loop;
	private final List<MqttConnection> connections = new CopyOnWriteArrayList<>();
	private final List<Disposable> disposables = new CopyOnWriteArrayList<>();
	private String testName;

	abstract MqttBrokers.Broker startBroker();

	@BeforeAll
	void startBrokerOnce() {
		broker = startBroker();
	}

	@AfterAll
	void stopBroker() {
		if (broker != null) {
			broker.stop();
		}
	}

	@BeforeEach
	void newLoop(TestInfo info) {
		loop = MongooseLoop.create("mqtt-test");
		testName = info.getTestMethod().orElseThrow().getName() + info.getDisplayName().replaceAll("[^0-9]", "");
	}

	@AfterEach
	void cleanUp() {
		disposables.forEach(Disposable::dispose);
		for (MqttConnection c : connections) {
			c.disconnect().onErrorResume(e -> Mono.empty()).block(TIMEOUT);
		}
		loop.disposeNow(TIMEOUT);
	}

	String topic(String name) {
		return "rmg/" + broker.name() + "/" + testName + "/" + name;
	}

	MqttClient client(String id) {
		return broker.client().clientId(id + "-" + testName).runOn(loop);
	}

	MqttConnection connect(MqttClient client) {
		MqttConnection c;
		try {
			c = client.connect().block(TIMEOUT);
		}
		catch (IllegalStateException timeout) {
			// no CONNACK: what were the threads (ours and the broker's) doing?
			Thread.getAllStackTraces().forEach((t, stack) -> {
				System.err.println("\"" + t.getName() + "\" " + t.getState());
				for (StackTraceElement e : stack) {
					System.err.println("\tat " + e);
				}
			});
			throw timeout;
		}
		connections.add(c);
		broker.afterConnect();
		return c;
	}

	/** Messages of one subscription, collected once the broker granted it. */
	final class Received {

		final LinkedBlockingQueue<MqttMessage> queue = new LinkedBlockingQueue<>();
		final AtomicInteger grants = new AtomicInteger();
		volatile Throwable error;
		volatile boolean completed;

		Received(MqttConnection c, String filter, int qos) throws InterruptedException {
			CountDownLatch granted = new CountDownLatch(1);
			disposables.add(c.subscribe(filter, qos, q -> {
				grants.incrementAndGet();
				granted.countDown();
			}).subscribe(queue::add, e -> error = e, () -> completed = true));
			assertThat(granted.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)).as("SUBACK for " + filter).isTrue();
		}

		MqttMessage take() throws InterruptedException {
			MqttMessage m = queue.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			assertThat(m).as("a message within " + TIMEOUT).isNotNull();
			return m;
		}

		List<String> topicsWithin(Duration d) throws InterruptedException {
			Thread.sleep(d.toMillis());
			List<MqttMessage> all = new ArrayList<>();
			queue.drainTo(all);
			return all.stream().map(MqttMessage::topic).toList();
		}
	}

	@ParameterizedTest(name = "QoS {0}")
	@ValueSource(ints = {0, 1, 2})
	void roundTripAtEachQos(int qos) throws Exception {
		MqttConnection sub = connect(client("sub"));
		MqttConnection pub = connect(client("pub"));
		Received r = new Received(sub, topic("#"), 2);
		byte[] payload = new byte[256];
		for (int i = 0; i < payload.length; i++) {
			payload[i] = (byte) i;
		}
		pub.publish(topic("data"), payload, qos, false).block(TIMEOUT);
		MqttMessage m = r.take();
		assertThat(m.topic()).isEqualTo(topic("data"));
		assertThat(m.payload()).isEqualTo(payload);
		assertThat(m.qos()).isEqualTo(qos);
		assertThat(m.retain()).isFalse();
		assertThat(m.duplicate()).isFalse();
	}

	@Test
	void aRetainedMessageReachesALaterSubscriber() throws Exception {
		MqttConnection pub = connect(client("pub"));
		pub.publish(topic("state"), "on".getBytes(UTF_8), 1, true).block(TIMEOUT);
		MqttConnection sub = connect(client("sub"));
		Received r = new Received(sub, topic("+"), 1);
		MqttMessage m = r.take();
		assertThat(m.topic()).isEqualTo(topic("state"));
		assertThat(m.payloadAsString()).isEqualTo("on");
		// MQTT 3.1.1 §3.3.1.3: RETAIN is set on a message sent for a new subscription;
		// Moquette 0.17 sends it without the flag (seen with this client)
		assertThat(m.retain()).isEqualTo(broker.setsRetainFlag());
		// an empty retained payload clears it
		pub.publish(topic("state"), new byte[0], 1, true).block(TIMEOUT);
	}

	@Test
	void eachSubscriptionGetsOnlyItsMatches() throws Exception {
		MqttConnection sub = connect(client("sub"));
		Received plus = new Received(sub, topic("a/+/c"), 1);
		Received hash = new Received(sub, topic("b/#"), 1);
		Received exact = new Received(sub, topic("x"), 1);
		MqttConnection pub = connect(client("pub"));
		for (String t : List.of("a/1/c", "a/1/d", "b", "b/q/r", "x", "x/y", "a/2/c")) {
			pub.publish(topic(t), t.getBytes(UTF_8), 1, false).block(TIMEOUT);
		}
		// a marker on every filter: once it arrived, everything before it has too
		pub.publish(topic("a/end/c"), new byte[0], 1, false).block(TIMEOUT);
		pub.publish(topic("b/end"), new byte[0], 1, false).block(TIMEOUT);
		pub.publish(topic("x"), "end".getBytes(UTF_8), 1, false).block(TIMEOUT);
		assertThat(until(plus, topic("a/end/c"))).containsExactly(topic("a/1/c"), topic("a/2/c"), topic("a/end/c"));
		assertThat(until(hash, topic("b/end"))).containsExactly(topic("b"), topic("b/q/r"), topic("b/end"));
		List<MqttMessage> x = new ArrayList<>();
		x.add(exact.take());
		x.add(exact.take());
		assertThat(x).extracting(MqttMessage::payloadAsString).containsExactly("x", "end");
	}

	private static List<String> until(Received r, String last) throws InterruptedException {
		List<String> topics = new ArrayList<>();
		while (topics.isEmpty() || !topics.get(topics.size() - 1).equals(last)) {
			topics.add(r.take().topic());
		}
		return topics;
	}

	@Test
	void tenThousandQos1MessagesArriveInOrderWithoutLoss() throws Exception {
		int n = 10_000;
		MqttConnection sub = connect(client("sub"));
		MqttConnection pub = connect(client("pub").maxInflight(100));
		CountDownLatch granted = new CountDownLatch(1);
		Mono<List<Integer>> received = sub.subscribe(topic("seq"), 1, q -> granted.countDown())
				.take(n)
				.map(m -> ByteBuffer.wrap(m.payload()).getInt())
				.collectList()
				.cache();
		disposables.add(received.subscribe());
		assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
		Flux.range(0, n)
				.flatMapSequential(i -> pub.publish(topic("seq"), ByteBuffer.allocate(4).putInt(i).array(), 1, false), 100)
				.then()
				.block(Duration.ofSeconds(60));
		List<Integer> got = received.block(Duration.ofSeconds(60));
		assertThat(got).hasSize(n);
		for (int i = 0; i < n; i++) {
			assertThat(got.get(i)).as("message %d", i).isEqualTo(i);
		}
	}

	@ParameterizedTest(name = "QoS {0}")
	@ValueSource(ints = {1, 2})
	void publishAllDeliversAStreamInOrderWithoutLoss(int qos) throws Exception {
		int n = qos == 2 ? 2_000 : 5_000;
		List<Integer> got = publishAllAndCollect(qos, n);
		assertThat(got).hasSize(n);
		for (int i = 0; i < n; i++) {
			assertThat(got.get(i)).as("message %d", i).isEqualTo(i);
		}
	}

	@Test
	void publishAllAtQos0KeepsTheOrderOfWhatArrives() throws Exception {
		// QoS 0 is at most once: a broker may drop some under load (Moquette does when the
		// subscriber's channel is not writable), but what arrives comes in order, once
		int n = 5_000;
		List<Integer> got = publishAllAndCollect(0, n);
		assertThat(got).isNotEmpty().isSorted().doesNotHaveDuplicates().allSatisfy(i -> assertThat(i).isBetween(0, n - 1));
	}

	/**
	 * Publishes 0..n-1 at {@code qos} with one {@code publishAll}, then a QoS 1 marker (-1), and
	 * returns the numbers the subscriber got before the marker.
	 */
	private List<Integer> publishAllAndCollect(int qos, int n) throws Exception {
		MqttConnection sub = connect(client("sub"));
		MqttConnection pub = connect(client("pub").maxInflight(50));
		CountDownLatch granted = new CountDownLatch(1);
		Mono<List<Integer>> received = sub.subscribe(topic("all"), 2, q -> granted.countDown())
				.map(m -> ByteBuffer.wrap(m.payload()).getInt())
				.takeWhile(i -> i >= 0)
				.collectList()
				.cache();
		disposables.add(received.subscribe());
		assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
		pub.publishAll(Flux.range(0, n).map(i -> MqttMessage.of(topic("all"), ByteBuffer.allocate(4).putInt(i).array(), qos, false)))
				.then(pub.publish(topic("all"), ByteBuffer.allocate(4).putInt(-1).array(), 1, false))
				.block(Duration.ofSeconds(60));
		return received.block(Duration.ofSeconds(60));
	}

	@Test
	void manyQos0PublishesWithAWindowAllComplete() {
		// QoS 0 completes when written: with 100 at a time the send buffer passes its high-water
		// mark and the publishes complete as it drains
		MqttConnection pub = connect(client("pub"));
		Flux.range(0, 20_000).flatMap(i -> pub.publish(topic("q0"), new byte[256], 0, false), 100).then()
				.then(pub.publish(topic("q0"), new byte[1], 1, false))
				.block(Duration.ofSeconds(60));
	}

	@Test
	void theWillIsPublishedWhenAClientIsKilled() throws Exception {
		MqttConnection watcher = connect(client("watcher"));
		Received r = new Received(watcher, topic("status/+"), 1);
		// a client whose socket is reset without DISCONNECT
		try (Socket s = broker.socket()) {
			MqttMessage will = MqttMessage.of(topic("status/dying"), "offline".getBytes(UTF_8), 1, false);
			ByteBuffer connect = MqttCodec.encode(new MqttPacket.Connect(MqttVersion.V3_1_1, "dying-" + testName, true, 30,
					null, null, will, MqttProperties.empty()), MqttVersion.V3_1_1);
			s.getOutputStream().write(connect.array(), connect.arrayOffset() + connect.position(), connect.remaining());
			InputStream in = s.getInputStream();
			s.setSoTimeout(10_000);
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			s.setSoLinger(true, 0);
		}
		MqttMessage m = r.take();
		assertThat(m.topic()).isEqualTo(topic("status/dying"));
		assertThat(m.payloadAsString()).isEqualTo("offline");
	}

	@Test
	void aBrokerRestartReconnectsAndTheSameFluxGoesOn() throws Exception {
		MqttConnection sub = connect(client("sub").reconnect(Duration.ofMillis(50), Duration.ofMillis(400)).keepAlive(Duration.ofSeconds(5)));
		Received r = new Received(sub, topic("t"), 1);
		MqttConnection pub = connect(client("pub"));
		pub.publish(topic("t"), "before".getBytes(UTF_8), 1, false).block(TIMEOUT);
		assertThat(r.take().payloadAsString()).isEqualTo("before");

		broker.stop();
		await(() -> !sub.isConnected());
		// a publish while the broker is down waits for the next connection
		Mono<Void> waiting = sub.publish(topic("t"), "during".getBytes(UTF_8), 1, false).cache();
		disposables.add(waiting.subscribe(null, e -> { }));
		broker.start();
		await(() -> sub.isConnected() && r.grants.get() >= 2);
		waiting.block(TIMEOUT);
		MqttConnection pub2 = connect(client("pub2"));
		pub2.publish(topic("t"), "after".getBytes(UTF_8), 1, false).block(TIMEOUT);
		List<String> got = new ArrayList<>();
		while (!got.contains("after")) {
			got.add(r.take().payloadAsString());
		}
		assertThat(got).containsSubsequence("during", "after");
		assertThat(r.error).isNull();
	}

	static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("condition within " + TIMEOUT).isLessThan(deadline);
			Thread.sleep(10);
		}
	}

	@Test
	void disconnectCompletesSubscriptionsAndLaterPublishesFail() throws Exception {
		MqttConnection c = connect(client("c"));
		Received r = new Received(c, topic("#"), 0);
		c.disconnect().block(TIMEOUT);
		await(() -> r.completed);
		assertThat(c.isConnected()).isFalse();
		assertThat(c.onClose().block(TIMEOUT)).isNull();
		assertThatThrownBy(() -> c.publish(topic("x"), new byte[1], 0, false).block(TIMEOUT))
				.isInstanceOf(ConnectionClosedException.class);
	}

	@Test
	void pahoAndThisClientExchangeMessagesBothWays() throws Exception {
		MqttConnection ours = connect(client("ours"));
		Received r = new Received(ours, topic("from-paho"), 2);
		MqttConnectOptions o = new MqttConnectOptions();
		o.setCleanSession(true);
		org.eclipse.paho.client.mqttv3.MqttClient paho = broker.paho("paho-" + testName, o);
		try {
			paho.connect(o);
			LinkedBlockingQueue<String> pahoGot = new LinkedBlockingQueue<>();
			paho.subscribe(topic("from-ours"), 1, (t, m) -> pahoGot.add(t + "=" + new String(m.getPayload(), UTF_8) + "@" + m.getQos()));
			paho.publish(topic("from-paho"), "hello from paho".getBytes(UTF_8), 2, false);
			MqttMessage m = r.take();
			assertThat(m.payloadAsString()).isEqualTo("hello from paho");
			assertThat(m.qos()).isEqualTo(2);
			ours.publish(topic("from-ours"), "hello from mongoose".getBytes(UTF_8), 1, false).block(TIMEOUT);
			assertThat(pahoGot.poll(10, TimeUnit.SECONDS)).isEqualTo(topic("from-ours") + "=hello from mongoose@1");
			paho.disconnect();
		}
		finally {
			paho.close();
		}
	}
}
