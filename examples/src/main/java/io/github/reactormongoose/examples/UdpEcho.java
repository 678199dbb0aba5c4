/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpConnection;
import io.github.reactormongoose.udp.UdpServer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A UDP echo server on {@link UdpServer}: each datagram goes back to its sender,
 * {@code out.send(in.receive().map(d -> Datagram.of(d.content(), d.address())))}.
 * <p>
 * Without demand nothing is lost on the server's side: the echo pulls received datagrams only
 * as fast as it sends them, a bounded queue holds the rest, and when it is full the socket is
 * no longer read, so the kernel's receive buffer fills and the kernel drops (UDP's own loss,
 * counted by {@link UdpConnection#receiveDrops()}).
 * <p>
 * With wire logging ({@link #start(String, int, boolean)}, {@code -Dwiretap=true}) every datagram
 * in and out is logged with its peer and its bytes as text, at INFO on the logger
 * {@link #WIRE_LOG}: {@code [id: 1, L:/127.0.0.1:7001] READ: 4B from /127.0.0.1:40000} then
 * {@code ping} ({@link UdpServer#wiretap(String, LogLevel, AdvancedByteBufFormat)}).
 */
public final class UdpEcho implements Disposable {

	/** The logger of the wire lines. */
	public static final String WIRE_LOG = "examples.udp.wire";

	private final UdpConnection socket;

	private UdpEcho(UdpConnection socket) {
		this.socket = socket;
	}

	/**
	 * Binds {@code host:port} (port 0 picks a free one) on the shared loops and waits up to 10 s.
	 * @throws io.github.reactormongoose.AddressInUseException if the port is taken
	 */
	public static UdpEcho start(String host, int port) {
		return start(host, port, false);
	}

	/** The same, with every datagram logged on {@link #WIRE_LOG} when {@code wiretap} is set. */
	public static UdpEcho start(String host, int port, boolean wiretap) {
		UdpServer server = UdpServer.create().host(host).port(port);
		if (wiretap) {
			server = server.wiretap(WIRE_LOG, LogLevel.INFO, AdvancedByteBufFormat.TEXTUAL);
		}
		UdpConnection socket = server
				.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of(d.content(), d.address()))))
				.bindNow(Duration.ofSeconds(10));
		return new UdpEcho(socket);
	}

	/** The bound address (the real port when 0 was asked for). */
	public InetSocketAddress address() {
		return socket.localAddress();
	}

	/** Datagrams that reached the socket but were dropped by the kernel (its buffer was full). */
	public long drops() {
		Long n = socket.receiveDrops().block(Duration.ofSeconds(5));
		return n == null ? 0 : n;
	}

	@Override
	public void dispose() {
		socket.dispose();
	}

	@Override
	public boolean isDisposed() {
		return socket.isDisposed();
	}

	/** Completes once the socket is closed. */
	public Mono<Void> onDispose() {
		return socket.onDispose();
	}

	/**
	 * Runs the echo server until interrupted (Ctrl-C).
	 * @param args optional: the port (default 7001; {@code -Dport} also works); {@code -Dwiretap=true}
	 *     logs every datagram
	 */
	public static void main(String[] args) {
		String host = System.getProperty("host", "127.0.0.1");
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", "7001"));
		UdpEcho echo = start(host, port, Boolean.getBoolean("wiretap"));
		Runtime.getRuntime().addShutdownHook(new Thread(echo::dispose, "udp-echo-shutdown"));
		System.out.println("UDP echo server on " + echo.address() + " (try: nc -u " + host + " "
				+ echo.address().getPort() + ")");
		echo.onDispose().block();
	}
}
