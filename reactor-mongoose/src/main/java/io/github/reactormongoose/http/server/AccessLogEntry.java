/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.ZonedDateTime;

import io.github.reactormongoose.http.HttpHeaders;
import io.github.reactormongoose.internal.metrics.AccessLog;
import org.jspecify.annotations.Nullable;

/** An ended exchange as a custom access log format sees it. */
record AccessLogEntry(ZonedDateTime accessDateTime, InetSocketAddress remoteAddress, String method, String uri,
		String protocol, int status, long contentLength, long nanos, HttpHeaders requestHeaders,
		HttpHeaders responseHeaders) implements AccessLogArgs {

	@Override
	public Duration duration() {
		return Duration.ofNanos(nanos);
	}

	@Override
	public @Nullable String requestHeader(String name) {
		return requestHeaders.get(name);
	}

	@Override
	public @Nullable String responseHeader(String name) {
		return responseHeaders.get(name);
	}

	@Override
	public String commonLogFormat() {
		return AccessLog.format(remoteAddress, accessDateTime, method, uri, protocol, status, contentLength, nanos);
	}
}
