/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.internal.metrics;

import java.net.InetSocketAddress;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.github.reactormongoose.internal.LogText;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The access log: one line per exchange at INFO on the logger
 * {@code reactor.mongoose.http.server.AccessLog} (SLF4J when it is on the class path), in the
 * Common Log Format followed by the response time, as Reactor Netty writes it:
 * {@code 127.0.0.1 - - [02/Dec/2026:01:30:00 +0000] "GET /hello HTTP/1.1" 200 13 0.412 ms}.
 */
public final class AccessLog {

	/** The logger's name. */
	public static final String NAME = "reactor.mongoose.http.server.AccessLog";
	private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US);

	private AccessLog() {
	}

	/** Logs one exchange ({@code nanos} since the request arrived: the line's time). */
	public static void log(InetSocketAddress remote, String method, String uri, String protocol, int status,
			long bytesSent, long nanos) {
		// looked up per line (only when the log is on): follows Loggers.useCustomLoggers & co
		Logger log = Loggers.getLogger(NAME);
		if (log.isInfoEnabled()) {
			// stamped with the request's arrival, as %t of the Common Log Format and Reactor Netty
			log.info(format(remote, ZonedDateTime.now().minusNanos(nanos), method, uri, protocol, status, bytesSent,
					nanos));
		}
	}

	/** Logs a line made by the application's format, control characters escaped (no log forging). */
	public static void logLine(String line) {
		Logger log = Loggers.getLogger(NAME);
		if (log.isInfoEnabled()) {
			log.info(LogText.escape(line));
		}
	}

	/** The default line of one exchange (Common Log Format plus the response time). */
	public static String format(InetSocketAddress remote, ZonedDateTime time, String method, String uri, String protocol,
			int status, long bytesSent, long nanos) {
		return host(remote) + " - - [" + CLF.format(time) + "] \"" + printable(method) + " " + printable(uri) + " "
				+ printable(protocol) + "\" " + status + " " + (bytesSent > 0 ? Long.toString(bytesSent) : "-") + " "
				+ String.format(Locale.ROOT, "%.3f", nanos / 1e6) + " ms";
	}

	/** The error log's logger (Reactor Netty's {@code reactor.netty.http.server.ErrorLog}). */
	public static final String ERROR_NAME = "reactor.mongoose.http.server.ErrorLog";
	private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ", Locale.US);
	private static final long PID = ProcessHandle.current().pid();

	/** Writes an error log line at ERROR, control characters escaped (no log forging). */
	public static void logError(String line) {
		Logger log = Loggers.getLogger(ERROR_NAME);
		if (log.isErrorEnabled()) {
			log.error(LogText.escape(line));
		}
	}

	/** The default error log line, as Reactor Netty's plus the request: {@code [time] [pid N] [client a:p] GET /x: error}. */
	public static String errorLine(ZonedDateTime time, InetSocketAddress remote, String method, String uri, Throwable cause) {
		return "[" + ISO.format(time) + "] [pid " + PID + "] [client " + host(remote) + ":" + remote.getPort() + "] "
				+ printable(method) + " " + printable(uri) + ": " + cause;
	}

	/** The client's IP as text (its name only for an unresolved address). */
	private static String host(InetSocketAddress remote) {
		return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	/** Request text as logged: quotes, backslashes and control bytes escaped (no log forging). */
	static String printable(String s) {
		return LogText.escapeQuoted(s);
	}
}
