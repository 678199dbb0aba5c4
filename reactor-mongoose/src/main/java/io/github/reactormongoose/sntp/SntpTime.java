/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.sntp;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * The answer of an SNTP server: its time when the answer arrived and how far the local clock
 * is from it.
 */
public final class SntpTime {

	private final Instant time;
	private final Duration offset;
	private final Duration roundTrip;
	private final InetSocketAddress server;

	SntpTime(Instant time, Duration offset, Duration roundTrip, InetSocketAddress server) {
		this.time = time;
		this.offset = offset;
		this.roundTrip = roundTrip;
		this.server = server;
	}

	/**
	 * The server's time when its answer arrived: its transmit time plus half of the round trip
	 * without the server's own processing time (Mongoose's {@code mg_sntp_parse}), to the
	 * millisecond.
	 */
	public Instant time() {
		return time;
	}

	/**
	 * {@link #time()} minus the local wall clock ({@code CLOCK_REALTIME}) when the answer
	 * arrived: positive when the local clock is behind the server's. Add it to the local time
	 * to get the server's.
	 */
	public Duration offset() {
		return offset;
	}

	/** From sending the request to receiving the answer, measured locally. */
	public Duration roundTrip() {
		return roundTrip;
	}

	/** The server that answered. */
	public InetSocketAddress server() {
		return server;
	}

	@Override
	public String toString() {
		return "SntpTime[" + time + ", offset " + offset.toMillis() + " ms, round trip " + roundTrip.toMillis()
				+ " ms, from " + server + "]";
	}
}
