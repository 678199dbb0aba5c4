/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.udp;

import java.net.InetSocketAddress;
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
 * A UDP socket connected to one remote address, shaped like Reactor Netty's
 * {@code UdpClient}. The socket is {@code connect(2)}ed: datagrams without an address go to the
 * remote, and the kernel passes on only the remote's datagrams. Immutable: every option
 * returns a new instance; each {@link #connect()} subscription opens one socket.
 * <pre>{@code
 * UdpConnection c = UdpClient.create().host("127.0.0.1").port(9999).connectNow();
 * String answer = c.sendString(Mono.just("ping"))
 *     .then(c.receiveString().next())
 *     .block(Duration.ofSeconds(5));
 * c.dispose();
 * }</pre>
 * The socket runs on one loop: by default the next loop of {@link MongooseLoops#shared()}.
 */
public final class UdpClient implements Wiretappable<UdpClient> {

	private final String host;
	private final int port;
	private final @Nullable InetSocketAddress bindAddress;
	private final @Nullable MongooseLoop loop;
	private final @Nullable MongooseLoops loops;
	private final UdpOptions options;
	private final @Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler;

	private UdpClient(String host, int port, @Nullable InetSocketAddress bindAddress, @Nullable MongooseLoop loop,
			@Nullable MongooseLoops loops, UdpOptions options,
			@Nullable BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		this.host = host;
		this.port = port;
		this.bindAddress = bindAddress;
		this.loop = loop;
		this.loops = loops;
		this.options = options;
		this.handler = handler;
	}

	/** A client for {@code 127.0.0.1}; set at least the {@link #port(int) port}. */
	public static UdpClient create() {
		return new UdpClient("127.0.0.1", 0, null, null, null, UdpOptions.DEFAULTS, null);
	}

	/** The remote host: an IP literal or a name, resolved by the JDK resolver off the poll thread. */
	public UdpClient host(String host) {
		return new UdpClient(Objects.requireNonNull(host, "host"), port, bindAddress, loop, loops, options, handler);
	}

	/** The remote port, 1 to 65535. */
	public UdpClient port(int port) {
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port out of range: " + port);
		}
		return new UdpClient(host, port, bindAddress, loop, loops, options, handler);
	}

	/**
	 * The local address to bind (an IP literal, port 0 for any); by default the wildcard
	 * address of the remote's family and a port the kernel picks.
	 */
	public UdpClient bindAddress(InetSocketAddress local) {
		Objects.requireNonNull(local, "local");
		if (local.isUnresolved()) {
			throw new IllegalArgumentException("bindAddress must be resolved: " + local);
		}
		return new UdpClient(host, port, local, loop, loops, options, handler);
	}

	/** Runs the socket on {@code loop}, which stays running when the socket is disposed. */
	public UdpClient runOn(MongooseLoop loop) {
		return new UdpClient(host, port, bindAddress, Objects.requireNonNull(loop, "loop"), null, options, handler);
	}

	/** Runs the socket on the next loop of {@code loops}. */
	public UdpClient runOn(MongooseLoops loops) {
		return new UdpClient(host, port, bindAddress, null, Objects.requireNonNull(loops, "loops"), options, handler);
	}

	/** The kernel's receive buffer ({@code SO_RCVBUF}, bytes); 0, the default, keeps the system's. */
	public UdpClient receiveBufferSize(int bytes) {
		return new UdpClient(host, port, bindAddress, loop, loops, options.receiveBufferSize(bytes), handler);
	}

	/** The kernel's send buffer ({@code SO_SNDBUF}, bytes); 0, the default, keeps the system's. */
	public UdpClient sendBufferSize(int bytes) {
		return new UdpClient(host, port, bindAddress, loop, loops, options.sendBufferSize(bytes), handler);
	}

	/**
	 * Received datagrams kept for a subscriber without demand before the socket stops being
	 * read (default 512). Reading resumes once the subscriber has taken half of them.
	 */
	public UdpClient receiveQueue(int datagrams) {
		return new UdpClient(host, port, bindAddress, loop, loops, options.receiveQueue(datagrams), handler);
	}

	/**
	 * Logs every datagram the socket receives and sends (Reactor Netty's {@code wiretap(true)}):
	 * logger {@code io.github.reactormongoose.udp.UdpClient}, level DEBUG, hex dumps. See
	 * {@link #wiretap(String, LogLevel, AdvancedByteBufFormat, Charset)}.
	 */
	@Override
	public UdpClient wiretap(boolean enable) {
		return withOptions(options.wiretap(Wiretap.of(enable, UdpClient.class)));
	}

	/**
	 * Logs every datagram the socket receives ({@code READ: 5B from /127.0.0.1:40000}) and
	 * every one it sent ({@code WRITE: 5B to ...}), with the bytes in {@code format}, and the
	 * socket's opening and end ({@code ACTIVE}, {@code INACTIVE}); logger {@code category}, at
	 * {@code level}, on the poll thread, as {@code TcpServer.wiretap} does for connections.
	 */
	@Override
	public UdpClient wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return withOptions(options.wiretap(Wiretap.of(category, level, format, charset)));
	}

	private UdpClient withOptions(UdpOptions o) {
		return new UdpClient(host, port, bindAddress, loop, loops, o, handler);
	}

	/**
	 * The I/O handler, called on the poll thread once the socket is open. The socket is
	 * disposed when the returned publisher terminates. On an error (or a throw) the error is logged,
	 * {@code receive()} fails with it, the pending sends with a {@code ConnectionClosedException}
	 * caused by it, and {@code onDispose()} completes, as after any close (as Reactor Netty's).
	 */
	public UdpClient handle(BiFunction<? super UdpInbound, ? super UdpOutbound, ? extends Publisher<Void>> handler) {
		return new UdpClient(host, port, bindAddress, loop, loops, options, Objects.requireNonNull(handler, "handler"));
	}

	/** The configured remote host. */
	public String host() {
		return host;
	}

	/** The configured remote port (0 until set). */
	public int port() {
		return port;
	}

	/**
	 * Opens the socket when subscribed and emits it. No packet is exchanged: UDP has no
	 * handshake, so an unreachable peer shows later, as a failed {@link UdpInbound#receive()}
	 * ({@link java.net.PortUnreachableException} when the peer's host answers with ICMP).
	 */
	public Mono<UdpConnection> connect() {
		if (port == 0) {
			return Mono.error(new IllegalStateException("UdpClient: no port set"));
		}
		return UdpSocket.open(loop, loops, host, port, true, bindAddress, options, handler);
	}

	/** Connects and waits up to 45 s. */
	public UdpConnection connectNow() {
		return connectNow(Duration.ofSeconds(45));
	}

	/** Connects and waits up to {@code timeout}. */
	public UdpConnection connectNow(Duration timeout) {
		return UdpSocket.await(connect(), timeout, "connect");
	}

	@Override
	public String toString() {
		return "UdpClient[" + host + ":" + port + "]";
	}
}
