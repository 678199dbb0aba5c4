/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import io.github.reactormongoose.testing.TestPki;
import io.github.reactormongoose.tls.TlsSpec;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Assumptions;

/**
 * Real brokers nobody here wrote, on a free port of 127.0.0.1: Mosquitto from Debian's package
 * (a process with a generated config, optionally with a TLS listener; tests that need it skip
 * with a notice where it is not installed) and Moquette, embedded, so that the suite runs everywhere.
 */
final class MqttBrokers {

	static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");

	private MqttBrokers() {
	}

	/** A broker that can be stopped and started again on the same port. */
	interface Broker extends AutoCloseable {

		String name();

		int port();

		default String url() {
			return "mqtt://127.0.0.1:" + port();
		}

		/** The client for {@link #url()} with what this broker needs (TLS trust). */
		default MqttClient client() {
			return MqttClient.create(url());
		}

		/** A connected socket that speaks to the broker's listener (TLS for a TLS broker). */
		default Socket socket() throws IOException {
			return new Socket("127.0.0.1", port());
		}

		/** An Eclipse Paho client of this broker (its options set up for TLS if needed). */
		default org.eclipse.paho.client.mqttv3.MqttClient paho(String clientId, MqttConnectOptions options)
				throws MqttException {
			return new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + port(), clientId,
					new MemoryPersistence());
		}

		/** Whether it speaks MQTT 5. */
		boolean v5();

		/** Runs after a client of the tests got its CONNACK, before it goes on. */
		default void afterConnect() {
		}

		/** Whether a retained message sent to a new subscription carries the RETAIN flag. */
		default boolean setsRetainFlag() {
			return v5();
		}

		void stop();

		void start();

		@Override
		default void close() {
			stop();
		}
	}

	static int freePort() {
		try (ServerSocket s = new ServerSocket(0)) {
			return s.getLocalPort();
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
	}

	static void awaitPort(int port, boolean open) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() < deadline) {
			try (Socket s = new Socket()) {
				s.connect(new InetSocketAddress("127.0.0.1", port), 200);
				if (open) {
					return;
				}
			}
			catch (IOException e) {
				if (!open) {
					return;
				}
			}
			pause(20);
		}
		throw new IllegalStateException("port " + port + " did not " + (open ? "open" : "close"));
	}

	/** Sleeps between two checks of a broker's start or stop. */
	private static void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}

	/** Skips the calling test, with a notice on stderr, when Mosquitto is not installed. */
	static void assumeMosquitto() {
		if (!Files.isExecutable(MOSQUITTO)) {
			System.err.println("NOTICE: " + MOSQUITTO + " not installed (Debian package mosquitto): skipping the Mosquitto MQTT tests");
		}
		Assumptions.assumeTrue(Files.isExecutable(MOSQUITTO), "Mosquitto is not installed");
	}

	static Broker mosquitto() {
		assumeMosquitto();
		return startOnAFreePort(() -> new Mosquitto(freePort()));
	}

	/** Mosquitto with its own limits (20 messages in flight, 1,000 queued), as installed. */
	static Broker mosquittoAsInstalled() {
		assumeMosquitto();
		return startOnAFreePort(() -> new Mosquitto(freePort(), "", ""));
	}

	/**
	 * Mosquitto with more settings ({@code options}: config lines, {@code max_qos 1} say), after
	 * the limits of {@link #mosquitto()}.
	 */
	static Broker mosquittoWith(String options) {
		assumeMosquitto();
		return startOnAFreePort(() -> new Mosquitto(freePort(), "", "max_inflight_messages 100\nmax_queued_messages 20000\n" + options));
	}

	/**
	 * Starts a broker on a port that was free a moment ago; another process may have taken it in
	 * between (the broker then fails to bind), so a few fresh ports are tried.
	 */
	private static Broker startOnAFreePort(java.util.function.Supplier<Mosquitto> broker) {
		for (int attempt = 1;; attempt++) {
			Mosquitto m = broker.get();
			try {
				m.start();
				return m;
			}
			catch (PortTakenException e) {
				m.stop();
				if (attempt == 3) {
					throw e;
				}
			}
		}
	}

	/** The broker could not bind its port. */
	private static final class PortTakenException extends IllegalStateException {

		PortTakenException(String message) {
			super(message);
		}
	}

	/**
	 * Mosquitto with a TLS listener only: the server certificate {@code server} (for
	 * localhost), clients trust {@code ca}. Its TLS settings are the defaults: TLS 1.3 with
	 * OpenSSL's suites and groups, which include what Mongoose's client needs
	 * (TLS_AES_128_GCM_SHA256, X25519).
	 */
	static Broker mosquittoTls(Path ca, TestPki.Issued server) {
		return mosquittoTls(ca, server, "");
	}

	/** The same with more listener options, for example {@code require_certificate true}. */
	static Broker mosquittoTls(Path ca, TestPki.Issued server, String options) {
		assumeMosquitto();
		return startOnAFreePort(() -> new TlsMosquitto(freePort(), ca, server, options));
	}

	static Broker moquette() {
		Moquette m = new Moquette();
		m.start();
		return m;
	}

	private static class Mosquitto implements Broker {

		private final int port;
		private final Path config;
		private final Path log;
		private Process process;

		Mosquitto(int port) {
			this(port, "");
		}

		/** {@code listenerOptions}: lines that follow the listener line (its TLS settings). */
		Mosquitto(int port, String listenerOptions) {
			this(port, listenerOptions, "max_inflight_messages 100\nmax_queued_messages 20000\n");
		}

		/** {@code limits}: the broker's limits (Mosquitto's defaults where empty). */
		Mosquitto(int port, String listenerOptions, String limits) {
			this.port = port;
			try {
				config = Files.createTempFile("mosquitto-", ".conf");
				log = Files.createTempFile("mosquitto-", ".log");
				log.toFile().deleteOnExit();
				// run as root, mosquitto would switch to the user "mosquitto", who cannot read the
				// test's key files; as anyone else it ignores the line
				Files.writeString(config, "user " + System.getProperty("user.name") + "\n"
						+ "listener " + port + " 127.0.0.1\n" + listenerOptions
						+ "allow_anonymous true\npersistence false\n" + limits);
				config.toFile().deleteOnExit();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		}

		@Override
		public String name() {
			return "mosquitto";
		}

		@Override
		public int port() {
			return port;
		}

		@Override
		public boolean v5() {
			return true;
		}

		@Override
		public void start() {
			try {
				process = new ProcessBuilder(MOSQUITTO.toString(), "-c", config.toString())
						.redirectErrorStream(true).redirectOutput(log.toFile()).start();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
			// "running" is logged once every listener is bound; "Address already in use" and an
			// exit when the port was taken (then a port that answers is someone else's)
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!output().contains(" running")) {
				if (output().contains("Address already in use")) {
					throw new PortTakenException("port " + port + " was taken; mosquitto's output:\n" + output());
				}
				if (!process.isAlive() || System.nanoTime() > deadline) {
					throw new IllegalStateException("mosquitto did not start on port " + port + "; its output:\n" + output());
				}
				pause(20);
			}
			awaitPort(port, true);
		}

		private String output() {
			try {
				return Files.readString(log);
			}
			catch (IOException e) {
				return e.toString();
			}
		}

		@Override
		public void stop() {
			if (process != null) {
				process.destroy();
				try {
					if (!process.waitFor(5, TimeUnit.SECONDS)) {
						process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
					}
				}
				catch (InterruptedException e) {
					Thread.currentThread().interrupt();
				}
				process = null;
			}
		}
	}

	/** Mosquitto with a TLS listener; clients connect to localhost and trust {@code ca}. */
	private static final class TlsMosquitto extends Mosquitto {

		private final Path ca;

		TlsMosquitto(int port, Path ca, TestPki.Issued server, String options) {
			// OpenSSL's defaults: TLS 1.2 and 1.3, and TLS 1.3 with what Mongoose's client needs
			super(port, "cafile " + ca + "\ncertfile " + server.chain() + "\nkeyfile " + server.key() + "\n" + options);
			this.ca = ca;
		}

		@Override
		public String name() {
			return "mosquitto-tls";
		}

		@Override
		public String url() {
			return "mqtts://localhost:" + port();
		}

		@Override
		public MqttClient client() {
			return MqttClient.create(url()).secure(TlsSpec.forClient().trustedCertificates(ca));
		}

		private SSLContext trusting() {
			try {
				return TestPki.trusting(ca);
			}
			catch (Exception e) {
				throw new IllegalStateException(e);
			}
		}

		@Override
		public Socket socket() throws IOException {
			return trusting().getSocketFactory().createSocket("localhost", port());
		}

		@Override
		public org.eclipse.paho.client.mqttv3.MqttClient paho(String clientId, MqttConnectOptions options)
				throws MqttException {
			options.setSocketFactory(trusting().getSocketFactory());
			return new org.eclipse.paho.client.mqttv3.MqttClient("ssl://localhost:" + port(), clientId,
					new MemoryPersistence());
		}
	}

	private static final class Moquette implements Broker {

		/**
		 * Chosen by the broker itself at its first start (port 0), so no other process can take
		 * it first; a restart binds the same port again, so that clients can reconnect.
		 */
		private int port;
		private io.moquette.broker.Server server;

		@Override
		public String name() {
			return "moquette";
		}

		@Override
		public int port() {
			return port;
		}

		@Override
		public boolean v5() {
			return false;
		}

		/**
		 * Moquette 0.17 writes CONNACK from its session thread and only then adds the listener
		 * that marks the connection connected ({@code MQTTConnection.executeConnect}); a SUBSCRIBE
		 * read before that listener ran is taken for one "on an already closed connection" and
		 * the connection is dropped without SUBACK. Our client subscribes the moment CONNACK
		 * arrives, so under load it hit that window (no SUBACK within 10 s, about once per
		 * full suite run). Give the listener time to run.
		 */
		@Override
		public void afterConnect() {
			pause(100);
		}

		@Override
		public void start() {
			Properties p = new Properties();
			p.setProperty("host", "127.0.0.1");
			p.setProperty("port", Integer.toString(port));
			p.setProperty("allow_anonymous", "true");
			p.setProperty("persistence_enabled", "false");
			p.setProperty("netty.mqtt.message_size", Integer.toString(1 << 20));
			// Moquette hands every packet to a per-session command queue (1,024 by default) and,
			// when that is full, drops the packet without an answer or a close: under CI load its
			// executor fell behind the 20,000 QoS 0 publishes of one test and the QoS 1 publish
			// after them never got its PUBACK (with a queue of 1, that test hangs every time).
			// Larger than any test's burst, so the suite tests our client, not Moquette's overload
			p.setProperty("session_queue_size", Integer.toString(1 << 16));
			server = new io.moquette.broker.Server();
			try {
				server.startServer(p);
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
			// Moquette binds asynchronously and records the bound port when the bind completes
			// (getPort() says 0 until then). A restart binds the port it had: nothing to ask
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (port == 0) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("moquette did not bind a port within 10 s");
				}
				try {
					port = server.getPort();
				}
				catch (java.util.ConcurrentModificationException racing) {
					// getPort() reads a HashMap that Moquette's binding thread fills: ask again
				}
				if (port == 0) {
					pause(10);
				}
			}
			awaitPort(port, true);
		}

		@Override
		public void stop() {
			if (server != null) {
				// stopServer waits out Netty's graceful quiet period (2 s) after the port is
				// closed: that wait runs on a thread of its own, the port is what a restart needs
				io.moquette.broker.Server stopping = server;
				server = null;
				Thread t = new Thread(stopping::stopServer, "moquette-stop");
				t.setDaemon(true);
				t.start();
				awaitPort(port, false);
			}
		}
	}
}
