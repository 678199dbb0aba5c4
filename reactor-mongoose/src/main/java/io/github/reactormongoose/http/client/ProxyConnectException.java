/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.ConnectException;

/**
 * The proxy did not open the tunnel to the request's host: an HTTP proxy answered
 * {@code CONNECT} with a status other than 2xx (407 when it wants credentials), a SOCKS
 * proxy refused the request or every authentication method offered, the proxy closed the
 * connection or did not answer in time, or it spoke something else. Nothing was sent to the
 * host. The message names the proxy, the target and the reason, as Netty's
 * {@code ProxyConnectException} does.
 */
public class ProxyConnectException extends ConnectException {

	private static final long serialVersionUID = 1L;

	private final int status;

	public ProxyConnectException(String message, int status) {
		super(message);
		this.status = status;
	}

	/** The HTTP proxy's status code ({@code 407}, {@code 403}, {@code 502}...), or -1 (SOCKS, no answer, bad answer). */
	public int status() {
		return status;
	}
}
