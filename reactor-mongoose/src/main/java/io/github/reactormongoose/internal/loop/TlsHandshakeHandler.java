/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.nio.ByteBuffer;

/**
 * The handler of an outbound connection while its TLS handshake runs: it gets the server's
 * Certificate message, then the end of the handshake, and decides before any application
 * data is read.
 */
public interface TlsHandshakeHandler extends ChannelHandler {

	/** The server's TLS 1.3 Certificate message (handshake header included). */
	void onTlsPeerCertificates(ByteBuffer buf, int offset, int length);

	/** The handshake completed. */
	void onTlsHandshakeDone();
}
