/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.mqtt;

import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.LoopChoice;
import io.github.reactormongoose.internal.loop.Wiretap;
import io.github.reactormongoose.internal.tls.TlsAccess;
import io.github.reactormongoose.logging.AdvancedByteBufFormat;
import io.github.reactormongoose.logging.LogLevel;
import io.github.reactormongoose.logging.Wiretappable;
import io.github.reactormongoose.tls.TlsSpec;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * An MQTT 3.1.1 or 5 client on a Mongoose loop. Immutable: every option returns a new
 * instance; each {@link #connect()} subscription opens one session.
 * <pre>{@code
 * MqttConnection conn = MqttClient.create("mqtt://127.0.0.1:1883")
 *         .clientId("sensor-1")
 *         .will("status/sensor-1", "offline".getBytes(UTF_8), 1, true)
 *         .reconnect(Duration.ofMillis(100), Duration.ofSeconds(30))
 *         .connect().block();
 * conn.subscribe("cmd/#", 1).subscribe(m -> System.out.println(m.topic()));
 * conn.publish("status/sensor-1", "online".getBytes(UTF_8), 1, true).block();
 * }</pre>
 * The packets are encoded and decoded in Java over the engine's raw TCP connection (with TLS
 * for {@code mqtts://} or {@link #secure(TlsSpec)}), on the loop's poll thread (without
 * {@link #runOn(MongooseLoop)} or {@link #runOn(MongooseLoops)}, a loop of
 * {@link MongooseLoops#shared()}, the next in turn or the calling one).
 */
public final class MqttClient implements Wiretappable<MqttClient> {

	/** Default {@link #maxPacketSize(int)}: 1 MiB. */
	public static final int DEFAULT_MAX_PACKET_SIZE = 1024 * 1024;
	/**
	 * Default {@link #maxInflight(int)}: 20, Mosquitto's default Receive Maximum, which an MQTT
	 * 3.1.1 client cannot learn (Mosquitto drops the QoS 2 publishes above it without telling
	 * such a client).
	 */
	public static final int DEFAULT_MAX_INFLIGHT = 20;

	final String host;
	final int port;
	final String clientId;
	final @Nullable String username;
	final byte @Nullable [] password;
	final Duration keepAlive;
	final boolean cleanSession;
	final @Nullable MqttMessage will;
	final MqttVersion version;
	final @Nullable Duration reconnectMin;
	final @Nullable Duration reconnectMax;
	final int maxPacketSize;
	final int maxInflight;
	final Duration connectTimeout;
	final MqttProperties connectProperties;
	final LoopChoice loop;
	final @Nullable TlsSpec tls;
	final @Nullable Wiretap wiretap;
	/** How long {@link MqttConnection#disconnect()} and a close over a protocol error wait for DISCONNECT to go out. */
	final Duration disconnectLinger;

	private MqttClient(String host, int port, String clientId, @Nullable String username, byte @Nullable [] password,
			Duration keepAlive, boolean cleanSession, @Nullable MqttMessage will, MqttVersion version,
			@Nullable Duration reconnectMin, @Nullable Duration reconnectMax, int maxPacketSize, int maxInflight,
			Duration connectTimeout, MqttProperties connectProperties, LoopChoice loop, @Nullable TlsSpec tls,
			@Nullable Wiretap wiretap, Duration disconnectLinger) {
		this.host = host;
		this.port = port;
		this.clientId = clientId;
		this.username = username;
		this.password = password;
		this.keepAlive = keepAlive;
		this.cleanSession = cleanSession;
		this.will = will;
		this.version = version;
		this.reconnectMin = reconnectMin;
		this.reconnectMax = reconnectMax;
		this.maxPacketSize = maxPacketSize;
		this.maxInflight = maxInflight;
		this.connectTimeout = connectTimeout;
		this.connectProperties = connectProperties;
		this.loop = loop;
		this.tls = tls;
		this.wiretap = wiretap;
		this.disconnectLinger = disconnectLinger;
	}

	/**
	 * A client for {@code url}: {@code mqtt://HOST:PORT} or {@code tcp://HOST:PORT} (port 1883
	 * if absent), or {@code mqtts://HOST:PORT} or {@code ssl://HOST:PORT} (port 8883 if
	 * absent) for MQTT over TLS with {@link TlsSpec#forClient()}: the JDK's default trust store,
	 * and {@code HOST} as the server name (SNI and host name check); {@link #secure(TlsSpec)}
	 * replaces that spec. Defaults: a random client id, keep-alive 60 s, clean session, MQTT
	 * 3.1.1, no will, no reconnect.
	 * @throws IllegalArgumentException for another scheme, a URL without host or a port outside
	 *         1..65535
	 */
	public static MqttClient create(String url) {
		URI u = URI.create(Objects.requireNonNull(url, "url"));
		String scheme = u.getScheme();
		boolean secure = "mqtts".equals(scheme) || "ssl".equals(scheme);
		if (!secure && !"mqtt".equals(scheme) && !"tcp".equals(scheme)) {
			throw new IllegalArgumentException("only mqtt://, tcp://, mqtts:// and ssl:// URLs are supported: " + url);
		}
		if (u.getHost() == null) {
			throw new IllegalArgumentException("no host in " + url);
		}
		Checks.serverPort(u);
		String id = "rmg-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFF_FFFFL);
		int port = u.getPort() >= 0 ? u.getPort() : secure ? 8883 : 1883;
		return new MqttClient(u.getHost(), port, id, null, null, Duration.ofSeconds(60), true, null, MqttVersion.V3_1_1,
				null, null, DEFAULT_MAX_PACKET_SIZE, DEFAULT_MAX_INFLIGHT, Duration.ofSeconds(30), MqttProperties.empty(),
				LoopChoice.SHARED, secure ? TlsSpec.forClient() : null, null, ClientSession.DISCONNECT_DRAIN);
	}

	private MqttClient copy(String clientId, @Nullable String username, byte @Nullable [] password, Duration keepAlive,
			boolean cleanSession, @Nullable MqttMessage will, MqttVersion version, @Nullable Duration reconnectMin,
			@Nullable Duration reconnectMax, int maxPacketSize, int maxInflight, Duration connectTimeout,
			MqttProperties connectProperties, LoopChoice loop) {
		return new MqttClient(host, port, clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin,
				reconnectMax, maxPacketSize, maxInflight, connectTimeout, connectProperties, loop, tls, wiretap,
				disconnectLinger);
	}

	/**
	 * The client identifier (up to 65535 UTF-8 bytes; empty lets an MQTT 5 broker assign one,
	 * and needs a clean session over 3.1.1, see {@link #connect()}).
	 */
	public MqttClient clientId(String clientId) {
		Objects.requireNonNull(clientId, "clientId");
		if (clientId.getBytes(StandardCharsets.UTF_8).length > 65535 || clientId.indexOf('\0') >= 0) {
			throw new IllegalArgumentException("invalid client id");
		}
		MqttTopics.checkSurrogates(clientId, "client id");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/** User name and password sent in CONNECT (the password array is copied). */
	public MqttClient credentials(String username, byte[] password) {
		Objects.requireNonNull(username, "username");
		MqttTopics.checkSurrogates(username, "user name");
		return copy(clientId, username, password.clone(), keepAlive, cleanSession, will, version, reconnectMin,
				reconnectMax, maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/**
	 * The keep-alive interval, whole seconds from 0 (off) to 65535. The client sends PINGREQ
	 * on the loop's timers every half interval and, when a PINGRESP has not come back within
	 * one interval, treats the broker as dead: the connection is closed and, with
	 * {@link #reconnect}, opened again.
	 */
	public MqttClient keepAlive(Duration keepAlive) {
		long s = keepAlive.toSeconds();
		if (s < 0 || s > 65535 || keepAlive.toMillis() % 1000 != 0) {
			throw new IllegalArgumentException("keep-alive must be whole seconds from 0 to 65535: " + keepAlive);
		}
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/**
	 * Clean session (MQTT 5: clean start, session expiry 0). With {@code false} the broker
	 * keeps subscriptions and unacknowledged QoS 1 and 2 messages between connections (MQTT 5:
	 * a session expiry of one hour unless {@link #connectProperties} sets one), and after a
	 * reconnect the client sends its unacknowledged publishes again with the DUP flag.
	 */
	public MqttClient cleanSession(boolean cleanSession) {
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/** The last will, published by the broker when the connection ends without DISCONNECT. */
	public MqttClient will(String topic, byte[] payload, int qos, boolean retain) {
		return will(MqttMessage.of(topic, payload, qos, retain));
	}

	/** The last will as a message (MQTT 5: its properties are the will properties). */
	public MqttClient will(MqttMessage will) {
		Objects.requireNonNull(will, "will");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/** The protocol version: {@link MqttVersion#V3_1_1} (default) or {@link MqttVersion#V5}. */
	public MqttClient version(MqttVersion version) {
		Objects.requireNonNull(version, "version");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/**
	 * Reconnects automatically when an established connection is lost (closed, reset, dead
	 * broker), waiting {@code min}, then twice as long each failed attempt, up to {@code max}.
	 * After a reconnect the subscriptions are made again (unless the broker kept the session)
	 * and keep emitting into the same {@code Flux}es, and unacknowledged publishes are sent
	 * again. Protocol errors, a refused CONNECT and {@link MqttConnection#disconnect()} end the
	 * session for good; a failed first connect fails {@link #connect()}.
	 */
	public MqttClient reconnect(Duration min, Duration max) {
		if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
			throw new IllegalArgumentException("reconnect delays must be 0 < min <= max: " + min + ", " + max);
		}
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, Checks.atMostForever(min),
				Checks.atMostForever(max), maxPacketSize, maxInflight, connectTimeout, connectProperties, loop);
	}

	/**
	 * The largest packet accepted from the broker, in bytes (default 1 MiB, at least 64); a
	 * larger one closes the connection with {@link MqttProtocolException}. MQTT 5 tells the
	 * broker this limit in CONNECT.
	 */
	public MqttClient maxPacketSize(int bytes) {
		if (bytes < 64) {
			throw new IllegalArgumentException("maxPacketSize must be at least 64: " + bytes);
		}
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				bytes, maxInflight, connectTimeout, connectProperties, loop);
	}

	/**
	 * How many QoS 1 and 2 publishes may wait for their acknowledgement at once, 1 to 65535
	 * (default {@link #DEFAULT_MAX_INFLIGHT 20}). An MQTT 5 broker's Receive Maximum lowers it.
	 * Over MQTT 3.1.1 the broker cannot say how many it takes: keep this at or below its limit
	 * (Mosquitto's {@code max_inflight_messages}, 20 unless configured), or it may drop QoS 2
	 * publishes while acknowledging them. Raise it for throughput against a broker known to
	 * take more, or at QoS 1 (acknowledged at once, Mosquitto does not hold them).
	 */
	public MqttClient maxInflight(int n) {
		if (n < 1 || n > 65535) {
			throw new IllegalArgumentException("maxInflight must be 1 to 65535: " + n);
		}
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, n, connectTimeout, connectProperties, loop);
	}

	/** How long to wait for the TCP connection and CONNACK (default 30 s). */
	public MqttClient connectTimeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "connectTimeout");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, checked, connectProperties, loop);
	}

	/** MQTT 5 properties of CONNECT (ignored with 3.1.1), for example user properties. */
	public MqttClient connectProperties(MqttProperties properties) {
		Objects.requireNonNull(properties, "properties");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, properties, loop);
	}

	/** Runs the session on {@code loop} (its poll thread does the I/O, timers and signals). */
	public MqttClient runOn(MongooseLoop loop) {
		Objects.requireNonNull(loop, "loop");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, this.loop.on(loop));
	}

	/**
	 * Runs each session on a loop of {@code loops}, the next in turn (or the calling loop when
	 * connecting from one of its poll threads); a session keeps its loop across reconnects.
	 */
	public MqttClient runOn(MongooseLoops loops) {
		Objects.requireNonNull(loops, "loops");
		return copy(clientId, username, password, keepAlive, cleanSession, will, version, reconnectMin, reconnectMax,
				maxPacketSize, maxInflight, connectTimeout, connectProperties, loop.on(loops));
	}

	/**
	 * Connects with TLS (MQTT over TLS, usually port 8883): the handshake, and the check of the
	 * broker's chain and host name by the JDK's trust manager (the spec's trusted
	 * certificates, or the JDK's default trust store; the name is the spec's
	 * {@code serverName} or the URL's host), come before CONNECT is sent; a failed check fails
	 * {@link #connect()} with the reason. Reconnects use TLS too. The port stays the URL's.
	 * @throws IllegalArgumentException for a server spec, or one the built-in TLS stack cannot do
	 */
	public MqttClient secure(TlsSpec spec) {
		Objects.requireNonNull(spec, "spec");
		if (spec.isServer()) {
			throw new IllegalArgumentException("MqttClient.secure needs a client spec (TlsSpec.forClient)");
		}
		TlsAccess.config(spec).validate();
		return withTls(spec);
	}

	/**
	 * Plain MQTT, without TLS, even for an {@code mqtts://} URL or after {@link #secure(TlsSpec)}
	 * (as Reactor Netty's {@code noSSL()}); the port stays the URL's.
	 */
	public MqttClient noSSL() {
		return withTls(null);
	}

	private MqttClient withTls(@Nullable TlsSpec spec) {
		return new MqttClient(host, port, clientId, username, password, keepAlive, cleanSession, will, version,
				reconnectMin, reconnectMax, maxPacketSize, maxInflight, connectTimeout, connectProperties, loop, spec, wiretap,
				disconnectLinger);
	}

	/**
	 * Logs the bytes of the client's connections to the broker (every one, reconnections
	 * included), as {@code TcpClient.wiretap}: logger
	 * {@code io.github.reactormongoose.mqtt.MqttClient}, DEBUG, hex dumps of the MQTT packets
	 * (before encryption on {@code mqtts://}).
	 */
	@Override
	public MqttClient wiretap(boolean enable) {
		return withWiretap(Wiretap.of(enable, MqttClient.class));
	}

	/** Logs the bytes of the client's connections to the logger {@code category}, at {@code level}, in {@code format}. */
	@Override
	public MqttClient wiretap(String category, LogLevel level, AdvancedByteBufFormat format, Charset charset) {
		return withWiretap(Wiretap.of(category, level, format, charset));
	}

	private MqttClient withWiretap(@Nullable Wiretap w) {
		return new MqttClient(host, port, clientId, username, password, keepAlive, cleanSession, will, version,
				reconnectMin, reconnectMax, maxPacketSize, maxInflight, connectTimeout, connectProperties, loop, tls, w,
				disconnectLinger);
	}

	/**
	 * This client with another limit on how long a close waits for its DISCONNECT to go out to
	 * a broker that does not read ({@link ClientSession#DISCONNECT_DRAIN}, 10 s, for
	 * {@code disconnect()}; the 1 s {@link ClientSession#DISCONNECT_LINGER} over a protocol error
	 * is lowered to it too; for tests).
	 */
	MqttClient disconnectLinger(Duration linger) {
		return new MqttClient(host, port, clientId, username, password, keepAlive, cleanSession, will, version,
				reconnectMin, reconnectMax, maxPacketSize, maxInflight, connectTimeout, connectProperties, loop, tls, wiretap,
				Checks.positive(linger, "disconnectLinger"));
	}

	/** Whether the client connects with TLS ({@code mqtts://} or {@link #secure(TlsSpec)}). */
	public boolean isSecure() {
		return tls != null;
	}

	public String host() {
		return host;
	}

	public int port() {
		return port;
	}

	public String clientId() {
		return clientId;
	}

	public MqttVersion version() {
		return version;
	}

	/**
	 * Opens the session when subscribed: TCP connection, CONNECT, and emits once the broker
	 * accepted it (CONNACK 0). Fails with {@link MqttException} (the return or reason code) if
	 * the broker refuses, with a {@link io.github.reactormongoose.MongooseException} whose
	 * cause is a {@link java.net.ConnectException} if there is no broker, with
	 * {@link MqttException} ("no CONNACK within ...") after the connect timeout. Cancelling
	 * before CONNACK closes the connection. Fails with {@link IllegalArgumentException}, without
	 * connecting, for an empty client id with {@code cleanSession(false)} over MQTT 3.1.1
	 * (MQTT-3.1.3-7: an empty client id needs a clean session).
	 */
	public Mono<MqttConnection> connect() {
		return Mono.defer(() -> {
			if (clientId.isEmpty() && !cleanSession && version == MqttVersion.V3_1_1) {
				return Mono.error(new IllegalArgumentException("an empty client id needs a clean session over MQTT 3.1.1"
						+ " (MQTT-3.1.3-7): set a client id, or cleanSession(true)"));
			}
			MongooseLoop l = loop.next();
			return Mono.create(sink -> new ClientSession(this, l).open(sink));
		});
	}

	@Override
	public String toString() {
		return "MqttClient[" + (tls != null ? "mqtts://" : "mqtt://") + host + ":" + port + ", " + clientId + ", "
				+ version + "]";
	}
}
