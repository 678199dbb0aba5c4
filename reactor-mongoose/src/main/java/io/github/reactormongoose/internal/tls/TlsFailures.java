/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * Logs failed TLS handshakes of accepted connections, one INFO line with the peer and the
 * built-in stack's reason (the glue prefixes errors raised during a handshake), as a server
 * cannot report them anywhere else: for example a TLS 1.2-only client ("bad client hello"),
 * an untrusted client certificate, bytes that are not TLS, or the handshake timeout.
 */
public final class TlsFailures {

	/** The logger's name: {@code io.github.reactormongoose.tls}. */
	public static final String LOGGER = "io.github.reactormongoose.tls";
	private static final String PREFIX = "TLS handshake failed";

	private TlsFailures() {
	}

	/** Logs message if it is a handshake failure; returns whether it was one. */
	public static boolean report(@Nullable InetSocketAddress peer, String message) {
		if (!message.startsWith(PREFIX)) {
			return false;
		}
		Logger log = Loggers.getLogger(LOGGER);
		log.info("{} with {}{}", PREFIX, peer, message.substring(PREFIX.length()));
		return true;
	}
}
