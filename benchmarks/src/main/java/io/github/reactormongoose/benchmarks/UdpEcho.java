/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.benchmarks;

import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.LongAdder;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.udp.Datagram;
import io.github.reactormongoose.udp.UdpConnection;
import io.github.reactormongoose.udp.UdpServer;
import io.netty.channel.socket.DatagramPacket;

/**
 * UDP echo, manual measurement (not part of {@code run.sh}): a server, and a load of JDK
 * clients each keeping one datagram in flight.
 * <pre>
 * java -cp benchmarks.jar io.github.reactormongoose.benchmarks.UdpEcho server rmg|netty PORT
 * java -cp benchmarks.jar io.github.reactormongoose.benchmarks.UdpEcho load PORT SECONDS CLIENTS SIZE
 * </pre>
 * The load prints round trips per second and the datagrams that got no echo within 200 ms
 * (lost: dropped by a full receive buffer on either side).
 */
public final class UdpEcho {

	private UdpEcho() {
	}

	public static void main(String[] a) throws Exception {
		if (a.length >= 3 && a[0].equals("server")) {
			server(a[1], Integer.parseInt(a[2]));
		}
		else if (a.length >= 5 && a[0].equals("load")) {
			load(Integer.parseInt(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]));
		}
		else {
			System.err.println("usage: UdpEcho server rmg|netty PORT | load PORT SECONDS CLIENTS SIZE");
			System.exit(2);
		}
	}

	private static void server(String impl, int port) {
		if (impl.equals("rmg")) {
			MongooseLoop loop = MongooseLoop.create("udp-echo");
			UdpConnection c = UdpServer.create().port(port).runOn(loop)
					.handle((in, out) -> out.send(in.receive().map(d -> Datagram.of(d.content(), d.address()))))
					.bindNow();
			System.out.println("READY reactor-mongoose udp echo " + c.localAddress());
			c.onDispose().block();
		}
		else {
			reactor.netty.Connection c = reactor.netty.udp.UdpServer.create().host("127.0.0.1").port(port)
					.handle((in, out) -> out.sendObject(in.receiveObject().map(o -> {
						DatagramPacket p = (DatagramPacket) o;
						return new DatagramPacket(p.content().retain(), p.sender());
					})))
					.bindNow();
			System.out.println("READY reactor-netty udp echo " + c.address());
			c.onDispose().block();
		}
	}

	private static void load(int port, int seconds, int clients, int size) throws Exception {
		LongAdder done = new LongAdder();
		LongAdder lost = new LongAdder();
		long end = System.nanoTime() + seconds * 1_000_000_000L;
		Thread[] t = new Thread[clients];
		for (int i = 0; i < clients; i++) {
			t[i] = new Thread(() -> {
				try (DatagramChannel ch = DatagramChannel.open()) {
					ch.connect(new InetSocketAddress("127.0.0.1", port));
					ch.socket().setSoTimeout(200);
					java.net.DatagramPacket out = new java.net.DatagramPacket(new byte[size], size);
					java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[size + 1], size + 1);
					while (System.nanoTime() < end) {
						ch.socket().send(out);
						try {
							ch.socket().receive(in);
							done.increment();
						}
						catch (SocketTimeoutException e) {
							lost.increment();
						}
					}
				}
				catch (Exception e) {
					throw new IllegalStateException(e);
				}
			});
			t[i].start();
		}
		for (Thread th : t) {
			th.join();
		}
		System.out.printf("%d clients, %d-byte datagrams, %d s: %.0f round trips/s, %d lost%n", clients, size,
				seconds, done.sum() / (double) seconds, lost.sum());
	}
}
