/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.time.ZonedDateTime;

import io.github.reactormongoose.internal.metrics.AccessLog;

/** The {@link ErrorLogArgs} of one handler error. */
record ErrorLogEntry(ZonedDateTime errorDateTime, InetSocketAddress remoteAddress, String method, String uri,
		Throwable cause, int status) implements ErrorLogArgs {

	@Override
	public String defaultLine() {
		return AccessLog.errorLine(errorDateTime, remoteAddress, method, uri, cause);
	}
}
