/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * An SNTP responder for tests on 127.0.0.1: answers each request with a server-mode packet
 * whose clock is the local clock plus {@link #skewMillis}, echoing the request's transmit
 * time as origin; {@link #mutate} may change each answer, or return {@code null} to stay silent.
 * Also used by the examples' tests.
 */
public final class TestSntpServer implements AutoCloseable {

	private static final long NTP_UNIX_OFFSET = 2_208_988_800L;

	private final DatagramSocket socket;
	private final Thread thread;
	public final AtomicInteger requests = new AtomicInteger();
	public volatile long skewMillis;
	public volatile UnaryOperator<byte[]> mutate = UnaryOperator.identity();

	public TestSntpServer() throws SocketException {
		socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
		thread = new Thread(this::serve, "test-sntp-server");
		thread.setDaemon(true);
		thread.start();
	}

	public String url() {
		return "udp://127.0.0.1:" + socket.getLocalPort();
	}

	private void serve() {
		byte[] buf = new byte[512];
		while (!socket.isClosed()) {
			try {
				DatagramPacket p = new DatagramPacket(buf, buf.length);
				socket.receive(p);
				requests.incrementAndGet();
				byte[] req = Arrays.copyOf(p.getData(), p.getLength());
				byte[] answer = mutate.apply(answer(req, System.currentTimeMillis() + skewMillis));
				if (answer != null) {
					socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
				}
			}
			catch (Exception e) {
				if (socket.isClosed()) {
					return;
				}
			}
		}
	}

	/** A valid answer to {@code req} telling time {@code unixMillis}. */
	public static byte[] answer(byte[] req, long unixMillis) {
		byte[] a = new byte[48];
		a[0] = (byte) ((0 << 6) | (4 << 3) | 4); // LI 0, version 4, server
		a[1] = 2; // stratum
		a[2] = 6;
		a[3] = (byte) 0xec;
		a[12] = 'T';
		a[13] = 'E';
		a[14] = 'S';
		a[15] = 'T';
		putTime(a, 16, unixMillis - 1000); // reference
		if (req.length >= 48) {
			System.arraycopy(req, 40, a, 24, 8); // origin = the request's transmit time
		}
		putTime(a, 32, unixMillis); // receive
		putTime(a, 40, unixMillis); // transmit
		return a;
	}

	public static void putTime(byte[] a, int at, long unixMillis) {
		long sec = unixMillis / 1000 + NTP_UNIX_OFFSET;
		long frac = ((unixMillis % 1000) << 32) / 1000;
		for (int i = 0; i < 4; i++) {
			a[at + i] = (byte) (sec >> (24 - 8 * i));
			a[at + 4 + i] = (byte) (frac >> (24 - 8 * i));
		}
	}

	@Override
	public void close() throws InterruptedException {
		socket.close();
		thread.join(5000);
	}
}
