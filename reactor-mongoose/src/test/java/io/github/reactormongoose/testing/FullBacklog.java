/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;

/**
 * A listener on 127.0.0.1 that never accepts, its backlog filled with connections: the kernel
 * leaves further SYNs unanswered, so a connect to {@link #port()} neither succeeds nor fails
 * until the client gives up (a connect timeout's test).
 */
public final class FullBacklog implements Closeable {

	private final ServerSocket listener;
	private final List<Socket> fill = new ArrayList<>();

	private FullBacklog() throws IOException {
		listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
	}

	/** Fills the backlog; skips the test if the kernel keeps accepting into it. */
	public static FullBacklog open() throws IOException {
		FullBacklog b = new FullBacklog();
		boolean full = false;
		for (int i = 0; i < 16 && !full; i++) {
			Socket x = new Socket();
			b.fill.add(x);
			try {
				x.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), b.port()), 200);
			}
			catch (IOException e) {
				full = true;
			}
		}
		if (!full) {
			b.close();
		}
		Assumptions.assumeTrue(full, "the kernel kept accepting connections into the backlog");
		return b;
	}

	public int port() {
		return listener.getLocalPort();
	}

	@Override
	public void close() throws IOException {
		for (Socket x : fill) {
			x.close();
		}
		listener.close();
	}
}
