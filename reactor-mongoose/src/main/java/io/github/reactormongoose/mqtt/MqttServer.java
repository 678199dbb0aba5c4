/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import io.github.reactormongoose.tcp.TcpInbound;
import io.github.reactormongoose.tcp.TcpServer;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The server side of MQTT: a listener whose handler gets each client connection as a
 * {@link MqttServerConnection}, a {@code Flux} of decoded packets with a send operation.
 * Immutable, shaped like {@link TcpServer} (which it runs on):
 * <pre>{@code
 * DisposableServer server = MqttServer.create().port(1883)
 *     .handle(c -> c.receive().concatMap(p -> p instanceof MqttPacket.Connect
 *             ? c.send(new MqttPacket.ConnAck(false, 0, MqttProperties.empty()))
 *             : Mono.empty()).then())
 *     .bindNow();
 * }</pre>
 * When the handler's publisher completes the connection is closed after its output is
 * written; when it fails, at once.
 */
public final class MqttServer implements Wiretappable<MqttServer> {

	private static final Logger log = Loggers.getLogger(MqttServer.class);

	private final TcpServer tcp;
	private final int maxPacketSize;
	private final @Nullable Function<? super MqttServerConnection, ? extends Publisher<Void>> handler;

	private MqttServer(TcpServer tcp, int maxPacketSize,
			@Nullable Function<? super MqttServerConnection, ? extends Publisher<Void>> handler) {
		this.tcp = tcp;
		this.maxPacketSize = maxPacketSize;
		this.handler = handler;
	}

	/** A server on {@code 127.0.0.1}, port 0 (ephemeral), packets up to 1 MiB. */
	public static MqttServer create() {
		// MQTT has no half-close: a client's FIN ends its session (TcpServer's default keeps it open)
		return new MqttServer(TcpServer.create().halfClose(false), MqttClient.DEFAULT_MAX_PACKET_SIZE, null);
	}

	public MqttServer host(String host) {
		return new MqttServer(tcp.host(host), maxPacketSize, handler);
	}

	/** The port, 0 for an ephemeral one. */
	public MqttServer port(int port) {
		return new MqttServer(tcp.port(port), maxPacketSize, handler);
	}

	/**
	 * Serves on one existing loop: every connection's handler on one thread. By default, as
	 * {@link TcpServer}, a server listens on every loop of
	 * {@link MongooseLoops#shared()}, so handlers of different
	 * connections may run at the same time: state shared between connections then needs to be
	 * thread-safe, or the server on one loop.
	 */
	public MqttServer runOn(MongooseLoop loop) {
		return new MqttServer(tcp.runOn(loop), maxPacketSize, handler);
	}

	/** Serves on every loop of {@code loops}, as {@link TcpServer#runOn(MongooseLoops)}. */
	public MqttServer runOn(MongooseLoops loops) {
		return new MqttServer(tcp.runOn(loops), maxPacketSize, handler);
	}

	/** Serves on {@code n} loops of its own, disposed with the server, as {@link TcpServer#loops(int)}. */
	public MqttServer loops(int n) {
		return new MqttServer(tcp.loops(n), maxPacketSize, handler);
	}

	/** The name (one loop) or name prefix (several) of the server's own loop threads, as {@link TcpServer#loopName(String)}. */
	public MqttServer loopName(String name) {
		return new MqttServer(tcp.loopName(name), maxPacketSize, handler);
	}

	/**
	 * Serves MQTT over TLS (clients use {@code mqtts://}, usually port 8883) with the server
	 * spec's certificate and key, as {@link TcpServer#secure(TlsSpec)}: the handshake comes
	 * before the handler sees the connection.
	 * @throws IllegalArgumentException for a client spec, or one the built-in TLS stack cannot do
	 */
	public MqttServer secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (!spec.isServer()) {
			throw new IllegalArgumentException("MqttServer.secure needs a server spec (TlsSpec.forServer)");
		}
		return new MqttServer(tcp.secure(spec), maxPacketSize, handler);
	}

	/** Removes a TLS spec set with {@link #secure}: plain MQTT again (as Reactor Netty's {@code noSSL()}). */
	public MqttServer noSSL() {
		return new MqttServer(tcp.noSSL(), maxPacketSize, handler);
	}

	/**
	 * Logs every connection's bytes, as {@link TcpServer#wiretap(boolean)}: logger
	 * {@code io.github.reactormongoose.mqtt.MqttServer}, DEBUG, hex dumps of the MQTT packets.
	 */
	@Override
	public MqttServer wiretap(boolean enable) {
		return new MqttServer(enable ? tcp.wiretap(MqttServer.class.getName()) : tcp.wiretap(false), maxPacketSize, handler);
	}

	/** Logs every connection's bytes to the logger {@code category}, at {@code level}, in {@code format}. */
	@Override
	public MqttServer wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return new MqttServer(tcp.wiretap(category, level, format, charset), maxPacketSize, handler);
	}

	/**
	 * Resets a connection whose waiting packets have not moved for this long (the client
	 * stopped reading while the handler sends to it), as {@link TcpServer#writeTimeout}: its
	 * sends then fail with {@link io.github.reactormongoose.ConnectionClosedException}. Default
	 * none; {@link Duration#ZERO}: none.
	 */
	public MqttServer writeTimeout(Duration timeout) {
		return new MqttServer(tcp.writeTimeout(timeout), maxPacketSize, handler);
	}

	/**
	 * The largest packet accepted from a client, in bytes (at least 64, default 1 MiB); a
	 * larger one fails {@link MqttServerConnection#receive()} with {@link MqttProtocolException}.
	 */
	public MqttServer maxPacketSize(int bytes) {
		if (bytes < 64) {
			throw new IllegalArgumentException("maxPacketSize must be at least 64: " + bytes);
		}
		return new MqttServer(tcp, bytes, handler);
	}

	/** The per-connection handler, called on the poll thread for each accepted connection. */
	public MqttServer handle(Function<? super MqttServerConnection, ? extends Publisher<Void>> handler) {
		Objects.requireNonNull(handler, "handler");
		return new MqttServer(tcp, maxPacketSize, handler);
	}

	/** Binds when subscribed and emits the bound server. */
	public Mono<DisposableServer> bind() {
		return Mono.defer(() -> tcp().bind());
	}

	/** Binds and waits up to 45 s. */
	public DisposableServer bindNow() {
		return tcp().bindNow();
	}

	/** Binds and waits up to {@code timeout}. */
	public DisposableServer bindNow(Duration timeout) {
		return tcp().bindNow(timeout);
	}

	private TcpServer tcp() {
		Function<? super MqttServerConnection, ? extends Publisher<Void>> h = handler;
		if (h == null) {
			throw new IllegalStateException("MqttServer: no handler set");
		}
		int limit = maxPacketSize;
		return tcp.handle((in, out) -> Flux.from(h.apply(new ServerConnection(in, limit)))
				// a malformed packet is the client's doing, and any client can send one at will: logged
				// at DEBUG (a WARN with a stack trace each time was the TCP handler's failure log), and
				// the handler's completion drains the connection, so what the handler sent before the
				// error (the PUBACKs of the PUBLISHes that came before the bad packet) goes out first
				.onErrorResume(MqttProtocolException.class, e -> {
					log.debug("{}: closing after the client's malformed packet: {}", in.connection(), e.toString());
					return Mono.empty();
				}));
	}

	@Override
	public String toString() {
		return "MqttServer[" + tcp.host() + ":" + tcp.port() + "]";
	}

	/** Decodes one client's bytes; sends encode for the client's version. */
	private static final class ServerConnection implements MqttServerConnection {

		private final TcpInbound in;
		private final MqttCodec.Decoder decoder;

		ServerConnection(TcpInbound in, int maxPacketSize) {
			this.in = in;
			this.decoder = new MqttCodec.Decoder(true, null, maxPacketSize);
		}

		/** MQTT 5: the client's Maximum Packet Size from its CONNECT (0: none said). */
		private volatile long clientMaxPacket;

		@Override
		public Flux<MqttPacket> receive() {
			return in.receive()
					.concatMapIterable(this::decode, 1)
					.concatWith(Mono.defer(() -> decoder.hasPartialPacket()
							? Mono.error(new MqttProtocolException("truncated packet: the connection closed inside a packet"))
							: Mono.empty()))
					// CONNACK 0x01, written before the close (the handler's error would close at once, and
					// drop it); the close cancels the handler, so the error below reaches it only if it
					// ended otherwise meanwhile
					.onErrorResume(MqttCodec.UnsupportedProtocolLevelException.class, e -> connection()
							.send(MqttCodec.encode(new MqttPacket.ConnAck(false, 1, MqttProperties.empty()), MqttVersion.V3_1_1))
							.then(connection().drain())
							.onErrorResume(closedMeanwhile -> Mono.empty())
							.then(Mono.error(e)));
		}

		/**
		 * The packets of one read. The ones before a malformed packet are the client's as much
		 * as those of earlier reads and go to the handler, then the error: a DISCONNECT followed
		 * by garbage still ends the session cleanly, a PUBLISH before it still reaches the handler.
		 */
		private Iterable<MqttPacket> decode(ByteBuffer data) {
			decoder.feed(data);
			List<MqttPacket> out = new ArrayList<>(2);
			try {
				MqttPacket p;
				while ((p = decoder.next()) != null) {
					if (p instanceof MqttPacket.Connect c && c.properties().get(MqttProperties.MAXIMUM_PACKET_SIZE) instanceof Number n) {
						clientMaxPacket = n.longValue(); // MQTT 5: the largest packet the client takes
					}
					out.add(p);
				}
			}
			catch (MqttProtocolException e) {
				if (out.isEmpty()) {
					throw e;
				}
				// concatMapIterable fails the flux with what the iterator throws, after what it gave
				return () -> new ThenFail(out.iterator(), e);
			}
			return out;
		}

		@Override
		public Mono<Void> send(MqttPacket packet) {
			return Mono.defer(() -> {
				MqttVersion v = decoder.version();
				if (packet instanceof MqttPacket.ConnAck a && v == MqttVersion.V5) {
					// the aliases the client may use are the ones this CONNACK grants (before the
					// client can read it, so before it can use them)
					decoder.topicAliasMaximum(a.properties().get(MqttProperties.TOPIC_ALIAS_MAXIMUM) instanceof Number n
							? n.intValue() : 0);
				}
				ByteBuffer encoded = MqttCodec.encode(packet, v != null ? v : MqttVersion.V3_1_1);
				long max = clientMaxPacket;
				if (max > 0 && encoded.remaining() > max) {
					// MQTT-3.1.2-24, -25: never sent; the handler goes on as if it had been (a
					// broker drops the message for this client)
					return Mono.error(new MqttException("the " + packet.getClass().getSimpleName().toUpperCase(java.util.Locale.ROOT)
							+ " is a packet of " + encoded.remaining() + " bytes, over the client's Maximum Packet Size of " + max
							+ " bytes", 0x95));
				}
				return connection().send(encoded);
			});
		}

		@Override
		public @Nullable MqttVersion version() {
			return decoder.version();
		}

		@Override
		public Connection connection() {
			return in.connection();
		}

		@Override
		public String toString() {
			return "MqttServerConnection[" + connection() + "]";
		}
	}

	/** The packets decoded before a malformed one, then its error. */
	private static final class ThenFail implements Iterator<MqttPacket> {

		private final Iterator<MqttPacket> packets;
		private final MqttProtocolException error;

		ThenFail(Iterator<MqttPacket> packets, MqttProtocolException error) {
			this.packets = packets;
			this.error = error;
		}

		@Override
		public boolean hasNext() {
			if (!packets.hasNext()) {
				throw error;
			}
			return true;
		}

		@Override
		public MqttPacket next() {
			return packets.next();
		}
	}
}
