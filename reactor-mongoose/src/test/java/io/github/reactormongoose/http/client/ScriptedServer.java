/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw-socket HTTP peer for the client's tests: a plain {@link ServerSocket} on 127.0.0.1 whose
 * connections each run a script, written byte by byte by the test (malformed answers included).
 * It records every request head it read and counts the connections, and whether the client
 * closed them.
 */
final class ScriptedServer implements AutoCloseable {

	/** The {@code Sec-WebSocket-Accept} value that answers the upgrade request whose head is {@code head}. */
	static String websocketAccept(String head) {
		String key = head.lines().filter(l -> l.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18))
				.map(l -> l.substring(18).trim()).findFirst().orElseThrow();
		return WebsocketClient.accept(key);
	}

	/** What to do on one connection: read requests with {@link Conn#readHead()}, write anything. */
	interface Script {
		void run(Conn c) throws Exception;
	}

	/** One accepted connection. */
	static final class Conn {
		final Socket socket;
		final InputStream in;
		final OutputStream out;
		final int index;
		private final ScriptedServer server;

		Conn(Socket socket, int index, ScriptedServer server) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
			this.index = index;
			this.server = server;
		}

		/** Reads one request head (and a Content-Length body); {@code null} when the client closed. */
		String readHead() throws IOException {
			ByteArrayOutputStream b = new ByteArrayOutputStream();
			int state = 0;
			while (state < 4) {
				int x = in.read();
				if (x < 0) {
					return null;
				}
				b.write(x);
				state = (x == '\r' && (state == 0 || state == 2)) || (x == '\n' && (state == 1 || state == 3)) ? state + 1
						: x == '\r' ? 1 : 0;
			}
			String head = b.toString(StandardCharsets.ISO_8859_1);
			for (String line : head.split("\r\n")) {
				if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
					in.readNBytes(Integer.parseInt(line.substring(15).trim()));
				}
			}
			server.requests.add(head);
			return head;
		}

		void write(String s) throws IOException {
			out.write(s.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
		}

		/** Waits until the client closes the connection; true if it did within {@code millis}. */
		boolean awaitClientClose(int millis) throws IOException {
			socket.setSoTimeout(millis);
			try {
				while (in.read() >= 0) {
					// drop
				}
				return true;
			}
			catch (java.net.SocketTimeoutException e) {
				return false;
			}
		}
	}

	private final ServerSocket socket;
	private final Thread acceptor;
	final List<String> requests = new CopyOnWriteArrayList<>();
	final AtomicInteger accepted = new AtomicInteger();
	final AtomicInteger clientClosed = new AtomicInteger();
	final List<Throwable> failures = new CopyOnWriteArrayList<>();
	final CountDownLatch firstAccepted = new CountDownLatch(1);

	ScriptedServer(Script script) throws IOException {
		this(0, script);
	}

	ScriptedServer(int backlog, Script script) throws IOException {
		socket = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
		acceptor = new Thread(() -> {
			while (!socket.isClosed()) {
				Socket s;
				try {
					s = socket.accept();
				}
				catch (IOException e) {
					return;
				}
				int index = accepted.getAndIncrement();
				firstAccepted.countDown();
				Thread t = new Thread(() -> {
					try (Socket x = s) {
						Conn c = new Conn(x, index, this);
						script.run(c);
						x.shutdownOutput();
						if (c.awaitClientClose(10_000)) {
							clientClosed.incrementAndGet();
						}
					}
					catch (IOException e) {
						clientClosed.incrementAndGet(); // reset by the client
					}
					catch (Throwable e) {
						failures.add(e);
					}
				}, "scripted-conn-" + index);
				t.setDaemon(true);
				t.start();
			}
		}, "scripted-server");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	int port() {
		return socket.getLocalPort();
	}

	String url(String path) {
		return "http://127.0.0.1:" + port() + path;
	}

	@Override
	public void close() throws IOException {
		socket.close();
	}
}
