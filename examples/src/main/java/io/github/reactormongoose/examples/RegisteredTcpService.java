/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.tcp.TcpClient;
import io.github.reactormongoose.tcp.TcpServer;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A TCP service that registers itself where its clients look for it, and clients that find it
 * there and count their connections.
 * <ul>
 * <li>The server puts its real address (port 0 asked, so known only once bound) in a
 * {@link Registry} from {@link TcpServer#doOnBound doOnBound}, before {@code bindNow} returns,
 * and takes it out from {@link TcpServer#doOnUnbound doOnUnbound} once disposed, before
 * {@code onDispose()} completes: a client never finds a server that is not bound.</li>
 * <li>The protocol: the client sends one line, the server answers it in upper case and closes.
 * The server reads the line with {@code in.receive().asString()} (pieces as they are read, a
 * character split between two reads decoded whole), at most {@link #MAX_LINE} characters.</li>
 * <li>The {@link Client} looks the service up in the registry for every call and counts its
 * connections with {@link TcpClient#doOnConnected doOnConnected} and
 * {@link TcpClient#doOnDisconnected doOnDisconnected}; it reads the answer with
 * {@code in.receive().asString()} until the server closes.</li>
 * </ul>
 */
public final class RegisteredTcpService {

	/** The longest request line taken, in characters; a longer one is answered {@code error: line too long}. */
	public static final int MAX_LINE = 1024;

	private RegisteredTcpService() {
	}

	/** Service name to address, as a discovery service would hold them. Thread-safe. */
	public static final class Registry {

		private final Map<String, InetSocketAddress> services = new ConcurrentHashMap<>();

		/** Where {@code name} is, if it is registered. */
		public Optional<InetSocketAddress> lookup(String name) {
			return Optional.ofNullable(services.get(name));
		}

		void register(String name, InetSocketAddress address) {
			services.put(name, address);
		}

		/** Removes {@code name} if it still is {@code address} (a newer instance keeps its entry). */
		void unregister(String name, InetSocketAddress address) {
			services.remove(name, address);
		}

		/** A copy of the entries. */
		public Map<String, InetSocketAddress> entries() {
			return Map.copyOf(services);
		}
	}

	/**
	 * Starts the service {@code name} on {@code 127.0.0.1} (a free port), registered in
	 * {@code registry} while it is bound.
	 */
	public static DisposableServer start(Registry registry, String name) {
		return TcpServer.create()
				.host("127.0.0.1")
				.port(0)
				.doOnBound(server -> registry.register(name, server.address()))
				.doOnUnbound(server -> registry.unregister(name, server.address()))
				.handle((in, out) -> out.sendString(in.receive().asString()
						// what came so far, until a line is whole (or too long to be one)
						.scan("", String::concat)
						.filter(soFar -> soFar.indexOf('\n') >= 0 || soFar.length() > MAX_LINE)
						.next()
						.map(RegisteredTcpService::answer)))
				// the handler's send completes with the answer, and the server closes the connection
				.bindNow(Duration.ofSeconds(10));
	}

	private static String answer(String soFar) {
		int end = soFar.indexOf('\n');
		if (end < 0 || end > MAX_LINE) {
			return "error: line too long\n";
		}
		return soFar.substring(0, end).strip().toUpperCase(Locale.ROOT) + "\n";
	}

	/** A client of the service {@code name}, found in a registry for each call. */
	public static final class Client {

		private final Registry registry;
		private final String name;
		private final AtomicInteger connected = new AtomicInteger();
		private final AtomicInteger disconnected = new AtomicInteger();
		private final TcpClient tcp;

		public Client(Registry registry, String name) {
			this.registry = registry;
			this.name = name;
			this.tcp = TcpClient.create()
					.doOnConnected(c -> connected.incrementAndGet())
					.doOnDisconnected(c -> disconnected.incrementAndGet());
		}

		/**
		 * Sends {@code line} to the service and gives its answer (without its newline), once the
		 * server has closed the connection. Fails with {@link IllegalStateException} when the
		 * service is not registered, before anything is connected.
		 */
		public Mono<String> call(String line) {
			return Mono.defer(() -> {
				InetSocketAddress at = registry.lookup(name)
						.orElseThrow(() -> new IllegalStateException(name + " is not registered"));
				Sinks.One<String> answer = Sinks.one();
				return tcp.host(at.getHostString()).port(at.getPort())
						.handle((in, out) -> out.sendString(Mono.just(line + "\n"))
								.thenMany(in.receive().asString()) // until the server closes
								.reduce("", String::concat)
								.doOnNext(a -> answer.tryEmitValue(a.strip()))
								.doOnError(answer::tryEmitError)
								.then())
						.connect()
						// done once the connection is closed, so its doOnDisconnected has run
						.flatMap(c -> answer.asMono().delayUntil(a -> c.onClose()));
			});
		}

		/** Connections established so far ({@code doOnConnected}). */
		public int connected() {
			return connected.get();
		}

		/** Connections closed so far ({@code doOnDisconnected}). */
		public int disconnected() {
			return disconnected.get();
		}
	}

	/**
	 * Starts the service, calls it with each argument (default: {@code hello}), prints the
	 * answers and the client's counts, then stops it.
	 */
	public static void main(String[] args) {
		Registry registry = new Registry();
		DisposableServer server = start(registry, "upper");
		System.out.println("registered: " + registry.entries());
		Client client = new Client(registry, "upper");
		for (String line : args.length > 0 ? args : new String[] {"hello"}) {
			System.out.println(line + " -> " + client.call(line).block(Duration.ofSeconds(10)));
		}
		System.out.println("connected " + client.connected() + ", disconnected " + client.disconnected());
		server.disposeNow();
		System.out.println("registered after dispose: " + registry.entries());
	}
}
