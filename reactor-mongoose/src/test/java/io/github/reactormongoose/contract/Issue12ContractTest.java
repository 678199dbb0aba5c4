/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.contract;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttConnection;
import io.github.reactormongoose.mqtt.MqttMessage;
import io.github.reactormongoose.mqtt.MqttPacket;
import io.github.reactormongoose.mqtt.MqttProperties;
import io.github.reactormongoose.mqtt.MqttServer;
import io.github.reactormongoose.mqtt.MqttVersion;
import io.github.reactormongoose.testing.NativeLeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Issue 12 ("MQTT client as Reactor streams ... plus a broker that really routes"): the
 * client sample of the issue, verbatim but for the broker's port, against Moquette (a real
 * broker embedded from Maven Central, so the test runs everywhere), and {@code MqttServer} as
 * a {@code Flux} of decoded packets with reply operations.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(NativeLeakCheck.class)
class Issue12ContractTest {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private io.moquette.broker.Server broker;
	private int port;

	@BeforeEach
	void startBroker() throws IOException {
		try (ServerSocket s = new ServerSocket(0)) {
			port = s.getLocalPort();
		}
		start();
	}

	private void start() throws IOException {
		Properties p = new Properties();
		p.setProperty("host", "127.0.0.1");
		p.setProperty("port", Integer.toString(port));
		p.setProperty("allow_anonymous", "true");
		p.setProperty("persistence_enabled", "false");
		broker = new io.moquette.broker.Server();
		broker.startServer(p);
	}

	@AfterEach
	void stopBroker() throws InterruptedException {
		stop();
	}

	/**
	 * Stops the broker. Moquette's stopServer returns only after Netty's graceful shutdown has
	 * waited out its 2 s quiet period, long after the port is closed: it runs on a daemon thread
	 * of its own, and this waits only for the port to close, which is what a restart on the same
	 * port needs (as the Moquette of the MQTT tests' MqttBrokers does).
	 */
	private void stop() throws InterruptedException {
		Thread t = new Thread(broker::stopServer, "moquette-stop");
		t.setDaemon(true);
		t.start();
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			try (Socket s = new Socket()) {
				s.connect(new InetSocketAddress("127.0.0.1", port), 200);
			}
			catch (IOException closed) {
				return;
			}
			Thread.sleep(20);
		}
		throw new AssertionError("the broker's port " + port + " is still open");
	}

	@Test
	void theClientSampleOfTheIssue() throws Exception {
		byte[] payload = "21.5".getBytes(UTF_8);

		MqttClient client = MqttClient.create("mqtt://127.0.0.1:" + port)
				.clientId("sensor-1").credentials("user", "pass".getBytes(UTF_8))
				.keepAlive(Duration.ofSeconds(30)).cleanSession(true)
				.will("status/sensor-1", "offline".getBytes(UTF_8), 1, true)
				.version(MqttVersion.V3_1_1 /* or V5 */);
		Mono<MqttConnection> c = client.connect();
		MqttConnection conn = c.block(TIMEOUT);
		assertThat(conn.isConnected()).isTrue();

		Flux<MqttMessage> m = conn.subscribe("t/#", 1); // SUBACK checked; cancelling unsubscribes
		LinkedBlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
		Disposable subscription = m.subscribe(received::add);
		MqttMessage first = null;
		for (int i = 0; i < 50 && first == null; i++) { // until the broker has the subscription
			Mono<Void> published = conn.publish("t/a", payload, 1, false); // Mono<Void>: QoS1 on PUBACK
			published.block(TIMEOUT);
			first = received.poll(100, TimeUnit.MILLISECONDS);
		}
		assertThat(first).as("a message on t/a through the t/# subscription").isNotNull();
		assertThat(first.topic()).isEqualTo("t/a");
		byte[] bytes = first.payload();
		assertThat(bytes).isEqualTo(payload);
		assertThat(first.qos()).isEqualTo(1);
		assertThat(first.retain()).isFalse();
		assertThat(first.duplicate()).isFalse();
		subscription.dispose();

		Mono<Void> disconnected = conn.disconnect(); // Mono<Void>, clean DISCONNECT
		disconnected.block(TIMEOUT);
		conn.onClose().block(TIMEOUT);
		assertThat(conn.isConnected()).isFalse();
	}

	@Test
	void reconnectTakesAMinimumAndAMaximumDelay() throws Exception {
		MqttClient client = MqttClient.create("mqtt://127.0.0.1:" + port).reconnect(Duration.ofMillis(50), Duration.ofSeconds(2));
		MqttConnection conn = client.connect().block(TIMEOUT);
		try {
			stop();
			long deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (conn.isConnected() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			assertThat(conn.isConnected()).isFalse();
			start();
			deadline = System.nanoTime() + TIMEOUT.toNanos();
			while (!conn.isConnected() && System.nanoTime() < deadline) {
				Thread.sleep(20);
			}
			assertThat(conn.isConnected()).as("reconnected by itself").isTrue();
		}
		finally {
			conn.disconnect().block(TIMEOUT);
		}
	}

	@Test
	void mqttServerIsAFluxOfDecodedPacketsWithReplyOperations() {
		LinkedBlockingQueue<MqttPacket> packets = new LinkedBlockingQueue<>();
		DisposableServer server = MqttServer.create().host("127.0.0.1").port(0)
				.handle(c -> c.receive().doOnNext(packets::add).concatMap(packet -> {
					if (packet instanceof MqttPacket.Connect) {
						return c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
					}
					if (packet instanceof MqttPacket.Publish p && p.packetId() != 0) {
						return c.send(new MqttPacket.PubAck(p.packetId(), 0, MqttProperties.empty()));
					}
					return Mono.empty();
				}))
				.bindNow();
		try {
			// the builder of the issue's sample puts every option into CONNECT
			MqttConnection conn = MqttClient.create("mqtt://127.0.0.1:" + server.port())
					.clientId("sensor-1").credentials("user", "pass".getBytes(UTF_8))
					.keepAlive(Duration.ofSeconds(30)).cleanSession(true)
					.will("status/sensor-1", "offline".getBytes(UTF_8), 1, true)
					.version(MqttVersion.V3_1_1)
					.connect().block(TIMEOUT);
			conn.publish("t/a", "x".getBytes(UTF_8), 1, false).block(TIMEOUT); // completes on the server's PUBACK
			conn.disconnect().block(TIMEOUT);
			MqttPacket.Connect connect = (MqttPacket.Connect) packets.poll();
			assertThat(connect.version()).isEqualTo(MqttVersion.V3_1_1);
			assertThat(connect.clientId()).isEqualTo("sensor-1");
			assertThat(connect.username()).isEqualTo("user");
			assertThat(connect.password()).isEqualTo("pass".getBytes(UTF_8));
			assertThat(connect.keepAliveSeconds()).isEqualTo(30);
			assertThat(connect.cleanSession()).isTrue();
			assertThat(connect.will().topic()).isEqualTo("status/sensor-1");
			assertThat(connect.will().payloadAsString()).isEqualTo("offline");
			assertThat(connect.will().qos()).isEqualTo(1);
			assertThat(connect.will().retain()).isTrue();
			MqttPacket.Publish publish = (MqttPacket.Publish) packets.poll();
			assertThat(publish.message().topic()).isEqualTo("t/a");
			assertThat(publish.message().qos()).isEqualTo(1);
		}
		finally {
			server.disposeNow();
		}
	}
}
