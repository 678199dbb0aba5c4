/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.testing.NativeLeakCheck;
import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * MQTT over TLS without Mosquitto: {@code MqttServer.secure} with this client and with Eclipse
 * Paho, QoS 0/1/2 both ways, a reconnect over TLS after the server dropped the connection,
 * the order "verify, then CONNECT" seen from a JDK TLS server, and the refusals at
 * configuration time. Certificates are made by {@code openssl} (EC P-256).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
class MqttTlsTest {

	static final Duration TIMEOUT = Duration.ofSeconds(10);

	@TempDir
	static Path dir;
	static TestPki pki;
	static TestPki.Issued localhost;

	private MongooseLoop loop;
	private DisposableServer server;
	private final AtomicInteger connects = new AtomicInteger();

	@BeforeAll
	static void certificates() throws Exception {
		pki = TestPki.root(dir, "Mqtt Test CA");
		localhost = pki.server("localhost", TestPki.KeyType.EC_P256);
	}

	@BeforeEach
	void start() {
		loop = MongooseLoop.create("mqtt-tls-test");
		server = MqttServer.create().runOn(loop).secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.handle(c -> {
					AtomicInteger ids = new AtomicInteger();
					return c.receive().concatMap(p -> answer(c, p, ids)).then();
				})
				.bindNow(TIMEOUT);
	}

	@AfterEach
	void stop() {
		server.disposeNow(TIMEOUT);
		loop.disposeNow(TIMEOUT);
	}

	/** Echoes every PUBLISH to {@code echo/TOPIC} at its QoS (the whole QoS 2 exchange both ways); "drop" closes. */
	private Mono<Void> answer(MqttServerConnection c, MqttPacket p, AtomicInteger ids) {
		if (p instanceof MqttPacket.Connect) {
			connects.incrementAndGet();
			return c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.Subscribe s) {
			return c.send(new MqttPacket.SubAck(s.packetId(),
					s.subscriptions().stream().map(MqttPacket.Subscription::qos).toList(), MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.Publish pub) {
			MqttMessage m = pub.message();
			if (m.topic().equals("drop")) {
				c.connection().close();
				return Mono.empty();
			}
			MqttMessage echo = MqttMessage.of("echo/" + m.topic(), m.payload(), m.qos(), false, m.properties());
			Mono<Void> ack = switch (m.qos()) {
				case 1 -> c.send(new MqttPacket.PubAck(pub.packetId(), 0, MqttProperties.empty()));
				case 2 -> c.send(new MqttPacket.PubRec(pub.packetId(), 0, MqttProperties.empty()));
				default -> Mono.empty();
			};
			return ack.then(c.send(new MqttPacket.Publish(m.qos() > 0 ? ids.incrementAndGet() : 0, echo)));
		}
		if (p instanceof MqttPacket.PubRel r) {
			return c.send(new MqttPacket.PubComp(r.packetId(), 0, MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.PubRec r) {
			return c.send(new MqttPacket.PubRel(r.packetId(), 0, MqttProperties.empty()));
		}
		if (p instanceof MqttPacket.PingReq) {
			return c.send(new MqttPacket.PingResp());
		}
		return Mono.empty();
	}

	private MqttClient client() {
		return MqttClient.create("mqtts://localhost:" + server.port())
				.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).runOn(loop);
	}

	@ParameterizedTest
	@EnumSource(MqttVersion.class)
	void publishAndSubscribeAtEachQosOverTls(MqttVersion v) throws Exception {
		MqttConnection c = client().version(v).connect().block(TIMEOUT);
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			CountDownLatch granted = new CountDownLatch(1);
			Disposable sub = c.subscribe("echo/#", 2, q -> granted.countDown()).subscribe(got::add);
			assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
			for (int qos = 0; qos <= 2; qos++) {
				// each Mono completes on the broker's PUBACK / PUBCOMP, over TLS
				c.publish("q" + qos, ("at qos " + qos).getBytes(UTF_8), qos, false).block(TIMEOUT);
				MqttMessage m = got.poll(10, TimeUnit.SECONDS);
				assertThat(m).isNotNull();
				assertThat(m.topic()).isEqualTo("echo/q" + qos);
				assertThat(m.payloadAsString()).isEqualTo("at qos " + qos);
				assertThat(m.qos()).isEqualTo(qos);
			}
			sub.dispose();
		}
		finally {
			c.disconnect().block(TIMEOUT);
		}
	}

	/** {@code noSSL()} on both ends: the broker and the client of this test, in clear, and Paho over tcp://. */
	@Test
	void noSslMakesTheBrokerAndTheClientPlain() throws Exception {
		DisposableServer plain = MqttServer.create().runOn(loop).secure(TlsSpec.forServer(localhost.chain(), localhost.key()))
				.noSSL()
				.handle(c -> {
					AtomicInteger ids = new AtomicInteger();
					return c.receive().concatMap(p -> answer(c, p, ids)).then();
				})
				.bindNow(TIMEOUT);
		try {
			MqttClient client = MqttClient.create("mqtts://localhost:" + plain.port())
					.secure(TlsSpec.forClient().trustedCertificates(pki.ca())).runOn(loop).noSSL();
			assertThat(client.isSecure()).isFalse();
			MqttConnection c = client.connect().block(TIMEOUT);
			try {
				LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
				CountDownLatch granted = new CountDownLatch(1);
				Disposable sub = c.subscribe("echo/#", 1, q -> granted.countDown()).subscribe(got::add);
				assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
				c.publish("clear", "in clear".getBytes(UTF_8), 1, false).block(TIMEOUT);
				MqttMessage m = got.poll(10, TimeUnit.SECONDS);
				assertThat(m).isNotNull();
				assertThat(m.payloadAsString()).isEqualTo("in clear");
				sub.dispose();
			}
			finally {
				c.disconnect().block(TIMEOUT);
			}
			org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
					"tcp://127.0.0.1:" + plain.port(), "paho-clear", new MemoryPersistence());
			paho.connect();
			assertThat(paho.isConnected()).isTrue();
			paho.disconnect();
			paho.close();
		}
		finally {
			plain.disposeNow(TIMEOUT);
		}
	}

	@Test
	void pahoTalksToTheSecureServer() throws Exception {
		org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
				"ssl://localhost:" + server.port(), "paho-tls", new MemoryPersistence());
		try {
			MqttConnectOptions o = new MqttConnectOptions();
			o.setSocketFactory(TestPki.trusting(pki.ca()).getSocketFactory());
			paho.connect(o);
			LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
			paho.subscribe("echo/#", 2, (t, m) -> got.add(t + "=" + new String(m.getPayload(), UTF_8) + "@" + m.getQos()));
			for (int qos = 0; qos <= 2; qos++) {
				paho.publish("paho" + qos, ("from paho " + qos).getBytes(UTF_8), qos, false);
				assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo("echo/paho" + qos + "=from paho " + qos + "@" + qos);
			}
			paho.disconnect();
		}
		finally {
			paho.close();
		}
	}

	/**
	 * A broker that requires client certificates knows, from the first packet on, which device
	 * connected: the handler starts after the handshake, and connection().peerCertificates()
	 * is the chain the client (Paho, with the JDK's TLS) authenticated with. The broker names
	 * the device in the CONNACK's reason string.
	 */
	@Test
	void aBrokerRequiringClientCertificatesKnowsTheDevice() throws Exception {
		TestPki.Issued device = pki.client("sensor-17", TestPki.KeyType.EC_P256);
		List<String> devices = new java.util.concurrent.CopyOnWriteArrayList<>();
		DisposableServer strict = MqttServer.create().runOn(loop)
				.secure(TlsSpec.forServer(localhost.chain(), localhost.key()).clientAuth(TlsSpec.ClientAuth.REQUIRE)
						.trustedCertificates(pki.ca()))
				.handle(c -> {
					String who = c.connection().peerCertificates().get(0).getSubjectX500Principal().getName();
					return c.receive().concatMap(p -> {
						if (p instanceof MqttPacket.Connect connect) {
							devices.add(who + " as " + connect.clientId());
						}
						return answer(c, p, new AtomicInteger());
					}).then();
				})
				.bindNow(TIMEOUT);
		try {
			org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
					"ssl://localhost:" + strict.port(), "paho-device", new MemoryPersistence());
			try {
				MqttConnectOptions o = new MqttConnectOptions();
				o.setSocketFactory(TestPki.presenting(device, pki.ca()).getSocketFactory());
				paho.connect(o);
				paho.publish("reading", "21.5".getBytes(UTF_8), 1, false);
				paho.disconnect();
			}
			finally {
				paho.close();
			}
			assertThat(devices).containsExactly("CN=sensor-17 as paho-device");
			// without a certificate the handshake fails and no packet reaches the handler
			org.eclipse.paho.client.mqttv3.MqttClient anonymous = new org.eclipse.paho.client.mqttv3.MqttClient(
					"ssl://localhost:" + strict.port(), "paho-anonymous", new MemoryPersistence());
			try {
				MqttConnectOptions o = new MqttConnectOptions();
				o.setSocketFactory(TestPki.trusting(pki.ca()).getSocketFactory());
				o.setConnectionTimeout(10);
				assertThatThrownBy(() -> anonymous.connect(o)).isInstanceOf(org.eclipse.paho.client.mqttv3.MqttException.class);
			}
			finally {
				anonymous.close();
			}
			assertThat(devices).containsExactly("CN=sensor-17 as paho-device");
		}
		finally {
			strict.disposeNow(TIMEOUT);
		}
	}

	@Test
	void aDroppedConnectionIsOpenedAgainWithTlsAndTheSubscriptionGoesOn() throws Exception {
		MqttConnection c = client().reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).connect().block(TIMEOUT);
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			AtomicInteger grants = new AtomicInteger();
			Disposable sub = c.subscribe("echo/#", 1, q -> grants.incrementAndGet()).subscribe(got::add);
			MqttClientInteropTest.await(() -> grants.get() == 1);
			c.publish("before", new byte[] {1}, 1, false).block(TIMEOUT);
			assertThat(got.poll(10, TimeUnit.SECONDS).topic()).isEqualTo("echo/before");

			c.publish("drop", new byte[0], 0, false).block(TIMEOUT); // the server closes this connection
			MqttClientInteropTest.await(() -> grants.get() == 2 && c.isConnected()); // a new TLS connection, CONNECT, SUBSCRIBE again
			assertThat(connects.get()).isEqualTo(2);
			c.publish("after", new byte[] {2}, 1, false).block(TIMEOUT);
			assertThat(got.poll(10, TimeUnit.SECONDS).topic()).isEqualTo("echo/after");
			sub.dispose();
		}
		finally {
			c.disconnect().block(TIMEOUT);
		}
	}

	/**
	 * {@code DisposableServer.updateTls} on a running MQTT server, as when a broker's certificate
	 * is renewed: a client that connects after the update is served the new certificate (one that
	 * trusts only the new CA connects and gets its echo, one that trusts only the old CA is
	 * refused before CONNECT), and a session opened before goes on over its connection, with
	 * what it started with (a QoS 1 round trip after the update, no reconnect).
	 */
	@Test
	void updateTlsServesTheNewCertificateToNewClientsWhileOpenSessionsGoOn() throws Exception {
		TestPki renewedCa = TestPki.root(dir, "Renewed Mqtt CA");
		TestPki.Issued renewed = renewedCa.server("localhost", TestPki.KeyType.EC_P256);
		MqttConnection before = client().connect().block(TIMEOUT);
		try {
			LinkedBlockingQueue<MqttMessage> got = new LinkedBlockingQueue<>();
			CountDownLatch granted = new CountDownLatch(1);
			Disposable sub = before.subscribe("echo/#", 1, q -> granted.countDown()).subscribe(got::add);
			assertThat(granted.await(10, TimeUnit.SECONDS)).isTrue();
			before.publish("one", "before".getBytes(UTF_8), 1, false).block(TIMEOUT);
			assertThat(got.poll(10, TimeUnit.SECONDS).topic()).isEqualTo("echo/one");

			server.updateTls(TlsSpec.forServer(renewed.chain(), renewed.key())).block(TIMEOUT);

			MqttConnection after = MqttClient.create("mqtts://localhost:" + server.port())
					.secure(TlsSpec.forClient().trustedCertificates(renewedCa.ca())).runOn(loop).connect().block(TIMEOUT);
			try {
				LinkedBlockingQueue<MqttMessage> echoed = new LinkedBlockingQueue<>();
				CountDownLatch afterGranted = new CountDownLatch(1);
				after.subscribe("echo/#", 1, q -> afterGranted.countDown()).subscribe(echoed::add);
				assertThat(afterGranted.await(10, TimeUnit.SECONDS)).isTrue();
				after.publish("two", "after".getBytes(UTF_8), 1, false).block(TIMEOUT);
				assertThat(echoed.poll(10, TimeUnit.SECONDS).payloadAsString()).isEqualTo("after");
			}
			finally {
				after.disconnect().block(TIMEOUT);
			}
			assertThatThrownBy(() -> client().connect().block(TIMEOUT)).isInstanceOf(MongooseException.class)
					.hasMessageContaining("untrusted server certificate (CN=localhost)");

			before.publish("three", "still".getBytes(UTF_8), 1, false).block(TIMEOUT);
			MqttMessage m = got.poll(10, TimeUnit.SECONDS);
			assertThat(m.topic()).isEqualTo("echo/three");
			assertThat(m.payloadAsString()).isEqualTo("still");
			assertThat(before.isConnected()).isTrue();
			assertThat(connects.get()).as("CONNECTs: before's once, after's").isEqualTo(2);
			sub.dispose();
		}
		finally {
			before.disconnect().block(TIMEOUT);
		}
	}

	/**
	 * A JDK TLS server that reads what one client sends until it goes: with a trusted
	 * certificate the first bytes are CONNECT (answered with CONNACK); with one the client does
	 * not trust, nothing: the check ends the connection before CONNECT is written.
	 */
	@Test
	void connectIsSentOnlyAfterTheBrokerCertificateIsVerified() throws Exception {
		TestPki stranger = TestPki.root(dir, "Stranger CA");
		TestPki.Issued foreign = stranger.server("localhost", TestPki.KeyType.EC_P256);
		TlsSpec trustingOurCa = TlsSpec.forClient().trustedCertificates(pki.ca());

		try (SSLServerSocket trusted = jdkServer(localhost)) {
			CompletableFuture<byte[]> seen = readOneClient(trusted, true);
			MqttConnection c = MqttClient.create("mqtts://localhost:" + trusted.getLocalPort()).secure(trustingOurCa)
					.runOn(loop).connect().block(TIMEOUT);
			c.disconnect().block(TIMEOUT);
			byte[] bytes = seen.get(10, TimeUnit.SECONDS);
			assertThat(bytes[0]).as("CONNECT").isEqualTo((byte) 0x10);
			assertThat(bytes[bytes.length - 2]).as("DISCONNECT").isEqualTo((byte) 0xE0);
		}
		try (SSLServerSocket untrusted = jdkServer(foreign)) {
			CompletableFuture<byte[]> seen = readOneClient(untrusted, false);
			assertThatThrownBy(() -> MqttClient.create("mqtts://localhost:" + untrusted.getLocalPort())
					.secure(trustingOurCa).runOn(loop).connect().block(TIMEOUT))
					.isInstanceOf(MongooseException.class)
					.hasMessageContaining("untrusted server certificate (CN=localhost)");
			assertThat(seen.get(10, TimeUnit.SECONDS)).as("bytes the client sent").isEmpty();
		}
	}

	private static SSLServerSocket jdkServer(TestPki.Issued cert) throws Exception {
		String pem = Files.readString(cert.key()).replaceAll("-----[A-Z ]+-----|\\s", "");
		PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
		List<Certificate> chain;
		try (InputStream in = Files.newInputStream(cert.chain())) {
			chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
		}
		KeyStore ks = KeyStore.getInstance("PKCS12");
		ks.load(null, null);
		ks.setKeyEntry("server", key, new char[0], chain.toArray(new Certificate[0]));
		KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		kmf.init(ks, new char[0]);
		SSLContext ctx = SSLContext.getInstance("TLS");
		ctx.init(kmf.getKeyManagers(), null, null);
		return (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
	}

	/** Accepts one client and collects its application bytes until it closes (or the handshake fails). */
	private static CompletableFuture<byte[]> readOneClient(SSLServerSocket server, boolean connAck) {
		return CompletableFuture.supplyAsync(() -> {
			ByteArrayOutputStream got = new ByteArrayOutputStream();
			try (SSLSocket s = (SSLSocket) server.accept()) {
				s.setSoTimeout(10_000);
				InputStream in = s.getInputStream();
				if (connAck) {
					// CONNECT of this client is short: one byte of remaining length
					int first = in.read();
					got.write(first);
					int length = in.read();
					got.write(length);
					got.write(in.readNBytes(length));
					s.getOutputStream().write(new byte[] {0x20, 2, 0, 0});
				}
				int b;
				while ((b = in.read()) >= 0) {
					got.write(b);
				}
			}
			catch (IOException e) {
				// the client ended the handshake or reset the connection: what came so far counts
			}
			return got.toByteArray();
		});
	}

	@Test
	void urlsAndRefusalsAtConfigurationTime() throws Exception {
		assertThat(MqttClient.create("mqtts://broker.example").port()).isEqualTo(8883);
		assertThat(MqttClient.create("mqtts://broker.example").isSecure()).isTrue();
		assertThat(MqttClient.create("ssl://broker.example:9883").port()).isEqualTo(9883);
		assertThat(MqttClient.create("mqtt://broker.example").port()).isEqualTo(1883);
		assertThat(MqttClient.create("mqtt://broker.example").isSecure()).isFalse();
		assertThat(MqttClient.create("mqtt://broker.example").secure(TlsSpec.forClient()).isSecure()).isTrue();
		assertThatThrownBy(() -> MqttClient.create("https://broker.example"))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mqtts://");

		TlsSpec serverSpec = TlsSpec.forServer(localhost.chain(), localhost.key());
		assertThatThrownBy(() -> MqttClient.create("mqtts://localhost").secure(serverSpec))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a client spec");
		assertThatThrownBy(() -> MqttServer.create().secure(TlsSpec.forClient()))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a server spec");

		// what Mongoose's built-in TLS cannot do is refused here, not in the handshake
		// (an RSA key below 2,048 bits: the stack signs with 2,048 to 4,096)
		TestPki.Issued rsa = pki.server("rsa-server", TestPki.KeyType.RSA_1024);
		assertThatThrownBy(() -> MqttServer.create().secure(TlsSpec.forServer(rsa.chain(), rsa.key())))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSA");
		TestPki.Issued rsaClient = pki.client("rsa-client", TestPki.KeyType.RSA_1024);
		assertThatThrownBy(() -> MqttClient.create("mqtts://localhost")
				.secure(TlsSpec.forClient().keyCertificate(rsaClient.cert(), rsaClient.key())))
				.isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RSA");
	}
}
