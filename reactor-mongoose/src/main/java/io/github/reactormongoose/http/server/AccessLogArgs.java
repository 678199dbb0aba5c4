/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.ZonedDateTime;

import org.jspecify.annotations.Nullable;

/**
 * One exchange as {@link HttpServer#accessLog(boolean, java.util.function.Function)} sees it
 * when it ends, to format its access log line or leave it out (Reactor Netty's
 * {@code AccessLogArgProvider}).
 */
public interface AccessLogArgs {

	/** When the request arrived. */
	ZonedDateTime accessDateTime();

	InetSocketAddress remoteAddress();

	String method();

	/** The request target as sent (path and query, still encoded). */
	String uri();

	/** {@code HTTP/1.1} or {@code HTTP/1.0}. */
	String protocol();

	/** The response status. */
	int status();

	/** Response body bytes handed to the connection. */
	long contentLength();

	/** From the request's arrival to its last response byte handed to the connection. */
	Duration duration();

	/** A request header, or {@code null}. */
	@Nullable String requestHeader(String name);

	/** A response header, or {@code null}. */
	@Nullable String responseHeader(String name);

	/** The default line: Common Log Format plus the response time, request text escaped. */
	String commonLogFormat();
}
