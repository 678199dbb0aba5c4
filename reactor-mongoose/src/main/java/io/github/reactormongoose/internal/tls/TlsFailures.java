/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.tls;

import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;
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

	private TlsFailures() {
	}

	/** Logs the failed handshake of {@code peer}, with the stack's {@code reason}. */
	public static void handshakeFailed(@Nullable InetSocketAddress peer, String reason) {
		Loggers.getLogger(LOGGER).info("TLS handshake failed with {}: {}", peer, reason);
	}

	/** Logs that the JDK could not read the certificate {@code peer} sent ({@code reason}). */
	public static void certificateUnreadable(@Nullable InetSocketAddress peer, String reason) {
		Loggers.getLogger(LOGGER).info("TLS client certificate of {} unreadable by the JDK: {}", peer, reason);
	}
}
