/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on 127.0.0.1 that cuts each plaintext handshake record a TLS client sends (its
 * ClientHello) into records of at most {@code size} bytes, as RFC 8446 5.1 allows and as some
 * middleboxes and censorship-evasion tools do. From the client's first record of another type
 * on (ChangeCipherSpec, encrypted records), and in the other direction, bytes pass as they are.
 */
public final class TlsRecordSplitter implements AutoCloseable {

	private final ServerSocket server;
	private final int target;
	private final int size;
	private final AtomicInteger made = new AtomicInteger();
	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	public TlsRecordSplitter(int target, int size) throws IOException {
		this.target = target;
		this.size = size;
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		daemon(this::accept);
	}

	public int port() {
		return server.getLocalPort();
	}

	/** The records made by cutting so far (a record small enough to pass whole counts one). */
	public int records() {
		return made.get();
	}

	private static void daemon(Runnable r) {
		Thread t = new Thread(r, "tls-record-splitter");
		t.setDaemon(true);
		t.start();
	}

	private void accept() {
		try {
			while (true) {
				Socket client = server.accept();
				Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
				sockets.add(client);
				sockets.add(upstream);
				daemon(() -> relay(upstream, client, false));
				daemon(() -> relay(client, upstream, true));
			}
		}
		catch (IOException closed) {
			// the relay was closed
		}
	}

	private void relay(Socket from, Socket to, boolean cut) {
		try (from; to) {
			InputStream in = from.getInputStream();
			OutputStream out = to.getOutputStream();
			if (cut) {
				cutHandshakeRecords(new DataInputStream(in), out);
			}
			in.transferTo(out);
		}
		catch (IOException closed) {
			// either side went away
		}
	}

	private void cutHandshakeRecords(DataInputStream in, OutputStream out) throws IOException {
		while (true) {
			byte[] head = new byte[5];
			in.readFully(head);
			byte[] body = new byte[(head[3] & 0xff) << 8 | (head[4] & 0xff)];
			in.readFully(body);
			if (head[0] != 22) {
				out.write(head);
				out.write(body);
				out.flush();
				return;
			}
			for (int at = 0; at < body.length; at += size) {
				int n = Math.min(size, body.length - at);
				out.write(new byte[] {22, head[1], head[2], (byte) (n >> 8), (byte) n});
				out.write(body, at, n);
				made.incrementAndGet();
			}
			out.flush();
		}
	}

	@Override
	public void close() throws IOException {
		server.close();
		for (Socket s : sockets) {
			s.close();
		}
	}
}
