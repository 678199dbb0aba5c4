/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.github.reactormongoose.ConnectionEvent;
import io.github.reactormongoose.MongooseLoop;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A TCP echo server on the low-level API: {@link MongooseLoop#listen(String)} emits the
 * listener's events and every {@link ConnectionEvent.Type#READ} is sent back on its
 * connection.
 * <p>
 * Back-pressure comes for free: {@code flatMap} stops requesting events while too many sends
 * wait for a full send buffer to drain, and then the loop stops reading from the sockets.
 */
public final class TcpEcho implements Disposable {

	private final MongooseLoop loop;
	private final InetSocketAddress address;

	private TcpEcho(MongooseLoop loop, InetSocketAddress address) {
		this.loop = loop;
		this.address = address;
	}

	/**
	 * Starts a loop listening on {@code host:port} (port 0 picks a free one) and waits up to
	 * 10 s until it is bound.
	 * @throws IllegalStateException if it could not bind
	 */
	public static TcpEcho start(String host, int port) {
		String url = "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
		MongooseLoop loop = MongooseLoop.create("tcp-echo");
		CompletableFuture<InetSocketAddress> bound = new CompletableFuture<>();
		loop.listen(url)
				.flatMap(e -> switch (e.type()) {
					case BOUND -> {
						bound.complete(e.connection().localAddress());
						yield Mono.<Void>empty();
					}
					// Events and the subscription to send() run on the poll thread, so the
					// bytes are appended to the send buffer in the order they were read.
					case READ -> e.connection().send(e.data())
							.onErrorResume(err -> Mono.empty()); // the peer went away meanwhile
					default -> Mono.<Void>empty();
				})
				.subscribe(null, bound::completeExceptionally);
		try {
			return new TcpEcho(loop, bound.get(10, TimeUnit.SECONDS));
		}
		catch (ExecutionException | TimeoutException | InterruptedException e) {
			loop.dispose();
			if (e instanceof InterruptedException) {
				Thread.currentThread().interrupt();
			}
			throw new IllegalStateException("could not listen on " + url,
					e instanceof ExecutionException ? e.getCause() : e);
		}
	}

	/** The bound address (the real port when 0 was asked for). */
	public InetSocketAddress address() {
		return address;
	}

	public int port() {
		return address.getPort();
	}

	/** Closes the listener and every connection, without waiting. */
	@Override
	public void dispose() {
		loop.dispose();
	}

	@Override
	public boolean isDisposed() {
		return loop.isDisposed();
	}

	/** Disposes and waits until the loop has stopped; open connections get up to 1 s. */
	public void disposeNow() {
		loop.disposeNow(Duration.ofSeconds(1));
	}

	/** Completes once the loop has stopped. */
	public Mono<Void> onDispose() {
		return loop.onDispose();
	}

	/**
	 * Runs the echo server until interrupted (Ctrl-C).
	 * @param args optional: the port (default 7000; {@code -Dport} also works)
	 */
	public static void main(String[] args) {
		String host = System.getProperty("host", "127.0.0.1");
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", "7000"));
		TcpEcho echo = start(host, port);
		Runtime.getRuntime().addShutdownHook(new Thread(echo::disposeNow, "tcp-echo-shutdown"));
		String h = echo.address().getHostString();
		System.out.println("TCP echo server listening on tcp://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + echo.port()
				+ " (try: nc " + h + " " + echo.port() + ")");
		echo.onDispose().block();
	}
}
