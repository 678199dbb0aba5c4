/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.http.ServerSentEvent;
import io.github.reactormongoose.http.server.HttpServer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * A notification hub: {@code POST /notify} publishes its body to every listener. Listeners
 * either keep a Server-Sent Events stream open ({@code GET /notifications}, what a browser's
 * {@code EventSource} reads) or long-poll ({@code GET /notifications/next}: one request per
 * notification).
 * <p>
 * Both answer before anything has been published. A streamed body's head goes out when the
 * send starts, so an {@code EventSource} opens at once rather than at the first notification.
 * The long poll sends its head first ({@code sendHeaders()}, as in Reactor Netty), so a proxy
 * or client waiting for the response head does not time out while the request waits. Its body
 * is the next notification, or {@code timeout} after {@link #POLL_TIMEOUT}.
 * <p>
 * {@code java -cp ... io.github.reactormongoose.examples.NotificationHub [port]}, then
 * {@code curl -N http://127.0.0.1:8091/notifications} and
 * {@code curl -d 'hello' http://127.0.0.1:8091/notify}.
 */
public final class NotificationHub implements Disposable {

	/** How long a long poll waits for a notification. */
	public static final Duration POLL_TIMEOUT = Duration.ofSeconds(25);

	private final Sinks.Many<String> notifications = Sinks.many().multicast().directBestEffort();
	private final DisposableServer server;

	private NotificationHub(String host, int port) {
		this.server = HttpServer.create().host(host).port(port)
				.route(r -> r
						.post("/notify", (req, res) -> req.receiveString(StandardCharsets.UTF_8)
								.defaultIfEmpty("")
								.flatMap(text -> {
									int listeners = notifications.currentSubscriberCount();
									// a listener whose output is full misses it (best effort); none can take it: dropped
									// (emitNext would end the sink with an overflow error, for every listener for good);
									// two loops publishing at once: the second waits for the first
									while (notifications.tryEmitNext(text) == Sinks.EmitResult.FAIL_NON_SERIALIZED) {
										Thread.onSpinWait();
									}
									return res.sendString(Mono.just("delivered to " + listeners + "\n"));
								}))
						.get("/notifications", (req, res) -> res.sendSse(
								notifications.asFlux().map(ServerSentEvent::of)))
						.get("/notifications/next", (req, res) -> res.header("Content-Type", "text/plain")
								.header("Cache-Control", "no-store")
								.sendHeaders()
								.then(res.sendString(notifications.asFlux().next()
										.timeout(POLL_TIMEOUT, Mono.just("timeout"))))))
				.bindNow(Duration.ofSeconds(10));
	}

	/** Starts a hub on {@code host:port} (0: a free port). */
	public static NotificationHub start(String host, int port) {
		return new NotificationHub(host, port);
	}

	public int port() {
		return server.port();
	}

	/** How many listeners (streams and long polls) wait for the next notification. */
	public int listeners() {
		return notifications.currentSubscriberCount();
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
		NotificationHub hub = start("127.0.0.1", args.length > 0 ? Integer.parseInt(args[0]) : 8091);
		System.out.println("Notification hub on http://127.0.0.1:" + hub.port()
				+ "/ (GET /notifications, GET /notifications/next, POST /notify)");
		hub.server.onDispose().block();
	}
}
