/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import io.github.reactormongoose.mqtt.MqttMessage;
import io.github.reactormongoose.mqtt.MqttProperties;
import io.github.reactormongoose.testing.LogCapture;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link MqttBroker} with Eclipse Paho clients (and this library's client) as its peers. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MqttBrokerTest {

	private MqttBroker broker;
	private final List<org.eclipse.paho.client.mqttv3.MqttClient> pahos = new CopyOnWriteArrayList<>();

	@BeforeEach
	void start() {
		broker = MqttBroker.start("127.0.0.1", 0);
	}

	@AfterEach
	void stop() throws Exception {
		for (var p : pahos) {
			if (p.isConnected()) {
				p.disconnectForcibly(100, 100);
			}
			p.close();
		}
		broker.disposeNow();
	}

	private org.eclipse.paho.client.mqttv3.MqttClient paho(String id, int keepAlive) throws Exception {
		var c = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + broker.port(), id, new MemoryPersistence());
		MqttConnectOptions o = new MqttConnectOptions();
		o.setCleanSession(true);
		o.setKeepAliveInterval(keepAlive);
		o.setAutomaticReconnect(false);
		c.connect(o);
		pahos.add(c);
		return c;
	}

	/** Messages as "topic=payload@qos" (plus "+retained"). */
	private static IMqttMessageListener into(LinkedBlockingQueue<String> q) {
		return (t, m) -> q.add(t + "=" + new String(m.getPayload(), UTF_8) + "@" + m.getQos() + (m.isRetained() ? "+retained" : ""));
	}

	private static String take(LinkedBlockingQueue<String> q) throws InterruptedException {
		String s = q.poll(10, TimeUnit.SECONDS);
		assertThat(s).as("a message within 10 s").isNotNull();
		return s;
	}

	@Test
	void routesQos0And1AndAcceptsQos2FromPaho() throws Exception {
		var sub = paho("sub", 30);
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		sub.subscribe("room/+/temp", 1, into(got));
		var pub = paho("pub", 30);
		pub.publish("room/kitchen/temp", "21".getBytes(UTF_8), 0, false);
		pub.publish("room/hall/temp", "19".getBytes(UTF_8), 1, false);
		pub.publish("room/hall/humidity", "40".getBytes(UTF_8), 1, false);
		pub.publish("room/attic/temp", "12".getBytes(UTF_8), 2, false);
		assertThat(List.of(take(got), take(got), take(got)))
				.containsExactly("room/kitchen/temp=21@0", "room/hall/temp=19@1", "room/attic/temp=12@1");
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
	}

	/**
	 * The sensor with its wire log on ({@link MqttSensorPublisher#logged}) through the broker: the
	 * packets it wrote and read, as text, with a subscriber (Paho) getting the readings.
	 */
	@Test
	void theSensorsWireLogShowsItsPackets() throws Exception {
		var sub = paho("wire-watcher", 30);
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		sub.subscribe("sensors/s9/temperature", 1, (topic, m) -> got.add(new String(m.getPayload(), UTF_8)));
		try (LogCapture log = LogCapture.allLevels(MqttSensorPublisher.WIRE_LOG)) {
			MqttSensorPublisher.run(MqttSensorPublisher.logged(MqttClient.create("mqtt://127.0.0.1:" + broker.port())),
					"s9", 3, Duration.ofMillis(1)).block(Duration.ofSeconds(10));
			for (int i = 0; i < 3; i++) {
				assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(MqttSensorPublisher.reading(i));
			}
			List<String> lines = log.lines();
			assertThat(log.levels()).containsOnly("info");
			// CONNECT (with the will's topic), the three readings, the retained status, DISCONNECT
			assertThat(lines).anyMatch(l -> l.contains(" WRITE: ") && l.contains("MQTT") && l.contains("sensors/s9/status"));
			for (int i = 0; i < 3; i++) {
				// not necessarily at the end of its line: publishes queued together go out in one write
				String reading = MqttSensorPublisher.reading(i);
				assertThat(lines).anyMatch(l -> l.contains(" WRITE: ") && l.contains("sensors/s9/temperature")
						&& l.contains(reading));
			}
			assertThat(lines).anyMatch(l -> l.contains(" WRITE: ") && l.endsWith("done"));
			// CONNACK and the PUBACKs came back; the connection's life is logged
			assertThat(lines).filteredOn(l -> l.contains(" READ: ")).hasSizeGreaterThanOrEqualTo(2);
			assertThat(lines).anyMatch(l -> l.endsWith(" ACTIVE"));
			assertThat(lines).anyMatch(l -> l.endsWith(" INACTIVE"));
		}
	}

	@Test
	void fansOutToEverySubscriber() throws Exception {
		List<LinkedBlockingQueue<String>> queues = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
			paho("sub" + i, 30).subscribe(i == 2 ? "#" : "news/" + (i == 0 ? "+" : "world"), 1, into(q));
			queues.add(q);
		}
		paho("pub", 30).publish("news/world", "hello".getBytes(UTF_8), 1, false);
		for (LinkedBlockingQueue<String> q : queues) {
			assertThat(take(q)).isEqualTo("news/world=hello@1");
		}
	}

	@Test
	void retainsTheLastMessageAndClearsItWithAnEmptyOne() throws Exception {
		var pub = paho("pub", 30);
		pub.publish("lamp/state", "off".getBytes(UTF_8), 1, true);
		pub.publish("lamp/state", "on".getBytes(UTF_8), 1, true);
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("late", 30).subscribe("lamp/#", 1, into(got));
		assertThat(take(got)).isEqualTo("lamp/state=on@1+retained");

		pub.publish("lamp/state", new byte[0], 1, true);
		LinkedBlockingQueue<String> none = new LinkedBlockingQueue<>();
		paho("later", 30).subscribe("lamp/#", 1, into(none));
		assertThat(none.poll(300, TimeUnit.MILLISECONDS)).isNull();
		// the live subscriber still gets live messages, without the retain flag
		pub.publish("lamp/state", "dim".getBytes(UTF_8), 1, true);
		assertThat(take(got)).isEqualTo("lamp/state=@1");
		assertThat(take(got)).isEqualTo("lamp/state=dim@1");
	}

	@Test
	void unsubscribeStopsTheMessages() throws Exception {
		var sub = paho("sub", 30);
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		sub.subscribe("a", 1, into(got));
		sub.subscribe("marker", 1, into(got));
		sub.unsubscribe("a");
		var pub = paho("pub", 30);
		pub.publish("a", "dropped".getBytes(UTF_8), 1, false);
		pub.publish("marker", "m".getBytes(UTF_8), 1, false);
		assertThat(take(got)).isEqualTo("marker=m@1");
	}

	@Test
	void answersPingsSoAShortKeepAliveHolds() throws Exception {
		var c = paho("pinger", 1);
		Thread.sleep(2500);
		assertThat(c.isConnected()).isTrue();
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		c.subscribe("p", 0, into(got));
		c.publish("p", "still here".getBytes(UTF_8), 0, false);
		assertThat(take(got)).isEqualTo("p=still here@0");
	}

	@Test
	void publishesTheWillOfAKilledClientButNotOfACleanDisconnect() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("status/#", 1, into(got));

		var polite = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + broker.port(), "polite", new MemoryPersistence());
		MqttConnectOptions o = new MqttConnectOptions();
		o.setWill("status/polite", "gone".getBytes(UTF_8), 1, false);
		polite.connect(o);
		polite.disconnect();
		polite.close();

		// a client whose socket is reset: CONNECT with a will (QoS 1, topic status/killed), then RST
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.getOutputStream().write(connect(4, 0x02 | 0x04 | 0x08, 30, "killed", "status/killed", "offline"));
			InputStream in = s.getInputStream();
			s.setSoTimeout(10_000);
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			s.setSoLinger(true, 0);
		}
		assertThat(take(got)).isEqualTo("status/killed=offline@1");
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
	}

	/** A CONNECT: protocol level 4 (3.1.1) or 5 (no properties), the given flags and keep-alive, a will if topic given. */
	private static byte[] connect(int level, int flags, int keepAlive, String clientId, String willTopic, String willMessage)
			throws IOException {
		var body = new java.io.ByteArrayOutputStream();
		body.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', (byte) level, (byte) flags, 0, (byte) keepAlive});
		if (level == 5) {
			body.write(0); // no properties
		}
		string(body, clientId);
		if (willTopic != null) {
			if (level == 5) {
				body.write(0); // no will properties
			}
			string(body, willTopic);
			string(body, willMessage);
		}
		var packet = new java.io.ByteArrayOutputStream();
		packet.write(0x10);
		packet.write(body.size());
		body.writeTo(packet);
		return packet.toByteArray();
	}

	/** A UTF-8 string with its two-byte length (shorter than 256 bytes here). */
	private static void string(java.io.ByteArrayOutputStream out, String s) {
		byte[] b = s.getBytes(UTF_8);
		out.write(0);
		out.write(b.length);
		out.writeBytes(b);
	}

	/** A packet: the first byte, the remaining length as a variable byte integer, the body. */
	private static byte[] packet(int first, byte... body) {
		var packet = new java.io.ByteArrayOutputStream();
		packet.write(first);
		int n = body.length;
		do {
			packet.write(n > 0x7F ? n & 0x7F | 0x80 : n);
			n >>>= 7;
		}
		while (n > 0);
		packet.writeBytes(body);
		return packet.toByteArray();
	}

	/** A PUBLISH (3.1.1) with the given first byte (type, DUP, QoS, retain) and packet id. */
	private static byte[] publish(int first, int packetId, String topic, String payload) {
		var body = new java.io.ByteArrayOutputStream();
		string(body, topic);
		body.write(packetId >> 8);
		body.write(packetId);
		body.writeBytes(payload.getBytes(UTF_8));
		return packet(first, body.toByteArray());
	}

	/** One packet from the broker, as its first byte followed by its body (the length left out). */
	private static byte[] read(InputStream in) throws IOException {
		int first = in.read();
		assertThat(first).as("a packet, not the end of the connection").isNotEqualTo(-1);
		int length = 0;
		for (int shift = 0;; shift += 7) {
			int b = in.read();
			length |= (b & 0x7F) << shift;
			if (b < 0x80) {
				break;
			}
		}
		byte[] packet = new byte[1 + length];
		packet[0] = (byte) first;
		System.arraycopy(in.readNBytes(length), 0, packet, 1, length);
		return packet;
	}

	/**
	 * An MQTT 5 CONNECT with an authentication method is refused with CONNACK 0x8C (bad
	 * authentication method, [MQTT-4.12.0-1]): the broker does no enhanced authentication, and
	 * accepted it. Nothing sent after a refused CONNECT is acted on ([MQTT-3.1.4-5]), here as
	 * after the 3.1.1 refusal of an empty client id (0x02): a PUBLISH behind it is not routed.
	 */
	@Test
	void aRefusedConnectIsTheEndAndAnAuthenticationMethodIsRefused() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("refused/#", 0, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			var body = new java.io.ByteArrayOutputStream();
			body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 30});
			body.writeBytes(new byte[] {8, 0x15}); // properties: authentication method "SCRAM"
			string(body, "SCRAM");
			string(body, "authenticating");
			var publish = new java.io.ByteArrayOutputStream(); // a QoS 0 PUBLISH without properties
			string(publish, "refused/v5");
			publish.writeBytes(new byte[] {0, 'x'});
			var both = new java.io.ByteArrayOutputStream();
			both.writeBytes(packet(0x10, body.toByteArray()));
			both.writeBytes(packet(0x30, publish.toByteArray()));
			s.getOutputStream().write(both.toByteArray());
			InputStream in = s.getInputStream();
			assertThat(read(in)).as("CONNACK 0x8C").startsWith(0x20, 0, 0x8C);
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			var both = new java.io.ByteArrayOutputStream();
			both.writeBytes(connect(4, 0x00, 30, "", null, null)); // an empty id, clean session 0
			both.writeBytes(publish(0x32, 1, "refused/v311", "x"));
			s.getOutputStream().write(both.toByteArray());
			assertThat(s.getInputStream().readAllBytes()).as("CONNACK 0x02, then the close").containsExactly(0x20, 2, 0, 2);
		}
		paho("marker", 30).publish("refused/marker", "m".getBytes(UTF_8), 0, false);
		assertThat(take(got)).as("nothing after a refused CONNECT was routed").isEqualTo("refused/marker=m@0");
	}

	/**
	 * A connection taken over by a new one with the same client id ends as one that went without
	 * DISCONNECT: its will is published (MQTT 3.1.1 [MQTT-3.1.2-8], 5.0 section 3.1.4), and an
	 * MQTT 5 client gets DISCONNECT 0x8E (session taken over) first. The will was dropped.
	 */
	@Test
	void aConnectionTakenOverPublishesItsWill() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("status/#", 1, into(got));
		for (int level : new int[] {4, 5}) {
			try (Socket old = new Socket("127.0.0.1", broker.port()); Socket taker = new Socket("127.0.0.1", broker.port())) {
				old.setSoTimeout(10_000);
				taker.setSoTimeout(10_000);
				// clean session, a will at QoS 0
				old.getOutputStream().write(connect(level, 0x06, 30, "twin" + level, "status/twin" + level, "old one gone"));
				InputStream oldIn = old.getInputStream();
				assertThat(read(oldIn)[0]).as("CONNACK").isEqualTo((byte) 0x20);
				taker.getOutputStream().write(connect(level, 0x02, 30, "twin" + level, null, null));
				assertThat(read(taker.getInputStream())[0]).as("CONNACK").isEqualTo((byte) 0x20);
				assertThat(take(got)).isEqualTo("status/twin" + level + "=old one gone@0");
				if (level == 5) {
					assertThat(read(oldIn)).as("DISCONNECT 0x8E").startsWith(0xE0, 0x8E);
				}
				assertThat(oldIn.read()).as("the old connection closed").isEqualTo(-1);
				// the new connection goes on
				taker.getOutputStream().write(new byte[] {(byte) 0xC0, 0}); // PINGREQ
				assertThat(read(taker.getInputStream())).as("PINGRESP").containsExactly(0xD0);
			}
		}
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).as("each will once").isNull();
	}

	/**
	 * An MQTT 5 DISCONNECT with reason 0x04 (disconnect with will message) publishes the will
	 * (5.0, section 3.14.2.1); 0x00 does not. The will was dropped for both.
	 */
	@Test
	void anMqtt5DisconnectWithWillMessagePublishesTheWill() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("status/#", 1, into(got));
		for (int reason : new int[] {0x00, 0x04}) {
			try (Socket s = new Socket("127.0.0.1", broker.port())) {
				s.setSoTimeout(10_000);
				s.getOutputStream().write(connect(5, 0x06, 30, "leaving" + reason, "status/leaving" + reason, "bye"));
				InputStream in = s.getInputStream();
				assertThat(read(in)).as("CONNACK 0").startsWith(0x20, 0, 0);
				s.getOutputStream().write(new byte[] {(byte) 0xE0, 1, (byte) reason});
				assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
			}
		}
		assertThat(take(got)).isEqualTo("status/leaving4=bye@0");
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
	}

	/**
	 * A will's Will Delay Interval is not published with it: a PUBLISH may not carry that property
	 * (MQTT 5.0, table 2-4), and an MQTT 5 subscriber (this library's client here) refuses such a
	 * packet. Its other will properties (the content type) go with it.
	 */
	@Test
	void aWillIsPublishedWithoutItsWillDelayInterval() throws Exception {
		MqttConnection ours = MqttClient.create("mqtt://127.0.0.1:" + broker.port()).version(io.github.reactormongoose.mqtt.MqttVersion.V5)
				.clientId("v5-watcher").connect().block(Duration.ofSeconds(10));
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			java.util.concurrent.CountDownLatch granted = new java.util.concurrent.CountDownLatch(1);
			var d = ours.subscribe("status/#", 0, q -> granted.countDown()).subscribe(got::add, e -> got.add(
					MqttMessage.of("failed", String.valueOf(e).getBytes(UTF_8), 0, false)));
			assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
			try (Socket s = new Socket("127.0.0.1", broker.port())) {
				s.setSoTimeout(10_000);
				var body = new java.io.ByteArrayOutputStream();
				body.write(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x06, 0, 30, 0});
				string(body, "delayed");
				// will properties: Will Delay Interval 0, Content Type "text/plain"
				byte[] ct = "text/plain".getBytes(UTF_8);
				body.write(5 + 3 + ct.length);
				body.write(new byte[] {0x18, 0, 0, 0, 0, 0x03, 0, (byte) ct.length});
				body.writeBytes(ct);
				string(body, "status/delayed");
				string(body, "gone");
				s.getOutputStream().write(packet(0x10, body.toByteArray()));
				assertThat(read(s.getInputStream())).as("CONNACK 0").startsWith(0x20, 0, 0);
			} // closed without DISCONNECT: the will goes out
			MqttMessage m = got.poll(10, TimeUnit.SECONDS);
			assertThat(m).isNotNull();
			assertThat(m.topic()).as(m.payloadAsString()).isEqualTo("status/delayed");
			assertThat(m.payloadAsString()).isEqualTo("gone");
			assertThat(m.properties().contentType()).isEqualTo("text/plain");
			assertThat(m.properties().get(MqttProperties.WILL_DELAY_INTERVAL)).isNull();
			d.dispose();
		}
		finally {
			ours.disconnect().block(Duration.ofSeconds(10));
		}
	}

	/**
	 * The broker closes the connection after DISCONNECT (MQTT 3.1.1, section 3.14.4) and acts on
	 * nothing sent after it: the connection stayed open, and a PUBLISH sent afterwards was routed.
	 */
	@Test
	void disconnectEndsTheConnectionAndWhatFollowsIsNotRouted() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("after/#", 0, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(4, 0x02, 30, "leaving", null, null));
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			out.write(publish(0x32, 1, "after/before", "routed"));
			assertThat(read(in)).as("PUBACK 1").containsExactly(0x40, 0, 1);
			assertThat(take(got)).isEqualTo("after/before=routed@0");
			// DISCONNECT and a PUBLISH behind it in the same write
			var both = new java.io.ByteArrayOutputStream();
			both.writeBytes(new byte[] {(byte) 0xE0, 0});
			both.writeBytes(publish(0x32, 2, "after/disconnect", "not routed"));
			out.write(both.toByteArray());
			assertThat(in.read()).as("closed by the broker, without a PUBACK").isEqualTo(-1);
		}
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(4, 0x02, 30, "leaving-slowly", null, null));
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			out.write(new byte[] {(byte) 0xE0, 0}); // DISCONNECT alone: the broker closes
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
		paho("marker", 30).publish("after/marker", "m".getBytes(UTF_8), 0, false);
		assertThat(take(got)).as("nothing after a DISCONNECT was routed").isEqualTo("after/marker=m@0");
	}

	/**
	 * The MQTT 5 properties at {@code offset} of a packet from {@link #read}, by identifier: the
	 * ones a CONNACK or DISCONNECT of this broker holds (four-byte integers as Long, strings).
	 */
	private static java.util.Map<Integer, Object> properties(byte[] packet, int offset) {
		var in = java.nio.ByteBuffer.wrap(packet, offset, packet.length - offset);
		int length = 0;
		for (int shift = 0;; shift += 7) {
			int b = in.get() & 0xFF;
			length |= (b & 0x7F) << shift;
			if (b < 0x80) {
				break;
			}
		}
		assertThat(in.remaining()).as("the properties end the packet").isEqualTo(length);
		var properties = new java.util.HashMap<Integer, Object>();
		while (in.hasRemaining()) {
			int id = in.get();
			switch (id) {
				case 0x02, 0x27 -> properties.put(id, in.getInt() & 0xFFFFFFFFL);
				case 0x24, 0x25, 0x28, 0x29, 0x2A -> properties.put(id, (int) in.get());
				case 0x12, 0x1F -> {
					byte[] b = new byte[in.getShort() & 0xFFFF];
					in.get(b);
					properties.put(id, new String(b, UTF_8));
				}
				default -> throw new AssertionError("unexpected property " + id);
			}
		}
		return properties;
	}

	/**
	 * An MQTT 5 client is told the broker's Maximum Packet Size in CONNACK (without it, it may
	 * send up to 256 MB), and a packet over it, or a malformed one, gets DISCONNECT with the
	 * reason (0x95 packet too large, 0x81 malformed packet) before the close (5.0, sections
	 * 3.2.2.3.6 and 4.13.1). There was no property, and the connection was just closed.
	 */
	@Test
	void anMqtt5ClientIsToldTheMaximumPacketSizeAndWhyItIsDisconnected() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("big/#", 0, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(5, 0x02, 30, "big", null, null));
			byte[] connAck = read(in);
			assertThat(connAck).as("CONNACK 0").startsWith(0x20, 0, 0);
			assertThat(properties(connAck, 3)).as("maximum packet size").containsEntry(0x27, (long) MqttBroker.MAX_PACKET_SIZE);
			// a PUBLISH of 2,000,000 bytes, its header and the start of its body
			out.write(new byte[] {0x30, (byte) 0x80, (byte) 0x89, 0x7A, 0, 5, 'b', 'i', 'g', '/', 'x', 0, 'a', 'a'});
			byte[] disconnect = read(in);
			assertThat(disconnect).as("DISCONNECT 0x95").startsWith(0xE0, 0x95);
			assertThat((String) properties(disconnect, 2).get(0x1F)).as("reason string").contains("2000004 bytes");
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(5, 0x02, 30, "garbled", null, null));
			assertThat(read(in)).as("CONNACK 0").startsWith(0x20, 0, 0);
			out.write(new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01}); // remaining length of five bytes
			assertThat(read(in)).as("DISCONNECT 0x81").startsWith(0xE0, 0x81);
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
		// MQTT 3.1.1 has no DISCONNECT from the server: the close alone
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(4, 0x02, 30, "big311", null, null));
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			out.write(new byte[] {0x30, (byte) 0x80, (byte) 0x89, 0x7A, 0, 5, 'b', 'i', 'g', '/', 'x', 'a', 'a'});
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
		paho("marker", 30).publish("big/marker", "m".getBytes(UTF_8), 0, false);
		assertThat(take(got)).isEqualTo("big/marker=m@0");
	}

	/**
	 * QoS 2 duplicates are found by packet id (MQTT 3.1.1 and 5, section 4.3.3), not by the DUP
	 * flag: the DUP flag was, so a publish whose first sending was lost, sent again with DUP
	 * after a reconnect (as Paho with {@code cleanSession(false)} does), was acknowledged and
	 * never delivered, and the same id twice before PUBREL without DUP was delivered twice.
	 */
	@Test
	void aQos2PublishIsRoutedOncePerPacketIdWhateverItsDupFlag() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("q2/#", 1, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(4, 0x02, 30, "q2", null, null));
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			// DUP set, id 7: the first this broker sees of it (the first sending went lost)
			out.write(publish(0x3C, 7, "q2/a", "sent again"));
			assertThat(read(in)).as("PUBREC 7").containsExactly(0x50, 0, 7);
			assertThat(take(got)).isEqualTo("q2/a=sent again@1");
			// id 7 again before PUBREL, without DUP: the same message, acknowledged, not routed
			out.write(publish(0x34, 7, "q2/a", "duplicate"));
			assertThat(read(in)).as("PUBREC 7").containsExactly(0x50, 0, 7);
			out.write(new byte[] {0x62, 2, 0, 7}); // PUBREL 7
			assertThat(read(in)).as("PUBCOMP 7").containsExactly(0x70, 0, 7);
			// released: id 7 names a new message now
			out.write(publish(0x34, 7, "q2/a", "next"));
			assertThat(read(in)).as("PUBREC 7").containsExactly(0x50, 0, 7);
			assertThat(take(got)).as("the duplicate was not routed").isEqualTo("q2/a=next@1");
			// another id while 7 waits for its PUBREL
			out.write(publish(0x34, 8, "q2/b", "other"));
			assertThat(read(in)).as("PUBREC 8").containsExactly(0x50, 0, 8);
			assertThat(take(got)).isEqualTo("q2/b=other@1");
		}
		assertThat(got.poll(200, TimeUnit.MILLISECONDS)).isNull();
	}

	/**
	 * A PUBREL for an id no message waits under (its PUBCOMP went lost, and the client sends it
	 * again) is completed with reason 0x92, Packet Identifier not found (MQTT 5 3.7.2.1); it was
	 * answered 0, success, as if a message had been released.
	 */
	@Test
	void aPubrelForAnUnknownIdIsCompletedWith0x92() throws Exception {
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(5, 0x02, 30, "rel5", null, null));
			assertThat(read(in)[0]).as("CONNACK").isEqualTo((byte) 0x20);
			// an MQTT 5 PUBLISH, QoS 2, id 5: topic q2/a, no properties, payload x
			out.write(new byte[] {0x34, 10, 0, 4, 'q', '2', '/', 'a', 0, 5, 0, 'x'});
			byte[] rec = read(in);
			assertThat(rec[0]).as("PUBREC").isEqualTo((byte) 0x50);
			assertThat(java.util.Arrays.copyOfRange(rec, 1, 3)).containsExactly(0, 5);
			out.write(new byte[] {0x62, 2, 0, 5}); // PUBREL 5: released
			byte[] comp = read(in);
			assertThat(comp[0]).as("PUBCOMP").isEqualTo((byte) 0x70);
			assertThat(comp.length == 3 || comp[3] == 0).as("PUBCOMP 5 succeeds").isTrue();
			out.write(new byte[] {0x62, 2, 0, 5}); // PUBREL 5 again (its PUBCOMP went lost)
			byte[] again = read(in);
			assertThat(again[0]).as("PUBCOMP").isEqualTo((byte) 0x70);
			assertThat(java.util.Arrays.copyOfRange(again, 1, 4)).containsExactly(0, 5, 0x92);
		}
	}

	@Test
	void aClientSilentForOneAndAHalfKeepAlivesIsDisconnectedAndItsWillPublished() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("status/#", 1, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			// keep-alive 1 s, a will on status/silent; then nothing (a peer whose network went away).
			// The broker counts from the CONNECT's arrival, so the time is taken before it is sent (from
			// the CONNACK's arrival, a busy machine's delay in reading it came off the 1.5 s)
			long t0 = System.nanoTime();
			s.getOutputStream().write(connect(4, 0x02 | 0x04 | 0x08, 1, "silent", "status/silent", "lost"));
			InputStream in = s.getInputStream();
			assertThat(in.readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
			assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("after 1.5 keep-alives, not before")
					.isGreaterThanOrEqualTo(Duration.ofMillis(1500));
		}
		assertThat(take(got)).isEqualTo("status/silent=lost@1");
	}

	@Test
	void anEmptyClientIdIsRejectedOnlyWhenA311ClientAsksToKeepItsSession() throws Exception {
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect(4, 0x00, 30, "", null, null)); // clean session 0
			assertThat(s.getInputStream().readAllBytes()).as("CONNACK 0x02, then the close").containsExactly(0x20, 2, 0, 2);
		}
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect(4, 0x02, 30, "", null, null)); // clean session 1: accepted
			assertThat(s.getInputStream().readNBytes(4)).containsExactly(0x20, 2, 0, 0);
		}
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			s.getOutputStream().write(connect(5, 0x00, 30, "", null, null)); // MQTT 5: an id is assigned
			byte[] connAck = read(s.getInputStream());
			assertThat(connAck).as("CONNACK, reason code: success").startsWith(0x20, 0, 0);
			assertThat((String) properties(connAck, 3).get(0x12)).as("assigned client identifier").startsWith("auto-");
		}
	}

	@Test
	void thisLibrarysClientAndPahoTalkThroughIt() throws Exception {
		LinkedBlockingQueue<String> pahoGot = new LinkedBlockingQueue<>();
		var p = paho("paho", 30);
		p.subscribe("from/ours", 1, into(pahoGot));
		MqttConnection ours = MqttClient.create("mqtt://127.0.0.1:" + broker.port()).clientId("ours").connect()
				.block(Duration.ofSeconds(10));
		try {
			LinkedBlockingQueue<MqttMessage> oursGot = new LinkedBlockingQueue<>();
			java.util.concurrent.CountDownLatch granted = new java.util.concurrent.CountDownLatch(1);
			var d = ours.subscribe("from/paho", 1, q -> granted.countDown()).subscribe(oursGot::add);
			assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
			ours.publish("from/ours", "hi paho".getBytes(UTF_8), 1, false).block(Duration.ofSeconds(10));
			assertThat(take(pahoGot)).isEqualTo("from/ours=hi paho@1");
			p.publish("from/paho", "hi mongoose".getBytes(UTF_8), 1, false);
			MqttMessage m = oursGot.poll(10, TimeUnit.SECONDS);
			assertThat(m).isNotNull();
			assertThat(m.payloadAsString()).isEqualTo("hi mongoose");
			d.dispose();
		}
		finally {
			ours.disconnect().block(Duration.ofSeconds(10));
		}
	}

	@Test
	void aSubscriberThatDoesNotReadHoldsUpNeitherItsPublishersNorTheOtherSubscribers() throws Exception {
		int count = 5000;
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		var healthy = paho("healthy", 30);
		healthy.subscribe("load/#", 1, (t, m) -> got.add(t));
		try (Socket stalled = new Socket()) {
			stalled.setReceiveBufferSize(4096);
			stalled.connect(new java.net.InetSocketAddress("127.0.0.1", broker.port()));
			stalled.setSoTimeout(10_000);
			OutputStream out = stalled.getOutputStream();
			out.write(connect(4, 0x02, 0, "stalled", null, null));
			out.write(new byte[] {(byte) 0x82, 11, 0, 1, 0, 6, 'l', 'o', 'a', 'd', '/', '#', 0}); // SUBSCRIBE load/# QoS 0
			InputStream in = stalled.getInputStream();
			assertThat(in.readNBytes(9)).as("CONNACK, SUBACK").containsExactly(0x20, 2, 0, 0, 0x90, 3, 0, 1, 0);
			// from here on the stalled subscriber reads nothing, while 20 MB are published for it
			var publisher = paho("publisher", 2);
			byte[] payload = new byte[4096];
			for (int i = 0; i < count; i++) {
				payload[0] = (byte) (i >> 8);
				payload[1] = (byte) i;
				publisher.publish("load/data", payload, 0, false);
			}
			publisher.publish("load/end", new byte[] {(byte) (count >> 8), (byte) count}, 1, false); // PUBACK came
			for (int i = 0; i <= count; i++) {
				assertThat(take(got)).as("the healthy subscriber loses nothing").isEqualTo(i < count ? "load/data" : "load/end");
			}
			assertThat(broker.droppedMessages()).as("dropped for the stalled subscriber").isPositive();
			Thread.sleep(5000); // 2.5 keep-alives of the publisher: its pings were answered
			assertThat(publisher.isConnected()).isTrue();
			publisher.publish("load/end", new byte[] {(byte) (count >> 8), (byte) count}, 1, false);
			assertThat(take(got)).isEqualTo("load/end");

			// the stalled subscriber, once it reads, gets what was given to it, in order, and no more
			stalled.setSoTimeout(1000);
			List<Integer> seen = new ArrayList<>();
			var data = new java.io.DataInputStream(in);
			try {
				while (true) {
					int type = data.readUnsignedByte();
					int length = 0;
					for (int shift = 0;; shift += 7) {
						int b = data.readUnsignedByte();
						length |= (b & 0x7F) << shift;
						if (b < 0x80) {
							break;
						}
					}
					byte[] body = data.readNBytes(length);
					assertThat(type).as("a QoS 0 PUBLISH").isEqualTo(0x30);
					int topicLength = (body[0] & 0xFF) << 8 | body[1] & 0xFF;
					seen.add((body[2 + topicLength] & 0xFF) << 8 | body[3 + topicLength] & 0xFF);
				}
			}
			catch (java.net.SocketTimeoutException quiet) {
				// all of it read
			}
			assertThat(seen.size()).as("delivered + dropped = published").isEqualTo(count + 2 - broker.droppedMessages());
			assertThat(seen).isSorted();
			assertThat(seen.get(0)).isZero();
		}
	}

	@Test
	void aSubscriberThatTakesNothingForTheWriteTimeoutIsReset() throws Exception {
		broker.disposeNow();
		broker = MqttBroker.start("127.0.0.1", 0, Duration.ofSeconds(1));
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		LinkedBlockingQueue<String> wills = new LinkedBlockingQueue<>();
		paho("healthy", 30).subscribe("load/#", 1, (t, m) -> got.add(t));
		paho("watcher", 30).subscribe("wills/#", 1, into(wills));
		try (Socket stalled = new Socket()) {
			stalled.setReceiveBufferSize(4096);
			stalled.connect(new java.net.InetSocketAddress("127.0.0.1", broker.port()));
			stalled.setSoTimeout(10_000);
			OutputStream out = stalled.getOutputStream();
			out.write(connect(4, 0x06, 0, "stalled", "wills/stalled", "gone")); // clean session, a will
			out.write(new byte[] {(byte) 0x82, 11, 0, 1, 0, 6, 'l', 'o', 'a', 'd', '/', '#', 0}); // SUBSCRIBE load/# QoS 0
			InputStream in = stalled.getInputStream();
			assertThat(in.readNBytes(9)).as("CONNACK, SUBACK").containsExactly(0x20, 2, 0, 0, 0x90, 3, 0, 1, 0);
			var publisher = paho("publisher", 30);
			byte[] payload = new byte[4096];
			for (int i = 0; i < 2000; i++) { // 8 MB for a subscriber that reads nothing
				publisher.publish("load/data", payload, 0, false);
			}
			publisher.publish("load/end", new byte[1], 1, false);
			for (int i = 0; i <= 2000; i++) {
				assertThat(take(got)).as("the healthy subscriber loses nothing").isEqualTo(i < 2000 ? "load/data" : "load/end");
			}
			// the stalled one took nothing for a second: reset, and its will published
			assertThat(take(wills)).isEqualTo("wills/stalled=gone@0");
			long n = io.github.reactormongoose.testing.RawHttp.countUntilClosed(in);
			assertThat(n).as("what it had in its socket before the reset").isLessThan(8L << 20);
			assertThat(publisher.isConnected()).isTrue();
		}
	}

	/** An MQTT 5 CONNECT of {@code clientId} with the given properties (whole, with their length). */
	private static byte[] connect5(String clientId, int... properties) {
		var body = new java.io.ByteArrayOutputStream();
		body.writeBytes(new byte[] {0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 30});
		for (int b : properties) {
			body.write(b);
		}
		string(body, clientId);
		return packet(0x10, body.toByteArray());
	}

	/** An MQTT 5 SUBSCRIBE (packet id 1) of one filter at QoS 1, with the given properties (whole). */
	private static byte[] subscribe5(String filter, int... properties) {
		var body = new java.io.ByteArrayOutputStream();
		body.writeBytes(new byte[] {0, 1});
		for (int b : properties) {
			body.write(b);
		}
		string(body, filter);
		body.write(1);
		return packet(0x82, body.toByteArray());
	}

	/**
	 * Without Subscription Identifiers Available and Shared Subscription Available in CONNACK
	 * an MQTT 5 client takes both as supported (5.0, sections 3.2.2.3.12 and 3.2.2.3.13), but the
	 * broker delivers neither: a {@code $share/} subscription was granted and never delivered,
	 * and subscription identifiers were left out of the PUBLISHes. CONNACK now says 0 for both,
	 * and such subscriptions are refused in SUBACK with 0x9E and 0xA1.
	 */
	@Test
	void anMqtt5ClientIsToldThereAreNoSharedSubscriptionsNorSubscriptionIdentifiers() throws Exception {
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect(5, 0x02, 30, "nofeatures", null, null));
			byte[] connAck = read(in);
			assertThat(connAck).as("CONNACK 0").startsWith(0x20, 0, 0);
			assertThat(properties(connAck, 3)).as("subscription identifiers, shared subscriptions available")
					.containsEntry(0x29, 0).containsEntry(0x2A, 0);
			out.write(subscribe5("$share/g/t", 0));
			assertThat(read(in)).as("SUBACK 0x9E").containsExactly(0x90, 0, 1, 0, 0x9E);
			out.write(subscribe5("t", 2, 0x0B, 7));
			assertThat(read(in)).as("SUBACK 0xA1").containsExactly(0x90, 0, 1, 0, 0xA1);
			out.write(subscribe5("t", 0));
			assertThat(read(in)).as("SUBACK 1").containsExactly(0x90, 0, 1, 0, 1);
		}
	}

	/**
	 * A retained message is delivered with what is left of its Message Expiry Interval
	 * ([MQTT-3.3.2-6]), and not at all once it has passed (5.0, section 3.3.2.3.3): it was
	 * delivered for ever with the interval it came with.
	 */
	@Test
	void aRetainedMessageExpires() throws Exception {
		try (Socket p = new Socket("127.0.0.1", broker.port())) {
			p.setSoTimeout(10_000);
			p.getOutputStream().write(connect(5, 0x02, 30, "expiring", null, null));
			assertThat(read(p.getInputStream())).startsWith(0x20, 0, 0);
			var body = new java.io.ByteArrayOutputStream();
			string(body, "exp/r");
			body.writeBytes(new byte[] {5, 0x02, 0, 0, 0, 2}); // Message Expiry Interval 2 s
			body.writeBytes("soon gone".getBytes(UTF_8));
			p.getOutputStream().write(packet(0x31, body.toByteArray())); // retained, QoS 0
			try (Socket s = new Socket("127.0.0.1", broker.port())) {
				s.setSoTimeout(10_000);
				s.getOutputStream().write(connect(5, 0x02, 30, "early", null, null));
				assertThat(read(s.getInputStream())).startsWith(0x20, 0, 0);
				s.getOutputStream().write(subscribe5("exp/#", 0));
				assertThat(read(s.getInputStream())).as("SUBACK").startsWith(0x90);
				byte[] retained = read(s.getInputStream());
				assertThat(retained[0]).as("a retained PUBLISH").isEqualTo((byte) 0x31);
				int at = 1 + 2 + "exp/r".length(); // the properties, then the payload
				byte[] head = java.util.Arrays.copyOf(retained, at + 1 + retained[at]);
				assertThat((Long) properties(head, at).get(0x02)).as("what is left of 2 s").isBetween(1L, 2L);
			}
			Thread.sleep(2_100); // the interval passes
			try (Socket s = new Socket("127.0.0.1", broker.port())) {
				s.setSoTimeout(10_000);
				s.getOutputStream().write(connect(5, 0x02, 30, "late", null, null));
				assertThat(read(s.getInputStream())).startsWith(0x20, 0, 0);
				s.getOutputStream().write(subscribe5("exp/#", 0));
				assertThat(read(s.getInputStream())).as("SUBACK").startsWith(0x90);
				p.getOutputStream().write(packet(0x30, concat(utf("exp/marker"), new byte[] {0}, "m".getBytes(UTF_8))));
				byte[] next = read(s.getInputStream());
				assertThat(new String(next, 3, "exp/marker".length(), UTF_8)).as("the marker, no expired retained message")
						.isEqualTo("exp/marker");
			}
		}
	}

	private static byte[] utf(String s) {
		var out = new java.io.ByteArrayOutputStream();
		string(out, s);
		return out.toByteArray();
	}

	private static byte[] concat(byte[]... parts) {
		var out = new java.io.ByteArrayOutputStream();
		for (byte[] b : parts) {
			out.writeBytes(b);
		}
		return out.toByteArray();
	}

	/**
	 * A DISCONNECT whose reason string would make it larger than the client's Maximum Packet Size
	 * goes without it ([MQTT-3.14.2-3]): none was sent at all (the send failed with 0x95).
	 */
	@Test
	void aDisconnectFitsTheClientsMaximumPacketSize() throws Exception {
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			OutputStream out = s.getOutputStream();
			InputStream in = s.getInputStream();
			out.write(connect5("small", 5, 0x27, 0, 0, 0, 16)); // Maximum Packet Size 16
			assertThat(read(in)).as("CONNACK 0").startsWith(0x20, 0, 0);
			out.write(new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01}); // remaining length of five bytes
			byte[] disconnect = read(in);
			assertThat(disconnect).as("DISCONNECT 0x81").startsWith(0xE0, 0x81);
			assertThat(disconnect.length).as("no reason string").isLessThanOrEqualTo(3);
			assertThat(in.read()).as("closed by the broker").isEqualTo(-1);
		}
	}

	/**
	 * MQTT 3.1.1: the PUBACKs of the PUBLISHes that came before a malformed packet, in the same
	 * TCP write, go out before the close (as Mosquitto sends them); they were dropped.
	 */
	@Test
	void theAcknowledgementsBeforeAMalformedPacketAreSent() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		paho("watcher", 30).subscribe("bb/#", 0, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			var all = new java.io.ByteArrayOutputStream();
			all.writeBytes(connect(4, 0x02, 30, "beforebad", null, null));
			for (int id = 1; id <= 5; id++) {
				all.writeBytes(publish(0x32, id, "bb/" + id, "p" + id));
			}
			all.writeBytes(new byte[] {(byte) 0xF0, 0}); // type 15: reserved in 3.1.1
			s.getOutputStream().write(all.toByteArray());
			assertThat(s.getInputStream().readNBytes(4)).containsExactly(0x20, 2, 0, 0);
			for (int id = 1; id <= 5; id++) {
				assertThat(s.getInputStream().readNBytes(4)).as("PUBACK " + id).containsExactly(0x40, 2, 0, id);
			}
			assertThat(s.getInputStream().read()).as("closed by the broker").isEqualTo(-1);
		}
		for (int id = 1; id <= 5; id++) {
			assertThat(take(got)).isEqualTo("bb/" + id + "=p" + id + "@0");
		}
	}

	/**
	 * A well-formed packet that breaks the protocol gets DISCONNECT 0x82 (Protocol Error), a
	 * malformed one 0x81 (5.0, section 4.13.1): here Retain Handling 3 in SUBSCRIBE and a second
	 * CONNECT (both were 0x81).
	 */
	@Test
	void aProtocolErrorIsDisconnectedWith0x82() throws Exception {
		for (byte[] bad : List.of(retainHandling3(), connect5("again", 0))) {
			try (Socket s = new Socket("127.0.0.1", broker.port())) {
				s.setSoTimeout(10_000);
				s.getOutputStream().write(connect5("protocol", 0));
				assertThat(read(s.getInputStream())).as("CONNACK 0").startsWith(0x20, 0, 0);
				s.getOutputStream().write(bad);
				assertThat(read(s.getInputStream())).as("DISCONNECT 0x82").startsWith(0xE0, 0x82);
				assertThat(s.getInputStream().read()).as("closed by the broker").isEqualTo(-1);
			}
		}
	}

	/** An MQTT 5 SUBSCRIBE of "t" with Retain Handling 3 (options 0x31). */
	private static byte[] retainHandling3() {
		byte[] sub = subscribe5("t", 0);
		sub[sub.length - 1] = 0x31;
		return sub;
	}

	@Test
	void aMalformedPacketClosesThatConnectionOnly() throws Exception {
		LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
		var healthy = paho("healthy", 30);
		healthy.subscribe("t", 0, into(got));
		try (Socket s = new Socket("127.0.0.1", broker.port())) {
			s.setSoTimeout(10_000);
			// a remaining length of five bytes
			s.getOutputStream().write(new byte[] {0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01});
			assertThat(s.getInputStream().read()).isEqualTo(-1);
		}
		healthy.publish("t", "ok".getBytes(UTF_8), 0, false);
		assertThat(take(got)).isEqualTo("t=ok@0");
	}
}
