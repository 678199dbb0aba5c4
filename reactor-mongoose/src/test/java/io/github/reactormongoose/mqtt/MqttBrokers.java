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

import org.junit.jupiter.api.Assumptions;

/**
 * Real brokers nobody here wrote, on a free port of 127.0.0.1: Mosquitto from Debian's package
 * (a process with a generated config; tests that need it skip with a notice where it is not
 * installed) and Moquette, embedded, so that the suite runs everywhere.
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

		/** Whether it speaks MQTT 5. */
		boolean v5();

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
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(e);
			}
		}
		throw new IllegalStateException("port " + port + " did not " + (open ? "open" : "close"));
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
		Mosquitto m = new Mosquitto(freePort());
		m.start();
		return m;
	}

	static Broker moquette() {
		Moquette m = new Moquette(freePort());
		m.start();
		return m;
	}

	private static final class Mosquitto implements Broker {

		private final int port;
		private final Path config;
		private Process process;

		Mosquitto(int port) {
			this.port = port;
			try {
				config = Files.createTempFile("mosquitto-", ".conf");
				Files.writeString(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
						+ "max_inflight_messages 100\nmax_queued_messages 20000\n");
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
						.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
			awaitPort(port, true);
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

	private static final class Moquette implements Broker {

		private final int port;
		private io.moquette.broker.Server server;

		Moquette(int port) {
			this.port = port;
		}

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

		@Override
		public void start() {
			Properties p = new Properties();
			p.setProperty("host", "127.0.0.1");
			p.setProperty("port", Integer.toString(port));
			p.setProperty("allow_anonymous", "true");
			p.setProperty("persistence_enabled", "false");
			p.setProperty("netty.mqtt.message_size", Integer.toString(1 << 20));
			server = new io.moquette.broker.Server();
			try {
				server.startServer(p);
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
			awaitPort(port, true);
		}

		@Override
		public void stop() {
			if (server != null) {
				server.stopServer();
				server = null;
				awaitPort(port, false);
			}
		}
	}
}
