/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.tcp.TcpServer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A TCP echo server on {@link TcpServer}: every connection's handler sends back what it
 * receives, {@code out.send(in.receive())}, as with Reactor Netty.
 * <p>
 * Back-pressure comes for free: the send pulls received buffers only while the connection's
 * send buffer is below its high-water mark, and the connection stops reading from its socket
 * while buffers wait unsent, so a client that writes without reading is slowed down by TCP
 * instead of filling memory. A client that writes without ever reading holds its echo in the
 * server only for {@link #WRITE_TIMEOUT}: then the connection is reset ({@code writeTimeout}).
 * The handler completes when the client closes, and then the server closes its side.
 * <p>
 * With several loops ({@link #start(String, int, int)}, {@code -Dloops=N}) every loop listens
 * on the one port ({@code SO_REUSEPORT}) and the kernel spreads new connections between them;
 * a connection stays on the loop that accepted it. {@link #connectionsPerLoop()} shows the
 * spread.
 */
public final class TcpEcho implements Disposable {

	/** How long the echo may wait for a client that does not read it: 30 s. */
	public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

	private final DisposableServer server;
	private final Map<String, Integer> connectionsPerLoop;

	private TcpEcho(DisposableServer server, Map<String, Integer> connectionsPerLoop) {
		this.server = server;
		this.connectionsPerLoop = connectionsPerLoop;
	}

	/**
	 * Starts a server (with its own loop, thread {@code tcp-echo}) on {@code host:port}
	 * (port 0 picks a free one) and waits up to 10 s until it is bound.
	 * @throws io.github.reactormongoose.MongooseException if it could not bind
	 *         ({@link io.github.reactormongoose.AddressInUseException} if the port is taken)
	 */
	public static TcpEcho start(String host, int port) {
		return start(host, port, 1);
	}

	/**
	 * Starts a server on {@code loops} loops of its own (threads {@code tcp-echo-0},
	 * {@code tcp-echo-1}...; one loop: {@code tcp-echo}), all listening on {@code host:port}.
	 */
	public static TcpEcho start(String host, int port, int loops) {
		return start(host, port, loops, WRITE_TIMEOUT);
	}

	/**
	 * Starts a server on {@code loops} loops of its own that resets a connection whose echo has
	 * waited {@code writeTimeout} without the client taking a byte of it.
	 */
	public static TcpEcho start(String host, int port, int loops, Duration writeTimeout) {
		Map<String, Integer> perLoop = new ConcurrentHashMap<>();
		DisposableServer server = TcpServer.create()
				.host(host)
				.port(port)
				.loopName("tcp-echo")
				.loops(loops)
				.doOnConnection(c -> perLoop.merge(Thread.currentThread().getName(), 1, Integer::sum))
				.writeTimeout(writeTimeout)
				.handle((in, out) -> out.send(in.receive()))
				.bindNow(Duration.ofSeconds(10));
		return new TcpEcho(server, perLoop);
	}

	/** How many connections each loop (by thread name) has accepted so far. */
	public Map<String, Integer> connectionsPerLoop() {
		return new TreeMap<>(connectionsPerLoop);
	}

	/** The bound address (the real port when 0 was asked for). */
	public InetSocketAddress address() {
		return server.address();
	}

	public int port() {
		return server.port();
	}

	/** Closes the listener and every connection, without waiting. */
	@Override
	public void dispose() {
		server.dispose();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	/**
	 * Stops accepting on every loop, gives open connections up to 1 s to end (their clients
	 * close), then closes the rest; waits until the server's loops have stopped.
	 */
	public void disposeNow() {
		server.disposeNow(Duration.ofSeconds(1));
	}

	/** Completes once the server and its loops have stopped. */
	public Mono<Void> onDispose() {
		return server.onDispose();
	}

	/**
	 * Runs the echo server until interrupted (Ctrl-C).
	 * @param args optional: the port (default 7000; {@code -Dport} also works); {@code -Dloops}
	 *     sets the number of loops (default: one per available processor)
	 */
	public static void main(String[] args) {
		String host = System.getProperty("host", "127.0.0.1");
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", "7000"));
		int loops = Integer.getInteger("loops", MongooseLoops.defaultSize());
		TcpEcho echo = start(host, port, loops);
		Runtime.getRuntime().addShutdownHook(new Thread(echo::disposeNow, "tcp-echo-shutdown"));
		String h = echo.address().getHostString();
		System.out.println("TCP echo server listening on tcp://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + echo.port()
				+ " with " + loops + (loops == 1 ? " loop" : " loops") + " (try: nc " + h + " " + echo.port() + ")");
		echo.onDispose().block();
	}
}
