/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.examples;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.DisposableServer;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.mqtt.MqttClient;
import io.github.reactormongoose.mqtt.MqttException;
import io.github.reactormongoose.mqtt.MqttMessage;
import io.github.reactormongoose.mqtt.MqttPacket;
import io.github.reactormongoose.mqtt.MqttProperties;
import io.github.reactormongoose.mqtt.MqttProtocolException;
import io.github.reactormongoose.mqtt.MqttServer;
import io.github.reactormongoose.mqtt.MqttServerConnection;
import io.github.reactormongoose.mqtt.MqttTopics;
import io.github.reactormongoose.mqtt.MqttVersion;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A small MQTT broker on {@link MqttServer} that really routes: CONNECT/CONNACK,
 * SUBSCRIBE/SUBACK (with the retained messages that match), PUBLISH with QoS 0 and 1 fan-out
 * to every session with a matching subscription (QoS 2 publishes are accepted with
 * PUBREC/PUBCOMP, routed once per packet id until its PUBREL, and delivered at QoS 1 at most),
 * retained messages, UNSUBSCRIBE/UNSUBACK, PINGREQ/PINGRESP, DISCONNECT (the broker closes the connection, and acts on nothing sent
 * after it), and the last will when a client goes without DISCONNECT, when a new connection
 * with its client id takes over, or when an MQTT 5 client's DISCONNECT asks for it. It
 * speaks plain MQTT or, started with {@link #start(String, int, TlsSpec)}, MQTT over TLS.
 * <p>
 * A client that sends no CONNECT within 10 s, or nothing for one and a half times its
 * keep-alive, is disconnected, and its will published (MQTT 3.1.1, section 3.1.2.10: a peer
 * whose network went away is found out this way, not by TCP). An empty client id is given one
 * ({@code auto-<n>}, sent back to MQTT 5 clients as their assigned client identifier), except
 * for an MQTT 3.1.1 client that asks to keep its session: that one gets CONNACK 0x02
 * (identifier rejected), as the specification asks. An MQTT 5 CONNECT with an authentication
 * method gets CONNACK 0x8C (bad authentication method): there is no enhanced authentication.
 * <p>
 * Every connection runs on the broker's one loop, so the routing state needs no locks. A
 * publish completes once it was handed to every subscriber's send buffer, so a subscriber that
 * reads slowly slows its publishers down instead of growing memory, and loses nothing. A
 * subscriber that does not take anything for {@link #STALL_TIMEOUT} (its send buffer stays
 * above the loop's low-water mark) while a publisher waits on it is stalled: until it has
 * taken what it was given, messages for it are dropped (counted in {@link #droppedMessages()})
 * and nobody waits on it, so it cannot hold up its publishers or, through them, the other
 * subscribers (Mosquitto drops too, beyond {@code max_queued_messages}). A subscriber that
 * takes nothing at all for {@link #WRITE_TIMEOUT} is reset ({@code MqttServer.writeTimeout}):
 * its connection and what waits in it are let go, and its will is published. A malformed packet,
 * or one over {@link #MAX_PACKET_SIZE} (announced to MQTT 5 clients in CONNACK), closes the
 * connection, an MQTT 5 client's after DISCONNECT 0x81 or 0x95. MQTT 5 clients are told in
 * CONNACK that there are no shared subscriptions and no subscription identifiers (SUBACK 0x9E
 * and 0xA1 refuse them); a retained message's Message Expiry Interval is kept. What it leaves out: persistent
 * sessions, redelivery of unacknowledged messages, authentication, QoS 2 towards subscribers,
 * MQTT 5 features beyond decoding their packets and those named here (a client's Receive
 * Maximum and the subscription options such as retain as published are not honoured).
 */
public final class MqttBroker implements Disposable {

	private final MongooseLoop loop;
	private final DisposableServer server;
	/** How long a new connection may take to send its CONNECT. */
	static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
	/**
	 * How long a publish waits on a subscriber that takes nothing before that subscriber counts
	 * as stalled and its messages are dropped.
	 */
	public static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);
	/** How long a client may take none of what is waiting for it before its connection is reset. */
	public static final Duration WRITE_TIMEOUT = Duration.ofSeconds(60);
	/**
	 * The largest packet taken from a client, in bytes (MqttServer's default); MQTT 5 clients
	 * are told in CONNACK (Maximum Packet Size), so they do not send larger ones.
	 */
	public static final int MAX_PACKET_SIZE = 1024 * 1024;
	private final AtomicLong dropped = new AtomicLong();

	/** Poll thread only, like everything below. */
	private final Map<String, Session> sessions = new HashMap<>();
	private final Map<String, Retained> retained = new TreeMap<>();

	/** A retained message and when it came, for its Message Expiry Interval (MQTT 5, 3.3.2.3.3). */
	private record Retained(MqttMessage message, long receivedNanos) {

		/**
		 * The message as it may be delivered now: with the interval that is left
		 * ([MQTT-3.3.2-6]), or null once its interval has passed.
		 */
		@Nullable
		MqttMessage live(long nowNanos) {
			Long interval = message.properties().messageExpiryInterval();
			if (interval == null) {
				return message;
			}
			long leftMillis = interval * 1000 - (nowNanos - receivedNanos) / 1_000_000;
			if (leftMillis <= 0) {
				return null;
			}
			return MqttMessage.of(message.topic(), message.payload(), message.qos(), true, message.properties().mutate()
					.remove(MqttProperties.MESSAGE_EXPIRY_INTERVAL).messageExpiryInterval((leftMillis + 999) / 1000).build());
		}
	}
	private int anonymous;

	private MqttBroker(String host, int port, @Nullable TlsSpec tls, Duration writeTimeout) {
		loop = MongooseLoop.create("mqtt-broker");
		try {
			MqttServer mqtt = MqttServer.create().host(host).port(port).writeTimeout(writeTimeout)
					.maxPacketSize(MAX_PACKET_SIZE).runOn(loop);
			if (tls != null) {
				mqtt = mqtt.secure(tls); // MQTT over TLS: clients connect with mqtts://
			}
			server = mqtt.handle(c -> new Session(c).run())
					.bindNow(Duration.ofSeconds(10));
		}
		catch (RuntimeException e) {
			loop.dispose();
			throw e;
		}
	}

	/**
	 * Starts a broker on {@code host:port} (0 picks a free port) with a loop of its own.
	 * @throws io.github.reactormongoose.MongooseException if it could not bind
	 */
	public static MqttBroker start(String host, int port) {
		return new MqttBroker(host, port, null, WRITE_TIMEOUT);
	}

	/** Starts a broker whose clients are reset after taking nothing for {@code writeTimeout}. */
	public static MqttBroker start(String host, int port, Duration writeTimeout) {
		return new MqttBroker(host, port, null, writeTimeout);
	}

	/**
	 * Starts a broker that speaks MQTT over TLS only, with the server spec's certificate and
	 * key, for example {@code TlsSpec.forServer(Path.of("fullchain.pem"), Path.of("privkey.pem"))}
	 * (an EC P-256 key: Mongoose's built-in TLS signs only with those).
	 */
	public static MqttBroker start(String host, int port, TlsSpec tls) {
		return new MqttBroker(host, port, tls, WRITE_TIMEOUT);
	}

	/**
	 * A client of {@code url}; for {@code mqtts://} with {@code caPem} set, one that trusts that
	 * CA instead of the JDK's trust store (the host name is still checked).
	 */
	static MqttClient client(String url, @Nullable String caPem) {
		MqttClient client = MqttClient.create(url);
		return caPem != null && client.isSecure()
				? client.secure(TlsSpec.forClient().trustedCertificates(Path.of(caPem)))
				: client;
	}

	public InetSocketAddress address() {
		return server.address();
	}

	public int port() {
		return server.port();
	}

	/** How many messages were dropped for stalled subscribers since the start. */
	public long droppedMessages() {
		return dropped.get();
	}

	/**
	 * Sends the message to every session with a matching subscription; completes when each
	 * took it, or was found stalled.
	 */
	private Mono<Void> route(MqttMessage message) {
		List<Mono<Void>> sends = new ArrayList<>();
		for (Session s : sessions.values()) {
			int qos = -1;
			for (Map.Entry<String, Integer> sub : s.subscriptions.entrySet()) {
				if (MqttTopics.matches(sub.getKey(), message.topic())) {
					qos = Math.max(qos, sub.getValue());
				}
			}
			if (qos >= 0) {
				sends.add(s.offer(message.with(Math.min(qos, message.qos()), false, false)));
			}
		}
		return Mono.when(sends);
	}

	private void retain(MqttMessage message) {
		if (message.payloadLength() == 0) {
			retained.remove(message.topic());
		}
		else {
			retained.put(message.topic(), new Retained(message.with(message.qos(), true, false), System.nanoTime()));
		}
	}

	/** One client connection: its subscriptions, will and packet ids. */
	private final class Session {

		private final MqttServerConnection connection;
		private final Map<String, Integer> subscriptions = new LinkedHashMap<>();
		private @Nullable String clientId;
		private @Nullable MqttMessage will;
		private int lastId;
		/**
		 * Set when the broker ends this connection (its CONNECT was refused, or another connection
		 * took its client id): what the client sends meanwhile is not acted on.
		 */
		private boolean ended;
		/**
		 * Packet ids of the client's QoS 2 publishes that were routed and answered with PUBREC
		 * and whose PUBREL has not come yet (at most 65,535 bits). Per connection, as the broker
		 * keeps no session (CONNACK says so): a publish that a client sends again on its next
		 * connection is routed, once more if its PUBREC was what got lost.
		 */
		private final BitSet unreleased = new BitSet();
		/** Routed deliveries whose send has not completed yet (loop thread only). */
		private int pending;
		/** Set when a publish waited {@link #STALL_TIMEOUT} on this session; cleared once {@code pending} is 0. */
		private boolean stalled;
		/** 1.5 times the client's keep-alive, from its CONNECT; 0: none. */
		private volatile long keepAliveMillis;

		Session(MqttServerConnection connection) {
			this.connection = connection;
		}

		Mono<Void> run() {
			connection.connection().onClose().subscribe(null, null, this::gone);
			return connection.receive()
					.timeout(Mono.delay(CONNECT_TIMEOUT), this::silenceLimit)
					// DISCONNECT is the client's last packet: what comes after it is not acted on, and
					// the handler ends, so the connection is closed once our output is written (MQTT
					// 3.1.1, section 3.14.4)
					.takeUntil(p -> p instanceof MqttPacket.Disconnect)
					.concatMap(this::on)
					.onErrorResume(TimeoutException.class, silent -> {
						connection.connection().close(); // no DISCONNECT: the will goes out (gone())
						return Mono.empty();
					})
					.onErrorResume(MqttProtocolException.class, this::malformed)
					.then();
		}

		/**
		 * The client sent a malformed packet or broke the protocol: the decoder reads no more. An
		 * MQTT 5 client whose CONNECT was accepted is told why before the close, with DISCONNECT
		 * (5.0, section 4.13.1): the exception's reason code (0x95, packet too large, for a packet
		 * over {@link #MAX_PACKET_SIZE}; 0x94 for a bad topic alias; 0x82 for a protocol error),
		 * else 0x81 (malformed packet), and the decoder's message as the reason string (left out when it would make the packet
		 * larger than the client's Maximum Packet Size). Otherwise (MQTT 3.1.1 has no server
		 * DISCONNECT) the error stands: MqttServer logs it at DEBUG and closes the connection once
		 * what was sent before (the PUBACKs of the PUBLISHes ahead of the bad packet) is written.
		 */
		private Mono<Void> malformed(MqttProtocolException e) {
			if (clientId == null || ended || connection.version() != MqttVersion.V5) {
				return Mono.error(e);
			}
			String why = String.valueOf(e.getMessage());
			int reason = e.reasonCode() >= 0x80 ? e.reasonCode() : 0x81;
			if (why.length() > 100) {
				// it may quote the client's topic: kept short, far below any Maximum Packet Size the
				// client may have set, which the reason string must not make the packet exceed
				why = why.substring(0, 100);
			}
			// completing the handler closes the connection once the DISCONNECT is written; one the
			// client's Maximum Packet Size leaves no room for the reason string goes without it
			// ([MQTT-3.14.2-3]: the send refuses the larger packet with 0x95)
			return send(new MqttPacket.Disconnect(reason, MqttProperties.builder().reasonString(why).build()))
					.onErrorResume(MqttException.class, tooLarge -> tooLarge.reasonCode() == 0x95
							? send(new MqttPacket.Disconnect(reason, MqttProperties.empty()))
							: Mono.error(tooLarge))
					.onErrorResume(closed -> Mono.empty());
		}

		/** After {@code p}: how long the client may stay silent (1.5 keep-alives; 0 turns it off). */
		private Mono<Long> silenceLimit(MqttPacket p) {
			if (p instanceof MqttPacket.Connect c) {
				keepAliveMillis = c.keepAliveSeconds() * 1500L;
			}
			return keepAliveMillis > 0 ? Mono.delay(Duration.ofMillis(keepAliveMillis)) : Mono.never();
		}

		private Mono<Void> on(MqttPacket packet) {
			if (ended) {
				return Mono.empty();
			}
			if (packet instanceof MqttPacket.Connect c) {
				return connect(c);
			}
			if (packet instanceof MqttPacket.Publish p) {
				MqttMessage m = p.message();
				Mono<Void> routed = Mono.empty();
				// a QoS 2 publish whose packet id has not been released yet is the same message
				// again, whatever its DUP flag (MQTT 3.1.1 and 5, section 4.3.3): not routed twice
				if (m.qos() < 2 || !unreleased.get(p.packetId())) {
					if (m.qos() == 2) {
						unreleased.set(p.packetId());
					}
					if (m.retain()) {
						retain(m);
					}
					routed = route(m);
				}
				return switch (m.qos()) {
					case 0 -> routed;
					case 1 -> routed.then(send(new MqttPacket.PubAck(p.packetId(), 0, MqttProperties.empty())));
					default -> routed.then(send(new MqttPacket.PubRec(p.packetId(), 0, MqttProperties.empty())));
				};
			}
			if (packet instanceof MqttPacket.PubRel r) {
				// 0x92 (MQTT 5): no message waits for release under this id (a PUBREL sent again
				// after a PUBCOMP went lost); an MQTT 3.1.1 PUBCOMP carries no reason code
				int reason = unreleased.get(r.packetId()) ? 0 : 0x92;
				unreleased.clear(r.packetId()); // the id may now name a new message
				return send(new MqttPacket.PubComp(r.packetId(), reason, MqttProperties.empty()));
			}
			if (packet instanceof MqttPacket.Subscribe s) {
				List<Integer> granted = new ArrayList<>();
				List<MqttMessage> matching = new ArrayList<>();
				boolean v5 = connection.version() == MqttVersion.V5;
				// MQTT 5: the CONNACK said Subscription Identifiers Available 0 and Shared
				// Subscription Available 0 (neither is delivered here), so such a subscription is
				// refused: 0xA1 (subscription identifiers not supported), 0x9E (shared subscriptions
				// not supported)
				boolean identified = v5 && s.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER) != null;
				long now = System.nanoTime();
				retained.values().removeIf(r -> r.live(now) == null); // expired (5.0, section 3.3.2.3.3)
				for (MqttPacket.Subscription sub : s.subscriptions()) {
					if (identified || v5 && sub.filter().startsWith("$share/")) {
						granted.add(identified ? 0xA1 : 0x9E);
						continue;
					}
					int qos = Math.min(sub.qos(), 1);
					subscriptions.put(sub.filter(), qos);
					granted.add(qos);
					for (Retained r : retained.values()) {
						MqttMessage m = r.live(now);
						if (m != null && MqttTopics.matches(sub.filter(), m.topic())) {
							matching.add(m.with(Math.min(qos, m.qos()), true, false));
						}
					}
				}
				return send(new MqttPacket.SubAck(s.packetId(), granted, MqttProperties.empty()))
						.thenMany(Flux.fromIterable(matching).concatMap(this::deliver))
						.then();
			}
			if (packet instanceof MqttPacket.Unsubscribe u) {
				List<Integer> codes = new ArrayList<>();
				for (String f : u.filters()) {
					codes.add(subscriptions.remove(f) != null ? 0 : 0x11);
				}
				return send(new MqttPacket.UnsubAck(u.packetId(), connection.version() == MqttVersion.V5 ? codes : List.of(),
						MqttProperties.empty()));
			}
			if (packet instanceof MqttPacket.PingReq) {
				return send(new MqttPacket.PingResp());
			}
			if (packet instanceof MqttPacket.Disconnect d) {
				// a normal end (0x00, and always over 3.1.1) drops the will; with any other code, as
				// 0x04 "disconnect with will message", an MQTT 5 client keeps it, and it goes out at
				// the close (5.0, sections 3.1.2.5 and 3.14.4)
				if (d.reasonCode() == 0) {
					will = null;
				}
				return Mono.empty();
			}
			// PUBACK/PUBREC/PUBCOMP for deliveries: nothing is redelivered, nothing to track
			return Mono.empty();
		}

		private Mono<Void> connect(MqttPacket.Connect c) {
			boolean v5 = c.version() == MqttVersion.V5;
			if (c.clientId().isEmpty() && !c.cleanSession() && !v5) {
				// an empty id names no session to keep (MQTT 3.1.1, section 3.1.3.1)
				return refuse(0x02);
			}
			if (v5 && c.properties().get(MqttProperties.AUTHENTICATION_METHOD) != null) {
				// enhanced authentication (section 4.12) is not done here, so any method is one the
				// broker does not support: 0x8C, bad authentication method ([MQTT-4.12.0-1])
				return refuse(0x8C);
			}
			MqttProperties.Builder props = MqttProperties.builder();
			if (v5) {
				// without it the client may send up to the protocol's 256 MB (5.0, section 3.2.2.3.6)
				props.property(MqttProperties.MAXIMUM_PACKET_SIZE, (long) MAX_PACKET_SIZE);
				// left out, both would mean "supported" (5.0, sections 3.2.2.3.12 and 3.2.2.3.13)
				props.property(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0);
				props.property(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0);
			}
			String id = c.clientId();
			if (id.isEmpty()) {
				id = "auto-" + ++anonymous;
				if (v5) {
					props.property(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER, id);
				}
			}
			Session previous = sessions.put(id, this);
			if (previous != null) {
				previous.takenOver();
			}
			clientId = id;
			will = publishable(c.will());
			return send(new MqttPacket.ConnAck(false, 0, props.build()));
		}

		/**
		 * Answers the CONNECT with a CONNACK refusing it, and closes once that is written. Nothing
		 * the client sent after its CONNECT is acted on ([MQTT-3.1.4-5]): the close cancels this
		 * handler, and {@link #ended} covers what might come before it does.
		 */
		private Mono<Void> refuse(int reasonCode) {
			ended = true;
			return send(new MqttPacket.ConnAck(false, reasonCode, MqttProperties.empty()))
					.then(connection.connection().drain());
		}

		/**
		 * Sends a routed message. Completes when the send buffer took it, or after
		 * {@link #STALL_TIMEOUT} if it did not (this session is then stalled, and the message
		 * stays in its send buffer); while stalled, completes at once and drops the message.
		 */
		Mono<Void> offer(MqttMessage m) {
			return Mono.create(sink -> {
				if (stalled) {
					dropped.incrementAndGet();
					sink.success();
					return;
				}
				pending++;
				Disposable timer = loop.schedule(STALL_TIMEOUT, () -> {
					stalled = true;
					sink.success();
				});
				deliver(m).doFinally(signal -> {
					timer.dispose();
					if (--pending == 0) {
						stalled = false;
					}
					sink.success();
				}).subscribe();
			});
		}

		/** Sends a message to this subscriber; completes when its send buffer took it. */
		Mono<Void> deliver(MqttMessage m) {
			int id = 0;
			if (m.qos() > 0) {
				lastId = lastId == 65535 ? 1 : lastId + 1;
				id = lastId;
			}
			return send(new MqttPacket.Publish(id, m)).onErrorResume(e -> Mono.empty());
		}

		private Mono<Void> send(MqttPacket p) {
			return connection.send(p);
		}

		/**
		 * A new connection with this one's client id took over: this connection ends as one that
		 * went without DISCONNECT, its will published (MQTT 3.1.1 [MQTT-3.1.2-8], 5.0 section
		 * 3.1.4), and nothing it sends meanwhile is acted on. An MQTT 5 client is told why first,
		 * with DISCONNECT 0x8E (session taken over), given {@link #STALL_TIMEOUT} to be written.
		 */
		void takenOver() {
			ended = true;
			publishWill();
			Connection c = connection.connection();
			if (connection.version() == MqttVersion.V5) {
				send(new MqttPacket.Disconnect(0x8E, MqttProperties.empty()))
						.then(c.drain())
						.timeout(STALL_TIMEOUT)
						.onErrorResume(e -> Mono.empty())
						.doFinally(signal -> c.close())
						.subscribe();
			}
			else {
				c.close();
			}
		}

		private void gone() {
			if (clientId != null && sessions.get(clientId) == this) {
				sessions.remove(clientId);
			}
			publishWill();
		}

		/**
		 * The will as it may be published: without its Will Delay Interval, a property a
		 * PUBLISH may not carry (MQTT 5.0 table 2-4; subscribers would refuse the packet). This
		 * broker publishes wills at once.
		 */
		private static @Nullable MqttMessage publishable(@Nullable MqttMessage w) {
			if (w == null || w.properties().get(MqttProperties.WILL_DELAY_INTERVAL) == null) {
				return w;
			}
			return MqttMessage.of(w.topic(), w.payload(), w.qos(), w.retain(),
					w.properties().mutate().remove(MqttProperties.WILL_DELAY_INTERVAL).build());
		}

		/** Routes the will, once, if there is one (and retains it if it asks to be). */
		private void publishWill() {
			MqttMessage w = will;
			will = null;
			if (w != null) {
				if (w.retain()) {
					retain(w);
				}
				route(w).subscribe();
			}
		}
	}

	@Override
	public void dispose() {
		server.dispose();
		loop.dispose();
	}

	@Override
	public boolean isDisposed() {
		return loop.isDisposed();
	}

	/** Stops accepting, closes the connections and waits until the loop has stopped. */
	public void disposeNow() {
		server.disposeNow(Duration.ofSeconds(1));
		loop.disposeNow(Duration.ofSeconds(1));
	}

	/**
	 * Runs the broker until interrupted (Ctrl-C). With {@code -Dcert=chain.pem -Dkey=key.pem}
	 * it speaks MQTT over TLS (default port 8883).
	 * @param args optional: the port (default 1883, or 8883 with TLS; {@code -Dport} also works)
	 */
	public static void main(String[] args) {
		String host = System.getProperty("host", "127.0.0.1");
		String cert = System.getProperty("cert");
		String key = System.getProperty("key");
		boolean tls = cert != null && key != null;
		int port = Integer.parseInt(args.length > 0 ? args[0] : System.getProperty("port", tls ? "8883" : "1883"));
		MqttBroker broker = tls ? start(host, port, TlsSpec.forServer(Path.of(cert), Path.of(key))) : start(host, port);
		Runtime.getRuntime().addShutdownHook(new Thread(broker::disposeNow, "mqtt-broker-shutdown"));
		System.out.println("MQTT broker listening on " + (tls ? "mqtts://" : "mqtt://") + host + ":" + broker.port()
				+ " (try: mosquitto_sub -h " + host + " -p " + broker.port() + (tls ? " --cafile ca.pem" : "")
				+ " -t '#' -v)");
		broker.loop.onDispose().block();
	}
}
