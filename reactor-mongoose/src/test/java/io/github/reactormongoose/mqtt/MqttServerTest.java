/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static io.github.reactormongoose.mqtt.RawMqtt.bytes;
import static io.github.reactormongoose.mqtt.RawMqtt.concat;
import static io.github.reactormongoose.mqtt.RawMqtt.connect;
import static io.github.reactormongoose.mqtt.RawMqtt.packet;
import static io.github.reactormongoose.mqtt.RawMqtt.props;
import static io.github.reactormongoose.mqtt.RawMqtt.publish;
import static io.github.reactormongoose.mqtt.RawMqtt.str;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link MqttServer} with a handler that echoes each PUBLISH back on {@code echo/TOPIC}: this
 * library's client in both versions, and malformed input from a JDK socket.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
class MqttServerTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	private MongooseLoop loop;
	private DisposableServer server;
	private final LinkedBlockingQueue<Throwable> handlerErrors = new LinkedBlockingQueue<>();
	/** Every packet the handler got, of every connection. */
	private final LinkedBlockingQueue<MqttPacket> received = new LinkedBlockingQueue<>();

	@BeforeEach
	void start() {
		loop = MongooseLoop.create("mqtt-server-test");
		server = MqttServer.create().runOn(loop).maxPacketSize(128)
				.handle(c -> c.receive().doOnNext(received::add).concatMap(p -> answer(c, p)).doOnError(handlerErrors::add).then())
				.bindNow(TIMEOUT);
	}

	private static Mono<Void> answer(MqttServerConnection c, MqttPacket p) {
		if (p instanceof MqttPacket.Connect) {
			return c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.Subscribe s) {
			return c.send(new MqttPacket.SubAck(s.packetId(), List.of(1), MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.Publish pub) {
			MqttMessage m = pub.message();
			MqttMessage echo = MqttMessage.of("echo/" + m.topic(), m.payload(), Math.min(m.qos(), 1), false, m.properties());
			Mono<Void> back = c.send(new MqttPacket.Publish(echo.qos() > 0 ? 1 : 0, echo));
			return m.qos() == 1 ? c.send(new MqttPacket.PubAck(pub.packetId(), 0, MqttProperties.empty())).then(back) : back;
		}
		if (p instanceof MqttPacket.PingReq) {
			return c.send(new MqttPacket.PingResp());
		}
		return Mono.empty();
	}

	@AfterEach
	void stop() {
		server.disposeNow(TIMEOUT);
		loop.disposeNow(TIMEOUT);
	}

	/**
	 * A session that ended is not kept by its timers. The connect timeout and the keep-alive
	 * timer are cancelled when it ends, and a cancelled loop timer held its task (and through it
	 * the session, its subscriptions and held messages) until its deadline: an hour here, 30 s
	 * by default. The example broker's per-delivery stall timer kept every routed message for a
	 * second the same way, about 70 MB of live heap at 50,000 messages of 1 KB a second.
	 */
	@Test
	void aSessionThatEndedIsNotKeptByItsCancelledTimers() throws Exception {
		MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + server.port()).runOn(loop)
				.connectTimeout(Duration.ofHours(1)).keepAlive(Duration.ofHours(1)).connect().block(TIMEOUT);
		c.disconnect().block(TIMEOUT);
		WeakReference<MqttConnection> session = new WeakReference<>(c);
		c = null;
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (session.get() != null && System.nanoTime() < deadline) {
			System.gc();
			Thread.onSpinWait();
		}
		assertThat(session.get()).as("the session after disconnect(), once collectable").isNull();
	}

	/**
	 * A kept session's messages that match no subscription yet are held for a later one: the
	 * 1,000 newest at most, and now no more than 16 MiB of payload. By count alone, a broker
	 * that had queued 200 messages of 1 MB for the session (Mosquitto's default queue is 1,000
	 * messages, any size) left 202 MB of live heap in the client before it subscribed, and
	 * an OutOfMemoryError on the poll thread with -Xmx128m.
	 */
	@Test
	void aKeptSessionHoldsAtMost16MiBOfMessagesForALaterSubscription() throws Exception {
		DisposableServer kept = MqttServer.create().runOn(loop).handle(c -> c.receive().concatMap(p -> {
			if (p instanceof MqttPacket.Connect) {
				// the session was kept: what the broker queued for it comes right after CONNACK
				return c.send(new MqttPacket.ConnAck(true, 0, MqttProperties.empty()))
						.thenMany(Flux.range(0, 20).concatMap(i -> c.send(new MqttPacket.Publish(0,
								MqttMessage.of("held/" + i, new byte[1_000_000], 0, false)))))
						.then();
			}
			if (p instanceof MqttPacket.Subscribe s) {
				// SUBACK comes after every PUBLISH sent before it; then one more message
				return c.send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()))
						.then(c.send(new MqttPacket.Publish(0, MqttMessage.of("held/end", new byte[1], 0, false))));
			}
			return Mono.empty();
		}).then()).bindNow(TIMEOUT);
		try {
			MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + kept.port()).runOn(loop).clientId("kept")
					.cleanSession(false).connect().block(TIMEOUT);
			CountDownLatch synced = new CountDownLatch(1);
			c.subscribe("sync", 0, granted -> synced.countDown()).subscribe();
			assertThat(synced.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("SUBACK of sync, after the 20 held").isTrue();

			List<String> got = c.subscribe("held/#", 0).takeUntil(m -> m.topic().equals("held/end"))
					.map(MqttMessage::topic).collectList().block(TIMEOUT);
			c.disconnect().block(TIMEOUT);

			// 16 of 1,000,000 bytes fit in 16 MiB, 17 do not: the oldest 4 were dropped
			List<String> expected = new java.util.ArrayList<>();
			for (int i = 4; i < 20; i++) {
				expected.add("held/" + i);
			}
			expected.add("held/end");
			assertThat(got).isEqualTo(expected);
		}
		finally {
			kept.disposeNow(TIMEOUT);
		}
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void theClientTalksToAHandlerInEitherVersion(MqttVersion v) throws Exception {
		MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + server.port()).version(v).runOn(loop).connect().block(TIMEOUT);
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			c.subscribe("echo/#", 1).subscribe(got::add);
			MqttProperties props = v == MqttVersion.V5 ? MqttProperties.builder().userProperty("k", "v").build() : MqttProperties.empty();
			c.publish(MqttMessage.of("t", "ping".getBytes(UTF_8), 1, false, props)).block(TIMEOUT);
			MqttMessage m = got.poll(10, TimeUnit.SECONDS);
			assertThat(m).isNotNull();
			assertThat(m.topic()).isEqualTo("echo/t");
			assertThat(m.payloadAsString()).isEqualTo("ping");
			assertThat(m.properties().userProperties()).isEqualTo(v == MqttVersion.V5 ? List.of(Map.entry("k", "v")) : List.of());
		}
		finally {
			c.disconnect().block(TIMEOUT);
		}
	}

	/**
	 * MQTT 5 3.1.2.11.4 ([MQTT-3.1.2-24], -25): a packet over the client's Maximum Packet Size (its
	 * CONNECT says it) is never sent; the send fails with MqttException 0x95 and the connection
	 * goes on. It was sent, and a client that keeps to its limit closes the connection on it.
	 */
	@Test
	void aPacketOverTheClientsMaximumPacketSizeIsNotSent() throws Exception {
		List<Throwable> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
		DisposableServer limited = MqttServer.create().runOn(loop).handle(c -> c.receive().concatMap(p -> {
			if (p instanceof MqttPacket.Subscribe s) {
				return c.send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()))
						.then(c.send(new MqttPacket.Publish(0, MqttMessage.of("t/big", new byte[200], 0, false)))
								.onErrorResume(e -> Mono.fromRunnable(() -> refused.add(e))))
						.then(c.send(new MqttPacket.Publish(0, MqttMessage.of("t/small", new byte[10], 0, false))));
			}
			return answer(c, p);
		}).then()).bindNow(TIMEOUT);
		try {
			MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + limited.port()).version(MqttVersion.V5)
					.maxPacketSize(100).runOn(loop).connect().block(TIMEOUT);
			MqttMessage first = c.subscribe("t/#", 0).blockFirst(TIMEOUT);
			assertThat(first.topic()).isEqualTo("t/small");
			assertThat(c.isConnected()).isTrue();
			assertThat(refused).singleElement().satisfies(e -> assertThat(e).isInstanceOf(MqttException.class)
					.hasMessageContaining("over the client's Maximum Packet Size of 100 bytes"));
			assertThat(((MqttException) refused.get(0)).reasonCode()).isEqualTo(0x95);
			c.disconnect().block(TIMEOUT);
		}
		finally {
			limited.disposeNow(TIMEOUT);
		}
	}

	/**
	 * A string with a lone surrogate has no UTF-8 form (MQTT 3.1.1 1.5.3, 5.0 1.5.4): client id,
	 * user name, will, topic, filter and property values are refused with
	 * IllegalArgumentException, on the client and on the server, instead of going out with '?'.
	 */
	@Test
	void stringsWithALoneSurrogateAreRefusedNotSentAsQuestionMarks() throws Exception {
		List<Throwable> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
		MqttProperties bad = MqttProperties.builder().userProperty("k", "v\uD800").build();
		DisposableServer strict = MqttServer.create().runOn(loop).handle(c -> c.receive().doOnNext(received::add).concatMap(p -> {
			if (p instanceof MqttPacket.Subscribe s) {
				return c.send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()))
						.then(c.send(new MqttPacket.Publish(0, MqttMessage.of("t/bad", new byte[1], 0, false, bad)))
								.onErrorResume(e -> Mono.fromRunnable(() -> refused.add(e))))
						.then(c.send(new MqttPacket.Publish(0, MqttMessage.of("t/good", new byte[1], 0, false))));
			}
			return answer(c, p);
		}).then()).bindNow(TIMEOUT);
		try {
			MqttClient client = MqttClient.create("mqtt://127.0.0.1:" + strict.port()).version(MqttVersion.V5).runOn(loop);
			org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> client.clientId("c\uD800"))
					.withMessageContaining("lone surrogate");
			org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
					.isThrownBy(() -> client.credentials("u\uDC00", new byte[0]));
			org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
					.isThrownBy(() -> client.will("w/\uD800", new byte[0], 0, false));
			MqttTopics.checkTopic("t/\uD83D\uDE00"); // a pair is one character, U+1F600
			MqttConnection c = client.connect().block(TIMEOUT);
			reactor.test.StepVerifier.create(c.publish("t/\uD800x", new byte[1], 1, false))
					.expectError(IllegalArgumentException.class).verify(TIMEOUT);
			reactor.test.StepVerifier.create(c.publish(MqttMessage.of("t/ok", new byte[1], 1, false, bad)))
					.expectError(IllegalArgumentException.class).verify(TIMEOUT);
			reactor.test.StepVerifier.create(c.subscribe("t/\uDC00/#", 0))
					.expectError(IllegalArgumentException.class).verify(TIMEOUT);
			// the server's publish with the bad property fails unsent, the next one arrives
			MqttMessage first = c.subscribe("t/#", 0).blockFirst(TIMEOUT);
			assertThat(first.topic()).isEqualTo("t/good");
			assertThat(refused).singleElement().isInstanceOf(IllegalArgumentException.class);
			assertThat(received).noneMatch(p -> p instanceof MqttPacket.Publish);
			c.disconnect().block(TIMEOUT);
		}
		finally {
			strict.disposeNow(TIMEOUT);
		}
	}

	@Test
	void wiretapsOfClientAndServerShowTheMqttPackets() throws Exception {
		try (io.github.reactormongoose.testing.LogCapture log =
				io.github.reactormongoose.testing.LogCapture.allLevels("wire.mqtt")) {
			DisposableServer tapped = MqttServer.create().runOn(loop)
					.wiretap("wire.mqtt", io.github.reactormongoose.logging.LogLevel.DEBUG)
					.handle(c -> c.receive().concatMap(p -> answer(c, p)).then())
					.bindNow(TIMEOUT);
			try {
				MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + tapped.port()).clientId("tapped").runOn(loop)
						.wiretap("wire.mqtt", io.github.reactormongoose.logging.LogLevel.DEBUG).connect().block(TIMEOUT);
				c.disconnect().block(TIMEOUT);
				long deadline = System.nanoTime() + TIMEOUT.toNanos();
				while (log.lines().stream().filter(l -> l.contains("] INACTIVE")).count() < 2 && System.nanoTime() < deadline) {
					Thread.sleep(10);
				}
				String server = ":" + tapped.port() + " - R:";
				String client = " - R:/127.0.0.1:" + tapped.port() + "]";
				// CONNECT (0x10, protocol name MQTT, the client id "tapped", 6 bytes) out of the client and into the server;
				// CONNACK (20 02 00 00) the other way; then DISCONNECT (e0 00)
				assertThat(log.lines()).anyMatch(l -> l.contains(client + " WRITE: ") && l.contains("|00000000| 10 ")
						&& l.contains("..MQTT") && l.contains("00 06 74 61 |"));
				assertThat(log.lines()).anyMatch(l -> l.contains(server) && l.contains(" READ: ") && l.contains("|00000000| 10 "));
				assertThat(log.lines()).anyMatch(l -> l.contains(server) && l.contains(" WRITE: 4B")
						&& l.contains("|00000000| 20 02 00 00 "));
				assertThat(log.lines()).anyMatch(l -> l.contains(client + " READ: 4B") && l.contains("|00000000| 20 02 00 00 "));
				assertThat(log.lines()).anyMatch(l -> l.contains(client + " WRITE: 2B") && l.contains("|00000000| e0 00 "));
			}
			finally {
				tapped.disposeNow(TIMEOUT);
			}
		}
	}

	@Test
	void aServerOnSeveralLoopsServesSessionsOnEveryLoop() throws Exception {
		Set<String> loops = ConcurrentHashMap.newKeySet();
		DisposableServer multi = MqttServer.create().loopName("mqtt-loops").loops(2)
				.handle(c -> {
					loops.add(Thread.currentThread().getName());
					return c.receive().concatMap(p -> answer(c, p)).then();
				})
				.bindNow(TIMEOUT);
		try {
			// the kernel hashes each new connection to a loop's listener
			for (int i = 0; i < 64 && loops.size() < 2; i++) {
				MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + multi.port()).runOn(loop).connect().block(TIMEOUT);
				try {
					LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
					c.subscribe("echo/#", 1).subscribe(got::add);
					c.publish("t/" + i, ("ping " + i).getBytes(UTF_8), 1, false).block(TIMEOUT);
					MqttMessage m = got.poll(10, TimeUnit.SECONDS);
					assertThat(m).isNotNull();
					assertThat(m.topic()).isEqualTo("echo/t/" + i);
					assertThat(m.payloadAsString()).isEqualTo("ping " + i);
				}
				finally {
					c.disconnect().block(TIMEOUT);
				}
			}
			assertThat(loops).containsExactlyInAnyOrder("mqtt-loops-0", "mqtt-loops-1");
		}
		finally {
			multi.disposeNow(TIMEOUT);
		}
	}

	private void assertClosedWith(byte[] bytes, String message) throws IOException, InterruptedException {
		assertClosedWith(bytes, new byte[0], message);
	}

	/**
	 * Writes {@code bytes}; the server answers exactly {@code answer} and closes, and the handler
	 * fails with {@code message} unless it is null.
	 */
	private void assertClosedWith(byte[] bytes, byte[] answer, @Nullable String message) throws IOException, InterruptedException {
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(bytes);
			assertThat(readToClose(s)).isEqualTo(answer);
		}
		if (message == null) {
			return;
		}
		assertHandlerFailed(message);
	}

	/**
	 * A handler that lets the client's malformed packet fail it (as a 3.1.1 broker does: there
	 * is no DISCONNECT to send) completes instead of failing: what it sent for the packets before
	 * the bad one, in the same TCP read, goes out before the close (Mosquitto sends those
	 * PUBACKs), and the TCP handler does not log a WARN with a stack trace, which any client
	 * could cause at will (the MQTT server logs it at DEBUG). The error closed the connection at
	 * once, and the PUBACKs were lost.
	 */
	@Test
	void whatTheHandlerSentBeforeAMalformedPacketGoesOutBeforeTheClose() throws Exception {
		DisposableServer acks = MqttServer.create().runOn(loop)
				.handle(c -> c.receive().concatMap(p -> p instanceof MqttPacket.Publish pub
						? c.send(new MqttPacket.PubAck(pub.packetId(), 0, MqttProperties.empty()))
						: answer(c, p)).then())
				.bindNow(TIMEOUT);
		try (Socket s = new Socket("127.0.0.1", acks.port())) {
			s.setSoTimeout(10_000);
			java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
			java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
			sent.writeBytes(connect("acks", 0x02, null));
			expected.writeBytes(bytes(0x20, 2, 0, 0));
			for (int id = 1; id <= 5; id++) {
				sent.writeBytes(packet(0x32, str("t/" + id), bytes(0, id), "x".getBytes(UTF_8)));
				expected.writeBytes(bytes(0x40, 2, 0, id));
			}
			sent.writeBytes(bytes(0xF0, 0)); // packet type 15: reserved in 3.1.1
			s.getOutputStream().write(sent.toByteArray()); // one write, so mostly one read
			assertThat(readToClose(s)).isEqualTo(expected.toByteArray());
		}
		finally {
			acks.disposeNow(TIMEOUT);
		}
	}

	/** What the server sends until it closes the connection (10 s at most). */
	private static byte[] readToClose(Socket s) throws IOException {
		java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
		try {
			s.getInputStream().transferTo(got);
		}
		catch (SocketTimeoutException e) {
			fail("the server did not close the connection; it sent " + java.util.HexFormat.of().formatHex(got.toByteArray()));
		}
		catch (IOException reset) {
			// a reset ends the stream too; what arrived before it is in got
		}
		return got.toByteArray();
	}

	/** One whole packet from {@code in}. */
	private static byte[] readPacket(InputStream in) throws IOException {
		java.io.ByteArrayOutputStream p = new java.io.ByteArrayOutputStream();
		p.write(in.readNBytes(1));
		int len = 0;
		for (int shift = 0;; shift += 7) {
			int b = in.read();
			p.write(b);
			len |= (b & 0x7F) << shift;
			if ((b & 0x80) == 0) {
				break;
			}
		}
		p.write(in.readNBytes(len));
		return p.toByteArray();
	}

	private MqttProtocolException assertHandlerFailed(String message) throws InterruptedException {
		Throwable e = handlerErrors.poll(10, TimeUnit.SECONDS);
		assertThat(e).isInstanceOf(MqttProtocolException.class).hasMessageContaining(message);
		return (MqttProtocolException) e;
	}

	/**
	 * Writes {@code connect} to {@code port}, expects {@code connack}, then writes {@code bad}:
	 * the server closes without another byte. The packets the handler got are in {@link #received}.
	 */
	private static void assertClosedAfterConnack(int port, byte[] connect, byte[] connack, byte[] bad) throws IOException {
		assertClosedAfterConnack(port, connect, connack, bad, new byte[0]);
	}

	/** The same, the server answering {@code bad} with exactly {@code answer} before it closes. */
	private static void assertClosedAfterConnack(int port, byte[] connect, byte[] connack, byte[] bad, byte[] answer)
			throws IOException {
		try (Socket s = new Socket("127.0.0.1", port)) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect);
			assertThat(readPacket(s.getInputStream())).isEqualTo(connack);
			s.getOutputStream().write(bad);
			assertThat(readToClose(s)).isEqualTo(answer);
		}
	}

	private static final byte[] CONNACK_311 = {0x20, 2, 0, 0};
	private static final byte[] CONNACK_5 = {0x20, 3, 0, 0, 0};

	@Test
	void aPacketBeforeConnectClosesTheConnection() throws Exception {
		assertClosedWith(new byte[] {(byte) 0xC0, 0}, "first packet must be CONNECT");
	}

	@Test
	void aPacketOverTheLimitClosesTheConnection() throws Exception {
		assertClosedWith(new byte[] {0x10, (byte) 0xC8, 0x01}, "over the limit of 128");
	}

	/** MQTT 3.1.1, section 3.1.2.2: CONNACK 0x01, then the close (clients fall back to an older version on it). */
	@Test
	void anUnsupportedProtocolLevelGetsConnack1ThenTheClose() throws Exception {
		byte[] level9 = {0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 9, 2, 0, 60, 0, 2, 'c', '1'};
		byte[] mqtt31 = {0x10, 14, 0, 6, 'M', 'Q', 'I', 's', 'd', 'p', 3, 2, 0, 60, 0, 2, 'c', '1'};
		for (byte[] connect : new byte[][] {level9, mqtt31}) {
			// the handler is cancelled by the close, as for any connection that closes under it
			assertClosedWith(connect, new byte[] {0x20, 2, 0, 1}, null);
		}
	}

	/** MQTT-3.1.2-22: in 3.1.1 a password needs a user name (MQTT 5 allows it alone). */
	@Test
	void aPasswordWithoutAUserNameClosesA311Connection() throws Exception {
		assertClosedWith(new byte[] {0x10, 18, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 60, 0, 2, 'c', '1', 0, 2, 'p', 'w'},
				"password but no user name");
	}

	@Test
	void anotherProtocolNameClosesTheConnectionWithoutAnswer() throws Exception {
		assertClosedWith(new byte[] {0x10, 12, 0, 4, 'M', 'Q', 'T', 'X', 4, 2, 0, 60, 0, 2, 'c', '1'}, "unsupported protocol");
	}

	/** {@code writeTimeout}: a client that connects, then reads nothing of what the handler publishes, is reset. */
	@Test
	void aClientThatStopsReadingIsResetAfterTheWriteTimeout() throws Exception {
		LinkedBlockingQueue<String> ended = new LinkedBlockingQueue<>();
		MqttMessage big = MqttMessage.of("feed", new byte[60_000], 0, false, MqttProperties.empty());
		DisposableServer feeding = MqttServer.create().runOn(loop).writeTimeout(Duration.ofSeconds(1))
				.handle(c -> c.receive().take(1)
						.concatMap(connect -> c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty())))
						.thenMany(reactor.core.publisher.Flux.range(0, 100_000).concatMap(i -> c.send(new MqttPacket.Publish(0, big))))
						.doOnError(e -> ended.add(e.getClass().getSimpleName()))
						.then())
				.bindNow(TIMEOUT);
		try (Socket s = new Socket()) {
			s.setReceiveBufferSize(16 * 1024);
			s.connect(new java.net.InetSocketAddress("127.0.0.1", feeding.port()), 5_000);
			s.getOutputStream().write(new byte[] {0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 2, 'c', '1'});
			long t0 = System.nanoTime();
			assertThat(ended.poll(10, TimeUnit.SECONDS)).isEqualTo("AbortedException"); // a ConnectionClosedException
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(8));
		}
		finally {
			feeding.disposeNow(TIMEOUT);
		}
	}

	/**
	 * MQTT 3.1.1 and 5, 3.1.3.3 and 4.7: the will topic is a topic name, since a broker publishes
	 * the will to it; with a wildcard or empty, subscribers (mosquitto_sub) refused the PUBLISH,
	 * and a retained one every later subscriber. Refused at CONNECT, as Mosquitto does.
	 */
	@ParameterizedTest
	@ValueSource(strings = {"will/+", "will/#", "#", ""})
	void aWillTopicThatIsNoTopicNameClosesTheConnectionBeforeConnack(String topic) throws Exception {
		assertClosedWith(connect("w", 0x06, null, str(topic), str("gone")), "will topic");
		assertClosedWith(connect("w5", 0x06, props(), props(), str(topic), str("gone")), "will topic");
		assertThat(received).isEmpty();
		// a will topic name is fine
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect("w", 0x06, null, str("will/t"), str("gone")));
			assertThat(readPacket(s.getInputStream())).isEqualTo(CONNACK_311);
		}
		MqttPacket.Connect c = (MqttPacket.Connect) received.poll(10, TimeUnit.SECONDS);
		assertThat(c.will().topic()).isEqualTo("will/t");
	}

	/** A bad MQTT 5 property (2.2.2.2, table 2-4, and the values the specification makes protocol errors). */
	enum BadProperty {
		SESSION_EXPIRY_IN_PUBLISH(publish("a", 1, props(bytes(0x11, 0, 0, 0, 5)), "x"), "0x11 is not allowed in PUBLISH"),
		CONTENT_TYPE_IN_SUBSCRIBE(packet(0x82, bytes(0, 1), props(bytes(0x03), str("t")), str("a"), bytes(0)),
				"0x3 is not allowed in SUBSCRIBE"),
		SUBSCRIPTION_IDENTIFIER_IN_UNSUBSCRIBE(packet(0xA2, bytes(0, 1), props(bytes(0x0B, 1)), str("a")),
				"0xb is not allowed in UNSUBSCRIBE"),
		TOPIC_ALIAS_IN_DISCONNECT(packet(0xE0, bytes(0), props(bytes(0x23, 0, 1))),
				"0x23 is not allowed in DISCONNECT"),
		TOPIC_ALIAS_IN_CONNECT(connect("p", 2, props(bytes(0x23, 0, 1))), "0x23 is not allowed in CONNECT"),
		SESSION_EXPIRY_IN_WILL(connect("p", 0x06, props(), props(bytes(0x11, 0, 0, 0, 5)), str("w"), str("x")),
				"0x11 is not allowed in will properties"),
		RECEIVE_MAXIMUM_0(connect("p", 2, props(bytes(0x21, 0, 0))), "0x21 of 0", 0x82),
		MAXIMUM_PACKET_SIZE_0(connect("p", 2, props(bytes(0x27, 0, 0, 0, 0))), "0x27 of 0", 0x82),
		REQUEST_PROBLEM_INFORMATION_2(connect("p", 2, props(bytes(0x17, 2))), "0x17 must be 0 or 1", 0x82),
		REQUEST_RESPONSE_INFORMATION_2(connect("p", 2, props(bytes(0x19, 2))), "0x19 must be 0 or 1", 0x82),
		RECEIVE_MAXIMUM_TWICE(connect("p", 2, props(bytes(0x21, 0, 5, 0x21, 0, 5))), "0x21 more than once", 0x82),
		SUBSCRIPTION_IDENTIFIER_0(packet(0x82, bytes(0, 1), props(bytes(0x0B, 0)), str("a"), bytes(0)), "0xb of 0", 0x82),
		// only a server's PUBLISH names several (one per matching subscription, 3.3.4)
		SUBSCRIPTION_IDENTIFIER_TWICE(packet(0x82, bytes(0, 1), props(bytes(0x0B, 1, 0x0B, 2)), str("a"), bytes(0)),
				"0xb more than once", 0x82),
		TOPIC_ALIAS_0(publish("a", 0, props(bytes(0x23, 0, 0)), "x"), "0x23 of 0", 0x94);

		final byte[] bytes;
		final String message;
		final int reasonCode;

		BadProperty(byte[] bytes, String message) {
			this(bytes, message, -1);
		}

		BadProperty(byte[] bytes, String message, int reasonCode) {
			this.bytes = bytes;
			this.message = message;
			this.reasonCode = reasonCode;
		}
	}

	/**
	 * MQTT 5 2.2.2.2: a property the packet may not carry makes it malformed; so do the values
	 * the specification calls protocol errors. A PUBLISH with Session Expiry Interval was
	 * acknowledged and its properties handed on (the example broker forwarded them, and every
	 * MQTT 5 subscriber dropped the connection); Mosquitto closes on each of these.
	 */
	@ParameterizedTest
	@EnumSource(BadProperty.class)
	void anMqtt5PropertyThePacketMayNotCarryClosesTheConnection(BadProperty bad) throws Exception {
		if ((bad.bytes[0] & 0xF0) == 0x10) {
			assertClosedWith(bad.bytes, null);
		}
		else {
			assertClosedAfterConnack(server.port(), connect("p", 2, props()), CONNACK_5, bad.bytes);
		}
		assertThat(assertHandlerFailed(bad.message).reasonCode()).isEqualTo(bad.reasonCode);
		MqttPacket first = received.poll();
		assertThat(first == null || first instanceof MqttPacket.Connect).isTrue();
		assertThat(received).isEmpty();
	}

	/** The properties each packet may carry pass, and a DISCONNECT's Reason String too. */
	@Test
	void mqtt5PropertiesThePacketsMayCarryPass() throws Exception {
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect("ok", 0x06, props(bytes(0x11, 0, 0, 0, 5, 0x21, 0, 5, 0x27, 0, 0, 1, 0, 0x17, 1, 0x19, 0)),
					props(bytes(0x18, 0, 0, 0, 1, 0x01, 1), bytes(0x03), str("text/plain")), str("w"), str("x")));
			assertThat(readPacket(s.getInputStream())).isEqualTo(CONNACK_5);
			s.getOutputStream().write(concat(packet(0x82, bytes(0, 1), props(bytes(0x0B, 9)), str("a"), bytes(0)),
					packet(0xE0, bytes(0), props(bytes(0x1F), str("bye")))));
			assertThat(readPacket(s.getInputStream())).isEqualTo(bytes(0x90, 4, 0, 1, 0, 1));
		}
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
		MqttPacket.Subscribe sub = (MqttPacket.Subscribe) received.poll(10, TimeUnit.SECONDS);
		assertThat(sub.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER)).isEqualTo(9);
		assertThat(((MqttPacket.Disconnect) received.poll(10, TimeUnit.SECONDS)).properties().reasonString()).isEqualTo("bye");
		assertThat(handlerErrors).isEmpty();
	}

	/**
	 * Packets that came in one read with a malformed one after them reach the handler before
	 * the error, as Mosquitto handles them: the whole read was dropped, so the PUBLISHes
	 * before a bad one were lost, and a DISCONNECT followed by garbage lost (the will went out).
	 */
	@Test
	void packetsBeforeAMalformedOneInTheSameReadReachTheHandler() throws Exception {
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(concat(connect("batch", 2, null), publish("news/a", 0, null, "hello"),
					publish("news/b", 1, null, "world"), publish("bad/#", 0, null, "x")));
			readToClose(s);
		}
		assertHandlerFailed("wildcard: bad/#");
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
		MqttMessage a = ((MqttPacket.Publish) received.poll(10, TimeUnit.SECONDS)).message();
		MqttMessage b = ((MqttPacket.Publish) received.poll(10, TimeUnit.SECONDS)).message();
		assertThat(List.of(a.topic(), a.payloadAsString(), b.topic(), b.payloadAsString(), b.qos()))
				.containsExactly("news/a", "hello", "news/b", "world", 1);
		assertThat(received).isEmpty();

		// DISCONNECT, then two bytes of an unknown packet type, in one write
		assertClosedAfterConnack(server.port(), connect("bye", 0x06, null, str("will/t"), str("gone")), CONNACK_311,
				concat(packet(0xE0), bytes(0, 0)));
		assertHandlerFailed("unknown");
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Disconnect.class);
	}

	/**
	 * A client's string that the error quotes (here a PUBLISH topic with a wildcard) has its
	 * control characters escaped as the access log escapes them ({@code \x0a}, C1 {@code \x85}),
	 * so the server's log of it cannot be forged into lines of its own. They were {@code \n}
	 * and {@code \}{@code u0085}, a format of the codec's own.
	 */
	@Test
	void aClientsStringInTheErrorIsEscapedAsInTheAccessLog() throws Exception {
		try (Socket s = new Socket("127.0.0.1", server.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(concat(connect("forger", 2, null), publish("bad/#\n[ERROR] forged\u0085", 0, null, "x")));
			readToClose(s);
		}
		assertThat(assertHandlerFailed("wildcard: bad/#\\x0a[ERROR] forged\\x85")).hasMessageNotContaining("\n");
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
	}

	/**
	 * MQTT 5 3.3.2.3.4: with the Topic Alias Maximum the handler's CONNACK granted, a client
	 * names a topic once with an alias and then sends the alias with an empty topic; the handler
	 * sees the topic each time, without the alias (it means something on this connection only).
	 * An alias over the maximum is "Topic Alias invalid", 0x94, which this handler sends back in
	 * a DISCONNECT, as Mosquitto does. Such a PUBLISH was refused as "PUBLISH with an empty
	 * topic", whatever the CONNACK granted.
	 */
	@Test
	void topicAliasesUpToTheMaximumTheHandlerGrantedStandForTheirTopics() throws Exception {
		MqttProperties grant = MqttProperties.builder().property(MqttProperties.TOPIC_ALIAS_MAXIMUM, 10).build();
		DisposableServer aliasing = MqttServer.create().runOn(loop)
				.handle(c -> c.receive().doOnNext(received::add)
						.concatMap(p -> p instanceof MqttPacket.Connect ? c.send(new MqttPacket.ConnAck(false, 0, grant)) : Mono.<Void>empty())
						.doOnError(handlerErrors::add)
						// the connection closes once the DISCONNECT is written
						.onErrorResume(MqttProtocolException.class, e -> c.send(new MqttPacket.Disconnect(
								e.reasonCode() > 0 ? e.reasonCode() : 0x82, MqttProperties.empty())))
						.then())
				.bindNow(TIMEOUT);
		try {
			byte[] connack = bytes(0x20, 6, 0, 0, 3, 0x22, 0, 10);
			assertClosedAfterConnack(aliasing.port(), connect("alias", 2, props()), connack, concat(
					publish("a/b", 0, props(bytes(0x23, 0, 1)), "first"),
					publish("", 0, props(bytes(0x23, 0, 1)), "second"),
					publish("c/d", 1, props(bytes(0x23, 0, 10), bytes(0x26), str("k"), str("v")), "third"),
					publish("", 0, props(bytes(0x23, 0, 10)), "fourth"),
					// an alias may be given another topic
					publish("e", 0, props(bytes(0x23, 0, 1)), "fifth"),
					publish("", 0, props(bytes(0x23, 0, 1)), "sixth"),
					publish("x", 0, props(bytes(0x23, 0, 11)), "over the maximum")),
					bytes(0xE0, 2, 0x94, 0));
			assertThat(assertHandlerFailed("Topic Alias 11 over the Topic Alias Maximum of 10").reasonCode()).isEqualTo(0x94);
			assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
			List<String> got = new java.util.ArrayList<>();
			for (int i = 0; i < 6; i++) {
				MqttMessage m = ((MqttPacket.Publish) received.poll(10, TimeUnit.SECONDS)).message();
				got.add(m.topic() + " " + m.payloadAsString());
				assertThat(m.properties().get(MqttProperties.TOPIC_ALIAS)).isNull();
			}
			assertThat(got).containsExactly("a/b first", "a/b second", "c/d third", "c/d fourth", "e fifth", "e sixth");
			assertThat(received).isEmpty();

			// aliases belong to their connection: a new one has none yet
			assertClosedAfterConnack(aliasing.port(), connect("alias2", 2, props()), connack,
					publish("", 0, props(bytes(0x23, 0, 1)), "which topic?"), bytes(0xE0, 2, 0x82, 0));
			assertHandlerFailed("Topic Alias 1, which stands for no topic yet");
			received.clear();
		}
		finally {
			aliasing.disposeNow(TIMEOUT);
		}
		// granted none: an alias is invalid even with its topic
		assertClosedAfterConnack(server.port(), connect("no-alias", 2, props()), CONNACK_5,
				publish("t", 0, props(bytes(0x23, 0, 1)), "x"));
		assertThat(assertHandlerFailed("no Topic Alias Maximum was granted").reasonCode()).isEqualTo(0x94);
	}

	/**
	 * The client side of topic aliases: a Topic Alias Maximum among its connect properties lets
	 * the broker (here a handler) send an alias with an empty topic, and the subscription gets the
	 * topic. The client failed with "PUBLISH with an empty topic".
	 */
	@Test
	void theClientResolvesTheTopicAliasesItsConnectAllowed() throws Exception {
		DisposableServer aliasing = MqttServer.create().runOn(loop)
				.handle(c -> c.receive().concatMap(p -> {
					if (p instanceof MqttPacket.Subscribe s) {
						MqttProperties alias = MqttProperties.builder().property(MqttProperties.TOPIC_ALIAS, 3).build();
						return c.send(new MqttPacket.SubAck(s.packetId(), List.of(0), MqttProperties.empty()))
								.then(c.send(new MqttPacket.Publish(0, new MqttMessage("x/y", "one".getBytes(UTF_8), 0, false, false, alias))))
								.then(c.send(new MqttPacket.Publish(0, new MqttMessage("", "two".getBytes(UTF_8), 0, false, false, alias))));
					}
					return answer(c, p);
				}).then())
				.bindNow(TIMEOUT);
		try {
			MqttConnection c = MqttClient.create("mqtt://127.0.0.1:" + aliasing.port()).version(MqttVersion.V5).runOn(loop)
					.connectProperties(MqttProperties.builder().property(MqttProperties.TOPIC_ALIAS_MAXIMUM, 5).build())
					.connect().block(TIMEOUT);
			try {
				List<MqttMessage> got = c.subscribe("x/#", 0).take(2).collectList().block(TIMEOUT);
				assertThat(got).extracting(m -> m.topic() + " " + m.payloadAsString()).containsExactly("x/y one", "x/y two");
				assertThat(got).allMatch(m -> m.properties().get(MqttProperties.TOPIC_ALIAS) == null);
			}
			finally {
				c.disconnect().block(TIMEOUT);
			}
		}
		finally {
			aliasing.disposeNow(TIMEOUT);
		}
	}

	/** MQTT-3.10.3-2: UNSUBSCRIBE's filters follow the rules of SUBSCRIBE's (Mosquitto closes too). */
	@ParameterizedTest
	@ValueSource(strings = {"a/#/b", "a+", ""})
	void anUnsubscribeWithAnInvalidFilterClosesTheConnection(String filter) throws Exception {
		assertClosedAfterConnack(server.port(), connect("u", 2, null), CONNACK_311, packet(0xA2, bytes(0, 1), str("a"), str(filter)));
		assertHandlerFailed("UNSUBSCRIBE");
		assertThat(received.poll(10, TimeUnit.SECONDS)).isInstanceOf(MqttPacket.Connect.class);
		assertThat(received).isEmpty();
	}
}
