/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.server.HttpServer;
import io.github.reactormongoose.http.server.WebsocketServerSpec;
import io.github.reactormongoose.http.websocket.WebSocketFrame;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A WebSocket feed that answers its clients' heartbeats itself ({@code handlePing(true)}), so
 * that an instance being drained can send its clients elsewhere without cutting them off.
 * <p>
 * {@code /feed} streams a tick every {@link #TICK} and echoes what the client writes. Clients
 * such as Python's {@code websockets}, OkHttp or a browser app with its own heartbeat PING the
 * server and reconnect (through the load balancer, to another instance) when no PONG comes in
 * time. The server answers those PINGs in the handler while the instance is live;
 * {@code POST /drain} turns that off: the feed goes on for everyone connected, but each client
 * leaves at its next heartbeat, at its own pace, instead of all of them at once on a restart.
 * {@code POST /live} turns it back on.
 * <p>
 * {@code java -cp ... io.github.reactormongoose.examples.DrainableFeed [port]}, then e.g.
 * {@code python3 -m websockets ws://127.0.0.1:8092/feed}.
 */
public final class DrainableFeed implements Disposable {

	/** How often the feed sends a tick. */
	public static final Duration TICK = Duration.ofSeconds(1);

	private final AtomicBoolean live = new AtomicBoolean(true);
	private final DisposableServer server;

	private DrainableFeed(String host, int port) {
		this.server = HttpServer.create().host(host).port(port)
				.route(r -> r
						.ws("/feed", (in, out) -> out.send(Flux.merge(
								Flux.interval(TICK).map(n -> WebSocketFrame.text("tick " + n)),
								in.receiveFrames().<WebSocketFrame>handle((f, sink) -> {
									switch (f.type()) {
										// the heartbeat: answered only while this instance is live
										case PING -> {
											if (live.get()) {
												sink.next(WebSocketFrame.pong(f.payload()));
											}
										}
										case TEXT -> sink.next(WebSocketFrame.text("echo " + f.text()));
										default -> {
										}
									}
								}))),
								WebsocketServerSpec.builder().handlePing(true).build())
						.post("/drain", (req, res) -> {
							live.set(false);
							return res.sendString(Mono.just("draining\n"));
						})
						.post("/live", (req, res) -> {
							live.set(true);
							return res.sendString(Mono.just("live\n"));
						}))
				.bindNow(Duration.ofSeconds(10));
	}

	/** Starts the feed on {@code host:port} (0: a free port). */
	public static DrainableFeed start(String host, int port) {
		return new DrainableFeed(host, port);
	}

	public int port() {
		return server.port();
	}

	@Override
	public void dispose() {
		server.disposeNow();
	}

	@Override
	public boolean isDisposed() {
		return server.isDisposed();
	}

	public static void main(String[] args) {
		DrainableFeed feed = start("127.0.0.1", args.length > 0 ? Integer.parseInt(args[0]) : 8092);
		System.out.println("Feed on ws://127.0.0.1:" + feed.port() + "/feed (POST /drain, POST /live)");
		feed.server.onDispose().block();
	}
}
