/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import io.github.reactormongoose.Connection;
import io.github.reactormongoose.ConnectionClosedException;
import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.internal.FatalErrors;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import io.github.reactormongoose.internal.tcp.TcpConnector;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.internal.tls.TlsConfig;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

/**
 * One client session: the TCP connections it goes through, in-flight publishes both ways,
 * subscriptions and timers. All state is confined to the loop's poll thread; the public
 * methods hand their work to it.
 */
final class ClientSession implements MqttConnection {

	private static final Logger log = Loggers.getLogger(ClientSession.class);

	/** Messages one subscription may hold beyond its demand before reading pauses. */
	static final int PENDING_LIMIT = 16;

	/** The largest array a new outbox starts with (it starts as large as the last write). */
	private static final int OUTBOX_START_MAX = 64 * 1024;

	private enum State { CONNECTING, CONNECTED, RECONNECTING, CLOSED }

	private final MqttClient config;
	private final MongooseLoop mongooseLoop;
	private final EventLoop loop;
	private final String tcpUrl;
	private final @Nullable TlsConfig tls;
	private final Sinks.Empty<Void> closed = Sinks.empty();

	private State state = State.CONNECTING;
	private volatile boolean connected;
	private @Nullable MonoSink<MqttConnection> connectSink;
	private @Nullable Connection transport;
	private @Nullable Reader reader;
	private MqttCodec.@Nullable Decoder decoder;
	private @Nullable Throwable finalCause;
	private boolean everConnected;
	/**
	 * Reconnect attempts since a connection last proved to work (one of its publishes was
	 * acknowledged, or it stayed up for the longest reconnect delay): the next delay is
	 * {@code min << attempt}. A CONNACK alone does not reset it: a broker that accepts the
	 * connection and closes it over a message would otherwise be reconnected to every {@code min}.
	 */
	private int attempt;
	/** When the current connection's CONNACK came (nanoTime). */
	private long connectedAt;
	/** The TCP connections the session has opened: the one a publish was last sent on is {@link Outgoing#sentOn}. */
	private int connections;
	/**
	 * The broker closed two connections in a row while a publish was in flight on both, not
	 * acknowledged: until one is, a single QoS 1/2 publish is in flight at a time, so that a
	 * message the broker closes the connection over (a poison message) is the only one sent
	 * on the next connections, and is given up after {@link #POISON_LOSSES} of them without
	 * failing those behind it. One loss alone (a reset) keeps the window.
	 */
	private boolean oneAtATime;

	/** Connections in a row the broker closed while a publish was in flight on them before it fails. */
	static final int POISON_LOSSES = 3;

	/**
	 * How long the DISCONNECT telling a broker that broke the protocol why may take to go out
	 * before the connection is closed whatever is left.
	 */
	static final Duration DISCONNECT_LINGER = Duration.ofSeconds(1);

	/**
	 * How long {@link #disconnect()} lets what is queued and its DISCONNECT take to go out before
	 * the connection is closed whatever is left: longer than {@link #DISCONNECT_LINGER}, since a
	 * broker that reads slowly (a burst of publishes before the close, a slow link) is still taking
	 * them; a broker that does not read holds the close no longer ({@link MqttClient#disconnectLinger}
	 * lowers both for tests).
	 */
	static final Duration DISCONNECT_DRAIN = Duration.ofSeconds(10);
	private @Nullable Disposable keepAliveTimer;
	private @Nullable Disposable connectTimer;
	private @Nullable Disposable reconnectTimer;
	private @Nullable Disposable shutdownHook;
	private boolean loopShuttingDown;
	private long pingSentAt;
	/**
	 * The keep-alive of the current connection: the broker's Server Keep Alive when its CONNACK
	 * has one (MQTT 5, MQTT-3.2.2-21: it replaces the client's, also the client's 0), the
	 * client's otherwise.
	 */
	private Duration keepAlive;
	private int window;

	private int lastId;
	private final ArrayDeque<Outgoing> waiting = new ArrayDeque<>();
	private final LinkedHashMap<Integer, Outgoing> inflight = new LinkedHashMap<>();
	/**
	 * In-flight publishes of an earlier connection not sent again on this one yet: a new
	 * connection gets at most its window (the CONNACK's Receive Maximum, MQTT-3.3.4-7) of them at
	 * once, the rest as acknowledgements come. Each is in {@link #inflight} too.
	 */
	private final ArrayDeque<Outgoing> resend = new ArrayDeque<>();
	/** The session was resumed: {@link #resend} goes with DUP. */
	private boolean resendDup;
	private final Set<Integer> inboundQos2 = new HashSet<>();
	private final List<Sub> subs = new ArrayList<>();
	/**
	 * MQTT 5: the Subscription Identifier of each filter subscribed (one per filter: a second
	 * SUBSCRIBE of a filter replaces the broker's subscription, and its identifier), so that a
	 * message the broker sends once per matching subscription reaches each subscription once.
	 */
	private final Map<String, Integer> subIds = new HashMap<>();
	/**
	 * The next Subscription Identifier. A kept session's subscriptions of earlier connections
	 * stay at the broker with their identifiers: such a session starts at a random one, so that
	 * a new subscription is unlikely to reuse one of theirs (and {@link #dispatch} checks the
	 * topic too).
	 */
	private int nextSubId;
	/** MQTT 5: the broker's Maximum Packet Size from CONNACK (0: none said). */
	private long brokerMaxPacket;
	/** MQTT 5: the broker's Maximum QoS from CONNACK (2: none said). */
	private int brokerMaxQos = 2;
	/** MQTT 5: the broker's CONNACK did not say retained messages are unavailable. */
	private boolean retainAvailable = true;
	/** MQTT 5: the broker's CONNACK did not say wildcard subscriptions are unavailable. */
	private boolean wildcardsAvailable = true;
	/** MQTT 5: the broker's CONNACK did not say shared subscriptions are unavailable. */
	private boolean sharedAvailable = true;
	/**
	 * Filters unsubscribed while there was no connection: a kept session still has them at
	 * the broker, which is told when the session is resumed.
	 */
	private final Set<String> unsubscribeOnResume = new HashSet<>();
	/**
	 * A kept session's messages that matched no subscription: the broker sends what it queued
	 * for the client right after CONNACK, before the application can have subscribed again. They
	 * go to the first subscription made later whose filter matches them (at most
	 * {@link #UNCLAIMED_LIMIT} and {@link #UNCLAIMED_BYTES} of payload, the oldest dropped first;
	 * none older than {@link #UNCLAIMED_MAX_AGE}). Reading is not held back for them, so the byte
	 * bound is what keeps a broker's queue of large messages out of the heap.
	 */
	private final ArrayDeque<Unclaimed> unclaimed = new ArrayDeque<>();
	/** The payload bytes of {@link #unclaimed}. */
	private long unclaimedBytes;

	static final int UNCLAIMED_LIMIT = 1000;
	static final long UNCLAIMED_BYTES = 16L << 20;
	static final Duration UNCLAIMED_MAX_AGE = Duration.ofSeconds(60);

	private record Unclaimed(MqttMessage message, long at) {
	}
	/** The broker's CONNACK did not say Subscription Identifiers are unavailable (MQTT 5). */
	private boolean subIdsAvailable;
	private final Map<Integer, Sub> subAcks = new HashMap<>();
	/** UNSUBSCRIBEs not acknowledged yet: packet id, filter. */
	private final Map<Integer, String> unsubAcks = new HashMap<>();

	/**
	 * Packets encoded for the current TCP connection and not handed to it yet: a batch (see
	 * {@link #beginBatch()}) leaves in one {@link Connection#send}.
	 */
	private MqttCodec.Out outbox = new MqttCodec.Out(256);
	/** The QoS 0 publishes in the outbox: they complete when it is sent. */
	private @Nullable List<Done> outboxSinks;
	/** Batches open: while above 0, writes wait in the outbox. */
	private int batchDepth;
	/** A batch stays open until the loop's timers run, see {@link #holdBatch()}. */
	private boolean batchHeld;
	private final Runnable releaseBatch = () -> {
		batchHeld = false;
		endBatch();
	};

	ClientSession(MqttClient config, MongooseLoop loop) {
		this.config = config;
		this.mongooseLoop = loop;
		this.loop = LoopAccess.engine(loop);
		this.tcpUrl = (config.tls != null ? "mqtts://" : "tcp://")
				+ (config.host.indexOf(':') >= 0 && !config.host.startsWith("[") ? "[" + config.host + "]" : config.host)
				+ ":" + config.port;
		this.tls = config.tls != null ? TlsAccess.config(config.tls) : null;
		this.window = config.maxInflight;
		this.keepAlive = config.keepAlive;
		this.nextSubId = config.cleanSession ? 1 : 1 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 27);
	}

	// ------------------------------------------------------------ connection lifecycle

	void open(MonoSink<MqttConnection> sink) {
		// the sink runs this only when it was cancelled before it emitted the connection: when the
		// CONNACK came before this ran, the sink dropped the session unseen, and it ends too
		sink.onCancel(() -> loop.executeOrRun(() -> {
			if (connectSink == sink) {
				connectSink = null;
			}
			end(new ConnectionClosedException("connect cancelled"));
		}));
		loop.executeOrRun(() -> {
			connectSink = sink;
			// disposing the loop ends the session cleanly: DISCONNECT, then the close
			shutdownHook = loop.onShutdown(() -> {
				loopShuttingDown = true;
				if (state != State.CLOSED) {
					disconnect().subscribe();
				}
			});
			openTransport();
		});
	}

	private void openTransport() {
		connectTimer = loop.schedule(config.connectTimeout, () -> {
			connectTimer = null;
			// fatal for the first connect only: a reconnect attempt that times out is retried
			lose(new MqttException("no CONNACK within " + config.connectTimeout.toMillis() + " ms", -1),
					state == State.CONNECTING);
		});
		// with TLS the connection comes after the handshake and the JDK's check of the broker's
		// chain and host name: CONNECT is never sent to an unverified broker
		String host = config.host.startsWith("[") ? config.host.substring(1, config.host.length() - 1) : config.host;
		TcpConnector.firstReachable(loop, host, (addr, sink) -> {
			if (loop.isShutdown()) {
				sink.error(new IllegalStateException("MongooseLoop " + mongooseLoop.name() + " is disposed"));
				return;
			}
			TcpConnector.connect(loop, Addresses.url("tcp", addr, config.port), tls, host, config.wiretap, null, sink);
		}).subscribe(c -> loop.executeOrRun(() -> onTransport(c)), e -> loop.executeOrRun(() -> onTransportFailed(e)));
	}

	private void onTransport(Connection c) {
		if (state == State.CLOSED || transport != null) {
			c.close();
			return;
		}
		transport = c;
		connections++;
		MqttPacket.Connect connect = connectPacket();
		MqttCodec.Decoder d = new MqttCodec.Decoder(false, config.version, config.maxPacketSize);
		// a Topic Alias Maximum among the connect properties lets the broker send aliases
		d.topicAliasMaximum(connect.properties().get(MqttProperties.TOPIC_ALIAS_MAXIMUM) instanceof Number n ? n.intValue() : 0);
		decoder = d;
		pingSentAt = 0;
		write(connect);
		Reader r = new Reader();
		reader = r;
		c.receive().subscribe(r);
	}

	private MqttPacket.Connect connectPacket() {
		MqttProperties props = config.connectProperties;
		if (config.version == MqttVersion.V5) {
			MqttProperties.Builder b = props.mutate();
			if (props.get(MqttProperties.MAXIMUM_PACKET_SIZE) == null) {
				b.property(MqttProperties.MAXIMUM_PACKET_SIZE, (long) config.maxPacketSize);
			}
			if (!config.cleanSession && props.get(MqttProperties.SESSION_EXPIRY_INTERVAL) == null) {
				b.property(MqttProperties.SESSION_EXPIRY_INTERVAL, 3600L);
			}
			props = b.build();
		}
		return new MqttPacket.Connect(config.version, config.clientId, config.cleanSession,
				(int) config.keepAlive.toSeconds(), config.username, config.password, config.will, props);
	}

	private void onTransportFailed(Throwable e) {
		cancel(connectTimer);
		connectTimer = null;
		if (state == State.RECONNECTING) {
			log.debug("MQTT reconnect to {} failed: {}", tcpUrl, e.toString());
			scheduleReconnect();
		}
		else if (state != State.CLOSED) {
			end(e);
		}
	}

	private void onConnAck(MqttPacket.ConnAck a) {
		if (state != State.CONNECTING && state != State.RECONNECTING) {
			throw new MqttProtocolException("CONNACK after the connection was accepted");
		}
		cancel(connectTimer);
		connectTimer = null;
		if (a.reasonCode() != 0) {
			lose(new MqttException("the broker refused the connection: " + connAckReason(a.reasonCode()), a.reasonCode()), true);
			return;
		}
		state = State.CONNECTED;
		connected = true;
		everConnected = true;
		connectedAt = System.nanoTime();
		Integer receiveMax = a.properties().receiveMaximum();
		window = receiveMax != null ? Math.min(config.maxInflight, receiveMax) : config.maxInflight;
		keepAlive = a.properties().get(MqttProperties.SERVER_KEEP_ALIVE) instanceof Number n ? Duration.ofSeconds(n.longValue())
				: config.keepAlive;
		long ka = keepAlive.toMillis();
		if (ka > 0) {
			Duration period = Duration.ofMillis(Math.max(ka / 2, 1));
			keepAliveTimer = loop.schedule(period, period, this::keepAliveTick);
		}
		subIdsAvailable = config.version == MqttVersion.V5
				&& !Integer.valueOf(0).equals(a.properties().get(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE));
		brokerMaxPacket = a.properties().get(MqttProperties.MAXIMUM_PACKET_SIZE) instanceof Number n ? n.longValue() : 0;
		// what the broker does not support is refused here (MQTT-3.2.2-11, -14 and 3.8.3.1): sent,
		// the broker disconnects, and an in-flight publish went out first again after every reconnect
		brokerMaxQos = intProperty(a.properties(), MqttProperties.MAXIMUM_QOS, 2);
		retainAvailable = intProperty(a.properties(), MqttProperties.RETAIN_AVAILABLE, 1) != 0;
		wildcardsAvailable = intProperty(a.properties(), MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1) != 0;
		sharedAvailable = intProperty(a.properties(), MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1) != 0;
		boolean resumed = a.sessionPresent() && !config.cleanSession;
		// an UNSUBSCRIBE the lost connection took without an UNSUBACK may never have arrived
		unsubscribeOnResume.addAll(unsubAcks.values());
		subAcks.clear();
		unsubAcks.clear();
		if (!resumed) {
			inboundQos2.clear();
		}
		else {
			// filters given up while disconnected are still subscribed at the broker
			for (String filter : unsubscribeOnResume) {
				if (subs.stream().noneMatch(x -> x.filter.equals(filter))) {
					int id = nextId();
					unsubAcks.put(id, filter);
					write(new MqttPacket.Unsubscribe(id, List.of(filter), MqttProperties.empty()));
				}
			}
		}
		unsubscribeOnResume.clear();
		// subscriptions first, as they were when the in-flight publishes were first sent: a new
		// session routes a resent publish that matches one of this client's own subscriptions
		// before that subscription exists otherwise, and the client never gets it back
		for (Sub s : new ArrayList<>(subs)) {
			if (!resumed || !s.granted) {
				sendSubscribe(s);
			}
		}
		// then the in-flight publishes, in their order: a kept session gets them again with DUP;
		// one this broker's CONNACK rules out fails unsent (a broker restarted with other limits)
		beginBatch();
		try {
			resendInflight(resumed);
		}
		finally {
			endBatch();
		}
		MonoSink<MqttConnection> sink = connectSink;
		connectSink = null;
		if (sink != null) {
			sink.success(this);
		}
		pump();
		readMore();
	}

	/**
	 * Sends the in-flight publishes again on a new connection (PUBREL for those PUBRECed), as
	 * many as the window takes: {@link #resendMore()} sends the rest as acknowledgements come.
	 */
	private void resendInflight(boolean resumed) {
		resend.clear();
		resendDup = resumed;
		for (Iterator<Outgoing> it = inflight.values().iterator(); it.hasNext();) {
			Outgoing o = it.next();
			if (o.released && !resumed) {
				// PUBREC came: the broker had the message; a new session cannot release it
				it.remove();
				o.sink.success();
			}
			else {
				resend.add(o);
			}
		}
		resendMore();
	}

	/**
	 * Sends {@link #resend}, in order, while fewer than the window are out on this connection
	 * (a PUBRECed one counts until PUBCOMP). One this broker's CONNACK rules out fails unsent.
	 */
	private void resendMore() {
		while (!resend.isEmpty() && inflight.size() - resend.size() < sendWindow()) {
			Outgoing o = resend.poll();
			if (o.released) {
				write(new MqttPacket.PubRel(o.id, 0, MqttProperties.empty()));
				continue;
			}
			MqttException refused = encodePublish(o.id, resendDup ? o.message.with(o.message.qos(), o.message.retain(), true) : o.message);
			if (refused != null) {
				inflight.remove(o.id);
				o.sink.error(refused);
			}
			else {
				o.sentOn = connections;
			}
		}
	}

	/** How many QoS 1/2 publishes may be in flight on this connection now. */
	private int sendWindow() {
		return oneAtATime ? 1 : window;
	}

	/**
	 * {@code o} is acknowledged (or refused) by the broker: if it still waited to be sent again,
	 * no longer; the connection works, so the reconnect delay starts again from {@code min}.
	 */
	private void settled(Outgoing o) {
		if (!resend.isEmpty()) {
			resend.remove(o);
		}
		attempt = 0;
		oneAtATime = false;
	}

	/**
	 * The broker ended the connection (closed it, reset it, or sent DISCONNECT): the session
	 * loses it ({@link #lose}), and a publish the broker closed {@link #POISON_LOSSES}
	 * connections in a row over ({@link #closedByBroker()}) fails once the loss is handled.
	 */
	private void lostToBroker(Throwable cause, boolean fatal) {
		List<Outgoing> poisoned = closedByBroker();
		lose(cause, fatal);
		for (Outgoing o : poisoned) {
			o.sink.error(new MqttException("the broker closed the connection each of the " + POISON_LOSSES
					+ " times the publish to " + o.message.topic() + " was sent (a message it refuses, too large or not"
					+ " authorized, say): given up"));
		}
	}

	/**
	 * The broker ended the accepted connection: each publish sent on it and not acknowledged
	 * counts one loss, and one the broker closed {@link #POISON_LOSSES} connections in a row
	 * over is given up (removed from the in-flight publishes) and returned. Only with reconnect:
	 * without it the session ends and every publish fails with the loss.
	 */
	private List<Outgoing> closedByBroker() {
		if (state != State.CONNECTED || config.reconnectMin == null) {
			return List.of();
		}
		List<Outgoing> poisoned = new ArrayList<>();
		for (Iterator<Outgoing> it = inflight.values().iterator(); it.hasNext();) {
			Outgoing o = it.next();
			if (o.released || o.sentOn != connections) {
				continue;
			}
			if (++o.losses >= 2) {
				oneAtATime = true;
			}
			if (o.losses >= POISON_LOSSES) {
				it.remove();
				resend.remove(o);
				poisoned.add(o);
			}
		}
		return poisoned;
	}

	private static int intProperty(MqttProperties p, int id, int absent) {
		return p.get(id) instanceof Number n ? n.intValue() : absent;
	}

	private static String connAckReason(int code) {
		String text = switch (code) {
			case 1 -> "unacceptable protocol version";
			case 2 -> "identifier rejected";
			case 3 -> "server unavailable";
			case 4 -> "bad user name or password";
			case 5 -> "not authorized";
			case 0x84 -> "unsupported protocol version";
			case 0x85 -> "client identifier not valid";
			case 0x86 -> "bad user name or password";
			case 0x87 -> "not authorized";
			case 0x88 -> "server unavailable";
			case 0x89 -> "server busy";
			case 0x8A -> "banned";
			case 0x95 -> "packet too large";
			default -> "error";
		};
		return text + " (0x" + Integer.toHexString(code) + ")";
	}

	private void keepAliveTick() {
		if (transport == null || state != State.CONNECTED) {
			return;
		}
		long now = System.nanoTime();
		// while a subscription holds reading back, a PINGRESP cannot be read: the broker still
		// gets a PINGREQ every tick (it must hear from the client), but is not judged on it
		if (pingSentAt != 0 && !readingHeldBack()) {
			// ticks come every k/2: the one about k after the PINGREQ decides (>= 3/4 k, so that a
			// tick that fires a little early does not put it off to 1.5 k)
			if (now - pingSentAt >= keepAlive.toNanos() / 4 * 3) {
				lose(new MqttException("the broker did not answer PINGREQ within the keep-alive of "
						+ keepAlive.toSeconds() + " s"), false);
			}
			return;
		}
		pingSentAt = now;
		write(new MqttPacket.PingReq());
	}

	/**
	 * The TCP connection is gone or must go: reconnect when that is on and the loss is not
	 * final, end the session otherwise.
	 */
	private void lose(Throwable cause, boolean fatal) {
		Connection c = transport;
		transport = null;
		reader = null;
		decoder = null;
		boolean wasConnected = connected;
		connected = false;
		if (state == State.CONNECTED && config.reconnectMax != null
				&& System.nanoTime() - connectedAt >= config.reconnectMax.toNanos()) {
			attempt = 0; // it stayed up: not a failed attempt
		}
		cancel(keepAliveTimer);
		keepAliveTimer = null;
		cancel(connectTimer);
		connectTimer = null;
		if (c != null) {
			if (cause instanceof MqttProtocolException e && config.version == MqttVersion.V5) {
				disconnectOver(c, e, wasConnected ? brokerMaxPacket : 0);
			}
			else {
				c.close();
			}
		}
		// written for the lost connection: never for the next one, which starts with CONNECT
		discardOutbox(cause);
		if (state == State.CLOSED) {
			return;
		}
		boolean canReconnect = config.reconnectMin != null && everConnected && !fatal
				&& !(cause instanceof MqttProtocolException);
		if (!canReconnect) {
			end(cause);
			return;
		}
		log.debug("MQTT connection to {} lost ({}); reconnecting", tcpUrl, cause.toString());
		state = State.RECONNECTING;
		// QoS 0 messages in flight were written or are lost with the connection: nothing to keep
		scheduleReconnect();
	}

	/**
	 * MQTT 5, 4.13.1: the broker sent a malformed packet or broke the protocol; it is told why
	 * before the close, with DISCONNECT: the error's reason code (0x94, Topic Alias invalid, say),
	 * else 0x81 (malformed packet), and its message as the reason string, left out where the
	 * broker's Maximum Packet Size has no room for it (MQTT-3.14.2-3). Nothing else queued for
	 * the connection goes out, and a broker that does not read is not waited for: the connection
	 * is closed after {@link #DISCONNECT_LINGER} whatever is left.
	 */
	private void disconnectOver(Connection c, MqttProtocolException e, long maxPacket) {
		int reason = e.reasonCode() >= 0x80 ? e.reasonCode() : 0x81;
		String why = String.valueOf(e.getMessage());
		if (why.length() > 100) {
			why = why.substring(0, 100); // it may quote the broker's topic
		}
		MqttCodec.Out out = new MqttCodec.Out(64);
		MqttCodec.encode(new MqttPacket.Disconnect(reason, MqttProperties.builder().reasonString(why).build()), MqttVersion.V5, out);
		if (maxPacket > 0 && out.size() > maxPacket) {
			out.truncate(0);
			MqttCodec.encode(new MqttPacket.Disconnect(reason, MqttProperties.empty()), MqttVersion.V5, out);
		}
		Duration wait = config.disconnectLinger.compareTo(DISCONNECT_LINGER) < 0 ? config.disconnectLinger : DISCONNECT_LINGER;
		Disposable linger = loop.schedule(wait, c::close);
		send(c, out, null).then(c.drain()).doFinally(s -> linger.dispose()).subscribe(null, x -> c.close());
	}

	private void scheduleReconnect() {
		Duration min = config.reconnectMin;
		Duration max = config.reconnectMax;
		if (min == null || max == null || loop.isShutdown()) {
			end(new ConnectionClosedException("the loop of the MQTT session is disposed"));
			return;
		}
		long delay = min.toMillis() << Math.min(attempt, 20);
		delay = Math.min(delay, max.toMillis());
		attempt++;
		reconnectTimer = loop.schedule(Duration.ofMillis(delay), () -> {
			reconnectTimer = null;
			if (state == State.RECONNECTING) {
				openTransport();
			}
		});
	}

	/** Ends the session with {@code cause}: every stream of it fails. */
	private void end(Throwable cause) {
		if (state == State.CLOSED) {
			return;
		}
		Connection c = finish(cause, false);
		if (c != null) {
			c.close();
		}
	}

	/**
	 * The end of the session, by {@link #disconnect()} ({@code clean}: subscriptions complete)
	 * or by an error (they fail with {@code cause}); publishes not yet done fail with it.
	 * Returns the TCP connection, still open, for the caller to close or drain.
	 */
	private @Nullable Connection finish(Throwable cause, boolean clean) {
		state = State.CLOSED;
		connected = false;
		finalCause = cause;
		removeShutdownHook();
		cancel(keepAliveTimer);
		cancel(connectTimer);
		cancel(reconnectTimer);
		Connection c = transport;
		transport = null;
		reader = null;
		MonoSink<MqttConnection> sink = connectSink;
		connectSink = null;
		if (sink != null) {
			sink.error(cause);
		}
		discardOutbox(cause);
		failPublishes(cause);
		List<Sub> all = new ArrayList<>(subs);
		subs.clear();
		for (Sub s : all) {
			if (clean) {
				s.sink.complete();
			}
			else {
				s.sink.error(cause);
			}
		}
		closed.tryEmitEmpty();
		return c;
	}

	/** What a call on a closed session fails with: the session's final error, if any. */
	private Throwable closedCause() {
		Throwable c = finalCause;
		return c != null ? c : new ConnectionClosedException("MQTT session closed");
	}

	private void failPublishes(Throwable cause) {
		List<Outgoing> all = new ArrayList<>(inflight.values());
		all.addAll(waiting);
		inflight.clear();
		resend.clear();
		waiting.clear();
		for (Outgoing o : all) {
			o.sink.error(cause);
		}
	}

	private void removeShutdownHook() {
		// not while the hooks run: the loop is going away with its hook list
		if (!loopShuttingDown && !loop.isShutdown()) {
			cancel(shutdownHook);
		}
		shutdownHook = null;
	}

	private static void cancel(@Nullable Disposable d) {
		if (d != null) {
			d.dispose();
		}
	}

	@Override
	public Mono<Void> disconnect() {
		return Mono.<Void>create(sink -> loop.executeOrRun(() -> {
			if (state == State.CLOSED) {
				sink.success();
				return;
			}
			// what is queued goes out first, in the same write as DISCONNECT
			MqttCodec.Out out = outbox;
			List<Done> sinks = outboxSinks;
			outbox = new MqttCodec.Out(64);
			outboxSinks = null;
			ConnectionClosedException cause = new ConnectionClosedException("MQTT session disconnected");
			Connection c = finish(cause, true);
			if (c == null) {
				fail(sinks, cause);
				sink.success();
				return;
			}
			MqttCodec.encode(new MqttPacket.Disconnect(0, MqttProperties.empty()), config.version, out);
			// a broker that does not read is not waited for: closed after the linger whatever is left
			Disposable linger = loop.schedule(config.disconnectLinger, c::close);
			send(c, out, sinks)
					.then(c.drain())
					.doFinally(s -> linger.dispose())
					.subscribe(null, e -> sink.success(), sink::success);
		}));
	}

	@Override
	public boolean isConnected() {
		return connected;
	}

	@Override
	public Mono<Void> onClose() {
		return closed.asMono();
	}

	// ------------------------------------------------------------ reading

	private void onBytes(Reader r, ByteBuffer data) {
		MqttCodec.Decoder d = decoder;
		if (r != reader || d == null) {
			return;
		}
		// the answers to one read (PUBACKs, PUBRELs, the publishes they make room for) leave together
		beginBatch();
		try {
			d.feed(data);
			MqttPacket p;
			while (reader == r && (p = d.next()) != null) {
				onPacket(p);
			}
			readMore();
		}
		catch (MqttProtocolException e) {
			lose(e, true);
		}
		finally {
			endBatch();
		}
	}

	private void onTransportEnd(Reader r, @Nullable Throwable error) {
		if (r != reader) {
			return;
		}
		MqttCodec.Decoder d = decoder;
		Throwable cause = error;
		if (cause == null && d != null && d.hasPartialPacket()) {
			cause = new MqttProtocolException("truncated packet: the connection closed inside a packet");
		}
		if (cause == null) {
			cause = new ConnectionClosedException("the MQTT broker closed the connection");
		}
		lostToBroker(cause, state == State.CONNECTING);
	}

	/** Asks for the next read unless a subscription has too many messages waiting. */
	private void readMore() {
		Reader r = reader;
		if (r == null || r.requested || readingHeldBack()) {
			return;
		}
		r.requested = true;
		r.request(1);
	}

	/** Whether a subscription has so many messages waiting that reading stops. */
	private boolean readingHeldBack() {
		for (Sub s : subs) {
			if (s.pending.size() >= PENDING_LIMIT) {
				return true;
			}
		}
		return false;
	}

	private void onPacket(MqttPacket p) {
		if (state == State.CONNECTING || state == State.RECONNECTING) {
			if (!(p instanceof MqttPacket.ConnAck a)) {
				throw new MqttProtocolException("expected CONNACK, got " + MqttCodec.name(p.type()));
			}
			onConnAck(a);
			return;
		}
		if (p instanceof MqttPacket.Publish pub) {
			onPublish(pub);
		}
		else if (p instanceof MqttPacket.PubAck a) {
			Outgoing o = inflight.get(a.packetId());
			if (o == null || o.message.qos() != 1) {
				log.debug("PUBACK for unknown packet id {}", a.packetId());
				return;
			}
			inflight.remove(a.packetId());
			settled(o);
			complete(o, a.reasonCode(), a.properties(), "PUBACK");
		}
		else if (p instanceof MqttPacket.PubRec a) {
			Outgoing o = inflight.get(a.packetId());
			if (o == null || o.message.qos() != 2) {
				write(new MqttPacket.PubRel(a.packetId(), 0x92, MqttProperties.empty()));
				return;
			}
			settled(o);
			if (a.reasonCode() >= 0x80) {
				inflight.remove(a.packetId());
				complete(o, a.reasonCode(), a.properties(), "PUBREC");
				return;
			}
			o.released = true;
			write(new MqttPacket.PubRel(a.packetId(), 0, MqttProperties.empty()));
		}
		else if (p instanceof MqttPacket.PubRel a) {
			// MQTT 5, 3.7.2.1: 0x92 (Packet Identifier not found) when no QoS 2 message waits under it
			int code = inboundQos2.remove(a.packetId()) ? 0 : 0x92;
			write(new MqttPacket.PubComp(a.packetId(), code, MqttProperties.empty()));
		}
		else if (p instanceof MqttPacket.PubComp a) {
			Outgoing o = inflight.get(a.packetId());
			if (o == null || !o.released) {
				log.debug("PUBCOMP for unknown packet id {}", a.packetId());
				return;
			}
			inflight.remove(a.packetId());
			settled(o);
			complete(o, a.reasonCode(), a.properties(), "PUBCOMP");
		}
		else if (p instanceof MqttPacket.SubAck a) {
			Sub s = subAcks.remove(a.packetId());
			if (s == null) {
				return;
			}
			if (a.reasonCodes().size() != 1) {
				// 3.9.3: one code per filter, and each SUBSCRIBE carries one
				throw new MqttProtocolException("SUBACK with " + a.reasonCodes().size() + " return codes for a SUBSCRIBE of 1 filter ("
						+ s.filter + ")", MqttCodec.PROTOCOL_ERROR);
			}
			int code = a.reasonCodes().get(0);
			if (code >= 0x80) {
				subs.remove(s);
				s.sink.error(new MqttException("the broker refused the subscription to " + s.filter + " (0x"
						+ Integer.toHexString(code) + ")", code));
				return;
			}
			s.granted = true;
			s.onGranted.accept(code);
		}
		else if (p instanceof MqttPacket.UnsubAck a) {
			unsubAcks.remove(a.packetId());
		}
		else if (p instanceof MqttPacket.PingResp) {
			pingSentAt = 0;
		}
		else if (p instanceof MqttPacket.Disconnect d) {
			// MQTT 5 3.14.4: the broker sends nothing after it and the client closes the connection,
			// so the loss and its reason surface now (not when the broker closes TCP), and packets
			// behind it in the same read are not acted on (lose() drops the reader)
			String reason = d.properties().reasonString();
			lostToBroker(new MqttException("the broker sent DISCONNECT (0x" + Integer.toHexString(d.reasonCode()) + ")"
					+ (reason != null ? ": " + reason : ""), d.reasonCode()), false);
			return;
		}
		else if (p instanceof MqttPacket.ConnAck a) {
			throw new MqttProtocolException("second CONNACK");
		}
		else {
			throw new MqttProtocolException(MqttCodec.name(p.type()) + " is not sent to a client");
		}
		pump();
	}

	private void complete(Outgoing o, int reason, MqttProperties props, String what) {
		if (reason >= 0x80) {
			String text = props.reasonString();
			o.sink.error(new MqttException("the broker refused the publish to " + o.message.topic() + ": " + what + " 0x"
					+ Integer.toHexString(reason) + (text != null ? " " + text : ""), reason));
		}
		else {
			o.sink.success();
		}
	}

	private void onPublish(MqttPacket.Publish pub) {
		MqttMessage m = pub.message();
		int id = pub.packetId();
		if (m.qos() == 2) {
			boolean fresh = inboundQos2.add(id);
			if (fresh) {
				dispatch(m);
			}
			write(new MqttPacket.PubRec(id, 0, MqttProperties.empty()));
			return;
		}
		dispatch(m);
		if (m.qos() == 1) {
			write(new MqttPacket.PubAck(id, 0, MqttProperties.empty()));
		}
	}

	private void dispatch(MqttMessage m) {
		boolean matched = false;
		Set<Integer> ids = subscriptionIds(m);
		for (Sub s : new ArrayList<>(subs)) {
			// with identifiers, the message is for those subscriptions only: an MQTT 5 broker may
			// send a message once per matching subscription, each copy naming its own; the topic
			// is checked too (an identifier of an earlier connection of a kept session may be
			// the same as a new one's)
			if (matches(s.filter, m.topic()) && (ids.isEmpty() || ids.contains(subIds.get(s.filter)))) {
				matched = true;
				s.pending.add(m);
				drain(s);
			}
		}
		if (matched) {
			return;
		}
		if (config.cleanSession) {
			log.debug("MQTT message on {} matches no subscription; dropped", m.topic());
			return;
		}
		long now = System.nanoTime();
		expireUnclaimed(now);
		while (!unclaimed.isEmpty()
				&& (unclaimed.size() == UNCLAIMED_LIMIT || unclaimedBytes + m.payloadLength() > UNCLAIMED_BYTES)) {
			log.debug("MQTT message on {} held for a later subscription dropped: {} ({} bytes) are held",
					unclaimed.peek().message().topic(), unclaimed.size(), unclaimedBytes);
			unclaimedBytes -= unclaimed.poll().message().payloadLength();
		}
		unclaimed.add(new Unclaimed(m, now));
		unclaimedBytes += m.payloadLength();
	}

	private void expireUnclaimed(long now) {
		while (!unclaimed.isEmpty() && now - unclaimed.peek().at() > UNCLAIMED_MAX_AGE.toNanos()) {
			MqttMessage m = unclaimed.poll().message();
			unclaimedBytes -= m.payloadLength();
			log.debug("MQTT message on {} matched no subscription within {}; dropped", m.topic(), UNCLAIMED_MAX_AGE);
		}
	}

	/** Whether {@code topic} matches {@code filter}; a shared subscription's ({@code $share/<group>/<filter>}) by its filter. */
	static boolean matches(String filter, String topic) {
		if (filter.startsWith("$share/")) {
			int slash = filter.indexOf('/', 7);
			return slash > 7 && MqttTopics.matches(filter.substring(slash + 1), topic);
		}
		return MqttTopics.matches(filter, topic);
	}

	/** The Subscription Identifiers of an MQTT 5 message (none: route by topic). */
	private static Set<Integer> subscriptionIds(MqttMessage m) {
		Set<Integer> ids = Set.of();
		for (MqttProperties.Property p : m.properties().list()) {
			if (p.id() == MqttProperties.SUBSCRIPTION_IDENTIFIER && p.value() instanceof Integer id) {
				if (ids.isEmpty()) {
					ids = new HashSet<>();
				}
				ids.add(id);
			}
		}
		return ids;
	}

	// ------------------------------------------------------------ writing

	/**
	 * Appends {@code p} to the outbox; outside a batch the outbox is sent at once. Nothing is
	 * written without a connection: a new one starts with CONNECT.
	 */
	private void write(MqttPacket p) {
		if (transport == null) {
			return;
		}
		MqttCodec.encode(p, config.version, outbox);
		if (batchDepth == 0) {
			flush();
		}
	}

	/**
	 * Opens a batch: until the matching {@link #endBatch()}, writes wait in the outbox and then
	 * leave as one write. Batches nest.
	 */
	private void beginBatch() {
		batchDepth++;
	}

	private void endBatch() {
		if (--batchDepth == 0) {
			flush();
		}
	}

	/**
	 * Hands the outbox to the connection in one {@link Connection#send} (the array itself: a
	 * new outbox takes its place) and completes its QoS 0 publishes when the send does.
	 */
	private void flush() {
		MqttCodec.Out out = outbox;
		if (out.size() == 0) {
			return;
		}
		List<Done> sinks = outboxSinks;
		outbox = new MqttCodec.Out(Math.min(out.size(), OUTBOX_START_MAX));
		outboxSinks = null;
		Connection c = transport;
		if (c == null) {
			// lose() and finish() empty the outbox: not reached
			fail(sinks, new ConnectionClosedException("MQTT connection closed"));
			return;
		}
		send(c, out, sinks).subscribe(null, e -> {
		});
	}

	private static Mono<Void> send(Connection c, MqttCodec.Out out, @Nullable List<Done> sinks) {
		Mono<Void> sent = c.send(ByteBuffer.wrap(out.array(), 0, out.size()));
		if (sinks == null) {
			return sent;
		}
		return sent.doOnError(e -> fail(sinks, e)).doOnSuccess(v -> {
			for (Done s : sinks) {
				s.success();
			}
		});
	}

	/** The outbox was for a connection that is gone: its QoS 0 publishes fail with {@code cause}. */
	private void discardOutbox(Throwable cause) {
		List<Done> sinks = outboxSinks;
		outbox.truncate(0);
		outboxSinks = null;
		fail(sinks, cause);
	}

	private static void fail(@Nullable List<Done> sinks, Throwable cause) {
		if (sinks != null) {
			for (Done s : sinks) {
				s.error(cause);
			}
		}
	}

	private int nextId() {
		for (int i = 0; i < 65535; i++) {
			lastId = lastId == 65535 ? 1 : lastId + 1;
			if (!inflight.containsKey(lastId) && !subAcks.containsKey(lastId) && !unsubAcks.containsKey(lastId)) {
				return lastId;
			}
		}
		throw new IllegalStateException("no free packet identifier");
	}

	/**
	 * Encodes a PUBLISH into the outbox unless the broker's CONNACK (MQTT 5) rules it out: a QoS
	 * over its Maximum QoS (MQTT-3.2.2-11), RETAIN when Retain Available is 0 (MQTT-3.2.2-14), a
	 * packet over its Maximum Packet Size (3.2.2.3.6). Then the outbox is as it was and the
	 * error to fail the publish with is returned, with the reason code the broker would have
	 * disconnected with. Never sent: the broker would close the connection, and a publish in
	 * flight goes out again first after each reconnect, a loop that blocks every publish behind it.
	 */
	private @Nullable MqttException encodePublish(int id, MqttMessage m) {
		if (m.qos() > brokerMaxQos) {
			return new MqttException("the publish to " + m.topic() + " is QoS " + m.qos() + ", over the broker's Maximum QoS of "
					+ brokerMaxQos, 0x9B);
		}
		if (m.retain() && !retainAvailable) {
			return new MqttException("the publish to " + m.topic() + " is retained, and the broker does not support retain"
					+ " (Retain Available 0)", 0x9A);
		}
		int before = outbox.size();
		MqttCodec.encode(new MqttPacket.Publish(id, m), config.version, outbox);
		int size = outbox.size() - before;
		if (brokerMaxPacket > 0 && size > brokerMaxPacket) {
			outbox.truncate(before);
			return new MqttException("the publish to " + m.topic() + " is a packet of " + size
					+ " bytes, over the broker's Maximum Packet Size of " + brokerMaxPacket + " bytes", 0x95);
		}
		return null;
	}

	/**
	 * Sends what an earlier connection left in flight, then waiting publishes, in one write, while
	 * connected and the in-flight window has room.
	 */
	private void pump() {
		beginBatch();
		try {
			if (state == State.CONNECTED && transport != null) {
				resendMore();
			}
			while (state == State.CONNECTED && transport != null && !waiting.isEmpty()) {
				Outgoing o = waiting.peek();
				if (o.message.qos() > 0 && inflight.size() >= sendWindow()) {
					return;
				}
				waiting.poll();
				int id = o.message.qos() > 0 ? nextId() : 0;
				MqttException refused;
				try {
					refused = encodePublish(id, o.message);
				}
				catch (IllegalArgumentException e) {
					// too large for MQTT: this publish fails, the outbox is as it was
					o.sink.error(e);
					continue;
				}
				if (refused != null) {
					o.sink.error(refused);
					continue;
				}
				if (id == 0) {
					if (outboxSinks == null) {
						outboxSinks = new ArrayList<>();
					}
					outboxSinks.add(o.sink);
				}
				else {
					o.id = id;
					o.sentOn = connections;
					inflight.put(id, o);
				}
			}
		}
		finally {
			endBatch();
		}
	}

	@Override
	public Mono<Void> publish(String topic, byte[] payload, int qos, boolean retain) {
		return Mono.defer(() -> publish(MqttMessage.of(topic, payload, qos, retain)));
	}

	@Override
	public Mono<Void> publish(MqttMessage message) {
		// always through the queue, even on the poll thread: publishes subscribed on another
		// thread may still wait there, and the order of subscription is the order sent
		return Mono.create(sink -> loop.execute(() -> {
			if (state == State.CLOSED) {
				sink.error(closedCause());
				return;
			}
			waiting.add(new Outgoing(message, new SinkDone(sink)));
			holdBatch();
			pump();
		}));
	}

	@Override
	public Mono<Void> publishAll(Publisher<? extends MqttMessage> messages) {
		Objects.requireNonNull(messages, "messages");
		return Mono.create(sink -> {
			StreamPublish p = new StreamPublish(sink, window);
			sink.onCancel(p::cancel);
			messages.subscribe(p);
		});
	}

	/**
	 * Keeps a batch open until the loop's timers run, right after the drain of its task queue
	 * that runs this publish: the publishes of one drain (a {@code flatMap} of publishes, the
	 * next ones that QoS 0 completions let in) leave in one write, before the next poll.
	 */
	private void holdBatch() {
		if (batchHeld || state != State.CONNECTED || loop.isShutdown() || loop.isTerminated()) {
			return;
		}
		batchHeld = true;
		beginBatch();
		loop.schedule(Duration.ZERO, releaseBatch);
	}

	// ------------------------------------------------------------ subscriptions

	@Override
	public Flux<MqttMessage> subscribe(String filter, int qos) {
		return subscribe(filter, qos, granted -> {
		});
	}

	@Override
	public Flux<MqttMessage> subscribe(String filter, int qos, IntConsumer onGranted) {
		return Flux.defer(() -> {
			MqttTopics.checkFilter(filter);
			MqttMessage.checkQos(qos);
			// a JVM error thrown by the subscriber's onNext still ends the subscription with it
			return FatalErrors.delivered(Flux.<MqttMessage>create(sink -> {
				Sub s = new Sub(filter, qos, sink, onGranted);
				sink.onRequest(n -> loop.executeOrRun(() -> {
					drain(s);
					readMore();
				}));
				sink.onDispose(() -> loop.executeOrRun(() -> removeSub(s)));
				loop.executeOrRun(() -> addSub(s));
			}));
		});
	}

	private void addSub(Sub s) {
		if (s.sink.isCancelled()) {
			return;
		}
		if (state == State.CLOSED) {
			s.sink.error(closedCause());
			return;
		}
		subs.add(s);
		unsubscribeOnResume.remove(s.filter);
		if (!unclaimed.isEmpty()) {
			expireUnclaimed(System.nanoTime());
			for (Iterator<Unclaimed> it = unclaimed.iterator(); it.hasNext();) {
				MqttMessage m = it.next().message();
				if (matches(s.filter, m.topic())) {
					it.remove();
					unclaimedBytes -= m.payloadLength();
					s.pending.add(m);
				}
			}
			drain(s);
		}
		if (state == State.CONNECTED) {
			sendSubscribe(s);
		}
	}

	private void sendSubscribe(Sub s) {
		MqttException refused = subscribeRefusal(s.filter);
		if (refused != null) {
			// MQTT 5 3.8.3.1: never sent, the broker would disconnect (0x9E, 0xA2)
			subs.remove(s);
			s.sink.error(refused);
			return;
		}
		int id = nextId();
		subAcks.put(id, s);
		MqttProperties props = MqttProperties.empty();
		if (subIdsAvailable) {
			Integer subId = subIds.get(s.filter);
			if (subId == null && nextSubId <= MAX_SUBSCRIPTION_ID) {
				subId = nextSubId++;
				subIds.put(s.filter, subId);
			}
			if (subId != null) {
				props = MqttProperties.builder().property(MqttProperties.SUBSCRIPTION_IDENTIFIER, subId).build();
			}
		}
		write(new MqttPacket.Subscribe(id, List.of(new MqttPacket.Subscription(s.filter, s.qos)), props));
	}

	/** Why the broker's CONNACK rules out a subscription to {@code filter}, null if it does not. */
	private @Nullable MqttException subscribeRefusal(String filter) {
		if (filter.startsWith("$share/") && !sharedAvailable) {
			return new MqttException("the broker does not support shared subscriptions (Shared Subscription Available 0): "
					+ filter, 0x9E);
		}
		if (!wildcardsAvailable && (filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0)) {
			return new MqttException("the broker does not support wildcard subscriptions (Wildcard Subscription Available 0): "
					+ filter, 0xA2);
		}
		return null;
	}

	/** The largest Subscription Identifier (a variable byte integer of four bytes). */
	private static final int MAX_SUBSCRIPTION_ID = 268_435_455;

	private void removeSub(Sub s) {
		if (!subs.remove(s)) {
			return;
		}
		subAcks.values().remove(s);
		s.pending.clear();
		for (Sub other : subs) {
			if (other.filter.equals(s.filter)) {
				readMore();
				return;
			}
		}
		subIds.remove(s.filter);
		if (state == State.CONNECTED) {
			int id = nextId();
			unsubAcks.put(id, s.filter);
			write(new MqttPacket.Unsubscribe(id, List.of(s.filter), MqttProperties.empty()));
		}
		else if (!config.cleanSession && state != State.CLOSED) {
			unsubscribeOnResume.add(s.filter);
		}
		readMore();
	}

	private void drain(Sub s) {
		while (!s.pending.isEmpty() && s.sink.requestedFromDownstream() > 0 && !s.sink.isCancelled()) {
			s.sink.next(s.pending.poll());
		}
	}

	@Override
	public String toString() {
		return "MqttConnection[" + config.clientId + " -> " + tcpUrl + ", " + state + "]";
	}

	/** How a publish completes (poll thread): a {@code Mono}'s sink, or a message of {@link #publishAll}. */
	private interface Done {

		void success();

		void error(Throwable e);
	}

	private record SinkDone(MonoSink<Void> sink) implements Done {

		@Override
		public void success() {
			sink.success();
		}

		@Override
		public void error(Throwable e) {
			sink.error(e);
		}
	}

	/**
	 * One {@link #publishAll} call: its upstream subscription, the messages that arrived from it
	 * (any thread) and are not on the session's queue yet, and the count still to complete.
	 * Every message completes through this object, so no {@code Mono} is made per message.
	 */
	private final class StreamPublish implements CoreSubscriber<MqttMessage>, Done {

		private final MonoSink<Void> result;
		private final int limit;
		private final int replenish;
		private final Queue<MqttMessage> arrived = Queues.<MqttMessage>unboundedMultiproducer().get();
		private final AtomicInteger wip = new AtomicInteger();
		private volatile @Nullable Subscription upstream;
		private volatile boolean upstreamDone;
		private volatile @Nullable Throwable upstreamError;
		private volatile boolean cancelled;
		// poll thread only
		private int outstanding;
		private int completedSinceRequest;
		private boolean finished;
		private boolean upstreamCancelled;

		StreamPublish(MonoSink<Void> result, int window) {
			this.result = result;
			// twice the window on request: the next messages wait on the session's queue while
			// the window is full, so it refills as soon as acknowledgements come
			this.limit = Math.max(2, 2 * window);
			this.replenish = Math.max(1, window / 2);
		}

		@Override
		public Context currentContext() {
			return Context.of(result.contextView());
		}

		@Override
		public void onSubscribe(Subscription s) {
			if (Operators.validate(upstream, s)) {
				upstream = s;
				// every request and cancel of the subscription is made on the poll thread, so
				// they are serial (Reactive Streams §2.7)
				loop.executeOrRun(() -> {
					if (cancelled) {
						cancelUpstream();
					}
					else {
						s.request(limit);
					}
				});
			}
		}

		@Override
		public void onNext(MqttMessage m) {
			if (m == null) {
				onError(new NullPointerException("publishAll: the publisher emitted null"));
				return;
			}
			arrived.offer(m);
			signal();
		}

		@Override
		public void onError(Throwable t) {
			upstreamError = t;
			upstreamDone = true;
			signal();
		}

		@Override
		public void onComplete() {
			upstreamDone = true;
			signal();
		}

		/** The subscriber of the result cancelled: stop taking messages (those taken still go). */
		void cancel() {
			cancelled = true;
			signal(); // the drain cancels the publisher on the poll thread
		}

		/** Poll thread: cancels the publisher once. */
		private void cancelUpstream() {
			Subscription s = upstream;
			if (s != null && !upstreamCancelled) {
				upstreamCancelled = true;
				s.cancel();
			}
		}

		private void signal() {
			if (wip.getAndIncrement() == 0) {
				// once the loop is gone this runs on the caller and finds the session closed
				loop.execute(this::drain);
			}
		}

		/** Poll thread: moves what arrived onto the session's queue, in order, and sends it. */
		private void drain() {
			int missed = 1;
			for (;;) {
				if (finished || cancelled) {
					arrived.clear();
					cancelUpstream();
				}
				else if (state == State.CLOSED) {
					fail(closedCause());
				}
				else {
					boolean any = false;
					for (MqttMessage m; (m = arrived.poll()) != null;) {
						outstanding++;
						waiting.add(new Outgoing(m, this));
						any = true;
					}
					if (any) {
						holdBatch();
						pump();
					}
					checkDone();
				}
				missed = wip.addAndGet(-missed);
				if (missed == 0) {
					return;
				}
			}
		}

		private void checkDone() {
			if (!finished && outstanding == 0 && upstreamDone && arrived.isEmpty()) {
				finished = true;
				Throwable e = upstreamError;
				if (e != null) {
					result.error(e);
				}
				else {
					result.success();
				}
			}
		}

		private void fail(Throwable e) {
			if (finished) {
				return;
			}
			finished = true;
			arrived.clear();
			cancelUpstream();
			result.error(e);
		}

		/** A message of this stream completed (poll thread). */
		@Override
		public void success() {
			outstanding--;
			if (finished) {
				return;
			}
			if (++completedSinceRequest >= replenish && !cancelled) {
				int n = completedSinceRequest;
				completedSinceRequest = 0;
				Subscription s = upstream;
				if (s != null) {
					s.request(n);
				}
			}
			checkDone();
		}

		/** A message of this stream failed (poll thread): the whole publish fails with it. */
		@Override
		public void error(Throwable e) {
			outstanding--;
			fail(e);
		}
	}

	/** A publish of this client waiting to be sent or acknowledged. */
	private static final class Outgoing {

		final MqttMessage message;
		final Done sink;
		int id;
		/** QoS 2: PUBREC came, PUBREL sent. */
		boolean released;
		/** The connection ({@link ClientSession#connections}) it was last sent on. */
		int sentOn;
		/** Connections the broker closed while this was in flight on them, see {@link ClientSession#closedByBroker()}. */
		int losses;

		Outgoing(MqttMessage message, Done sink) {
			this.message = message;
			this.sink = sink;
		}
	}

	/** One subscription: its filter, its subscriber and the messages waiting for demand. */
	private static final class Sub {

		final String filter;
		final int qos;
		final FluxSink<MqttMessage> sink;
		final IntConsumer onGranted;
		final ArrayDeque<MqttMessage> pending = new ArrayDeque<>();
		boolean granted;

		Sub(String filter, int qos, FluxSink<MqttMessage> sink, IntConsumer onGranted) {
			this.filter = filter;
			this.qos = qos;
			this.sink = sink;
			this.onGranted = onGranted;
		}
	}

	/** Reads the TCP connection one buffer at a time, as the subscriptions' demand allows. */
	private final class Reader extends BaseSubscriber<ByteBuffer> {

		boolean requested;

		@Override
		protected void hookOnSubscribe(Subscription subscription) {
			requested = true;
			subscription.request(1);
		}

		@Override
		protected void hookOnNext(ByteBuffer value) {
			requested = false;
			onBytes(this, value);
		}

		@Override
		protected void hookOnComplete() {
			loop.executeOrRun(() -> onTransportEnd(this, null));
		}

		@Override
		protected void hookOnError(Throwable e) {
			loop.executeOrRun(() -> onTransportEnd(this, e));
		}
	}

}
