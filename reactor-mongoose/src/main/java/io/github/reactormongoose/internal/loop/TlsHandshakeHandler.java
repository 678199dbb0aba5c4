/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.loop;

import java.nio.ByteBuffer;

/**
 * The handler of a TLS connection while its handshake runs. An outbound connection gets the
 * server's Certificate message, then the end of the handshake, and decides before any
 * application data is read; an accepted one gets the client's Certificate message when the
 * server asked for one (before the built-in stack checks it: if the stack refuses the chain,
 * the connection closes before any request is read).
 */
public interface TlsHandshakeHandler extends ChannelHandler {

	/** The peer's TLS 1.3 Certificate message (handshake header included). */
	void onTlsPeerCertificates(ByteBuffer buf, int offset, int length);

	/** The handshake completed. */
	void onTlsHandshakeDone();
}
