/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A scripted broker on a blocking JDK socket, for what a real broker will not do on request:
 * malformed packets, silence, withheld acknowledgements, a flood. Uses the codec under test
 * only to read the client's packets and to write well-formed ones.
 */
final class FakeBroker implements AutoCloseable {

	private final ServerSocket server;

	FakeBroker() throws IOException {
		server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
		server.setSoTimeout(10_000);
	}

	String url() {
		return "mqtt://127.0.0.1:" + server.getLocalPort();
	}

	/** Accepts the next client connection. */
	Peer accept() throws IOException {
		Socket s = server.accept();
		s.setSoTimeout(10_000);
		return new Peer(s);
	}

	/**
	 * Connects {@code client} while this broker accepts it and answers CONNACK on another
	 * thread; {@code peer} gets the broker's side of the connection.
	 */
	MqttConnection connect(MqttClient client, AtomicReference<Peer> peer) throws Exception {
		return connect(client, peer, new MqttPacket.ConnAck(false, 0, MqttProperties.empty()));
	}

	/** The same, answering CONNECT with {@code ack}. */
	MqttConnection connect(MqttClient client, AtomicReference<Peer> peer, MqttPacket.ConnAck ack) throws Exception {
		CompletableFuture<Peer> accepted = CompletableFuture.supplyAsync(() -> {
			try {
				Peer p = accept();
				p.read(MqttPacket.Connect.class);
				p.send(ack);
				return p;
			}
			catch (IOException e) {
				throw new IllegalStateException(e);
			}
		});
		MqttConnection c = client.connect().block(Duration.ofSeconds(10));
		peer.set(accepted.get(10, TimeUnit.SECONDS));
		return c;
	}

	@Override
	public void close() throws IOException {
		server.close();
	}

	static final class Peer implements AutoCloseable {

		final Socket socket;
		private final InputStream in;
		private final OutputStream out;
		private final MqttCodec.Decoder decoder = new MqttCodec.Decoder(true, null, 1 << 20);
		private final byte[] buf = new byte[8192];

		Peer(Socket socket) throws IOException {
			this.socket = socket;
			this.in = socket.getInputStream();
			this.out = socket.getOutputStream();
		}

		/** The next packet of the client (blocking, 10 s at most). */
		MqttPacket read() throws IOException {
			MqttPacket p;
			while ((p = decoder.next()) == null) {
				int n = in.read(buf);
				if (n < 0) {
					throw new IOException("the client closed the connection");
				}
				decoder.feed(ByteBuffer.wrap(buf, 0, n));
			}
			return p;
		}

		/** Reads packets until one of {@code type}, skipping PINGREQ. */
		@SuppressWarnings("unchecked")
		<T extends MqttPacket> T read(Class<T> type) throws IOException {
			while (true) {
				MqttPacket p = read();
				if (type.isInstance(p)) {
					return (T) p;
				}
				if (!(p instanceof MqttPacket.PingReq)) {
					throw new AssertionError("expected " + type.getSimpleName() + ", got " + p);
				}
			}
		}

		/** Reads CONNECT and accepts it. */
		MqttPacket.Connect handshake(boolean sessionPresent) throws IOException {
			MqttPacket.Connect c = read(MqttPacket.Connect.class);
			send(new MqttPacket.ConnAck(sessionPresent, 0, MqttProperties.empty()));
			return c;
		}

		void send(MqttPacket p) throws IOException {
			ByteBuffer b = MqttCodec.encode(p, decoder.version() != null ? decoder.version() : MqttVersion.V3_1_1);
			out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
			out.flush();
		}

		/** Writes {@code packets} with one write: the client may get them in one read. */
		void sendTogether(MqttPacket... packets) throws IOException {
			MqttVersion v = decoder.version() != null ? decoder.version() : MqttVersion.V3_1_1;
			MqttCodec.Out all = new MqttCodec.Out(256);
			for (MqttPacket p : packets) {
				MqttCodec.encode(p, v, all);
			}
			out.write(all.array(), 0, all.size());
			out.flush();
		}

		/**
		 * The whole packets of exactly one read of the socket (blocking, 10 s at most), after
		 * the packets already read; bytes of a packet cut by the read stay for the next.
		 */
		List<MqttPacket> packetsOfOneRead() throws IOException {
			if (decoder.hasPartialPacket()) {
				throw new IllegalStateException("bytes of an earlier read are waiting");
			}
			byte[] b = new byte[1 << 16];
			int n = in.read(b);
			if (n < 0) {
				throw new IOException("the client closed the connection");
			}
			decoder.feed(ByteBuffer.wrap(b, 0, n));
			List<MqttPacket> packets = new ArrayList<>();
			MqttPacket p;
			while ((p = decoder.next()) != null) {
				packets.add(p);
			}
			return packets;
		}

		void sendRaw(int... bytes) throws IOException {
			byte[] b = new byte[bytes.length];
			for (int i = 0; i < b.length; i++) {
				b[i] = (byte) bytes[i];
			}
			out.write(b);
			out.flush();
		}

		/** Closes with a reset. */
		void kill() throws IOException {
			socket.setSoLinger(true, 0);
			socket.close();
		}

		@Override
		public void close() throws IOException {
			socket.close();
		}
	}
}
