/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * A UDP socket bound to a local address, shaped like Reactor Netty's {@code UdpServer}.
 * Immutable: every option returns a new instance; each {@link #bind()} subscription opens one
 * socket.
 * <pre>{@code
 * UdpConnection echo = UdpServer.create()
 *     .host("127.0.0.1").port(9999)
 *     .handle((in, out) -> out.send(in.receive()
 *             .map(d -> Datagram.of(d.content(), d.address()))))
 *     .bindNow();
 * }</pre>
 * The socket runs on one loop: by default the next loop of {@link MongooseLoops#shared()}.
 */
public final class UdpServer implements Wiretappable<UdpServer> {

	private final String host;
	private final int port;
	private final @Nullable MongooseLoop loop;
	private final @Nullable MongooseLoops loops;
	private final UdpOptions options;
	private final @Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler;

	private UdpServer(String host, int port, @Nullable MongooseLoop loop, @Nullable MongooseLoops loops,
			UdpOptions options,
			@Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		this.host = host;
		this.port = port;
		this.loop = loop;
		this.loops = loops;
		this.options = options;
		this.handler = handler;
	}

	/** A server on {@code 127.0.0.1}, port 0 (the kernel picks a free port). */
	public static UdpServer create() {
		return new UdpServer("127.0.0.1", 0, null, null, UdpOptions.DEFAULTS, null);
	}

	/**
	 * The local address: an IP literal ({@code 0.0.0.0} or {@code ::} for every interface) or
	 * a name, resolved by the JDK resolver off the poll thread.
	 */
	public UdpServer host(String host) {
		return new UdpServer(Objects.requireNonNull(host, "host"), port, loop, loops, options, handler);
	}

	/** The local port, 0 to 65535 (0: any free port; see {@link UdpConnection#localAddress()}). */
	public UdpServer port(int port) {
		if (port < 0 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new UdpServer(host, port, loop, loops, options, handler);
	}

	/** Runs the socket on {@code loop}, which stays running when the socket is disposed. */
	public UdpServer runOn(MongooseLoop loop) {
		return new UdpServer(host, port, Objects.requireNonNull(loop, "loop"), null, options, handler);
	}

	/** Runs the socket on the next loop of {@code loops}. */
	public UdpServer runOn(MongooseLoops loops) {
		return new UdpServer(host, port, null, Objects.requireNonNull(loops, "loops"), options, handler);
	}

	/** The kernel's receive buffer ({@code SO_RCVBUF}, bytes); 0, the default, keeps the system's. */
	public UdpServer receiveBufferSize(int bytes) {
		return new UdpServer(host, port, loop, loops, options.receiveBufferSize(bytes), handler);
	}

	/** The kernel's send buffer ({@code SO_SNDBUF}, bytes); 0, the default, keeps the system's. */
	public UdpServer sendBufferSize(int bytes) {
		return new UdpServer(host, port, loop, loops, options.sendBufferSize(bytes), handler);
	}

	/**
	 * Received datagrams kept for a subscriber without demand before the socket stops being
	 * read (default 512). Reading resumes once the subscriber has taken half of them.
	 */
	public UdpServer receiveQueue(int datagrams) {
		return new UdpServer(host, port, loop, loops, options.receiveQueue(datagrams), handler);
	}

	/**
	 * Logs every datagram the socket receives and sends (Reactor Netty's {@code wiretap(true)}):
	 * logger {@code io.github.reactormongoose.udp.UdpServer}, level DEBUG, hex dumps. See
	 * {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public UdpServer wiretap(boolean enable) {
		return withOptions(options.wiretap(Wiretap.of(enable, UdpServer.class)));
	}

	/**
	 * Logs every datagram the socket receives ({@code READ: 5B from /127.0.0.1:40000}) and
	 * every one it sent ({@code WRITE: 5B to ...}), with the bytes in {@code format}, and the
	 * socket's opening and end ({@code ACTIVE}, {@code INACTIVE}); logger {@code category}, at
	 * {@code level}, on the poll thread, as {@code TcpServer.wiretap} does for connections.
	 */
	@Override
	public UdpServer wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return withOptions(options.wiretap(Wiretap.of(category, level, format, charset)));
	}

	private UdpServer withOptions(UdpOptions o) {
		return new UdpServer(host, port, loop, loops, o, handler);
	}

	/**
	 * The I/O handler, called on the poll thread once the socket is bound. The socket is
	 * disposed when the returned publisher terminates. On an error (or a throw) the error is logged,
	 * {@code receive()} fails with it, the pending sends with a {@code ConnectionClosedException}
	 * caused by it, and {@code onDispose()} completes, as after any close (as Reactor Netty's).
	 * Without a handler, use the {@link UdpConnection} that {@link #bind()} emits.
	 */
	public UdpServer handle(BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		return new UdpServer(host, port, loop, loops, options, Objects.requireNonNull(handler, "handler"));
	}

	/**
	 * Binds when subscribed and emits the socket. Fails with an
	 * {@link io.github.reactormongoose.AddressInUseException} when the port is taken, with a
	 * {@link io.github.reactormongoose.MongooseException} for other socket errors.
	 */
	public Mono<UdpConnection> bind() {
		return UdpSocket.open(loop, loops, host, port, false, null, options, handler);
	}

	/** Binds and waits up to 45 s. */
	public UdpConnection bindNow() {
		return bindNow(Duration.ofSeconds(45));
	}

	/** Binds and waits up to {@code timeout}. */
	public UdpConnection bindNow(Duration timeout) {
		return UdpSocket.await(bind(), timeout, "bind");
	}

	@Override
	public String toString() {
		return "UdpServer[" + host + ":" + port + "]";
	}
}
