/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.dns;

import io.github.reactormongoose.MongooseException;

/**
 * A DNS lookup failed for another reason than a name that does not exist (that one is a
 * {@link java.net.UnknownHostException}): the nameserver answered with an error code, did
 * not answer in time, or sent a malformed or truncated answer.
 */
public class DnsException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final int rcode;

	/** @param rcode the DNS response code, or -1 when the failure is not one */
	public DnsException(String message, int rcode) {
		super(message);
		this.rcode = rcode;
	}

	/**
	 * @param rcode the DNS response code, or -1 when the failure is not one
	 * @param cause what made the lookup fail
	 */
	public DnsException(String message, int rcode, Throwable cause) {
		super(message, cause);
		this.rcode = rcode;
	}

	/** The response code of the answer (2 SERVFAIL, 5 REFUSED, ...), or -1. */
	public int rcode() {
		return rcode;
	}
}
