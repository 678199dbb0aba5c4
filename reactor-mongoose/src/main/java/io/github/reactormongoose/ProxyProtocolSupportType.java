/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

/**
 * Whether a server's connections start with a PROXY protocol header (HAProxy's, version 1 or
 * 2), as a load balancer in front of it sends (HAProxy {@code send-proxy}, nginx
 * {@code proxy_protocol on}, AWS NLB, …): the header names the client, whose address then
 * is the connection's remote address. Reactor Netty's {@code ProxyProtocolSupportType}.
 * Given to {@code HttpServer.proxyProtocol} and {@code TcpServer.proxyProtocol}.
 * <p>
 * Only turn it on for a port that nobody but the proxy can reach: the header is taken on
 * trust.
 */
public enum ProxyProtocolSupportType {

	/** Every connection must start with a header; one that does not is closed unanswered. */
	ON,

	/** No header is expected (the default): bytes that look like one are the protocol's. */
	OFF,

	/**
	 * A connection may start with a header (it is then used) or not (the socket's peer is the
	 * client): for a port reached both through the proxy and directly.
	 */
	AUTO
}
