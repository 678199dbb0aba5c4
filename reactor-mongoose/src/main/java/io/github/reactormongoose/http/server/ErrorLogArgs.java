/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.time.ZonedDateTime;

/**
 * One handler error as {@link HttpServer#errorLog(boolean, java.util.function.Function)} sees
 * it, to format its error log line or leave it out (Reactor Netty's {@code ErrorLogArgProvider}).
 */
public interface ErrorLogArgs {

	/** When the error reached the server. */
	ZonedDateTime errorDateTime();

	/** The client (the one a PROXY header or {@code forwarded(true)} named, if any). */
	InetSocketAddress remoteAddress();

	String method();

	/** The request target as sent (path and query, still encoded). */
	String uri();

	/** The error the handler's {@code Publisher} ended with. */
	Throwable cause();

	/**
	 * The status the error was answered with (500 for the server's fault, 400, 408, 413 or 415
	 * for the client's), or 0 when it came after the response had started (the connection is
	 * then closed) or had ended.
	 */
	int status();

	/**
	 * The default line, as Reactor Netty's: {@code [2026-12-05T22:51:00.123+0000] [pid 4242]
	 * [client 127.0.0.1:54321] GET /boom: java.lang.IllegalStateException: boom}, request text
	 * escaped.
	 */
	String defaultLine();
}
