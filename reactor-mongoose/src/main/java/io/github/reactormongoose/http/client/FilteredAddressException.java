/*
 * SPDX-License-Identifier: GPL-2.0-only
 */
package io.github.reactormongoose.http.client;

import java.net.InetAddress;
import java.util.List;

import io.github.reactormongoose.MongooseException;

/**
 * No address of the request's host is accepted by the client's
 * {@link HttpClient#addressFilter(java.util.function.Predicate) address filter}: nothing was
 * connected to.
 */
public class FilteredAddressException extends MongooseException {

	private static final long serialVersionUID = 1L;

	private final String host;

	private final transient List<InetAddress> addresses;

	public FilteredAddressException(String host, List<InetAddress> addresses) {
		super("Filtered host '" + host + "': the address filter accepts none of its addresses "
				+ addresses.stream().map(InetAddress::getHostAddress).toList());
		this.host = host;
		this.addresses = List.copyOf(addresses);
	}

	/** The host of the request (a name or an IP literal, as in its URI). */
	public String host() {
		return this.host;
	}

	/** The addresses the host resolved to, all refused by the filter. */
	public List<InetAddress> addresses() {
		return this.addresses;
	}
}
