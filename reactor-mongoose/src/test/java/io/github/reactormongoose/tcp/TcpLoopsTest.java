/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.github.reactormongoose.AddressInUseException;
import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.testing.LoopThreads;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * {@link TcpServer} on several loops (one {@code SO_REUSEPORT} listener per loop on one port,
 * a connection on the loop that accepted it) and {@link TcpClient} on a group (connections
 * spread over its loops), against plain JDK sockets.
 */
class TcpLoopsTest extends TcpTestSupport {

	/** Greets each connection with the name of its handler's thread and a newline, then echoes. */
	private static TcpServer threadNamer() {
		return TcpServer.create().handle((in, out) -> out.sendString(Mono.just(Thread.currentThread().getName() + "\n"))
				.then(out.send(in.receive())));
	}

	/** A connection to a {@link #threadNamer()}: its socket and the loop that serves it. */
	private record Served(Socket socket, BufferedReader in, String loop) {
	}

	private Served open(int port) throws IOException {
		Socket s = connect(port);
		BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
		String loop = in.readLine();
		assertThat(loop).as("the greeting").isNotNull();
		return new Served(s, in, loop);
	}

	/** Sends a line on the connection and reads it back. */
	private static String echo(Served c, String line) throws IOException {
		c.socket().getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
		return c.in().readLine();
	}

	/** How many of {@code connections} each loop serves. */
	private static Map<String, Integer> spread(List<Served> connections) {
		Map<String, Integer> perLoop = new TreeMap<>();
		connections.forEach(c -> perLoop.merge(c.loop(), 1, Integer::sum));
		return perLoop;
	}

	/** Opens fresh connections, up to {@code max}, until {@code want} distinct loops served one. */
	private Set<String> loopsOverNewConnections(DisposableServer server, int want, int max) throws IOException {
		Set<String> loops = new TreeSet<>();
		for (int i = 0; i < max && loops.size() < want; i++) {
			Served c = open(server.port());
			loops.add(c.loop());
			assertThat(echo(c, "ping " + i)).isEqualTo("ping " + i);
			c.socket().close();
		}
		return loops;
	}

	@Test
	void aServerOnAGroupServesManyConnectionsOnEveryLoopAndEchoesOnEach() throws Exception {
		MongooseLoops group = newGroup("tcp-group", 2);
		DisposableServer server = bind(threadNamer().runOn(group));
		assertThat(server.toString()).contains("on 2 loops");
		List<Served> connections = new ArrayList<>();
		for (int i = 0; i < 40; i++) {
			connections.add(open(server.port())); // all open at once
		}
		// the kernel hashes each new connection to a listener: 40 on one loop is a 2^-39 event
		Map<String, Integer> perLoop = spread(connections);
		assertThat(perLoop.keySet()).containsExactly("tcp-group-0", "tcp-group-1");
		for (int i = 0; i < connections.size(); i++) {
			assertThat(echo(connections.get(i), "message " + i + " via " + connections.get(i).loop()))
					.isEqualTo("message " + i + " via " + connections.get(i).loop());
		}
		server.disposeNow(Duration.ofMillis(300)); // the echo handlers run until their peer closes
		assertThat(group.isDisposed()).as("a given group outlives the server").isFalse();
		for (Served c : connections) {
			assertThat(readEndOfStream(c.socket().getInputStream())).isEqualTo(-1);
		}
	}

	@Test
	void ownLoopsAreNamedAndDisposedWithTheServerWhichFreesThePort() throws Exception {
		DisposableServer server = bind(threadNamer().loopName("tcp-own").loops(2));
		assertThat(loopsOverNewConnections(server, 2, 64)).containsExactly("tcp-own-0", "tcp-own-1");
		int port = server.port();
		server.disposeNow();
		assertThat(server.isDisposed()).isTrue();
		StepVerifier.create(server.onDispose()).expectComplete().verify(TIMEOUT);
		LoopThreads.awaitGone("tcp-own-");
		assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
				.as("no listener is left on any loop").isInstanceOf(ConnectException.class);
		// the port is free: a plain socket binds it, and after it a new group
		try (ServerSocket plain = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
			assertThat(plain.getLocalPort()).isEqualTo(port);
		}
		DisposableServer again = bind(threadNamer().loopName("tcp-again").loops(2).port(port));
		assertThat(again.port()).isEqualTo(port);
		assertThat(loopsOverNewConnections(again, 2, 64)).containsExactly("tcp-again-0", "tcp-again-1");
	}

	@Test
	void byDefaultServersListenOnEveryLoopOfTheSharedGroup() throws Exception {
		DisposableServer a = bind(threadNamer());
		DisposableServer b = bind(threadNamer());
		int n = MongooseLoops.defaultSize();
		Set<String> expected = LoopThreads.sharedLoopNames();
		assertThat(loopsOverNewConnections(a, n, 64)).isEqualTo(expected);
		assertThat(loopsOverNewConnections(b, n, 64)).isEqualTo(expected);
		a.disposeNow();
		assertThat(MongooseLoops.isSharedStarted()).as("the shared group outlives its servers").isTrue();
		assertThat(loopsOverNewConnections(b, 1, 1)).hasSize(1);
	}

	@Test
	void aSecondGroupOnTheSamePortGetsAddressInUseAndStopsItsLoops() throws Exception {
		DisposableServer first = bind(threadNamer().loops(2));
		assertThatThrownBy(() -> threadNamer().loopName("tcp-second").loops(2).port(first.port()).bindNow(TIMEOUT))
				.as("a group joining a port another group shares").isInstanceOf(AddressInUseException.class);
		LoopThreads.awaitGone("tcp-second-");
		assertThatThrownBy(() -> threadNamer().loopName("tcp-third").port(first.port()).bindNow(TIMEOUT))
				.as("one loop on a port a group shares").isInstanceOf(AddressInUseException.class);
		MongooseLoops group = newGroup("tcp-given", 2);
		StepVerifier.create(threadNamer().runOn(group).port(first.port()).bind())
				.expectError(AddressInUseException.class)
				.verify(TIMEOUT);
		assertThat(group.isDisposed()).as("a given group outlives a failed bind").isFalse();
		// the failed binds left the first server's listeners alone
		assertThat(loopsOverNewConnections(first, 2, 64)).hasSize(2);
	}

	@Test
	void gracefulDisposalWaitsForTheHandlersOfEveryLoop() throws Exception {
		Sinks.Empty<Void> release = Sinks.empty();
		Set<String> loopsWithHandlers = ConcurrentHashMap.newKeySet();
		DisposableServer server = bind(TcpServer.create().loopName("tcp-graceful").loops(2).handle((in, out) -> {
			String loop = Thread.currentThread().getName();
			return out.sendString(Mono.just(loop + "\n").concatWith(release.asMono().then(Mono.just("finished on " + loop))));
		}));
		List<Served> inFlight = new ArrayList<>();
		for (int i = 0; i < 64 && loopsWithHandlers.size() < 2; i++) {
			Served c = open(server.port());
			inFlight.add(c);
			loopsWithHandlers.add(c.loop());
		}
		assertThat(loopsWithHandlers).as("running handlers on both loops").hasSize(2);

		CompletableFuture<Void> disposed = server.disposeLater(Duration.ofSeconds(30)).toFuture();
		// new connections are refused at once, the running handlers go on
		long deadline = System.nanoTime() + TIMEOUT.toNanos();
		boolean refused = false;
		while (!refused && System.nanoTime() < deadline) {
			try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
				Thread.sleep(10); // accepted before the listeners closed
			}
			catch (ConnectException e) {
				refused = true;
			}
		}
		assertThat(refused).as("the listeners of both loops are closed").isTrue();
		Thread.sleep(200);
		assertThat(disposed).as("disposal waits for the handlers").isNotDone();

		release.tryEmitEmpty();
		for (Served c : inFlight) {
			assertThat(c.in().readLine()).isEqualTo("finished on " + c.loop());
			assertThat(c.in().read()).as("closed after the handler completed").isEqualTo(-1);
		}
		disposed.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		StepVerifier.create(server.onDispose()).expectComplete().verify(TIMEOUT);
		LoopThreads.awaitGone("tcp-graceful-");
	}

	@Test
	void aDisposedGroupIsRefusedByServerAndClient() {
		MongooseLoops group = MongooseLoops.create("tcp-gone", 2);
		group.disposeNow();
		StepVerifier.create(threadNamer().runOn(group).bind())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("disposed"))
				.verify(TIMEOUT);
		StepVerifier.create(TcpClient.create().port(7).runOn(group).connect())
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessageContaining("disposed"))
				.verify(TIMEOUT);
	}

	@Test
	void aClientOnAGroupTakesItsLoopsInTurn() throws Exception {
		DisposableServer server = bind(threadNamer().loops(1));
		MongooseLoops group = newGroup("tcp-clients", 2);
		List<String> clientLoops = new CopyOnWriteArrayList<>();
		TcpClient client = TcpClient.create().port(server.port()).runOn(group)
				.doOnConnected(c -> clientLoops.add(Thread.currentThread().getName()));
		for (int i = 0; i < 6; i++) {
			Connection c = client.connectNow(TIMEOUT);
			String word = "turn " + i;
			StepVerifier.create(c.send((word + "\n").getBytes(StandardCharsets.UTF_8))
							.thenMany(c.receive())
							.map(b -> StandardCharsets.UTF_8.decode(b).toString())
							.scan(String::concat)
							.filter(s -> s.endsWith(word + "\n"))
							.next())
					.expectNextCount(1)
					.expectComplete()
					.verify(TIMEOUT);
			c.close();
		}
		assertThat(clientLoops).containsExactly("tcp-clients-0", "tcp-clients-1", "tcp-clients-0", "tcp-clients-1",
				"tcp-clients-0", "tcp-clients-1");
		assertThat(group.isDisposed()).as("a given group outlives its connections").isFalse();
	}

	@Test
	void byDefaultClientsUseTheSharedGroupAndAConnectionMadeInAHandlerStaysOnItsLoop() throws Exception {
		DisposableServer backend = bind(threadNamer().loops(1));
		// a proxy on the defaults: each accepted connection opens one to the backend and
		// reports the loop of both sides
		Map<String, String> clientLoopOfHandlerLoop = new ConcurrentHashMap<>();
		DisposableServer proxy = bind(TcpServer.create().handle((in, out) -> {
			String handlerLoop = Thread.currentThread().getName();
			return TcpClient.create().port(backend.port())
					.doOnConnected(c -> clientLoopOfHandlerLoop.put(handlerLoop, Thread.currentThread().getName()))
					.connect()
					.flatMap(c -> out.sendString(Mono.just(handlerLoop + "\n")).doFinally(s -> c.close()));
		}));
		int n = MongooseLoops.defaultSize();
		for (int i = 0; i < 64 && clientLoopOfHandlerLoop.size() < n; i++) {
			try (Socket s = connect(proxy.port())) {
				BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
				assertThat(in.readLine()).startsWith("mongoose-");
			}
		}
		assertThat(clientLoopOfHandlerLoop).hasSize(n);
		clientLoopOfHandlerLoop.forEach((handler, client) -> assertThat(client).as("the client's loop").isEqualTo(handler));

		// outside any loop, connections take the shared loops in turn
		List<String> loops = new CopyOnWriteArrayList<>();
		for (int i = 0; i < 2 * n; i++) {
			Connection c = TcpClient.create().port(backend.port())
					.doOnConnected(x -> loops.add(Thread.currentThread().getName()))
					.connectNow(TIMEOUT);
			c.close();
			StepVerifier.create(c.onClose()).expectComplete().verify(TIMEOUT);
		}
		assertThat(new TreeSet<>(loops)).hasSize(n).allMatch(name -> name.startsWith("mongoose-"));
		assertThat(MongooseLoops.isSharedStarted()).as("the shared group outlives the connections").isTrue();
	}
}
