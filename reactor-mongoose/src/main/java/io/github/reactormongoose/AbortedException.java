/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose;

/**
 * The connection went away while data was being sent on it or read from it: a client that
 * closed or reset its connection during its request body or its response, or a send on a
 * connection already closed. Named and meant as Reactor Netty's {@code AbortedException}:
 * frameworks that tell a client that went away from a server failure by this name (Spring's
 * {@code DisconnectedClientHelper}, used by WebFlux and Spring Boot's error handling) log it
 * quietly instead of as a server error. A {@link ConnectionClosedException}, so code that
 * catches that keeps working.
 */
public class AbortedException extends ConnectionClosedException {

	private static final long serialVersionUID = 1L;

	public AbortedException(String message) {
		super(message);
	}
}
