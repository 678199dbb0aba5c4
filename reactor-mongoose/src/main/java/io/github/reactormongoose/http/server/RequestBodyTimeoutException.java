/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.server;

import java.time.Duration;

import io.github.reactormongoose.MongooseException;

/**
 * A streamed request body took too long: the client sent no bytes of it for longer than
 * {@link HttpServer#readTimeout(Duration)} while the server was reading it, or the whole body
 * took longer than {@link HttpServer#requestTimeout(Duration)}. The body fails with it; a handler
 * that lets it propagate gets a {@code 408 Request Timeout} answer if its response has not
 * started, and the connection closes.
 */
public final class RequestBodyTimeoutException extends MongooseException {

	private static final long serialVersionUID = 1L;

	RequestBodyTimeoutException(Duration timeout, long received) {
		super("No request body bytes for " + timeout.toMillis() + " ms (HttpServer.readTimeout) after " + received
				+ " bytes");
	}

	RequestBodyTimeoutException(long received, Duration timeout) {
		super("The request body was not complete within " + timeout.toMillis() + " ms (HttpServer.requestTimeout): "
				+ received + " bytes received");
	}
}
