/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import io.github.reactormongoose.MongooseLoop;
import io.github.reactormongoose.MongooseLoops;
import io.github.reactormongoose.internal.Checks;
import io.github.reactormongoose.internal.loop.Addresses;
import io.github.reactormongoose.internal.loop.EventLoop;
import io.github.reactormongoose.internal.loop.LoopAccess;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * An SNTP client (RFC 4330) on Mongoose's SNTP code: the request is {@code mg_sntp_request}'s
 * and the time {@code mg_sntp_parse}'s, on a UDP socket connected to the server. Immutable.
 * <pre>{@code
 * Instant now = Sntp.query("udp://pool.ntp.org:123").block();
 * SntpTime t = Sntp.create().timeout(Duration.ofSeconds(2)).request("127.0.0.1:1123").block();
 * Duration localClockError = t.offset();
 * }</pre>
 * A refused answer fails with a {@link SntpException} that says why: shorter than 48 bytes,
 * an origin time that does not echo the request's (checked before the rest, so that a forged
 * answer is never taken for a kiss-o'-death), not a server mode, a version other than 3 or 4,
 * stratum 0 (a "kiss-o'-death", with its code), an unsynchronised server (leap indicator 3),
 * or a zero transmit time.
 */
public final class Sntp {

	/** The NTP port. */
	public static final int DEFAULT_PORT = 123;

	private final Duration timeout;
	private final @Nullable MongooseLoop loop;
	private final @Nullable MongooseLoops loops;

	private Sntp(Duration timeout, @Nullable MongooseLoop loop, @Nullable MongooseLoops loops) {
		this.timeout = timeout;
		this.loop = loop;
		this.loops = loops;
	}

	/** A client with a 5 s timeout, on {@link MongooseLoops#shared()}. */
	public static Sntp create() {
		return new Sntp(Duration.ofSeconds(5), null, null);
	}

	/** The server's time, with a 5 s timeout: {@code create().request(url).map(SntpTime::time)}. */
	public static Mono<Instant> query(String url) {
		return create().request(url).map(SntpTime::time);
	}

	/** How long to wait for the answer (positive). The request is not repeated. */
	public Sntp timeout(Duration timeout) {
		Duration checked = Checks.positive(timeout, "timeout");
		return new Sntp(checked, loop, loops);
	}

	/** Runs the requests on {@code loop}. */
	public Sntp runOn(MongooseLoop loop) {
		return new Sntp(timeout, Objects.requireNonNull(loop, "loop"), null);
	}

	/** Runs each request on the next loop of {@code loops}. */
	public Sntp runOn(MongooseLoops loops) {
		return new Sntp(timeout, null, Objects.requireNonNull(loops, "loops"));
	}

	/**
	 * Asks the server at {@code url} ({@code udp://host:port}, {@code host:port} or
	 * {@code host}; port 123 by default; a host name is resolved by the JDK resolver off the
	 * poll thread) for its time, when subscribed. A port outside 1 to 65535 fails with
	 * {@link IllegalArgumentException}.
	 */
	public Mono<SntpTime> request(String url) {
		Objects.requireNonNull(url, "url");
		return Mono.defer(() -> {
			URI u;
			try {
				u = new URI(url.contains("://") ? url : "udp://" + url);
			}
			catch (URISyntaxException e) {
				return Mono.error(new IllegalArgumentException("invalid SNTP URL " + url, e));
			}
			if (!"udp".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
				return Mono.error(new IllegalArgumentException("invalid SNTP URL " + url + ": udp://host[:port] expected"));
			}
			int port = u.getPort() < 0 ? DEFAULT_PORT : u.getPort();
			if (port < 1 || port > 65535) { // java.net.URI takes any number of digits
				return Mono.error(new IllegalArgumentException("port out of range: " + port + " in SNTP URL " + url));
			}
			EventLoop el = LoopAccess.engine(LoopAccess.choose(loop, loops));
			return Addresses.resolve(u.getHost()).flatMap(ip -> Mono.<SntpTime>create(sink -> el.executeOrRun(() -> {
				try {
					SntpExchange.start(el, new InetSocketAddress(ip, port), timeout, sink);
				}
				catch (RuntimeException e) { // to the subscriber, not the poll thread's log
					sink.error(e);
				}
			})));
		});
	}

	@Override
	public String toString() {
		return "Sntp[timeout " + timeout.toMillis() + " ms]";
	}
}
